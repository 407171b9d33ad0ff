"""``panther run`` as a user runs it: a separate process, its exit codes, and Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from runner_support import echo_test, processes_of_run


def _panther(*args: str) -> list[str]:
    return [sys.executable, "-m", "panther", *args]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "experiment.yaml"
    path.write_text(text)
    return path


def test_panther_run_exits_0_when_every_test_passed_and_1_otherwise(tmp_path):
    good = _write(tmp_path, "tests:\n" + echo_test("good"))
    done = subprocess.run(
        _panther("run", str(good), "-o", str(tmp_path / "a"), "-q"), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""

    bad = _write(tmp_path, "tests:\n" + echo_test("good") + echo_test("bad", client={"behaviour": "crash"}))
    done = subprocess.run(
        _panther("run", str(bad), "-o", str(tmp_path / "b"), "--jobs", "2"), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "[ FAILED   ] bad" in done.stdout
    (output,) = (tmp_path / "b").iterdir()
    assert json.loads((output / "results.json").read_text())["verdicts"] == {"passed": 1, "failed": 1}


def test_a_relative_output_folder_works_for_services_that_run_in_their_own_folder(tmp_path):
    # The default `paths.output_dir` is relative: services get absolute paths all the same.
    experiment = _write(tmp_path, "paths:\n  output_dir: out\ntests:\n" + echo_test("relative"))
    done = subprocess.run(
        _panther("run", experiment.name, "-q"), cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    (output,) = (tmp_path / "out").iterdir()
    results = json.loads((output / "results.json").read_text())
    assert results["verdicts"] == {"passed": 1}
    folders = [service["output_dir"] for test in results["tests"] for service in test["services"]]
    assert len(folders) == 2
    assert all(Path(folder).is_absolute() and Path(folder).is_dir() for folder in folders), folders


def test_a_mistake_in_the_file_is_a_message_with_exit_code_2(tmp_path):
    path = _write(
        tmp_path, "tests:\n" + echo_test("t", extra="    network_environment: {type: local, host: 8.8.8.8}\n")
    )
    done = subprocess.run(
        _panther("run", str(path), "-o", str(tmp_path / "out")), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "loopback" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def _wait_until(condition, what: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"panther ended before {what}"
        if condition():
            return
        time.sleep(0.05)  # polling for a condition, not waiting a fixed time
    raise AssertionError(f"never happened: {what}")


def _started_services(root: Path) -> int:
    outputs = list(root.iterdir()) if root.exists() else []
    events = outputs[0] / "events.jsonl" if outputs else None
    if events is None or not events.exists():
        return 0
    lines = [line for line in events.read_text().splitlines() if line.endswith("}")]
    return sum(json.loads(line)["event"] == "ServiceStartedEvent" for line in lines)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_the_harness_tears_down_and_still_writes_the_reports(tmp_path, signum):
    text = (
        "tests:\n" + echo_test("stuck", client={"behaviour": "hang"}, extra="    timeout: 300\n") + echo_test("later")
    )
    path = _write(tmp_path, text)
    process = subprocess.Popen(_panther("run", str(path), "-o", str(tmp_path / "out"), "-q"), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        # Both services of the first test run (the client hangs) before the signal.
        _wait_until(lambda: _started_services(tmp_path / "out") >= 2, "the client started", process)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum, stderr
    (output,) = (tmp_path / "out").iterdir()
    document = json.loads((output / "results.json").read_text())
    assert document["interrupted"] is True
    by_name = {test["name"]: test for test in document["tests"]}
    assert by_name["stuck"]["verdict"] == "error"
    assert f"interrupted by {signum.name}" in by_name["stuck"]["reason"]
    assert by_name["later"]["verdict"] == "skipped"
    assert f"interrupted by {signum.name}" in (output / "summary.md").read_text()
    assert processes_of_run(document["run_id"]) == []


def _events(root: Path) -> list[dict]:
    outputs = list(root.iterdir()) if root.exists() else []
    events = outputs[0] / "events.jsonl" if outputs else None
    if events is None or not events.exists():
        return []
    return [json.loads(line) for line in events.read_text().splitlines() if line.endswith("}")]


def _run_id(root: Path) -> str:
    return next(event["run_id"] for event in _events(root) if event["event"] == "ExperimentStartedEvent")


def _gone(run_id: str) -> bool:
    """Polls the process table until no process of the run is left (a generous bound:
    the watchdog ends them within a second; without it they would live on)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not processes_of_run(run_id):
            return True
        time.sleep(0.05)
    return False


