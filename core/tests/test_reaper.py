"""The run's watchdog (``panther/runner/reaper.py``) run for real: what it kills when
the harness's pipe closes, and what it leaves alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from panther.runner import reaper

LAST_PID = Path("/proc/sys/kernel/ns_last_pid")


def _sleeper() -> subprocess.Popen[bytes]:
    """A process in a session of its own, as a service is started."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)


def _sleeper_with_pid(pid: int) -> subprocess.Popen[bytes] | None:
    """A new session led by a process that got ``pid``, as a recycled id is handed out
    (root writes the kernel's last-given id); None when another process took it first."""
    for _ in range(20):
        LAST_PID.write_text(str(pid - 1))
        process = _sleeper()
        if process.pid == pid:
            return process
        process.kill()
        process.wait()
    return None


def _bytes_read(pid: int) -> int:
    return next(
        int(line.split()[1]) for line in Path(f"/proc/{pid}/io").read_text().splitlines() if line.startswith("rchar")
    )


def _wait_until_reading(pid: int, after: int = -1) -> None:
    """Until ``pid`` has read more than ``after`` bytes and waits on its pipe again."""
    deadline = time.monotonic() + 30
    while not (_bytes_read(pid) > after and Path(f"/proc/{pid}/wchan").read_text().endswith("pipe_read")):
        assert time.monotonic() < deadline, "the watchdog never waited on its input"
        time.sleep(0.01)


def _alive(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is None


@pytest.mark.skipif(os.geteuid() != 0, reason="choosing the next process id needs root")
def test_a_recycled_session_id_is_not_the_runs(tmp_path: Path) -> None:
    """A service of the run ends; its process id is handed to a new process that leads a
    session of its own (on a busy host a container's init got one, and the next run's
    end killed that container). The watchdog kills the run's live service, not it."""
    watchdog = subprocess.Popen(
        [sys.executable, "-I", "-S", reaper.__file__, "PANTHER_RUN_ID=recycled", str(os.getpid())],
        stdin=subprocess.PIPE,
    )
    assert watchdog.stdin is not None
    time.sleep(0.05)  # the run's processes start after its watchdog (a later clock tick)
    ended, live = _sleeper(), _sleeper()
    _wait_until_reading(watchdog.pid)
    read = _bytes_read(watchdog.pid)
    for process in (ended, live):
        watchdog.stdin.write(f"session {process.pid}\n".encode())
    watchdog.stdin.flush()
    # The watchdog notes when each session's leader started as it reads the line.
    _wait_until_reading(watchdog.pid, after=read)
    ended.kill()
    ended.wait()
    stranger = _sleeper_with_pid(ended.pid)
    assert stranger is not None, f"process id {ended.pid} went to another process twenty times"
    try:
        watchdog.stdin.close()  # the harness is gone: the watchdog sweeps the run
        assert watchdog.wait(timeout=10) == 0
        live.wait(timeout=5)
        assert _alive(stranger), "the watchdog killed a process that only shares a recycled session id"
    finally:
        for process in (stranger, live):
            process.kill()
            process.wait()
