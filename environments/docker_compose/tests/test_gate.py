"""The gate that holds a container's program, run here with this machine's /bin/sh:
the program starts when the gate opens, with its own argv and exit code, and never
when the gate is closed without opening."""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

from panther_env_docker_compose.gate import Gate


def held(folder: Path, argv: list[str]) -> tuple[Gate, subprocess.Popen[str]]:
    gate = Gate(folder, PurePosixPath(folder))  # the shell sees the folder where the harness does
    shell = subprocess.Popen(gate.argv(argv), stdout=subprocess.PIPE, text=True)
    return gate, shell


def test_the_program_runs_once_the_gate_opens_with_its_argv_and_exit_code(tmp_path: Path) -> None:
    # Words a shell would expand or split: they must reach the program as they are.
    words = ["$HOME", "a b", "'quoted'", "`id`", "*"]
    gate, shell = held(tmp_path, ["sh", "-c", 'printf "%s|" "$@"; exit 7', "program", *words])
    try:
        shell.wait(0.3)
        raise AssertionError("the program ran before the gate opened")
    except subprocess.TimeoutExpired:
        pass
    gate.open()
    output, _ = shell.communicate(timeout=30)
    assert output == "|".join(words) + "|"
    assert shell.returncode == 7
    gate.close()
    assert not gate.path.exists()


def test_a_gate_opened_before_the_shell_reaches_it_still_lets_the_program_run(tmp_path: Path) -> None:
    gate = Gate(tmp_path, PurePosixPath(tmp_path))
    gate.open()  # the container has not started yet
    done = subprocess.run(gate.argv(["echo", "started"]), capture_output=True, text=True, timeout=30)
    assert done.stdout == "started\n"
    gate.close()


def test_a_gate_closed_without_opening_never_runs_the_program(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    gate, shell = held(tmp_path, ["touch", str(marker)])
    gate.close()
    shell.wait(timeout=30)
    assert shell.returncode != 0
    assert not marker.exists()
