"""A third party follows the IUT development guide, outside the repository.

In a fresh venv that knows only the local index: ``panther new iut`` writes a
server-only and a client-only MINIP plugin; the author gives each the real command
of a small MINIP program of their own (``programs/``, flags PANTHER does not know);
the generated tests pass with those real flags; ``hatch build`` makes the wheels;
the wheels install into another fresh venv, and ``panther run`` runs the plugins
against each other and against the ping-pong implementation, to passed verdicts.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, Index, Venv, make_venv

PROGRAMS = Path(__file__).parent / "programs"
sys.path.insert(0, str(ROOT / "tools"))

from release import hatch_environment  # noqa: E402

# What the author changes in each generated manager: the program and its flags.
REAL_COMMANDS = {
    "echo_server": {
        'return "echo_server"\n\n    def _get_server': 'return "minip-echo-server"\n\n    def _get_server',
        'return ["--listen", f"{host}:{port}", *self._debug_args(**kwargs)]': (
            'return ["--bind", host, "--port", str(port), *self._debug_args(**kwargs)]'
        ),
        'return ["--debug", str(level)] if level else []': 'return ["-v"] * level',
    },
    "echo_client": {
        'return "echo_client"\n\n    def _get_server': 'return "minip-echo-client"\n\n    def _get_server',
        'return ["--connect", f"{host}:{port}", *self._debug_args(**kwargs)]': (
            'count, size = kwargs.get("count", 5), kwargs.get("payload_size", 16)\n'
            '        return ["--server", f"{host}:{port}", "--pings", str(count), "--size", str(size),'
            " *self._debug_args(**kwargs)]"
        ),
        'return ["--debug", str(level)] if level else []': 'return ["-v"] * level',
    },
}
ROLES = {"echo_server": "server", "echo_client": "client"}

EXPERIMENT = """\
tests:
  - name: our-server-our-client
    services:
      server:
        implementation: {name: echo_server, type: iut, debug_level: 1}
        protocol: {name: minip, role: server}
      client:
        implementation: {name: echo_client, type: iut}
        protocol: {name: minip, role: client, target: server, count: 8}
  - name: our-server-ping-pong-client
    services:
      server:
        implementation: {name: echo_server, type: iut}
        protocol: {name: minip, role: server}
      client:
        implementation: {name: ping_pong, type: iut}
        protocol: {name: minip, role: client, target: server, count: 8}
  - name: ping-pong-server-our-client
    services:
      server:
        implementation: {name: ping_pong, type: iut}
        protocol: {name: minip, role: server}
      client:
        implementation: {name: echo_client, type: iut}
        protocol: {name: minip, role: client, target: server, count: 8, payload_size: 100}
