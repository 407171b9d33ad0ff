"""Reading a tester's output: the verdict of one Ivy test run, with its evidence.

An Ivy tester's exit status cannot be trusted (a requirement that fails at the end of
the test still exits 0), so the verdict comes from what it printed on its standard
output, its trace:

- ``> action(args)``: an input the tester generated and gave the implementation;
- ``< action(args)``: an event the tester observed (a datagram, a deadline);
- ``assumption_failed("file.ivy: line N")``: the implementation did something the
  specification does not permit; the first one is the verdict's reason;
- ``assertion_failed("file.ivy: line N")``: the model contradicted itself;
- ``test_completed``: the test ran to its end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from panther_tester_ivy.models import ModelSource

_FAILURE = re.compile(r'^(?P<kind>assumption|assertion)_failed\("(?P<file>[^":]+?\.ivy): line (?P<line>\d+)"\)')
_EVENT = re.compile(r"^[<>] \S")
COMPLETED = "test_completed"
#: How much of an event line a verdict quotes.
EVENT_LIMIT = 400


@dataclass(frozen=True)
class Requirement:
    """A line of the model: where it is and what it says."""

    file: str
    line: int
    text: str

    def describe(self) -> str:
        return f"{self.file}:{self.line}: {self.text}" if self.text else f"{self.file}:{self.line}"


@dataclass
class TesterReport:
    """What one run of a tester showed."""

    completed: bool = False
    #: The first failed requirement, and whether the implementation (assumption) or the
    #: model itself (assertion) failed it.
    violation: Requirement | None = None
    model_error: bool = False
    #: The event that violated it (the last one the tester printed before the failure).
    culprit: str | None = None
    generated: int = 0
    observed: int = 0
    last_event: str | None = None

    @property
    def events(self) -> int:
        return self.generated + self.observed


def requirement_at(model: ModelSource, file: str, line: int) -> Requirement:
    """The text of ``file:line`` of the model (empty when the model has no such line)."""
    path = model.find(file)
    text = ""
    if path is not None:
        lines = path.read_text(errors="replace").splitlines()
        if 0 < line <= len(lines):
            text = " ".join(lines[line - 1].split())
    return Requirement(Path(file).name, line, text)


def read_report(stdout: Path, model: ModelSource) -> TesterReport:
    """Read a tester's trace; a missing file reads as a run that printed nothing."""
    try:
        text = stdout.read_text(errors="replace")
    except OSError:
        text = ""
    return parse_report(text, model)


def parse_report(text: str, model: ModelSource) -> TesterReport:
    report = TesterReport()
    for raw in text.splitlines():
        line = raw.strip()
        if _EVENT.match(line):
            if line.startswith(">"):
                report.generated += 1
            else:
                report.observed += 1
            report.last_event = _shorten(line)
            continue
        if line == COMPLETED:
            report.completed = True
            continue
        match = _FAILURE.match(line)
        if match and report.violation is None:
            report.violation = requirement_at(model, match["file"], int(match["line"]))
            report.model_error = match["kind"] == "assertion"
            report.culprit = report.last_event
    return report


def _shorten(event: str) -> str:
    return event if len(event) <= EVENT_LIMIT else event[: EVENT_LIMIT - 3] + "..."
