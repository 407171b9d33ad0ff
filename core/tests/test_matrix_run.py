"""Matrix cells run for real: the suite's hooks, verdicts per cell, measurements, folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panther.services.outcome import Check
from panther_test_demo_plugins.suite import DemoCases
from runner_support import results_by_label, run_yaml

ECHOES = """\
name: demo
tests:
  - name: echoes
    matrix:
      tester: demo_cases
      servers: [{servers}]
      clients: [demo_echo]
      cases: [{cases}]
"""


def test_each_cell_gets_the_verdict_its_implementations_earn(tmp_path) -> None:
    result = run_yaml(ECHOES.format(servers="demo_echo, demo_echo_tcp", cases="udp, long_lines"), tmp_path, jobs=2)
    tests = results_by_label(result)
    verdicts = {name: test["verdict"] for name, test in tests.items()}
    assert verdicts == {
        "echoes/udp/demo_echo/demo_echo": "passed",
        # demo_echo_tcp's manager refuses UDP: unsupported, with its reason, nothing started.
        "echoes/udp/demo_echo_tcp/demo_echo": "unsupported",
        "echoes/long_lines/demo_echo/demo_echo": "passed",
        # Its server keeps 64 bytes of a 200-byte line: the suite's check reads the client's log.
        "echoes/long_lines/demo_echo_tcp/demo_echo": "failed",
    }
    assert tests["echoes/udp/demo_echo_tcp/demo_echo"]["reason"] == (
        "server prepare: demo_echo_tcp speaks TCP only, not udp"
    )
    failed = tests["echoes/long_lines/demo_echo_tcp/demo_echo"]
    suite_check = next(c for c in failed["checks"] if c["name"] == "long_lines: every echo came back unchanged")
    assert suite_check["status"] == "failed" and suite_check["reason"] == "3 of 3 echoes differ"
    # The cell's folder is nested by its coordinates, and the suite's prepare_test wrote into it.
    folder = result.output_dir / "echoes" / "long_lines" / "demo_echo_tcp" / "demo_echo"
    assert suite_check["evidence"] == [str(folder / "client" / "client.log")]
    assert failed["matrix"] == {
        "group": "echoes",
        "case": "long_lines",
        "server": "demo_echo_tcp",
        "client": "demo_echo",
    }
    assert failed["output_dir"] == str(folder)
    assert (folder / "case.txt").read_text() == "long_lines: 200-byte lines echoed whole over TCP\n"


def test_measurements_are_recorded_for_every_iteration(tmp_path) -> None:
    result = run_yaml(ECHOES.format(servers="demo_echo", cases="rate"), tmp_path)
    tests = results_by_label(result)
    assert sorted(tests) == [f"echoes/rate/demo_echo/demo_echo [{i}/3]" for i in (1, 2, 3)]
    for test in tests.values():
        assert test["verdict"] == "passed"
        # 30 lines over a client's lifetime: a positive rate, measured by the harness's clock.
        assert set(test["measurements"]) == {"lines_per_second"} and test["measurements"]["lines_per_second"] > 0


def test_a_suite_that_breaks_while_judging_gives_an_error_with_its_traceback(tmp_path, monkeypatch) -> None:
    def broken(self: DemoCases, case: str, test: Any, outcomes: Any) -> list[Check]:
        raise ValueError("cannot read the capture")

    monkeypatch.setattr(DemoCases, "evaluate_test", broken)
    result = run_yaml(ECHOES.format(servers="demo_echo", cases="tcp"), tmp_path)
    (test,) = results_by_label(result).values()
    assert test["verdict"] == "error"
    assert test["reason"] == "tester demo_cases evaluate_test: ValueError: cannot read the capture"
    log = result.output_dir / "echoes" / "tcp" / "demo_echo" / "demo_echo" / "harness-error.log"
    assert "cannot read the capture" in log.read_text()


def test_a_suite_that_cannot_prepare_a_case_makes_it_unsupported(tmp_path, monkeypatch) -> None:
    from panther import UnsupportedFeatureError

    def refuses(self: DemoCases, case: str, test: Any) -> None:
        raise UnsupportedFeatureError("no capture on this network environment")

    monkeypatch.setattr(DemoCases, "prepare_test", refuses)
    result = run_yaml(ECHOES.format(servers="demo_echo", cases="tcp"), tmp_path)
    (test,) = results_by_label(result).values()
    assert (test["verdict"], test["reason"]) == (
        "unsupported",
        "tester demo_cases prepare: no capture on this network environment",
    )


def test_a_cell_the_suite_cannot_make_is_unsupported_and_starts_nothing(tmp_path, monkeypatch) -> None:
    from panther import UnsupportedFeatureError

    proposed = DemoCases.cell

    def no_tcp_servers(self: DemoCases, case: str, server: str, client: str, options: Any) -> Any:
        if server == "demo_echo_tcp":
            raise UnsupportedFeatureError("this suite has no cell for demo_echo_tcp servers")
        return proposed(self, case, server, client, options)

    monkeypatch.setattr(DemoCases, "cell", no_tcp_servers)
    result = run_yaml(ECHOES.format(servers="demo_echo, demo_echo_tcp", cases="tcp"), tmp_path)
    tests = results_by_label(result)
    assert tests["echoes/tcp/demo_echo/demo_echo"]["verdict"] == "passed"
    refused = tests["echoes/tcp/demo_echo_tcp/demo_echo"]
    assert (refused["verdict"], refused["reason"]) == (
        "unsupported",
        "tester demo_cases cell: this suite has no cell for demo_echo_tcp servers",
    )
    assert refused["services"] == [] and refused["matrix"]["server"] == "demo_echo_tcp"
    assert list(Path(refused["output_dir"]).iterdir()) == []
