"""The harness killed or interrupted during a real QUIC experiment: nothing of the run
is left in the process table, and the tests that finished keep their results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSFER = ROOT / "examples" / "quic_transfer.yaml"


def _processes_of_run(run_id: str) -> list[str]:
    """Live processes whose environment carries the run's marker, read from /proc."""
    needle = f"PANTHER_RUN_ID={run_id}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if needle in environ and state != "Z":
            found.append(f"{entry}: {command}")
    return found


def _events(out: Path) -> list[dict]:
    files = list(out.glob("*/events.jsonl"))
    if not files:
        return []
    return [json.loads(line) for line in files[0].read_text().splitlines() if line.endswith("}")]


def _until(condition, what: str, process: subprocess.Popen[bytes], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert process.poll() is None, f"panther ended before {what}"
        if condition():
            return
        time.sleep(0.05)  # polling a condition, not waiting a fixed time
    raise AssertionError(f"never happened: {what}")


def test_sigkill_during_the_quic_transfer_leaves_nothing_and_keeps_the_finished_test(tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "panther", "run", str(TRANSFER), "-o", str(out), "-q"])
    second = "aioquic-to-aioquic-h3"
    try:
        # The first test has finished and both services of the second run.
        _until(
            lambda: sum(e["event"] == "ServiceStartedEvent" and e["test"] == second for e in _events(out)) == 2,
            "the second test's services started",
            process,
        )
        run_id = next(e["run_id"] for e in _events(out) if e["event"] == "ExperimentStartedEvent")
        assert _processes_of_run(run_id), "the second test's aioquic server and client run"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    deadline = time.monotonic() + 10  # the watchdog ends them within a second
    while _processes_of_run(run_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_of_run(run_id) == []
    (results,) = out.glob("*/results.json")
    document = json.loads(results.read_text())
    assert document["finished"] is False
    assert [(t["name"], t["verdict"]) for t in document["tests"]] == [("aioquic-to-aioquic-hq-interop", "passed")]
