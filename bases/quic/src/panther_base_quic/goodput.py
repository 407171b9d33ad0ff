"""A download timed under ``panther run``, and the same download run by hand.

The speed benchmarks of QUIC plugins compare the client's duration as the harness
recorded it with the duration of the very commands the harness ran (``argv.json``
of each service, in the folders it prepared) started by hand: the server, a Version
Negotiation probe until it answers, then the client, timed from its start to its
exit. Their ratio is what the harness costs a transfer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from panther.testing import run_pair

from panther_base_quic.probe import version_negotiation_probe
from panther_base_quic.testing import quic_service

MIB = 1024 * 1024
_URL_PORT = re.compile(r"^https://(?:\[[^\]]+\]|[^/:]+):(\d+)/")


def one_file_services(
    server: str, client: str, alpn: str, size: int, *, server_keys: dict[str, Any] | None = None,
    client_keys: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The two services of a test where ``client`` downloads one file of ``size`` bytes from
    ``server``. A client that verifies no certificate (ngtcp2) is told so."""
    return (
        quic_service(server, "server", alpn, transfer=[size], **(server_keys or {})),
        quic_service(
            client, "client", alpn, transfer=[size], protocol={"verify_peer": client != "ngtcp2"}, **(client_keys or {})
        ),
    )


def client_seconds_under_harness(
    folder: Path, services: tuple[dict[str, Any], dict[str, Any]], *, timeout: float = 600
) -> tuple[float, Path]:
    """The client's duration as ``panther run`` recorded it, and the test's folder."""
    run = run_pair(folder, *services, name="goodput", timeout=timeout)
    test = run.test()
    if test.verdict != "passed":
        raise SystemExit(f"{test.name}: the harness run did not pass:\n" + "\n".join(test.not_passed()))
    client = next(service for service in run.results["tests"][0]["services"] if service["name"] == "client")
    return float(client["duration"]), test.output_dir


def _server_port(client_argv: list[str]) -> int:
    for word in client_argv:
        match = _URL_PORT.match(word)
        if match:
            return int(match.group(1))
    raise SystemExit(f"by hand: no URL with a port in the client's command {client_argv}")


def client_seconds_by_hand(test_dir: Path, *, keylog_variable: bool = False) -> float:
    """The harness's commands of ``test_dir`` run again by hand: the client's duration.

    ``keylog_variable``: the programs take their key log from ``SSLKEYLOGFILE`` (which
    ``argv.json`` does not hold), so the client is given it as the harness did."""
    server_argv = json.loads((test_dir / "server" / "argv.json").read_text())
    client_argv = json.loads((test_dir / "client" / "argv.json").read_text())
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if keylog_variable:
        environment["SSLKEYLOGFILE"] = str(test_dir / "client" / "keys.log")
    downloads = test_dir / "client" / "downloads"
    shutil.rmtree(downloads)
    downloads.mkdir()
    with open(os.devnull, "wb") as sink:
        server = subprocess.Popen(server_argv, stdout=sink, stderr=sink, env=environment, start_new_session=True)
        try:
            probe = version_negotiation_probe("127.0.0.1", _server_port(client_argv))
            while not probe.attempt(0.2):
                if server.poll() is not None:
                    raise SystemExit(f"by hand: the server exited with {server.returncode}")
            with open(test_dir / "client" / "stderr-by-hand.log", "wb") as stderr:
                began = time.monotonic()
                code = subprocess.run(client_argv, stdout=sink, stderr=stderr, env=environment).returncode
                elapsed = time.monotonic() - began
            if code != 0:
                raise SystemExit(f"by hand: the client exited with {code}")
            return elapsed
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def harness_and_by_hand(
    services: tuple[dict[str, Any], dict[str, Any]], *, keylog_variable: bool = False
) -> tuple[float, float]:
    """The client's seconds under the harness and by hand, for one server and client."""
    with tempfile.TemporaryDirectory(prefix="panther-goodput-") as temporary:
        harness, test_dir = client_seconds_under_harness(Path(temporary), services)
        return harness, client_seconds_by_hand(test_dir, keylog_variable=keylog_variable)


def describe(label: str, size: int, alpn: str, harness: float, by_hand: float) -> str:
    """One line of figures: goodput both ways and the ratio (goal: at most 1.05)."""
    mib = size / MIB
    return (
        f"{label}, {mib:g} MiB over {alpn}: harness {mib / harness:.1f} MiB/s ({harness:.2f}s), "
        f"by hand {mib / by_hand:.1f} MiB/s ({by_hand:.2f}s), ratio harness/by hand {harness / by_hand:.3f} "
        "(goal <= 1.05)"
    )
