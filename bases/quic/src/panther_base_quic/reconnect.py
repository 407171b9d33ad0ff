"""``python -m panther_base_quic.reconnect RUN RUN``: one client program run twice, one run after the other.

Some QUIC clients make one connection per run and keep what a later connection
needs in files (gtlsclient's ``--session-file``/``--tp-file``, picoquicdemo's
``-T``, quiche-client's ``--session-file``). A test case with two connections
(``resumption``, ``zerortt``) runs such a client twice: the first run stores the
session, the second resumes it. Each RUN is the program's argv list as a JSON
array, executed directly, never through a shell.

The runs share this process's output; a line on stderr marks where each starts.
SIGTERM and SIGINT go to the running program and no further run starts. The exit
code is that of the first run that failed, else the second run's (a program killed
by a signal gives 128 + the signal's number).
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
from types import FrameType

_USAGE = 2
_FAILED = 1


def reconnect_argv(python: str, runs: list[list[str]]) -> list[str]:
    """The argv that runs each of ``runs`` in turn through this module."""
    return [python, "-m", "panther_base_quic.reconnect", *(json.dumps(run) for run in runs)]


def _parse(arguments: list[str]) -> list[list[str]]:
    runs = []
    for text in arguments:
        try:
            run = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a JSON argv list: {text!r} ({error})") from None
        if not (isinstance(run, list) and run and all(isinstance(item, str) for item in run)):
            raise ValueError(f"not a non-empty JSON list of strings: {text!r}")
        runs.append(run)
    if not runs:
        raise ValueError("no run given")
    return runs


def main(arguments: list[str]) -> int:
    try:
        runs = _parse(arguments)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return _USAGE
    stopping: list[int] = []
    current: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        for process in current:
            process.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    code = 0
    for number, run in enumerate(runs, start=1):
        if stopping:
            break
        print(f"reconnect: run {number} of {len(runs)}: {shlex.join(run)}", file=sys.stderr, flush=True)
        try:
            process = subprocess.Popen(run)
        except OSError as error:
            print(f"error: cannot run {run[0]!r}: {error.strerror or error}", file=sys.stderr, flush=True)
            return _FAILED
        current[:] = [process]
        code = process.wait()
        current.clear()
        if code < 0:
            code = 128 - code
        if code != 0:
            break
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
