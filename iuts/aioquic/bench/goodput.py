"""Goodput of a 50 MiB QUIC download under ``panther run`` against the same download run by hand.

For aioquic to aioquic and ngtcp2 to ngtcp2 (when its programs are installed): one
``panther run`` of a one-file transfer, then the very commands the harness ran
(``argv.json`` of each service, in the folders it prepared) started by hand: the
server, a Version Negotiation probe until it answers, then the client, timed from
its start to its exit. The figure is the ratio of the client's durations, harness
over by hand (goal: at most 1.05). Nothing here asserts: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from panther_base_quic import version_negotiation_probe

SIZE = 50 * 1024 * 1024
PAIRS = {"aioquic": ("h3", None), "ngtcp2": ("h3", ("gtlsserver", "gtlsclient"))}


def experiment(implementation: str, alpn: str) -> dict[str, Any]:
    def service(role: str) -> dict[str, Any]:
        protocol: dict[str, Any] = {"name": "quic", "role": role, "alpn": alpn, "transfer": [SIZE]}
        if role == "client":
            protocol.update(target="server", verify_peer=implementation != "ngtcp2")
        return {"implementation": {"name": implementation, "type": "iut"}, "protocol": protocol}

    return {
        "tests": [
            {
                "name": f"goodput-{implementation}",
                "network_environment": {"type": "local"},
                "services": {"server": service("server"), "client": service("client")},
                "timeout": 600,
            }
        ]
    }


def under_harness(implementation: str, alpn: str, folder: Path) -> tuple[float, Path]:
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment(implementation, alpn)))
    subprocess.run(
        [sys.executable, "-m", "panther", "run", str(path), "--output-dir", str(folder / "out")], check=False
    )
    found = list((folder / "out").glob("*/results.json"))
    if len(found) != 1:
        raise SystemExit(f"{implementation}: panther run wrote no results")
    results = found[0]
    test = json.loads(results.read_text())["tests"][0]
    if test["verdict"] != "passed":
        raise SystemExit(f"{implementation}: the harness run did not pass: {test['reason']}")
    client = next(service for service in test["services"] if service["name"] == "client")
    return float(client["duration"]), Path(test["output_dir"])


def by_hand(test_dir: Path, keylog_env: bool) -> float:
    server_argv = json.loads((test_dir / "server" / "argv.json").read_text())
    client_argv = json.loads((test_dir / "client" / "argv.json").read_text())
    port = int(server_argv[server_argv.index("--port") + 1]) if "--port" in server_argv else int(server_argv[-3])
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if keylog_env:
        env["SSLKEYLOGFILE"] = str(test_dir / "client" / "keys.log")
    for folder in (test_dir / "client" / "downloads",):
        shutil.rmtree(folder)
        folder.mkdir()
    with open(os.devnull, "wb") as sink:
        server = subprocess.Popen(server_argv, stdout=sink, stderr=sink, env=env, start_new_session=True)
        try:
            probe = version_negotiation_probe("127.0.0.1", port)
            while not probe.attempt(0.2):
                if server.poll() is not None:
                    raise SystemExit(f"by hand: the server exited with {server.returncode}")
            with open(test_dir / "client" / "stderr-by-hand.log", "wb") as stderr:
                began = time.monotonic()
                code = subprocess.run(client_argv, stdout=sink, stderr=stderr, env=env).returncode
                elapsed = time.monotonic() - began
            if code != 0:
                raise SystemExit(f"by hand: the client exited with {code}")
            return elapsed
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--implementations", default=",".join(PAIRS), help="comma-separated: aioquic, ngtcp2")
    options = parser.parse_args()
    mib = SIZE / (1024 * 1024)
    for implementation in options.implementations.split(","):
        alpn, programs = PAIRS[implementation]
        if programs and not all(shutil.which(program) for program in programs):
            print(f"{implementation}: skipped, {' and '.join(programs)} not installed")
            continue
        with tempfile.TemporaryDirectory(prefix=f"goodput-{implementation}-") as temporary:
            harness, test_dir = under_harness(implementation, alpn, Path(temporary))
            hand = by_hand(test_dir, keylog_env=programs is not None)
        print(
            f"{implementation} -> {implementation}, {mib:g} MiB over {alpn}: "
            f"harness {mib / harness:.1f} MiB/s ({harness:.2f}s), by hand {mib / hand:.1f} MiB/s ({hand:.2f}s), "
            f"ratio harness/by hand {harness / hand:.3f} (goal <= 1.05)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