# A test that passes, then one that never ends by itself: its client hangs, and both its
# services fork children that leave their process group.
_FINISHED_THEN_STUCK = (
    "tests:\n"
    + echo_test("finished")
    + echo_test(
        "stuck",
        server={"spawn_orphan": True},
        client={"behaviour": "hang", "spawn_orphan": True},
        extra="    timeout: 300\n",
    )
)


def _started_in(root: Path, test: str) -> int:
    return sum(e["event"] == "ServiceStartedEvent" and e["test"] == test for e in _events(root))


def test_a_killed_harness_leaves_no_process_and_keeps_the_finished_tests(tmp_path):
    path = _write(tmp_path, _FINISHED_THEN_STUCK)
    out = tmp_path / "out"
    process = subprocess.Popen(_panther("run", str(path), "-o", str(out), "-q"))
    try:
        _wait_until(lambda: _started_in(out, "stuck") >= 2, "the stuck test's services started", process)
        run_id = _run_id(out)
        # Two services and the two children that escaped their groups.
        _wait_until(lambda: len(processes_of_run(run_id)) >= 4, "the children forked", process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert _gone(run_id), processes_of_run(run_id)
    (output,) = out.iterdir()
    document = json.loads((output / "results.json").read_text())
    assert document["finished"] is False
    assert [(t["name"], t["verdict"]) for t in document["tests"]] == [("finished", "passed")]
    assert "had not finished" in (output / "summary.md").read_text()


def _interrupt(tmp_path: Path, text: str, ready: Callable[[Path], bool], what: str) -> tuple[int, dict]:
    path = _write(tmp_path, text)
    out = tmp_path / "out"
    process = subprocess.Popen(_panther("run", str(path), "-o", str(out), "-q"))
    try:
        _wait_until(lambda: ready(out), what, process)
        run_id = _run_id(out)
        process.send_signal(signal.SIGINT)
        # Far less than what the run would take if it waited for its build or its services.
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert _gone(run_id), processes_of_run(run_id)
    (output,) = out.iterdir()
    return code, json.loads((output / "results.json").read_text())


def test_ctrl_c_during_the_prepare_phase_stops_the_build_at_once(tmp_path):
    build = {"prepare": "build", "build_seconds": 600}
    text = "tests:\n" + echo_test("slow build", client=build)

    def building(out: Path) -> bool:
        return any(e["event"] == "PreparationStepEvent" and e["step"] == "demo_echo (client)" for e in _events(out))

    code, document = _interrupt(tmp_path, text, building, "the build started")
    assert code == 130
    assert document["interrupted"] is True and document["finished"] is True
    (test,) = document["tests"]
    assert test["verdict"] == "skipped" and "interrupted by SIGINT" in test["reason"]


def test_ctrl_c_while_waiting_for_readiness_keeps_the_finished_tests(tmp_path):
    never_ready = "    network_environment: {type: local, readiness_timeout: 600}\n    timeout: 600\n"
    text = (
        "tests:\n"
        + echo_test("finished")
        + echo_test("waiting", server={"behaviour": "never_ready"}, extra=never_ready)
    )

    def waiting(out: Path) -> bool:
        return any(
            e["event"] == "TestPhaseEvent" and e["test"] == "waiting" and e["phase"] == "ready" for e in _events(out)
        )

    code, document = _interrupt(tmp_path, text, waiting, "the readiness wait began")
    assert code == 130
    verdicts = {t["name"]: (t["verdict"], t["reason"]) for t in document["tests"]}
    assert verdicts["finished"] == ("passed", "")
    assert verdicts["waiting"][0] == "error" and "interrupted by SIGINT" in verdicts["waiting"][1]
