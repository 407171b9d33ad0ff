"""Real processes on loopback: the ping-pong server and client run as ``python -m``."""

from __future__ import annotations

import selectors
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Generous bounds for a loaded machine; they only stop a broken run from hanging.
STARTUP_LIMIT = 30.0
EXIT_LIMIT = 60.0


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    host: str
    port: int

    def stop(self) -> tuple[int, str, str]:
        """SIGTERM, then the exit status and the rest of stdout and stderr."""
        if self.process.poll() is None:
            self.process.terminate()
        stdout, stderr = self.process.communicate(timeout=EXIT_LIMIT)
        return self.process.returncode, stdout, stderr

    def kill(self) -> None:
        """End it if it is still running (a test that already stopped it is left alone)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate(timeout=EXIT_LIMIT)


def module_argv(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", f"panther_iut_ping_pong.{module}", *args]


def _read_listening_line(process: subprocess.Popen[str]) -> str:
    """The server's first stdout line, written once its socket is bound."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=STARTUP_LIMIT):
            raise AssertionError("the server printed nothing while starting")
    return process.stdout.readline()


def start_server(*args: str, host: str = "127.0.0.1") -> RunningServer:
    """A server on a free port (``--port 0``), once it has said where it listens."""
    process = subprocess.Popen(
        module_argv("server", "--host", host, "--port", "0", *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = _read_listening_line(process)
    if "listening on" not in line:
        process.kill()
        _, stderr = process.communicate(timeout=EXIT_LIMIT)
        raise AssertionError(f"the server did not start: {line!r} {stderr!r}")
    return RunningServer(process, host, int(line.rsplit(":", 1)[1]))


def run_client(server: RunningServer, report: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = module_argv("client", "--host", server.host, "--port", str(server.port), "--report", str(report), *args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=EXIT_LIMIT)


def run_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(module_argv(module, *args), capture_output=True, text=True, timeout=EXIT_LIMIT)