"""


def _install_programs(venv: Venv) -> None:
    """The author's programs, on the PATH of the venv (as their own package would put them)."""
    for program in PROGRAMS.iterdir():
        target = venv.bin(program.name)
        shutil.copy2(program, target)
        target.chmod(target.stat().st_mode | stat.S_IEXEC)


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, f"{done.args}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheels(index: Index, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The guide's steps, up to built wheels; each step asserted on the way."""
    home = tmp_path_factory.mktemp("author")
    author = make_venv(home / "venv")
    author.pip_install(index, "panther-harness", "panther-base-minip")
    built: list[Path] = []
    for name, edits in REAL_COMMANDS.items():
        created = _ok(
            author.run(
                author.bin("panther"), "new", "iut", name, "--protocol", "minip", "--roles", ROLES[name], cwd=home
            )
        )
        folder = home / f"panther-iut-{name.replace('_', '-')}"
        assert f"Created panther-iut-{name.replace('_', '-')}" in created.stdout
        manager = folder / "src" / f"panther_iut_{name}" / "manager.py"
        text = manager.read_text()
        for placeholder, real in edits.items():
            assert placeholder in text, f"the scaffold changed: {placeholder!r} is not in {manager}"
            text = text.replace(placeholder, real)
        manager.write_text(text)
        # The guide's command: the plugin with its test extra, in the author's venv.
        author.pip_install(index, "-e", f"{folder}[test]", cwd=home)
        tests = author.run(author.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", cwd=folder)
        assert tests.returncode == 0, tests.stdout + tests.stderr
        assert re.search(r"\b[6-9] passed\b", tests.stdout), tests.stdout
        # hatch as the author runs it: from the tools venv, into the plugin's dist/.
        hatch = Path(sys.executable).parent / "hatch"
        build = [str(hatch), "build", "-t", "wheel", str(home / "dist")]
        _ok(subprocess.run(build, cwd=folder, capture_output=True, text=True, timeout=600, env=hatch_environment()))
    built = sorted((home / "dist").glob("*.whl"))
    assert [path.name.split("-")[0] for path in built] == ["panther_iut_echo_client", "panther_iut_echo_server"]
    return built


def test_generated_tests_pass_with_the_real_commands(wheels: list[Path]) -> None:
    assert len(wheels) == 2  # the fixture ran the tests of both plugins and built them


def test_the_built_plugins_run_against_each_other_and_ping_pong(
    wheels: list[Path], index: Index, tmp_path: Path
) -> None:
    user = make_venv(tmp_path / "venv")
    user.pip_install(index, *map(str, wheels), "panther-iut-ping-pong", cwd=tmp_path)
    _install_programs(user)
    listed = json.loads(_ok(user.run(user.bin("panther"), "plugins", "list", "--json", cwd=tmp_path)).stdout)
    names = {(row["name"], row["distribution"]) for row in listed if row["kind"] == "iut"}
    assert {("echo_server", "panther-iut-echo-server"), ("echo_client", "panther-iut-echo-client")} <= names

    (tmp_path / "experiment.yaml").write_text(EXPERIMENT)
    done = user.run(user.bin("panther"), "run", "experiment.yaml", "--output-dir", "out", cwd=tmp_path)
    (results,) = (tmp_path / "out").glob("*/results.json")
    tests = {test["name"]: test for test in json.loads(results.read_text())["tests"]}
    verdicts = {name: (test["verdict"], test["reason"]) for name, test in tests.items()}
    assert done.returncode == 0, f"{verdicts}\n{done.stdout}\n{done.stderr}"
    assert set(tests) == {"our-server-our-client", "our-server-ping-pong-client", "ping-pong-server-our-client"}
    # The real programs ran, with the flags the authors gave them.
    commands = {
        (name, service["name"]): service["argv"] for name, test in tests.items() for service in test["services"]
    }
    server_argv = commands[("our-server-our-client", "server")]
    assert server_argv[0] == "minip-echo-server" and server_argv[-1] == "-v" and "--port" in server_argv
    assert commands[("ping-pong-server-our-client", "client")][:2] == ["minip-echo-client", "--server"]
    client_out = tmp_path / "out" / results.parent.name / tests["our-server-our-client"]["output_dir"]
    assert any("8 of 8 PONGs" in path.read_text() for path in client_out.rglob("stdout*") if path.is_file())


def test_a_server_only_plugin_asked_to_be_a_client_is_unsupported(
    wheels: list[Path], index: Index, tmp_path: Path
) -> None:
    user = make_venv(tmp_path / "venv")
    user.pip_install(index, *map(str, wheels), cwd=tmp_path)
    _install_programs(user)
    (tmp_path / "experiment.yaml").write_text(
        EXPERIMENT.split("  - name: our-server-ping-pong-client")[0].replace(
            "{name: echo_client, type: iut}", "{name: echo_server, type: iut}"
        )
    )
    done = user.run(user.bin("panther"), "run", "experiment.yaml", "--output-dir", "out", cwd=tmp_path)
    (results,) = (tmp_path / "out").glob("*/results.json")
    (test,) = json.loads(results.read_text())["tests"]
    assert test["verdict"] == "unsupported", (test, done.stdout, done.stderr)
    assert "echo_server is a server only" in json.dumps(test)
