"""Verdicts and the results of tests, as the reports write them."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from panther.config.resolved import CellCoordinates
from panther.services.outcome import Check

#: Verdicts from worst to best.
VERDICTS = ("error", "failed", "unsupported", "skipped", "passed")


def worst(statuses: Iterable[str]) -> str:
    ranked = [VERDICTS.index(status) for status in statuses]
    return VERDICTS[min(ranked)] if ranked else "passed"


def verdict_of(statuses: Iterable[str]) -> str:
    """A test's verdict: the worst of its checks that reached a judgement.

    A skipped check (its evidence could not be had, e.g. a qlog that does not
    record the ALPN) is listed in the report but does not turn a test whose other
    checks passed into a skip; only a test whose checks were all skipped is skipped.
    """
    statuses = list(statuses)
    judged = [status for status in statuses if status != "skipped"]
    return worst(judged or statuses)


def deciding_check(checks: list[Check]) -> Check | None:
    """The first check with the test's verdict: the one the test's reason names."""
    verdict = verdict_of(check.status for check in checks)
    return next((check for check in checks if check.status == verdict), None)


class ServiceResult(msgspec.Struct, kw_only=True):
    name: str
    role: str
    implementation: str
    argv: list[str]
    command: str
    output_dir: str
    exit_code: int | None = None
    duration: float = 0.0
    stopped_by_harness: bool = False
    timed_out: bool = False
    start_error: str | None = None


class TestResult(msgspec.Struct, kw_only=True):
    name: str
    iteration: int
    iterations: int
    verdict: str
    reason: str
    output_dir: str
    duration: float = 0.0
    checks: list[Check] = []
    services: list[ServiceResult] = []
    # Phase name -> seconds.
    phases: dict[str, float] = {}
    # Where the test sits in its matrix, when it is a matrix cell.
    matrix: CellCoordinates | None = None
    # Numbers measured from the evidence (``goodput_mbps``: 94.2).
    measurements: dict[str, float] = {}

    @property
    def label(self) -> str:
        """The test's name, with its iteration when it runs more than once."""
        return f"{self.name} [{self.iteration}/{self.iterations}]" if self.iterations > 1 else self.name


def reason_of(checks: list[Check]) -> str:
    check = deciding_check(checks)
    if check is None or check.status == "passed":
        return ""
    return f"{check.name}: {check.reason}" if check.reason else check.name
