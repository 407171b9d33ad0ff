"""A network path in a test run: the clients go through it, the servers do not move, the
protocol plugins find its captures, its check is in the verdict, and nothing is left."""

from __future__ import annotations

import json

import pytest
from panther.netpath.pcap import read_pcap
from runner_support import echo_test, processes_of_run, results_by_label, run_yaml, service

UDP = {"transport": "udp", "lines": 4}


def _experiment(path: str, *, host: str = "127.0.0.1", protocol: dict | None = None, clients: int = 1) -> str:
    extra = f"    network_environment: {{type: local, host: {json.dumps(host)}{', path: ' + path if path else ''}}}\n"
    text = "tests:\n" + echo_test("echo", protocol={**UDP, "capture": True, **(protocol or {})}, extra=extra)
    for index in range(1, clients):
        text += (
            f"      client{index}:\n"
            "        implementation: {name: demo_echo, message: other" + str(index) + "}\n"
            "        protocol: {name: demo, role: client, target: server, transport: udp, lines: 4, capture: true}\n"
        )
    return text


def _port(argv: list[str]) -> int:
    return int(argv[argv.index("--port") + 1])


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_clients_go_through_the_path_and_plugins_read_its_capture(tmp_path, host):
    result = run_yaml(_experiment("{}", host=host), tmp_path)
    test = results_by_label(result)["echo"]
    checks = {check["name"]: check for check in test["checks"]}
    assert test["verdict"] == "passed", checks
    assert checks["network path"]["status"] == "passed"
    assert "; to_server: 4 received, 4 forwarded; to_client: 4 received" in checks["network path"]["reason"]
    assert checks["demo: the capture shows every line of client reaching server"]["status"] == "passed"

    folder = result.output_dir / "echo"
    services = {service["name"]: service for service in test["services"]}
    record = json.loads((folder / "path" / "path.json").read_text())
    route = record["routes"][0]
    # The server listens where it always would; the client was sent to the relay.
    assert _port(services["server"]["argv"]) == route["target"][1]
    assert _port(services["client"]["argv"]) == route["relay"][1] != route["target"][1]
    assert route["relay"][0] == route["target"][0] == host
    client_leg = list(read_pcap(folder / "path" / "client.pcap"))
    assert len(client_leg) == 8 and {d.destination for d in client_leg[::2]} == {tuple(route["relay"])}
    assert processes_of_run(result.run_id) == []


def test_several_clients_each_have_their_flow(tmp_path):
    result = run_yaml(_experiment("{}", clients=3), tmp_path)
    test = results_by_label(result)["echo"]
    assert test["verdict"] == "passed", test["checks"]
    record = json.loads((result.output_dir / "echo" / "path" / "path.json").read_text())
    assert len(record["flows"]) == 3
    assert len({tuple(flow["server_side"][0]) for flow in record["flows"]}) == 3
    assert record["counters"]["to_server"]["received"] == 12


def test_a_check_that_needs_a_capture_is_unsupported_without_a_path(tmp_path):
    result = run_yaml(_experiment(""), tmp_path)
    test = results_by_label(result)["echo"]
    checks = {check["name"]: check for check in test["checks"]}
    capture = checks["demo: the capture shows every line of client reaching server"]
    assert capture["status"] == "unsupported" and "no network path" in capture["reason"]
    assert "network path" not in checks
    assert not (result.output_dir / "echo" / "path").exists()


def test_a_service_called_path_does_not_take_the_paths_folder(tmp_path):
    text = (
        "tests:\n  - name: t\n    network_environment: {type: local, path: {}}\n    services:\n"
        + service("path", "server", protocol={"transport": "udp"})
        + service("c", "client", target="path", protocol={"transport": "udp"})
    )
    result = run_yaml(text, tmp_path)
    assert results_by_label(result)["t"]["verdict"] == "passed"
    assert (result.output_dir / "t" / "path" / "path.json").is_file()
    assert (result.output_dir / "t" / "path_" / "received.log").is_file()
