"""Harness overhead on ``local``: what running a trivial test costs beyond its processes.

A trivial test has two services that exit at once (``true``). Printed, not asserted:
- the time of one such test through the runner, against starting and reaping the same
  two processes directly (the baseline, measured in this run): the ratio is the overhead;
- the throughput of 20 such tests with ``--jobs 1`` (in the harness's process) and
  ``--jobs 2`` (two worker processes), and their ratio: how ``--jobs`` scales with cores.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from panther import BaseServiceManager
from panther.config.implementation import ImplementationConfig
from panther.config.models import ExperimentConfig, ProtocolConfig, ServiceConfig, TestConfig
from panther.config.resolved import ResolvedExperiment, ResolvedService, ResolvedTest
from panther.environments.local import LocalConfig, LocalNetworkEnvironment
from panther.runner.experiment import run_experiment

ROUNDS = 10
THROUGHPUT_TESTS = 20


class TrueServiceManager(BaseServiceManager):
    """A service that exits with 0 at once."""

    def _get_implementation_name(self) -> str:
        return "true"

    def _get_binary_name(self) -> str:
        return "true"


def _service(name: str) -> ResolvedService:
    protocol = ProtocolConfig(name="none", role="client")
    config = ServiceConfig(implementation={"name": "true"}, protocol={"name": "none", "role": "client"})
    return ResolvedService(name, config, ImplementationConfig(name="true"), TrueServiceManager, protocol, None)


def _experiment(tests: int) -> ResolvedExperiment:
    resolved = []
    for index in range(tests):
        services = {name: _service(name) for name in ("first", "second")}
        config = TestConfig(name=f"trivial-{index}", services={n: s.config for n, s in services.items()})
        resolved.append(ResolvedTest(index, config, services, LocalNetworkEnvironment, LocalConfig()))
    return ResolvedExperiment(Path("bench.yaml"), ExperimentConfig(name="bench", tests=[]), resolved)


def _run(tests: int, jobs: int, root: Path) -> float:
    began = time.perf_counter()
    result = run_experiment(_experiment(tests), jobs=jobs, output_root=root, console=False)
    elapsed = time.perf_counter() - began
    if result.exit_code != 0:
        raise SystemExit(f"bench run failed: see {result.output_dir / 'summary.md'}")
    return elapsed


def _baseline() -> float:
    began = time.perf_counter()
    processes = [subprocess.Popen(["true"], start_new_session=True) for _ in range(2)]
    for process in processes:
        process.wait()
    return time.perf_counter() - began


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _run(1, 1, root)  # warm-up: imports, caches
        baseline = statistics.median(_baseline() for _ in range(ROUNDS))
        one_test = statistics.median(_run(1, 1, root) for _ in range(ROUNDS))
        serial = _run(THROUGHPUT_TESTS, 1, root)
        parallel = _run(THROUGHPUT_TESTS, 2, root)
    figures = {
        "two bare processes (s)": baseline,
        "one trivial test through the runner (s)": one_test,
        "overhead ratio (test / bare processes)": one_test / baseline,
        f"{THROUGHPUT_TESTS} tests, --jobs 1 (tests/s)": THROUGHPUT_TESTS / serial,
        f"{THROUGHPUT_TESTS} tests, --jobs 2 (tests/s)": THROUGHPUT_TESTS / parallel,
        "throughput ratio (--jobs 2 / --jobs 1)": serial / parallel,
    }
    for name, value in figures.items():
        print(f"{name:<45} {value:10.4f}")
    return figures


if __name__ == "__main__":
    main()
