"""Helpers for the tests of PANTHER distributions (and of third-party plugins).

``run_panther`` runs an experiment through the real ``panther run`` command and
reads back what it recorded (``merge_panther``: the real ``panther merge``; ``run_pair``:
one test of a server and a client; ``client_folders`` and ``private_keys_in``: where a
server's key must never be);
``UdpResponder`` and ``silent_udp_port`` are real UDP peers on loopback for testing
readiness probes.

``PANTHER_REQUIRE_PEERS`` lists the peers a test run must have (``1`` or ``all``:
every peer). A test that needs an absent peer skips with the reason, unless the
peer is required: then it fails, so that CI cannot turn green by skipping.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def peer_required(peer: str) -> bool:
    wanted = {item.strip().lower() for item in os.environ.get("PANTHER_REQUIRE_PEERS", "").split(",") if item.strip()}
    return bool(wanted & {"1", "all", "true", "yes", peer.lower()})


def require_peer(peer: str, available: bool, how_to_get: str) -> None:
    """Skip (or fail, when the peer is required) the calling test if ``peer`` is absent."""
    if available:
        return
    import pytest

    message = f"peer {peer!r} is not available: {how_to_get}"
    if peer_required(peer):
        pytest.fail(f"{message} (required by PANTHER_REQUIRE_PEERS)")
    pytest.skip(message)


@dataclass
class RecordedTest:
    """One test iteration of a run, as ``results.json`` records it."""

    name: str
    verdict: str
    reason: str
    output_dir: Path
    checks: dict[str, dict[str, Any]]
    #: A matrix cell's coordinates (group, case, server, client); None for other tests.
    matrix: dict[str, str] | None = None
    measurements: dict[str, float] = field(default_factory=dict)

    def not_passed(self) -> list[str]:
        """Every check that did not pass, as ``name: status: reason`` lines."""
        return [
            f"{name}: {check['status']}: {check['reason']}"
            for name, check in self.checks.items()
            if check["status"] != "passed"
        ]


@dataclass
class ExperimentRun:
    """What one ``panther run`` did: its exit code, its console output and its results."""

    exit_code: int
    output: str
    output_dir: Path
    results: dict[str, Any]

    @property
    def tests(self) -> list[RecordedTest]:
        return [
            RecordedTest(
                name=test["name"],
                verdict=test["verdict"],
                reason=test["reason"],
                output_dir=self.output_dir / test["output_dir"],
                checks={check["name"]: check for check in test["checks"]},
                matrix=test.get("matrix"),
                measurements=test.get("measurements", {}),
            )
            for test in self.results["tests"]
        ]

    def test(self, name: str | None = None) -> RecordedTest:
        """The test called ``name``, or the only test of the run."""
        tests = self.tests if name is None else [test for test in self.tests if test.name == name]
        if len(tests) != 1:
            raise LookupError(f"expected one test named {name!r}, found {len(tests)}")
        return tests[0]


def run_panther(
    experiment: dict[str, Any] | str, folder: Path, *, args: Sequence[str] = (), timeout: float = 600
) -> ExperimentRun:
    """Write ``experiment`` (a document, or YAML text) into ``folder`` and run it through
    the real ``panther run`` command (with ``args``: ``["--shard", "1/3"]``), in a process
    of its own, as a user would. ``folder`` is made when it does not exist."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "experiment.yaml"
    # JSON is YAML: a document needs no YAML writer.
    path.write_text(experiment if isinstance(experiment, str) else json.dumps(experiment, indent=1))
    out = folder / "out"
    done = _panther(["run", str(path), "--output-dir", str(out), *args], folder, timeout)
    runs = list(out.glob("*/results.json"))
    if len(runs) != 1:
        raise AssertionError(
            f"panther run wrote no results.json (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return _recorded(done, runs[0].parent)


def merge_panther(outputs: Sequence[Path], folder: Path, *, timeout: float = 120) -> ExperimentRun:
    """Merge run outputs (``ExperimentRun.output_dir`` of shards) with the real ``panther merge``
    into ``folder``/merged, and read back what it wrote."""
    merged = folder / "merged"
    done = _panther(["merge", *map(str, outputs), "--output-dir", str(merged)], folder, timeout)
    if not (merged / "results.json").is_file():
        raise AssertionError(f"panther merge wrote no results.json (exit {done.returncode}):\n{done.stderr}")
    return _recorded(done, merged)


def _panther(args: list[str], folder: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "panther", *args], cwd=folder, capture_output=True, text=True, timeout=timeout
    )


def _recorded(done: subprocess.CompletedProcess[str], output_dir: Path) -> ExperimentRun:
    return ExperimentRun(
        exit_code=done.returncode,
        output=done.stdout + done.stderr,
        output_dir=output_dir,
        results=json.loads((output_dir / "results.json").read_text()),
    )


def run_pair(
    folder: Path,
    server: dict[str, Any],
    client: dict[str, Any],
    *,
    name: str = "t",
    timeout: float = 120,
    environment: str = "local",
) -> ExperimentRun:
    """Run one test of two services, ``server`` and ``client`` (a client targets ``server``),
    on the network ``environment`` (``local``, or ``docker_compose``: a container each)."""
    experiment = {
        "tests": [
            {
                "name": name,
                "network_environment": {"type": environment},
                "services": {"server": server, "client": client},
                "timeout": timeout,
            }
        ]
    }
    # Images are made before the test's clock starts: a first build has its own time.
    return run_panther(experiment, folder, timeout=timeout + (120 if environment == "local" else 1800))


def private_keys_in(folder: Path) -> list[Path]:
    """Files under ``folder`` holding a PEM private key, whatever their names: what a
    client's folder (a client container's only mount) must never contain."""
    return [path for path in folder.rglob("*") if path.is_file() and b"PRIVATE KEY-----" in path.read_bytes()]


def client_folders(run: ExperimentRun) -> list[Path]:
    """The folder of every client service of every test of ``run``."""
    return [
        run.output_dir / service["output_dir"]
        for test in run.results["tests"]
        for service in test["services"]
        if service["role"] == "client"
    ]


class UdpResponder:
    """A UDP socket on 127.0.0.1 (``port``, or a free one) answering each datagram with
    ``respond(data)`` (None: no answer), in a thread of its own; ``received`` keeps
    what arrived."""

    def __init__(self, respond: Callable[[bytes], bytes | None], port: int = 0) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", port))
        self.socket.settimeout(0.05)  # how often the thread looks whether to stop
        self.port: int = self.socket.getsockname()[1]
        self.received: list[bytes] = []
        self._respond = respond
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, address = self.socket.recvfrom(65535)
            except TimeoutError:
                continue
            self.received.append(data)
            answer = self._respond(data)
            if answer is not None:
                self.socket.sendto(answer, address)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()

    def __enter__(self) -> UdpResponder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@contextmanager
def silent_udp_port() -> Iterator[int]:
    """A UDP port on 127.0.0.1, bound (so nothing else takes it) where no one ever answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
