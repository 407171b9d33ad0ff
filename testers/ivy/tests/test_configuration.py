"""A tester given the wrong role or protocol is a mistake in the file: found when the
file is loaded (``panther validate`` and ``panther run``), before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

WRONG_ROLE = """\
tests:
  - name: minip_server_test
    services:
      server:
        implementation: {name: ping_pong, type: iut}
        protocol: {name: minip, role: server}
      ivy:
        implementation:
          name: panther_ivy
          type: testers
          test: minip_server_test
        protocol:
          name: minip
          role: server
"""
ROLE_LINE = 14


def _panther(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "panther", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("command", [["validate"], ["run", "-o", "out"]])
def test_a_tester_given_the_role_of_the_implementation_it_tests_is_a_configuration_error(
    command: list[str], tmp_path: Path
) -> None:
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text(WRONG_ROLE)
    assert WRONG_ROLE.splitlines()[ROLE_LINE - 1].strip() == "role: server"

    done = _panther(*command, str(experiment), cwd=tmp_path)

    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        f"panther: error: {experiment}:{ROLE_LINE}: panther_ivy: minip_server_test tests a server, so the tester "
        "plays the client: set this service's protocol.role to client and its target to the server under test",
        "  at: tests[0].services.ivy.protocol.role",
        "  expected: client",
        "  found: server",
    ]
    assert "Traceback" not in done.stdout + done.stderr
    # Nothing ran: not even an output folder was made.
    assert not (tmp_path / "out").exists()
