"""The watchdog process of a run: ``python -I -S reaper.py PANTHER_RUN_ID=<id> <harness pid>``.

It reads lines from its standard input, the write end of which only the harness
holds (see :mod:`panther.runner.watchdog`):

- ``session <id>``: a service of the run was started in this session;
- ``watch <pid>``: a process of the harness (a worker) that must not outlive it;
- ``spare <pid>``: a process never to kill while sweeping (a worker);
- ``sweep``: kill the run's processes now (the run was interrupted).

When the input ends (the harness ended, however: SIGKILL included), it kills every
process of the run and exits. A process of the run is one whose environment holds
the run's marker, one of a reported session, or a watched one. Nothing else is
touched: other runs on the machine have other markers and sessions. Process ids are
recycled (on a busy machine within minutes: the default limit is 32768), so a
session or a watched process is known by its id *and* the start time its process had
when it was reported: a new process that got the id of one of ours, or a new session
led by it (a container's init, another run's service), is not ours.

Standard library only: it starts in milliseconds, whatever the harness's
environment holds.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field

#: How long one sweep keeps killing (a process may fork while it is being killed).
SWEEP_LIMIT = 0.5


def _stat_fields(pid: int) -> list[bytes] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    # Fields after the parenthesised command name: state ppid pgrp session ... starttime (20th).
    return data.rsplit(b")", 1)[1].split()


def _started(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot), or None when there is no such process."""
    fields = _stat_fields(pid)
    return int(fields[19]) if fields is not None else None


def _environment_holds(pid: int, marker: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as stream:
            return marker in stream.read().split(b"\0")
    except OSError:
        return False  # gone, or not ours to read


@dataclass
class Run:
    marker: bytes
    born_after: int
    #: Reported session -> when its leader started (None: it had already ended).
    sessions: dict[int, int | None] = field(default_factory=dict)
    #: Watched process -> when it started.
    watched: dict[int, int | None] = field(default_factory=dict)
    spared: set[int] = field(default_factory=set)

    def _session_is_ours(self, session: int, leaders: dict[int, bool]) -> bool:
        if session not in self.sessions:
            return False
        if session not in leaders:
            # A live leader that started at another time leads a new session with the
            # same id: ours ended (the kernel recycles an id only once nothing uses it).
            now = _started(session)
            leaders[session] = now is None or self.sessions[session] in (None, now)
        return leaders[session]

    def processes(self) -> list[int]:
        found = []
        leaders: dict[int, bool] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in self.spared:
                continue
            pid = int(entry)
            fields = _stat_fields(pid)
            if fields is None or fields[0] == b"Z":
                continue
            started = int(fields[19])
            ours = started >= self.born_after and (
                self._session_is_ours(int(fields[3]), leaders) or self.watched.get(pid, -1) == started
            )
            if ours or _environment_holds(pid, self.marker):
                found.append(pid)
        return found

    def kill(self) -> None:
        deadline = time.monotonic() + SWEEP_LIMIT
        while time.monotonic() < deadline:
            pids = self.processes()
            if not pids:
                return
            for pid in pids:
                with suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)  # let the kernel reap, then look for what forked meanwhile


def main(argv: list[str]) -> int:
    marker, harness = argv[0].encode(), int(argv[1])
    # Ctrl-C at the terminal reaches the harness, which ends the run itself; a hang-up
    # must not end the watchdog before the harness is gone.
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    me = os.getpid()
    fields = _stat_fields(me)
    run = Run(marker=marker, born_after=int(fields[19]) if fields else 0, spared={me, harness})
    for raw in sys.stdin.buffer:
        words = raw.decode(errors="replace").split()
        if len(words) == 2 and words[1].isdigit():
            number = int(words[1])
            if words[0] == "session":
                run.sessions[number] = _started(number)
            elif words[0] == "watch":
                run.watched[number] = _started(number)
            elif words[0] == "spare":
                run.spared.add(number)
        elif words == ["sweep"]:
            run.kill()
    run.kill()  # the input ended: the harness is gone, or the run is over
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
