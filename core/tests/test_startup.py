"""Start-up cost of the command line: showing help imports no plugin and no heavy library.

Each check runs in a fresh interpreter, so that nothing imported by the test suite
itself hides an import made by the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Libraries only some commands need; help must not pay for them.
HEAVY = ("rich", "jinja2", "docker", "yaml", "msgspec", "pydantic")
# typer 0.29 processes every option through pydantic (about 0.2 s of imports).
PYDANTIC_HINT = "typer>=0.29 imports pydantic while parsing: panther-harness needs typer<0.29"
# Core modules that would mean discovery or plugin code ran.
CORE_INTERNALS = ("panther.plugins.registry", "panther.config.loader", "panther.runner", "panther.environments")

PROBE = """
import json, sys
from panther.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print("\\n@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def modules_after(*args: str) -> tuple[object, list[str]]:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.rsplit("\n@@", 1)[1])
    return report["code"], report["modules"]


@pytest.mark.parametrize(
    "args",
    [["--help"], ["run", "--help"], ["plugins", "list", "--help"], ["new", "iut", "--help"], ["--version"]],
    ids=" ".join,
)
def test_help_imports_no_plugin_and_no_heavy_library(args: list[str]) -> None:
    code, modules = modules_after(*args)
    assert code in (0, None)
    loaded_heavy = sorted({name.split(".")[0] for name in modules if name.split(".")[0] in HEAVY})
    assert loaded_heavy == [], PYDANTIC_HINT if "pydantic" in loaded_heavy else loaded_heavy
    assert [name for name in modules if name.startswith(CORE_INTERNALS)] == []
    # Plugin distributions are flat packages named panther_<something>.
    assert [name for name in modules if name.startswith("panther_")] == []


def test_the_probe_sees_imports_made_by_a_command() -> None:
    # The same probe on a command that does discover plugins must see the registry,
    # or the checks above would pass for the wrong reason.
    _, modules = modules_after("plugins", "list", "--json")
    assert "panther.plugins.registry" in modules
