"""Nothing a run started outlives it, even when the harness is killed with SIGKILL.

Each run starts one small watchdog process (:mod:`panther.runner.reaper`) in a
session of its own, so that a signal to the harness's process group does not
reach it. The harness holds the only write end of a pipe to its standard input and
tells it the sessions its services were started in and its worker processes. When
the pipe closes (the harness ended, however it ended), the watchdog kills every
process of the run: whatever carries the run's marker (``PANTHER_RUN_ID=<id>``:
services, whatever they forked, strace and valgrind wrappers, shell scripts,
daemons that left their group, and what plugins started while preparing, since the
harness puts the marker in its own environment for the run), whatever runs in a
reported session, and the workers.

Linux's ``PR_SET_PDEATHSIG`` cannot do this: it fires when the *thread* that forked
exits, and is not inherited by grandchildren. Processes of other runs (other
harnesses on the machine, other users) carry another marker and other sessions:
nothing here touches them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol

from panther.environments.base import RUN_MARKER
from panther.runner.cancellation import Cancellation
from panther.runner.reaper import SWEEP_LIMIT


class RunWatchdog:
    """The harness's side: starts the watchdog and tells it what to watch."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._lock = threading.Lock()
        # By its path, isolated and without site: it needs only the standard library,
        # and starts in milliseconds whatever the environment holds.
        reaper = Path(__file__).with_name("reaper.py")
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(reaper), f"{RUN_MARKER}={run_id}", str(os.getpid())],
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

    def watch_worker(self, pid: int) -> None:
        """``pid`` (a worker process of the harness) must end with the harness, and
        never be killed by a sweep while the harness lives."""
        self._tell(f"spare {pid}")
        self._tell(f"watch {pid}")

    def sweep(self) -> None:
        """Kill every process of the run now (the harness lives on)."""
        self._tell("sweep")

    def detach(self) -> None:
        """In a forked worker: drop this process's copy of the pipe, so that the
        watchdog sees the pipe close when the harness ends, workers or not.
        (No lock: another thread may have held it when the worker was forked.)"""
        with suppress(OSError, ValueError):
            if self._process.stdin is not None:
                self._process.stdin.close()

    def close(self, wait: float = 0.0) -> None:
        """The run is over: the watchdog sweeps one last time and exits. Waits up to
        ``wait`` seconds for that (an interrupted run waits, so that nothing of it is
        left when the harness exits)."""
        with self._lock:
            if self._process.stdin is not None and not self._process.stdin.closed:
                with suppress(OSError):
                    self._process.stdin.close()
        with suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=wait)


class SessionWatcher(Protocol):
    def watch_session(self, session_id: int) -> None: ...


_WATCHDOGS: dict[str, SessionWatcher] = {}


def session_started(run_id: str, session_id: int) -> None:
    """Tell the watchdog of run ``run_id`` (if it has one) about a service's new session."""
    watchdog = _WATCHDOGS.get(run_id)
    if watchdog is not None:
        watchdog.watch_session(session_id)


def forward_sessions(run_id: str, watcher: SessionWatcher) -> None:
    """In a worker: report the sessions of run ``run_id`` to ``watcher`` (which passes
    them to the parent, the only process that talks to the watchdog)."""
    _WATCHDOGS[run_id] = watcher


@contextmanager
def watched_run(run_id: str, cancellation: Cancellation) -> Iterator[RunWatchdog]:
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
        watchdog.close(wait=SWEEP_LIMIT + 0.5 if cancellation.cancelled else 0.0)
