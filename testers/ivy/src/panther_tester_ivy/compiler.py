"""Compiling an Ivy test into a tester program, once per model and compiler.

A tester is compiled with ``ivyc target=test`` in a build folder of its own, keyed by
a digest of the model's files, the test's name, extra compile inputs and the tool
environment (its pins, the interpreter and the C++ compiler): a second run of the
same test finds the program and does not compile. The build happens in a temporary
folder renamed into place when it succeeded, under a lock per key, so that two tests
preparing the same tester at once compile it once and a failed or interrupted build
leaves nothing that looks finished.

A failed compilation raises :class:`CompileError` with the compiler's first error
(Ivy's ``file: line N: error: ...`` or ``file(N): error: ...``, or g++'s).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from panther_tester_ivy.models import ModelSource
from panther_tester_ivy.toolchain import Toolchain, file_lock

#: Seconds one compilation may take unless the experiment says otherwise.
DEFAULT_COMPILE_TIMEOUT = 900.0
LOG_NAME = "ivyc.log"
_ERROR = re.compile(r"^(?P<text>\S.*?\berror\b\s*:.*)$", re.MULTILINE | re.IGNORECASE)


class CompileError(Exception):
    """``ivyc`` failed; ``first_error`` is its first error line, ``log`` its whole output."""

    def __init__(self, test: str, first_error: str, log: Path) -> None:
        super().__init__(f"Ivy could not compile {test}: {first_error} (compiler output: {log})")
        self.test, self.first_error, self.log = test, first_error, log


@dataclass(frozen=True)
class Build:
    """A compiled tester."""

    test: str
    binary: Path
    log: Path
    #: False when this call compiled it, True when it was found in the cache.
    cached: bool
    seconds: float


@dataclass(frozen=True)
class CompileRequest:
    """What to compile: a test of a model, with optional extra inputs (QUIC: picotls)."""

    test: str
    model: ModelSource
    #: Extra environment variables for the compiler (include and library paths).
    extra_env: tuple[tuple[str, str], ...] = ()
    timeout: float = DEFAULT_COMPILE_TIMEOUT

    def key(self, toolchain: Toolchain) -> str:
        digest = hashlib.sha256()
        for part in (self.test, self.model.digest(), repr(self.extra_env), toolchain.version()):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()[:20]


def first_error(output: str) -> str:
    """The first error the compiler reported, else its last non-empty line."""
    match = _ERROR.search(output)
    if match:
        return match.group("text").strip()
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "the compiler printed nothing"


def build_folder(request: CompileRequest, toolchain: Toolchain, root: Path) -> Path:
    return root / "builds" / f"{request.test}-{request.key(toolchain)}"


def compile_test(request: CompileRequest, toolchain: Toolchain, root: Path) -> Build:
    """The compiled tester of ``request``, compiled first when the cache has none."""
    began = time.monotonic()
    folder = build_folder(request, toolchain, root)
    binary = folder / request.test
    if binary.exists():
        return Build(request.test, binary, folder / LOG_NAME, cached=True, seconds=time.monotonic() - began)
    with file_lock(folder.with_name(folder.name + ".lock")):
        if binary.exists():  # compiled by another process while this one waited
            return Build(request.test, binary, folder / LOG_NAME, cached=True, seconds=time.monotonic() - began)
        staging = folder.with_name(folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name, path in request.model.files().items():
            shutil.copyfile(path, staging / name)
        if not (staging / f"{request.test}.ivy").exists():
            shutil.rmtree(staging, ignore_errors=True)
            raise CompileError(request.test, f"the model has no file {request.test}.ivy", folder)
        try:
            _run_ivyc(request, toolchain, staging)
        except CompileError:
            failed = folder.with_name(folder.name + ".failed")
            shutil.rmtree(failed, ignore_errors=True)
            staging.rename(failed)
            raise _moved(request.test, failed) from None
        staging.rename(folder)
    return Build(request.test, binary, folder / LOG_NAME, cached=False, seconds=time.monotonic() - began)


def _moved(test: str, failed: Path) -> CompileError:
    log = failed / LOG_NAME
    text = log.read_text(errors="replace") if log.exists() else ""
    return CompileError(test, first_error(text), log)


def _run_ivyc(request: CompileRequest, toolchain: Toolchain, folder: Path) -> None:
    argv = [str(toolchain.ivyc), "target=test", f"{request.test}.ivy"]
    env = {**toolchain.compile_environment(), **dict(request.extra_env)}
    log = folder / LOG_NAME
    with log.open("w") as stream:
        stream.write(f"$ {' '.join(argv)}\n")
        stream.flush()
        # A process group of its own: on a timeout, g++ goes with ivyc.
        process = subprocess.Popen(
            argv, cwd=folder, env=env, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            code = process.wait(timeout=request.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            stream.write(f"\nerror: compilation did not finish within {request.timeout:.0f}s and was stopped\n")
            raise CompileError(request.test, "timeout", log) from None
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
    if code != 0 or not (folder / request.test).exists():
        raise CompileError(request.test, "failed", log)
