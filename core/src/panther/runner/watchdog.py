"""Nothing a run started outlives it, even when the harness is killed with SIGKILL.

Each run starts one small watchdog process (``python -m panther.runner.watchdog``)
in a session of its own, so that a signal to the harness's process group does not
reach it. The harness holds the only write end of a pipe to its standard input and
tells it, line by line, the sessions its services were started in. When the pipe
closes (the harness ended, however it ended), the watchdog kills every process of
the run and exits:

- every process whose environment carries the run's marker (``PANTHER_RUN_ID=<id>``):
  services, whatever they forked (strace and valgrind wrappers, shell scripts,
  daemons that left their group), and what plugins started while preparing
  (the harness puts the marker in its own environment for the run);
- every process of a session the harness reported, even one that cleared its
  environment, if it started after the watchdog did (a recycled session id is
  never someone else's run).

Linux's ``PR_SET_PDEATHSIG`` cannot do this: it fires when the *thread* that forked
exits, and is not inherited by grandchildren. Processes of other runs (other
harnesses on the machine, other users) carry another marker and other sessions:
nothing here touches them. ``sweep`` lines make it kill the run's processes at once
while the harness lives on (Ctrl-C during a build); ``spare`` lines name processes of
the harness itself that it must leave alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from panther.environments import procfs
from panther.environments.base import RUN_MARKER

#: How long the watchdog keeps killing (a process may fork while it is being killed).
_SWEEP_LIMIT = 0.5


class RunWatchdog:
    """The harness's side: starts the watchdog and tells it what to watch."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._lock = threading.Lock()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "panther.runner.watchdog", run_id, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )

    def _tell(self, line: str) -> None:
        with self._lock:
            stdin = self._process.stdin
            if stdin is None or stdin.closed:
                return
            try:
                stdin.write(f"{line}\n".encode())
                stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # the watchdog is gone: the marker sweep of the next run cannot help, nothing to do

    def watch_session(self, session_id: int) -> None:
        """Kill the processes of this session (a service's) if the harness dies."""
        self._tell(f"session {session_id}")

    def spare(self, pid: int) -> None:
        """Never kill ``pid`` (a worker process of the harness) while sweeping."""
        self._tell(f"spare {pid}")

    def sweep(self) -> None:
        """Kill every process of the run now (the harness lives on)."""
        self._tell("sweep")

    def close(self) -> None:
        """The run is over: the watchdog sweeps one last time and exits."""
        with self._lock:
            if self._process.stdin is not None and not self._process.stdin.closed:
                with suppress(OSError):
                    self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


_WATCHDOGS: dict[str, RunWatchdog] = {}


def session_started(run_id: str, session_id: int) -> None:
    """Tell the watchdog of run ``run_id`` (if it has one) about a service's new session."""
    watchdog = _WATCHDOGS.get(run_id)
    if watchdog is not None:
        watchdog.watch_session(session_id)


@contextmanager
def watched_run(run_id: str) -> Iterator[RunWatchdog]:
    """A watchdog for the run, and the run's marker in this process's environment
    (so that what plugins start while preparing carries it too), for the block."""
    watchdog = RunWatchdog(run_id)
    _WATCHDOGS[run_id] = watchdog
    previous = os.environ.get(RUN_MARKER)
    os.environ[RUN_MARKER] = run_id
    try:
        yield watchdog
    finally:
        if previous is None:
            os.environ.pop(RUN_MARKER, None)
        else:
            os.environ[RUN_MARKER] = previous
        del _WATCHDOGS[run_id]
        watchdog.close()


# ---------------------------------------------------------------------- the watchdog itself
def _stat_fields(pid: int) -> list[bytes] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    # Fields after the parenthesised command name: state ppid pgrp session ... starttime (20th).
    return data.rsplit(b")", 1)[1].split()


def _run_processes(run_id: str, sessions: set[int], spared: set[int], born_after: int) -> list[int]:
    marked = set(procfs.processes_with_variable(RUN_MARKER, run_id))
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if pid in spared:
            continue
        fields = _stat_fields(pid)
        if fields is None or fields[0] == b"Z":
            continue
        in_session = int(fields[3]) in sessions and int(fields[19]) >= born_after
        if pid in marked or in_session:
            found.append(pid)
    return found


def _kill_run(run_id: str, sessions: set[int], spared: set[int], born_after: int) -> None:
    deadline = time.monotonic() + _SWEEP_LIMIT
    while time.monotonic() < deadline:
        pids = _run_processes(run_id, sessions, spared, born_after)
        if not pids:
            return
        for pid in pids:
            with suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)  # let the kernel reap, then look for what forked meanwhile


def main(argv: list[str]) -> int:
    run_id, harness = argv[0], int(argv[1])
    # Ctrl-C at the terminal reaches the harness, which ends the run itself; a hang-up
    # must not end the watchdog before the harness is gone.
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    fields = _stat_fields(os.getpid())
    born_after = int(fields[19]) if fields else 0
    me = os.getpid()
    sessions: set[int] = set()
    spared = {me, harness}
    for raw in sys.stdin.buffer:
        words = raw.decode(errors="replace").split()
        if len(words) == 2 and words[0] == "session" and words[1].isdigit():
            sessions.add(int(words[1]))
        elif len(words) == 2 and words[0] == "spare" and words[1].isdigit():
            spared.add(int(words[1]))
        elif words == ["sweep"]:
            _kill_run(run_id, sessions, spared, born_after)
    # End of input: the harness has ended (or finished the run).
    _kill_run(run_id, sessions, spared, born_after)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
