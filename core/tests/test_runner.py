"""The runner end to end with real processes: the demo echo implementation over TCP and UDP."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from panther.config.errors import ConfigError
from panther.config.loader import load_experiment
from panther.plugins.registry import PluginRegistry
from panther.runner.experiment import create_output_dir, run_experiment
from runner_support import echo_test, processes_of_run, results_by_label, run_yaml

SERVICE_FILES = ("command.txt", "argv.json", "stdout.log", "stderr.log", "exit_code")


def test_demo_experiment_passes_over_tcp_and_udp(tmp_path):
    text = (
        "name: demo\ntests:\n"
        + echo_test("echo tcp", protocol={"lines": 4})
        + echo_test("echo udp", protocol={"transport": "udp", "lines": 4})
    )
    result = run_yaml(text, tmp_path)

    assert result.exit_code == 0, (result.output_dir / "summary.md").read_text()
    assert result.output_dir.parent == tmp_path / "outputs"
    assert re.fullmatch(r"demo-\d{8}-\d{6}", result.output_dir.name)
    tests = results_by_label(result)
    assert {name: t["verdict"] for name, t in tests.items()} == {"echo tcp": "passed", "echo udp": "passed"}
    for folder in ("echo_tcp", "echo_udp"):
        for name in ("server", "client"):
            for file in SERVICE_FILES:
                assert (result.output_dir / folder / name / file).is_file(), f"{folder}/{name}/{file}"
        # What the services themselves wrote in their folders is kept.
        received = (result.output_dir / folder / "server" / "received.log").read_text().splitlines()
        assert received == [f"hello {i}" for i in range(4)]
        assert (result.output_dir / folder / "client" / "exit_code").read_text().strip() == "0"
    udp_argv = json.loads((result.output_dir / "echo_udp" / "server" / "argv.json").read_text())
    assert udp_argv[udp_argv.index("--transport") + 1] == "udp"
    for report in ("resolved-config.json", "events.jsonl", "results.json", "junit.xml", "summary.md"):
        assert (result.output_dir / report).is_file()
    assert processes_of_run(result.run_id) == []


def test_iterations_run_the_test_that_many_times_and_count_failures(tmp_path):
    text = (
        "tests:\n"
        + echo_test("steady", extra="    iterations: 3\n")
        + echo_test("broken", client={"behaviour": "crash"}, extra="    iterations: 2\n")
    )
    result = run_yaml(text, tmp_path)

    labels = results_by_label(result)
    assert sorted(labels) == ["broken [1/2]", "broken [2/2]", "steady [1/3]", "steady [2/3]", "steady [3/3]"]
    for iteration in (1, 2, 3):
        assert (result.output_dir / "steady" / f"iteration-{iteration}" / "server" / "received.log").is_file()
    cases = ET.parse(result.output_dir / "junit.xml").getroot().iter("testcase")  # noqa: S314 - the harness's own report
    assert len(list(cases)) == 5
    summary = (result.output_dir / "summary.md").read_text()
    assert re.search(r"\| steady \| passed \| 0/3 \|", summary)
    assert re.search(r"\| broken \| failed \| 2/2 \|", summary)
    assert result.exit_code == 1


def test_jobs_run_tests_side_by_side_on_distinct_ports(tmp_path):
    text = "tests:\n" + "".join(echo_test(f"t{i}", protocol={"lines": 20}) for i in range(4))
    result = run_yaml(text, tmp_path, jobs=2)

    assert result.exit_code == 0, (result.output_dir / "summary.md").read_text()
    ports = []
    for i in range(4):
        argv = json.loads((result.output_dir / f"t{i}" / "server" / "argv.json").read_text())
        ports.append(argv[argv.index("--port") + 1])
    assert len(set(ports)) == 4
    events = [json.loads(line) for line in (result.output_dir / "events.jsonl").read_text().splitlines()]
    running, overlapped = 0, False
    for event in events:
        if event["event"] == "TestStartedEvent":
            running += 1
            overlapped = overlapped or running > 1
        elif event["event"] == "TestFinishedEvent":
            running -= 1
    assert overlapped, "with --jobs 2 two tests should have been running at once"


def test_filter_runs_only_the_named_tests_and_rejects_unknown_names(tmp_path):
    text = "tests:\n" + echo_test("first") + echo_test("second")
    result = run_yaml(text, tmp_path, test_filter=["second"])
    assert list(results_by_label(result)) == ["second"]

    with pytest.raises(ConfigError) as error:
        run_yaml(text, tmp_path, test_filter=["third"])
    assert "third" in str(error.value) and "'first'" in str(error.value)


def test_output_folders_are_unique_for_runs_started_in_the_same_second(tmp_path):
    folders = {create_output_dir(tmp_path, "same") for _ in range(5)}
    assert len(folders) == 5
    assert all(folder.is_dir() and folder.parent == tmp_path for folder in folders)


def test_server_only_test_runs_for_steps_wait_then_is_stopped(tmp_path):
    text = (
        "tests:\n  - name: alone\n    steps: {wait: 0.5}\n    services:\n"
        "      server:\n        implementation: {name: demo_echo}\n"
        "        protocol: {name: demo, role: server}\n"
    )
    result = run_yaml(text, tmp_path)

    test = results_by_label(result)["alone"]
    assert test["verdict"] == "passed", test
    server = test["services"][0]
    assert server["stopped_by_harness"] is True
    assert server["duration"] >= 0.5
    assert processes_of_run(result.run_id) == []


@pytest.mark.parametrize("ends_by_itself", [True, False])
def test_a_listener_that_ends_by_itself_is_waited_for_once_the_clients_end(tmp_path, ends_by_itself):
    # The server judges the three lines for a second after the client has ended: a
    # tester playing the server. Stopped when the client ends, it never judges.
    judging = {"judge_after": 3, "judge_seconds": 1.0, "ends_by_itself": ends_by_itself}
    result = run_yaml("tests:\n" + echo_test("judged", server=judging), tmp_path)

    test = results_by_label(result)["judged"]
    server = next(service for service in test["services"] if service["name"] == "server")
    judged = Path(server["output_dir"]) / "judged.log"
    if ends_by_itself:
        assert test["verdict"] == "passed", test
        assert (server["exit_code"], server["stopped_by_harness"]) == (0, False)
        assert judged.read_text() == "judged 3 lines\n"
    else:
        assert server["stopped_by_harness"] is True
        assert not judged.exists()
    assert processes_of_run(result.run_id) == []


def test_the_core_demo_example_passes(tmp_path):
    example = Path(__file__).parents[1] / "examples" / "demo_echo.yaml"
    registry = PluginRegistry.discover()
    result = run_experiment(load_experiment(example, registry), registry=registry, output_root=tmp_path, console=False)

    assert result.exit_code == 0, (result.output_dir / "summary.md").read_text()
    assert sorted(results_by_label(result)) == [
        "echo over tcp",
        "echo over udp [1/3]",
        "echo over udp [2/3]",
        "echo over udp [3/3]",
    ]
    assert (result.output_dir / "metrics.json").is_file()


def test_a_worker_that_dies_takes_only_its_own_test(tmp_path):
    text = (
        "tests:\n"
        + echo_test("before")
        + echo_test("ends its worker", client={"exit_while_judging": True})
        + echo_test("after")
    )
    result = run_yaml(text, tmp_path, jobs=2)

    tests = results_by_label(result)
    assert tests["before"]["verdict"] == tests["after"]["verdict"] == "passed"
    assert tests["ends its worker"]["verdict"] == "error"
    assert "worker process ended with 9" in tests["ends its worker"]["reason"]
    assert processes_of_run(result.run_id) == []
