"""``python -m panther_base_quic.reconnect``: real programs run one after the other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from panther_base_quic.reconnect import reconnect_argv


def python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def run(*runs: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(reconnect_argv(sys.executable, list(runs)), capture_output=True, text=True, timeout=timeout)


def test_runs_in_order_and_exits_with_the_last(tmp_path: Path) -> None:
    log = tmp_path / "log"
    first = python(f"open({str(log)!r}, 'a').write('first ')")
    second = python(f"open({str(log)!r}, 'a').write('second'); raise SystemExit(3)")
    done = run(first, second)
    assert done.returncode == 3
    assert log.read_text() == "first second"
    assert "reconnect: run 2 of 2:" in done.stderr


def test_a_failing_first_run_stops_there(tmp_path: Path) -> None:
    marker = tmp_path / "second-ran"
    done = run(python("raise SystemExit(127)"), python(f"open({str(marker)!r}, 'w')"))
    assert done.returncode == 127  # "unsupported" passes through unchanged
    assert not marker.exists()


def test_sigterm_reaches_the_running_program_and_no_run_follows(tmp_path: Path) -> None:
    started, marker = tmp_path / "started", tmp_path / "second-ran"
    waiting = python(
        "import signal, sys, time, pathlib\n"
        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
        f"pathlib.Path({str(started)!r}).touch()\n"
        "time.sleep(60)"
    )
    process = subprocess.Popen(reconnect_argv(sys.executable, [waiting, python(f"open({str(marker)!r}, 'w')")]))
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=30) == 42
    assert not marker.exists()


def test_a_program_killed_by_a_signal_gives_128_plus_the_signal() -> None:
    assert run(python("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")).returncode == 128 + signal.SIGKILL


def test_arguments_that_are_not_argv_lists_are_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "panther_base_quic.reconnect", "gtlsclient --resume"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "not a JSON argv list" in done.stderr
