"""Faulty implementations get the right verdict and reason, the other tests of the run
still run, and no process of the run is left afterwards."""

from __future__ import annotations

import socket

import pytest
from panther.environments.ports import ALLOCATOR
from runner_support import echo_test, processes_of_run, results_by_label, run_yaml

FAST = "    timeout: 5\n"
LOCAL_FAST = "    network_environment: {type: local, readiness_timeout: 1.5}\n"


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory):
    """One run holding every fault next to healthy tests (run side by side)."""
    tmp_path = tmp_path_factory.mktemp("faults")
    text = "tests:\n" + "".join(
        [
            echo_test("healthy before"),
            echo_test("server crash", server={"behaviour": "crash"}),
            echo_test("client crash", client={"behaviour": "crash"}),
            echo_test("client hang", client={"behaviour": "hang"}, extra="    timeout: 1.5\n"),
            echo_test("server hang", server={"behaviour": "hang"}),
            echo_test("never ready", server={"behaviour": "never_ready"}, extra=LOCAL_FAST),
            echo_test("no binary", client={"binary_path": "/nonexistent/demo-echo"}, extra=FAST),
            echo_test("unsupported", client={"behaviour": "unsupported"}),
            echo_test("orphans", server={"spawn_orphan": True}, client={"spawn_orphan": True}),
            echo_test("healthy after"),
        ]
    )
    result = run_yaml(text, tmp_path, jobs=2)
    return result, results_by_label(result)


def test_healthy_tests_of_the_same_run_still_pass(faulty_run):
    result, tests = faulty_run
    assert tests["healthy before"]["verdict"] == "passed"
    assert tests["healthy after"]["verdict"] == "passed"
    assert result.exit_code == 1


def test_no_process_of_the_run_is_left(faulty_run):
    result, _ = faulty_run
    assert processes_of_run(result.run_id) == []


def test_server_crash_fails_naming_the_server_and_its_probe(faulty_run):
    test = faulty_run[1]["server crash"]
    assert test["verdict"] == "failed"
    assert "server exited with code 3 before it was ready" in test["reason"]
    assert "port 127.0.0.1:" in test["reason"]
    check = next(c for c in test["checks"] if c["name"] == "server ready")
    assert any(path.endswith("server/stderr.log") for path in check["evidence"])


def test_client_crash_fails_with_its_exit_code(faulty_run):
    test = faulty_run[1]["client crash"]
    assert test["verdict"] == "failed"
    assert test["reason"] == "client exit: client exited with 3"


def test_hanging_client_is_stopped_at_the_timeout_even_ignoring_sigterm(faulty_run):
    test = faulty_run[1]["client hang"]
    assert test["verdict"] == "failed"
    assert "client did not finish before the timeout" in test["reason"]
    client = next(s for s in test["services"] if s["name"] == "client")
    assert client["timed_out"] and client["exit_code"] == -9  # SIGTERM ignored: killed


def test_server_ignoring_sigterm_is_killed_and_the_test_still_passes(faulty_run):
    test = faulty_run[1]["server hang"]
    assert test["verdict"] == "passed", test["reason"]
    server = next(s for s in test["services"] if s["name"] == "server")
    assert server["stopped_by_harness"] and server["exit_code"] == -9


def test_never_ready_server_fails_at_the_readiness_deadline(faulty_run):
    test = faulty_run[1]["never ready"]
    assert test["verdict"] == "failed"
    assert "server was not ready after 1.5s" in test["reason"]
    assert "never succeeded" in test["reason"]
    client = next(s for s in test["services"] if s["name"] == "client")
    assert client["exit_code"] is None and client["argv"]  # planned, never started


def test_nonexistent_binary_is_an_error(faulty_run):
    test = faulty_run[1]["no binary"]
    assert test["verdict"] == "error"
    assert test["reason"] == "client start: binary not found: /nonexistent/demo-echo"


def test_exit_127_is_unsupported(faulty_run):
    test = faulty_run[1]["unsupported"]
    assert test["verdict"] == "unsupported"
    assert "not supported" in test["reason"]


def test_forked_children_that_left_the_group_are_ended(faulty_run):
    assert faulty_run[1]["orphans"]["verdict"] == "passed"
    # test_no_process_of_the_run_is_left covers the orphans' end: they carry the marker.


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_port_held_by_another_process_gives_a_verdict_not_a_hang(tmp_path, transport):
    port = ALLOCATOR.allocate()
    kind = socket.SOCK_STREAM if transport == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as holder:
        holder.bind(("127.0.0.1", port))
        if transport == "tcp":
            holder.listen()
        text = (
            "tests:\n  - name: taken\n"
            "    network_environment: {type: local, use_declared_ports: true, readiness_timeout: 3}\n"
            "    services:\n"
            "      server:\n        implementation: {name: demo_echo}\n"
            f"        protocol: {{name: demo, role: server, transport: {transport}}}\n"
            f'        ports: ["{port}:{port}"]\n'
            "      client:\n        implementation: {name: demo_echo}\n"
            f"        protocol: {{name: demo, role: client, target: server, transport: {transport}}}\n"
        )
        result = run_yaml(text, tmp_path)
    ALLOCATOR.release([port])

    test = results_by_label(result)["taken"]
    assert test["verdict"] == "failed"
    assert f"server exited with code 2 before it was ready ({transport} port 127.0.0.1:{port}" in test["reason"]
    stderr = (result.output_dir / "taken" / "server" / "stderr.log").read_text()
    assert "Address already in use" in stderr
    assert processes_of_run(result.run_id) == []
