"""The core stays minimal: it imports neither the Docker SDK nor a profiler, and naming a
plugin that one of PANTHER's own distributions provides says which to install.

Imports are checked in fresh interpreters, so that nothing the test suite itself
imported hides an import made by the core.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from panther.cli import extensions
from panther.cli.extensions import add_extensions
from panther.config.errors import ConfigError
from panther.config.loader import load_experiment_text
from panther.plugins.registry import PluginRegistry
from test_startup import modules_after

# Modules that only panther-env-docker-compose and panther-exec-profilers may bring.
FOREIGN = ("docker", "panther_env_docker_compose", "panther_exec_profilers")
DEMO = Path(__file__).parents[1] / "examples" / "demo_echo.yaml"

IMPORT_EVERY_CORE_MODULE = """
import importlib, json, pkgutil, sys
import panther
for module in pkgutil.walk_packages(panther.__path__, "panther."):
    if not module.name.endswith(".__main__"):  # those run a command line
        importlib.import_module(module.name)
print("\\n@@" + json.dumps(sorted(sys.modules)))
"""


def foreign(modules: list[str]) -> list[str]:
    """The packages of ``FOREIGN`` among ``modules``."""
    return sorted({name.split(".")[0] for name in modules} & set(FOREIGN))


def test_importing_every_module_of_the_core_imports_no_docker_and_no_profiler() -> None:
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERY_CORE_MODULE], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.rsplit("\n@@", 1)[1])
    assert "panther.environments.local" in modules  # the walk reached the modules it checks
    assert foreign(modules) == []


@pytest.mark.parametrize("args", [["--help"], ["validate", str(DEMO)]], ids=lambda args: args[0])
def test_core_commands_import_no_docker_and_no_profiler(args: list[str]) -> None:
    code, modules = modules_after(*args)
    assert code in (0, None)
    assert foreign(modules) == []


@pytest.mark.parametrize("args", [["plugins", "list"], ["schema"]], ids=lambda args: args[0])
def test_loading_the_docker_environment_does_not_import_the_sdk(args: list[str]) -> None:
    # These commands import every plugin (their keys are in the schema), the Docker
    # environment included: the SDK is imported only when a test talks to the engine.
    code, modules = modules_after(*args)
    assert code in (0, None)
    assert "panther_env_docker_compose" in modules
    assert foreign(modules) == ["panther_env_docker_compose", "panther_exec_profilers"]


def test_a_local_run_imports_no_docker_and_no_profiler(tmp_path: Path) -> None:
    code, modules = modules_after("run", str(DEMO), "--output-dir", str(tmp_path), "--quiet")
    assert code == 0
    assert "panther.environments.local" in modules
    assert foreign(modules) == []


def without(*names: str) -> PluginRegistry:
    """The installed plugins but ``names`` (kind:name), as discovery would find them had
    those distributions not been installed."""
    installed = PluginRegistry.discover()
    return PluginRegistry(entry for entry in installed.entries() if f"{entry.kind}:{entry.name}" not in names)


EXPERIMENT = """tests:
  - name: t
    network_environment: {{type: {network}}}
    execution_environment:
      - type: {profiler}
    services:
      server:
        implementation: {{name: demo_echo}}
        protocol: {{name: demo, role: server}}
"""


def load(tmp_path: Path, registry: PluginRegistry, network: str = "local", profiler: str = "strace") -> ConfigError:
    path = tmp_path / "experiment.yaml"
    text = EXPERIMENT.format(network=network, profiler=profiler)
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_experiment_text(text, path, registry)
    return caught.value


def test_docker_compose_not_installed_names_its_distribution(tmp_path: Path) -> None:
    error = load(tmp_path, without("network_environment:docker_compose"), network="docker_compose")
    assert error.message == (
        "network environment `docker_compose` is not installed: it comes from the distribution "
        "panther-env-docker-compose (pip install panther-env-docker-compose)"
    )
    assert (error.file, error.line, error.path) == (
        tmp_path / "experiment.yaml",
        3,
        "tests[0].network_environment.type",
    )
    assert error.expected == "an installed network_environment plugin: local"
    assert error.found is not None and "docker_compose" in error.found


def test_a_profiler_not_installed_names_its_distribution(tmp_path: Path) -> None:
    profilers = [f"execution_environment:{name}" for name in ("strace", "perf", "valgrind", "gperf_cpu")]
    error = load(tmp_path, without(*profilers), profiler="perf")
    assert "execution environment `perf` is not installed" in error.message
    assert "panther-exec-profilers" in error.message
    assert (error.line, error.path) == (5, "tests[0].execution_environment[0].type")
    # An unknown name with no profiler installed: the message lists what the distribution would add.
    error = load(tmp_path, without(*profilers), profiler="gprof")
    assert error.message == "unknown execution environment `gprof`"
    assert error.expected == (
        "an installed execution_environment plugin: none is installed; "
        "more come from panther-exec-profilers (gperf_cpu, perf, strace, valgrind)"
    )


def test_panther_docker_without_its_distribution_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As discovery finds things when panther-env-docker-compose is not installed.
    monkeypatch.setattr(extensions, "installed_extensions", dict)
    with pytest.raises(typer.Exit) as stop:
        add_extensions(typer.Typer(), ["docker", "clean"], {"run"})
    assert stop.value.exit_code == 2
    assert capsys.readouterr().err.strip() == (
        "panther: error: `panther docker` comes from the distribution panther-env-docker-compose, "
        "which is not installed: pip install panther-env-docker-compose"
    )
