"""A one-test QUIC experiment through the real ``panther`` command, seen as one test."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from panther_base_quic.testing import quic_service, run_pair

# Small files keep the many feature tests quick; the transfer examples go to 5 MiB.
TRANSFER = [1024, 65536, 1048576]

service = partial(quic_service, transfer=TRANSFER)


@dataclass
class Run:
    exit_code: int
    verdict: str
    reason: str
    checks: dict[str, dict[str, Any]]
    test_dir: Path
    output: str

    def check(self, name: str) -> dict[str, Any]:
        return self.checks[name]


def run_experiment(tmp_path: Path, services: dict[str, dict[str, Any]], timeout: int = 60) -> Run:
    run = run_pair(tmp_path, services["server"], services["client"], timeout=timeout)
    test = run.test()
    return Run(
        exit_code=run.exit_code,
        verdict=test.verdict,
        reason=test.reason,
        checks=test.checks,
        test_dir=test.output_dir,
        output=run.output,
    )
