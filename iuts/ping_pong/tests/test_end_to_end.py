"""``panther run`` on the MINIP example, and on a copy of it for each faulty variant.

Each run is the real command in a subprocess: plugin discovery, the local
environment, the readiness probe, the verdict and the reports, with the real server
and client. A faulty variant must give a failed verdict whose reason names its fault.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from panther_iut_ping_pong.report import REPORT_NAME, read_summary

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "minip_ping_pong.yaml"
RUN_LIMIT = 600


def panther(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "panther", *args], cwd=cwd, capture_output=True, text=True, timeout=RUN_LIMIT
    )


def variant_file(tmp_path: Path, server_keys: dict[str, Any], **test_keys: Any) -> Path:
    """A copy of the example with the server's ``implementation:`` keys (and the test's) changed."""
    document = yaml.safe_load(EXAMPLE.read_text())
    test = document["tests"][0]
    test["services"]["server"]["implementation"].update(server_keys)
    test.update(test_keys)
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def run_experiment(tmp_path: Path, experiment: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    result = panther("run", str(experiment), "--output-dir", str(tmp_path / "out"), cwd=tmp_path)
    runs = list((tmp_path / "out").glob("*/results.json"))
    assert len(runs) == 1, f"no results.json written\n{result.stdout}\n{result.stderr}"
    return result, json.loads(runs[0].read_text())


def checks_of(test: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in test["checks"]}


def test_the_example_passes(tmp_path: Path) -> None:
    result, results = run_experiment(tmp_path, EXAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    [test] = results["tests"]
    assert test["verdict"] == "passed"
    exchange = checks_of(test)["client minip exchange"]
    assert exchange["status"] == "passed"
    assert exchange["reason"] == "all 10 pongs came back right within 1 s"
    report = Path(exchange["evidence"][0])
    assert report.name == REPORT_NAME and read_summary(report).answered == 10


def _flaky_missing(seed: int, rate: float, count: int) -> list[int]:
    # The server draws once per PING from random.Random(seed), in sequence order.
    draws = random.Random(seed)
    return [sequence for sequence in range(1, count + 1) if draws.random() < rate]


FLAKY_MISSING = _flaky_missing(7, 0.3, 10)

FAULTY = {
    "fail": (
        {"variant": "fail"},
        "client minip exchange",
        "10 pongs carried a wrong sequence number (first: pong for sequence 1 carried sequence 2)",
    ),
    "flaky": (
        {"variant": "flaky", "seed": 7, "drop_rate": 0.3},
        "client minip exchange",
        f"{len(FLAKY_MISSING)} of 10 pongs missing (sequences {', '.join(map(str, FLAKY_MISSING))})",
    ),
    "slow": (
        {"variant": "slow"},
        "client minip exchange",
        "10 of 10 pongs arrived after the 1 s deadline (sequences 1, 2, 3, 4, 5, 6, 7, 8, ... (10 in all), slowest",
    ),
    "crash": (
        {"variant": "crash", "crash_after": 3},
        "server exit",
        "server exited with 1 while clients still needed it (minip server: crash variant: exiting after 3 pings)",
    ),
    "malformed": (
        {"variant": "malformed"},
        "client minip exchange",
        "received 10 malformed datagrams (first: datagram is 24 bytes but its header announces 48 "
        "(16 header + 32 payload))",
    ),
}


@pytest.mark.parametrize(("server_keys", "check", "fault"), FAULTY.values(), ids=FAULTY.keys())
def test_each_faulty_variant_fails_naming_its_fault(
    tmp_path: Path, server_keys: dict[str, Any], check: str, fault: str
) -> None:
    result, results = run_experiment(tmp_path, variant_file(tmp_path, server_keys))
    assert result.returncode == 1, result.stdout + result.stderr
    [test] = results["tests"]
    assert test["verdict"] == "failed"
    checks = checks_of(test)
    assert checks[check]["status"] == "failed"
    assert checks[check]["reason"].startswith(fault), checks[check]["reason"]
    # The verdict's own reason is one of the failed checks, and shows in the summary.
    assert test["reason"] in {f"{name}: {c['reason']}" for name, c in checks.items() if c["status"] == "failed"}
    assert test["reason"].split(": ", 1)[1][:60] in (Path(results["output_dir"]) / "summary.md").read_text()


def test_a_crash_is_also_seen_by_the_client(tmp_path: Path) -> None:
    _, results = run_experiment(tmp_path, variant_file(tmp_path, {"variant": "crash", "crash_after": 3}))
    exchange = checks_of(results["tests"][0])["client minip exchange"]
    assert exchange["status"] == "failed"
    assert exchange["reason"] == (
        "server stopped answering after 3 pings: 7 of 10 pongs missing (sequence 4 on) and its port became unreachable"
    )


def test_twenty_iterations_of_flaky_report_the_failure_count(
    tmp_path: Path, record_property: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # No seed: each iteration's server draws a new one, as a flaky peer would behave.
    experiment = variant_file(tmp_path, {"variant": "flaky", "drop_rate": 0.1}, iterations=20)
    result, results = run_experiment(tmp_path, experiment)
    runs = results["tests"]
    assert [run["iteration"] for run in runs] == list(range(1, 21))
    failures = [run for run in runs if run["verdict"] == "failed"]
    assert results["verdicts"].get("failed", 0) == len(failures)
    assert results["verdicts"].get("passed", 0) == 20 - len(failures)
    assert result.returncode == (1 if failures else 0)
    for run in runs:
        exchange = checks_of(run)["client minip exchange"]
        summary = read_summary(Path(exchange["evidence"][0]))
        if run["verdict"] == "failed":
            # Each failure names how many pongs its own client saw missing.
            assert summary.missing, run["reason"]
            assert run["reason"].startswith(f"client minip exchange: {len(summary.missing)} of 10 pongs missing")
        else:
            assert summary.passed and summary.answered == 10
    assert f"| {len(failures)}/20 |" in (Path(results["output_dir"]) / "summary.md").read_text()
    record_property("flaky_failures", len(failures))
    with capsys.disabled():
        print(f"\nflaky, 20 iterations at drop rate 0.1: {len(failures)} failed, {20 - len(failures)} passed")


def test_a_wrong_variant_is_a_configuration_error(tmp_path: Path) -> None:
    result = panther("run", str(variant_file(tmp_path, {"variant": "wobbly"})), cwd=tmp_path)
    assert result.returncode == 2
    assert "tests[0].services.server.implementation.variant" in result.stderr
    assert "one of functional, fail, flaky, slow, crash, malformed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "outputs").exists()
