"""A gate that holds a started container's program until the harness opens it.

Starting a container costs the engine most of a second. The environment starts every
container of a test at once, each running ``/bin/sh -c 'read -r _ < "$0" && exec "$@"'
GATE ARGV...`` instead of its program: the shell waits on a named pipe in the
service's folder, and ``exec``\\ s the program (same process, same exit code) once the
harness writes a line into the pipe, which happens when the runner starts that
service. The gate's path and the program's argv are arguments of the shell, never
part of its script: no value from an experiment is read by the shell.

The harness holds the pipe open from the start, so what it writes waits in the pipe
until the shell opens it, whenever that is; when the harness closes it without
writing (the test ended first), the shell reads nothing and exits without running
the program.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path, PurePosixPath

GATE_NAME = ".panther-start"
SHELL = "/bin/sh"
_SCRIPT = 'read -r _ < "$0" && exec "$@"'


class Gate:
    def __init__(self, host_folder: Path, service_folder: PurePosixPath) -> None:
        self.path = host_folder / GATE_NAME
        self.service_path = service_folder / GATE_NAME
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by an earlier iteration in the same folder
        os.mkfifo(self.path, 0o600)
        # Read and write: opening does not wait for a reader, and the pipe lives on
        # (with what was written into it) until the shell has opened it.
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)

    def argv(self, argv: list[str]) -> list[str]:
        """The command that runs ``argv`` once the gate is open."""
        return [SHELL, "-c", _SCRIPT, str(self.service_path), *argv]

    def open(self) -> None:
        if self._fd is not None:
            os.write(self._fd, b"\n")

    def close(self) -> None:
        """Forget the gate (after its container ended): a shell still waiting exits."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
