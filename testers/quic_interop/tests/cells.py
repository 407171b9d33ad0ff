"""Running matrix cells through the real ``panther run``, and reading what they recorded."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from panther.testing import ExperimentRun, RecordedTest, require_peer, run_panther

GROUP = "interop"


def relay_fell_behind(test: RecordedTest) -> bool:
    """The test's ``network path`` check is an error because the relay could not keep the
    configured rate on this (loaded) machine: the harness's limit, not the endpoints'."""
    path = test.checks.get("network path", {})
    return path.get("status") == "error" and "more than the relay sustained" in path.get("reason", "")


def require_tshark() -> None:
    require_peer("tshark", shutil.which("tshark") is not None, "install Debian's tshark (it reads the captures)")


def matrix(
    servers: list[str], clients: list[str], cases: list[str] | None = None, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    block: dict[str, Any] = {"tester": "quic_interop", "servers": servers, "clients": clients}
    if cases is not None:
        block["cases"] = cases
    if options:
        block["options"] = options
    return {"tests": [{"name": GROUP, "matrix": block}]}


def run_matrix(folder: Path, experiment: dict[str, Any], jobs: int = 2, filters: Sequence[str] = ()) -> ExperimentRun:
    """A whole matrix (or the cells ``filters`` select), ``jobs`` cells at a time."""
    require_tshark()
    args = ["--jobs", str(jobs), *(item for pattern in filters for item in ("--filter", pattern))]
    return run_panther(experiment, folder, args=args, timeout=3600)


def run_cell(
    folder: Path, case: str, server: str = "aioquic", client: str = "aioquic", options: dict[str, Any] | None = None
) -> RecordedTest:
    """One cell of a one-cell matrix, run for real."""
    require_tshark()
    run = run_panther(matrix([server], [client], [case], options), folder, timeout=600)
    return run.test(f"{GROUP}/{case}/{server}/{client}")
