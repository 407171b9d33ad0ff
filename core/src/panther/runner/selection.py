"""Which tests a run runs: the ``--filter`` patterns, then this machine's ``--shard``.

A pattern is a test name or a shell-style pattern (``*``, ``?``, ``[...]``, as
:mod:`fnmatch` reads them); it selects a test when it matches the test's name or one of
its leading ``/``-separated parts, so ``interop`` selects every cell of the matrix
``interop`` and ``interop/retry`` (or ``interop/retry/*``) its ``retry`` cells. Shards
split what the patterns selected: test *i* (counted from 0, in the file's order, each
matrix expanded case by case) goes to shard ``i mod N + 1``. Every test is in exactly
one shard, the shards differ in size by one test at most, each case of a matrix is
spread evenly over them, and the split depends on nothing but the selection (not on
``--jobs``, not on the machine).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TypeVar

from panther.config.errors import ConfigError
from panther.config.resolved import ResolvedExperiment, ResolvedTest

T = TypeVar("T")

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
#: Names a "matches nothing" error shows as examples.
_EXAMPLES = 8


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as ``--shard K/N`` writes it)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/3"`` -> ``Shard(2, 3)``, or a :class:`ConfigError` saying what is wrong."""
        match = _SHARD.match(text)
        expected = "K/N: shard K of N, with 1 <= K <= N (for example 2/3)"
        if match is None:
            raise ConfigError(f"--shard {text!r} is not of the form K/N", expected=expected, found=repr(text))
        index, count = int(match.group(1)), int(match.group(2))
        if count < 1 or not 1 <= index <= count:
            raise ConfigError(f"--shard {text}: there is no shard {index} of {count}", expected=expected, found=text)
        return cls(index, count)

    def take(self, items: Sequence[T]) -> list[T]:
        """This shard's share of ``items``: those at the positions :func:`shard_of` gives it."""
        return list(items[self.index - 1 :: self.count])

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(position: int, count: int) -> int:
    """The shard (1-based) of ``count`` that runs the test at ``position`` (from 0) of the selection."""
    return position % count + 1


def matches(name: str, pattern: str) -> bool:
    """Whether ``pattern`` selects the test called ``name``."""
    parts = name.split("/")
    prefixes = ["/".join(parts[:end]) for end in range(len(parts), 0, -1)]
    return any(prefix == pattern or fnmatchcase(prefix, pattern) for prefix in prefixes)


def select_tests(experiment: ResolvedExperiment, patterns: Sequence[str] | None) -> list[ResolvedTest]:
    """The tests ``patterns`` select (every test when there are none), in the file's order.

    A pattern that selects nothing is a mistake (a typo would otherwise run nothing and pass).
    """
    if not patterns:
        return list(experiment.tests)
    names = [test.name for test in experiment.tests]
    for pattern in patterns:
        if not any(matches(name, pattern) for name in names):
            raise _matches_nothing(experiment, pattern, names)
    return [test for test in experiment.tests if any(matches(test.name, pattern) for pattern in patterns)]


def _matches_nothing(experiment: ResolvedExperiment, pattern: str, names: list[str]) -> ConfigError:
    candidates = list(dict.fromkeys([*(axes.group for axes in experiment.matrices), *names]))
    shown = candidates[:_EXAMPLES]
    more = len(candidates) - len(shown)
    listing = ", ".join(repr(name) for name in shown) + (f" and {more} more" if more > 0 else "")
    return ConfigError(
        message=f"--filter {pattern!r} matches no test of this experiment",
        file=experiment.source,
        expected="a test name or a shell-style pattern (*, ?, [...]) over names such as " + listing,
        found=repr(pattern),
    )
