"""The Ivy testers against the real ping-pong implementation, through ``panther run``.

The functional implementation passes both testers; each faulty server variant fails
on the requirement it breaks (the README's table), named by its tag in the model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import client_test, server_test
from panther.testing import run_panther

TESTER_CHECK = "ivy minip_server_test"


def test_functional_server_passes(tmp_path: Path) -> None:
    run = run_panther(server_test(), tmp_path)
    test = run.test()
    assert run.exit_code == 0, test.not_passed()
    check = test.checks[TESTER_CHECK]
    assert check["status"] == "passed"
    assert "(seed 7)" in check["reason"]
    trace = (test.output_dir / "ivy" / "stdout.log").read_text()
    assert trace.count("> send_ping(") == 6 and trace.count("< arrival(") == 6
    assert "test_completed" in trace


def test_functional_client_passes(tmp_path: Path) -> None:
    run = run_panther(client_test(), tmp_path)
    test = run.test()
    assert run.exit_code == 0, test.not_passed()
    assert test.checks["ivy minip_client_test"]["status"] == "passed"
    trace = (test.output_dir / "ivy" / "stdout.log").read_text()
    assert trace.count("> send_pong(") == 6 and "> finish" in trace


# variant -> (the requirement it breaks, what the violating event shows)
VIOLATIONS = {
    "fail": ("[S4] a PONG carries the sequence number of the PING it answers", "< arrival("),
    "malformed": ("[W5] a datagram is exactly 16 + payload length bytes", "< arrival("),
    "slow": ("[S7] every PING is answered within reply_timeout ms", "< overdue("),
    "crash": ("[S7] every PING is answered within reply_timeout ms", "< overdue("),
    "flaky": ("[S7] every PING is answered within reply_timeout ms", "< overdue("),
}
SETTINGS = {"crash": {"crash_after": 2}, "flaky": {"drop_rate": 0.5, "seed": 1}}


@pytest.mark.parametrize("variant", sorted(VIOLATIONS))
def test_faulty_server_fails_on_the_requirement_it_breaks(variant: str, tmp_path: Path) -> None:
    run = run_panther(server_test(variant, **SETTINGS.get(variant, {})), tmp_path)
    test = run.test()
    assert run.exit_code == 1
    check = test.checks[TESTER_CHECK]
    requirement, event = VIOLATIONS[variant]
    assert check["status"] == "failed", check
    assert requirement in check["reason"]
    assert ".ivy:" in check["reason"]  # file and line of the requirement
    assert f"the event that violated it: {event}" in check["reason"]
    assert test.verdict == "failed"


def test_iterations_run_with_different_seeds(tmp_path: Path) -> None:
    experiment = server_test(count=3)
    experiment["tests"][0]["iterations"] = 3
    run = run_panther(experiment, tmp_path)
    assert run.exit_code == 0
    seeds = sorted(test.checks[TESTER_CHECK]["reason"].rsplit("(seed ", 1)[1].rstrip(")") for test in run.tests)
    assert seeds == ["7", "8", "9"]
