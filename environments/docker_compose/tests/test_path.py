"""``path:`` on ``docker_compose``: the relay of ``local`` in a container on the test's network.

Real peers in real containers: the MINIP ping-pong implementation meets the same fate
through the path as on ``local`` with the same seed; an aioquic transfer through the
path is judged by the ``quic_interop`` tester from the capture; the relay's container
goes with the test's other containers, also when the harness is killed; a mistake in
the settings is a configuration error before anything runs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from panther.testing import require_peer, run_panther
from panther_env_docker_compose.cleanup import RUN_LABEL
from test_runs import FOREVER, HarnessProcess, echo_experiment, eventually, things

PATH = {"seed": 7, "delay_ms": 10, "jitter_ms": 4, "to_server": {"loss": 0.2}, "to_client": {"loss": 0.1}}


def ping_pong(environment: str) -> dict[str, Any]:
    return {
        "tests": [
            {
                "name": "ping_pong",
                "network_environment": {"type": environment, "path": PATH},
                "services": {
                    "server": {
                        "implementation": {"name": "ping_pong", "type": "iut"},
                        "protocol": {"name": "minip", "role": "server"},
                    },
                    "client": {
                        "implementation": {
                            "name": "ping_pong",
                            "type": "iut",
                            "interval": 0.02,
                            "reply_timeout": 0.5,
                            "retransmissions": 5,
                        },
                        "protocol": {"name": "minip", "role": "client", "target": "server", "count": 20},
                    },
                },
                "timeout": 120,
            }
        ]
    }


def path_record(test_dir: Path) -> dict[str, Any]:
    return dict(json.loads((test_dir / "path" / "path.json").read_text()))


def test_the_path_in_docker_does_what_the_same_seed_does_on_local(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    docker = run_panther(ping_pong("docker_compose"), tmp_path / "docker")
    local = run_panther(ping_pong("local"), tmp_path / "local")
    assert docker.exit_code == 0, docker.output
    assert local.exit_code == 0, local.output
    in_docker, on_local = docker.test(), local.test()
    assert in_docker.checks["network path"]["status"] == "passed"
    assert in_docker.checks["network path"]["reason"] == on_local.checks["network path"]["reason"]

    recorded, expected = path_record(in_docker.output_dir), path_record(on_local.output_dir)
    assert recorded["seed"] == 7
    assert recorded["counters"] == expected["counters"]
    assert recorded["drops"] == expected["drops"] and recorded["drops"]["to_server"] and recorded["drops"]["to_client"]
    # The client sent to the relay's container; the relay sent on to the server's.
    route = recorded["routes"][0]
    assert route["relay"][0] != route["target"][0] and route["relay"][0] != "127.0.0.1"
    for capture in ("client.pcap", "server.pcap"):
        assert (in_docker.output_dir / "path" / capture).stat().st_size > 24  # more than the pcap header
    # The relay's container went with the test's others.
    assert things(docker_client, RUN_LABEL, docker.results["run_id"]) == []
    compose = (in_docker.output_dir / "docker-compose.yml").read_text()
    assert "panther.netpath" in compose


def test_an_aioquic_transfer_through_the_path_is_judged_from_its_capture(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    import shutil

    require_peer("tshark", shutil.which("tshark") is not None, "install tshark (Debian package tshark)")
    experiment = {
        "tests": [
            {
                "name": "interop",
                "network_environment": {"type": "docker_compose"},
                "matrix": {
                    "tester": "quic_interop",
                    "servers": ["aioquic"],
                    "clients": ["aioquic"],
                    "cases": ["transfer"],
                },
            }
        ]
    }
    run = run_panther(experiment, tmp_path)
    assert run.exit_code == 0, run.output
    cell = run.test()
    assert cell.verdict == "passed", cell.reason
    assert cell.checks["network path"]["status"] == "passed"
    wire = cell.checks["wire: handshakes"]
    assert wire["status"] == "passed", wire["reason"]
    assert any(evidence.endswith("server.pcap") for evidence in wire["evidence"])
    counters = path_record(cell.output_dir)["counters"]
    assert counters["to_client"]["forwarded"] > 100  # megabytes went through the relay


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("rebind-addr", "docker_compose cannot give this case its path"),
        # The cell asks for the host ::1, a key the Docker environment does not have.
        ("ipv6", "cannot give this case its settings"),
    ],
)
def test_an_interop_case_docker_cannot_give_is_unsupported_in_docker(case: str, why: str, tmp_path: Path) -> None:
    """The rest of the matrix still runs: the cell is unsupported, with the reason."""
    matrix = {
        "tester": "quic_interop",
        "servers": ["aioquic"],
        "clients": ["aioquic"],
        "cases": ["transfer", case],
    }
    experiment = {"tests": [{"name": "interop", "network_environment": {"type": "docker_compose"}, "matrix": matrix}]}
    run = run_panther(experiment, tmp_path, args=["--filter", f"interop/{case}/*"])
    cell = run.test()
    assert cell.verdict == "unsupported", cell.reason
    assert why in cell.reason


def test_a_killed_harness_leaves_no_relay_running(docker_client: Any, image_marker: str, tmp_path: Path) -> None:
    """Its watchdog ends the relay as it ends the services; the next clean-up removes the container.
    No client: a test whose client has had its echoes is over (relay included) at once."""
    experiment = echo_experiment("killed", image_marker, client=False, steps={"wait": FOREVER}, timeout=FOREVER)
    experiment["tests"][0]["network_environment"]["path"] = {}
    harness = HarnessProcess(experiment, tmp_path)
    try:
        # Its images are made first (the echo image with a new marker): minutes on a loaded machine.
        eventually(lambda: _ready(harness), "the server is ready", limit=600)
        run_id = harness.run_id()
        relay = [
            c
            for c in docker_client.containers.list(filters={"label": f"{RUN_LABEL}={run_id}"})
            if c.name.endswith(".path")
        ]
        assert len(relay) == 1 and relay[0].status == "running"
    finally:
        harness.process.kill()
        harness.process.wait()
    eventually(lambda: (relay[0].reload(), relay[0].status)[1] == "exited", "the relay has ended")
    cleaned = subprocess.run(
        [sys.executable, "-m", "panther", "docker", "clean"], capture_output=True, text=True, timeout=300
    )
    assert cleaned.returncode == 0, cleaned.stderr
    assert f"removed {relay[0].name}" in cleaned.stdout
    assert things(docker_client, RUN_LABEL, run_id) == []


def test_a_relay_killed_during_the_test_makes_the_path_check_an_error(
    docker_client: Any, image_marker: str, tmp_path: Path
) -> None:
    """The fault the ``network path`` check catches in Docker: the relay ended without its record."""
    experiment = echo_experiment("relay-killed", image_marker, client=False, steps={"wait": 20}, timeout=120)
    experiment["tests"][0]["network_environment"]["path"] = {}
    harness = HarnessProcess(experiment, tmp_path)
    eventually(lambda: _ready(harness), "the server is ready", limit=600)
    relays = docker_client.containers.list(filters={"label": f"{RUN_LABEL}={harness.run_id()}", "name": ".path"})
    assert len(relays) == 1
    relays[0].kill(signal="SIGKILL")
    output, _ = harness.process.communicate(timeout=300)
    assert harness.process.returncode == 1, output
    results = json.loads((harness.run_dir / "results.json").read_text())  # type: ignore[operator]
    check = next(check for check in results["tests"][0]["checks"] if check["name"] == "network path")
    assert check["status"] == "error", check
    assert "ended without its record" in check["reason"], check


@pytest.mark.parametrize(
    ("path", "expected", "found"),
    [
        ({"to_server": {"loss": 1.5}}, "<= 1.0", "1.5"),
        ({"delay_ms": 5, "jitter_ms": 8}, "jitter_ms <= delay_ms", "8"),
        ({"rebind": [{"at": 1, "change": "address"}]}, "change: port", "change: address"),
    ],
)
def test_a_mistake_in_the_path_is_a_configuration_error(
    path: dict[str, Any], expected: str, found: str, tmp_path: Path
) -> None:
    experiment = tmp_path / "experiment.yaml"
    document = ping_pong("docker_compose")
    document["tests"][0]["network_environment"]["path"] = path
    experiment.write_text(json.dumps(document, indent=1))
    done = subprocess.run(
        [sys.executable, "-m", "panther", "run", str(experiment), "--output-dir", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    text = done.stdout + done.stderr
    assert re.search(rf"{re.escape(str(experiment))}:\d+:", text), text  # the file and the line
    assert "network_environment.path" in text and expected in text and found in text, text
    assert not list((tmp_path / "out").glob("*/ping_pong")), "nothing may run"


def _ready(harness: HarnessProcess) -> bool:
    if harness.process.poll() is not None:
        output, _ = harness.process.communicate()
        pytest.fail(f"the harness ended (exit code {harness.process.returncode}):\n{output}")
    return any(event["event"] == "ServiceReadyEvent" for event in harness.events())
