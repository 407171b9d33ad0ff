"""What a service did (its outcome) and what a check concluded from it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

CheckStatus = Literal["passed", "failed", "error", "unsupported", "skipped"]

# An implementation exits with this code when asked for a feature it lacks.
EXIT_UNSUPPORTED = 127


class Check(msgspec.Struct, kw_only=True):
    """One judgement: which check, its status, why, and where the evidence is."""

    # What was checked, e.g. "client exit", "files", "alpn"; unique within a test.
    name: str
    # passed, failed, error, unsupported or skipped.
    status: CheckStatus
    # Why, in a sentence a person reads in the report (empty for a plain pass).
    reason: str = ""
    # Paths of the files that show it (stderr, a qlog, a capture ...).
    evidence: list[str] = []


class ServiceOutcome(msgspec.Struct, kw_only=True):
    """How one service of a test ended: what ``evaluate(outcome)`` judges."""

    # The service's name in the experiment file (``services: {server: ...}``).
    name: str
    # server, client or peer.
    role: str
    # The program's exit code; negative: killed by that signal; None: it never ran.
    exit_code: int | None
    # Seconds from its start to its end.
    duration: float
    # The service's folder as the harness sees it: its logs, key log, qlogs, downloads.
    output_dir: Path
    # Files holding what the program wrote on its standard output and error.
    stdout: Path
    stderr: Path
    # The harness ended it (the test was over), as opposed to it exiting by itself.
    stopped_by_harness: bool = False
    # It was still running when the test's timeout came, and was stopped.
    timed_out: bool = False
    # The service could not be started or never became ready.
    start_error: str | None = None
