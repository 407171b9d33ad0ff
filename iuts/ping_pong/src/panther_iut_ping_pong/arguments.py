"""Argument types shared by the server's and the client's command lines.

Each rejects an out-of-range value with a message naming the bound, so that a bad
command ends with argparse's usage error (exit status 2) instead of a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

N = TypeVar("N", int, float)


def bounded(kind: Callable[[str], N], low: N, high: N | None = None, *, low_open: bool = False) -> Callable[[str], N]:
    """A parser for a number of type ``kind`` in ``[low, high]`` (``(low, high]`` when ``low_open``)."""

    def parse(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        too_low = value <= low if low_open else value < low
        if too_low or (high is not None and value > high):
            lower = f"> {low}" if low_open else f">= {low}"
            expected = f"{lower} and <= {high}" if high is not None else lower
            raise argparse.ArgumentTypeError(f"expected a value {expected}, got {text}")
        return value

    return parse


port = bounded(int, 0, 65535)
