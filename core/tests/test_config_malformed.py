"""Every malformed experiment under data/malformed/ is reported precisely, in-process and by the CLI.

Each file holds one mistake and says, in its leading comments, what the error must
name: ``# expect-message:`` (a part of the message; may repeat), ``# expect-at:``
(the exact document path, ``-`` for none), ``# expect-line:`` (``-`` for none),
``# expect-expected:`` and ``# expect-found:`` (parts of those fields; may repeat).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from panther.config.errors import ConfigError
from panther.config.loader import load_experiment
from panther.plugins.registry import PluginRegistry

MALFORMED = Path(__file__).parent / "data" / "malformed"
CASES = sorted(MALFORMED.glob("*.yaml"))
_HEADER_KEYS = ("mistake", "expect-message", "expect-at", "expect-line", "expect-expected", "expect-found")


@dataclass
class Expectation:
    mistake: str
    messages: list[str]
    line: int | None
    path: str | None
    path_given: bool
    expected: list[str]
    found: list[str]


def read_expectation(case: Path) -> Expectation:
    values: dict[str, list[str]] = {}
    for raw in case.read_text(encoding="utf-8").splitlines():
        if not raw.startswith("# "):
            break
        key, _, value = raw[2:].partition(": ")
        assert key in _HEADER_KEYS, f"{case.name}: unknown header {key!r}"
        values.setdefault(key, []).append(value)
    assert values.get("mistake") and values.get("expect-message"), f"{case.name}: describe the mistake and message"
    assert "expect-line" in values, f"{case.name}: say on which line the mistake is (or '-')"
    line = values["expect-line"][0]
    path = values.get("expect-at", [None])[0]
    return Expectation(
        mistake=values["mistake"][0],
        messages=values["expect-message"],
        line=None if line == "-" else int(line),
        path=None if path == "-" else path,
        path_given="expect-at" in values,
        expected=values.get("expect-expected", []),
        found=values.get("expect-found", []),
    )


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_mistake_is_reported_precisely(case: Path, registry: PluginRegistry) -> None:
    expectation = read_expectation(case)
    with pytest.raises(ConfigError) as caught:
        load_experiment(case, registry)
    error = caught.value
    assert error.file == case
    for part in expectation.messages:
        assert part in error.message
    assert error.line == expectation.line
    if expectation.path_given:
        assert error.path == expectation.path
    for part in expectation.expected:
        assert error.expected is not None and part in error.expected
    for part in expectation.found:
        assert error.found is not None and part in error.found
    where = f"{case}:{expectation.line}: " if expectation.line is not None else f"{case}: "
    assert str(error).startswith(where)


_CLI_MISSING = importlib.util.find_spec("panther.cli.app") is None


@pytest.mark.skipif(_CLI_MISSING, reason="the CLI (panther.cli.app) is not part of this build yet")
@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_cli_validate_reports_mistake(case: Path) -> None:
    expectation = read_expectation(case)
    result = subprocess.run(
        [sys.executable, "-m", "panther", "validate", str(case)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for part in expectation.messages:
        assert part in result.stderr
    if expectation.path is not None:
        assert f"at: {expectation.path}" in result.stderr
    if expectation.line is not None:
        assert f"{case.name}:{expectation.line}:" in result.stderr
