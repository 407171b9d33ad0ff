"""Child processes that make images (wheel builds, image builds, debootstrap), ended
as soon as the run is cancelled.

An image build can take minutes; Ctrl-C must not wait for it. Each such step runs as
a child process that the harness polls, and kills when the run's cancellation is set:
a build driven by a killed process ends too, because the engine stops a build whose
client went away.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from panther_env_docker_compose.engine import DockerBuildError

if TYPE_CHECKING:
    from panther.runner.cancellation import Cancellation

#: How often a wait looks at the cancellation: well under the second Ctrl-C may take.
POLL_INTERVAL = 0.1
#: Seconds a cancelled child gets to end after SIGTERM before SIGKILL.
TERMINATE_GRACE = 0.5


class BuildCancelled(DockerBuildError):
    """The run was cancelled while an image was being made."""


def run_child(
    argv: list[str], *, what: str, log_path: Path | None = None, cancellation: Cancellation | None = None
) -> tuple[int, str]:
    """Run ``argv`` to its end, or until ``cancellation`` is set (:class:`BuildCancelled`).

    Returns its exit code and its output (stdout and stderr together; with
    ``log_path``, appended to that file as it comes and the last lines returned).
    Output goes to a file, never a pipe: a child that writes much (debootstrap)
    cannot block on a full pipe while the harness only polls it.
    """
    with open(log_path, "a") if log_path is not None else tempfile.TemporaryFile("w+", prefix="panther-") as sink:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, text=True)
        while process.poll() is None:
            if cancellation is None:
                process.wait()
            elif cancellation.wait(POLL_INTERVAL):
                _end(process)
                raise BuildCancelled(f"{what}: cancelled ({cancellation.reason or 'interrupted'})")
        if log_path is not None:
            return process.returncode, tail(log_path)
        sink.seek(0)
        return process.returncode, sink.read()


def _end(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a log file (empty when it cannot be read)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
