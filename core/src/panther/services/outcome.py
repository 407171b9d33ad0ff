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

    name: str
    status: CheckStatus
    reason: str = ""
    evidence: list[str] = []


class ServiceOutcome(msgspec.Struct, kw_only=True):
    name: str
    role: str
    exit_code: int | None
    duration: float
    output_dir: Path
    stdout: Path
    stderr: Path
    # The harness ended it (the test was over), as opposed to it exiting by itself.
    stopped_by_harness: bool = False
    timed_out: bool = False
    # The service could not be started or never became ready.
    start_error: str | None = None
