"""A suite sees the run's plugin registry: what ``--disable-plugins`` turned off stays off
for the suite too, when the matrix is expanded and when its cells are judged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from panther.config.loader import load_experiment_text
from panther.plugins.registry import PluginNotFoundError, PluginRegistry
from panther.runner.experiment import run_experiment
from panther_test_demo_plugins.suite import DemoCases
from runner_support import results_by_label

MATRIX = """\
tests:
  - name: echoes
    matrix:
      tester: demo_cases
      servers: [{servers}]
      clients: [demo_echo]
      cases: [tcp]
"""
DISABLED = "iut plugin 'demo_echo_tcp' is disabled (by --disable-plugins or PANTHER_DISABLE_PLUGINS)"


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_suite_loads_plugins_from_the_registry_of_the_run(tmp_path: Path, monkeypatch, jobs: int) -> None:
    registry = PluginRegistry.discover(disabled=["demo_echo_tcp"])
    expanded: list[Any] = []
    refusals: list[PluginNotFoundError] = []
    make_cell, prepare = DemoCases.cell, DemoCases.prepare_test

    def cell(self: DemoCases, case: str, server: str, client: str, options: Any) -> Any:
        expanded.append(self.registry)
        # What a suite asks of an implementation comes from the run's registry ...
        assert self.load_plugin("iut", server).__name__ == "DemoEchoServiceManager"
        # ... where a plugin the run disabled stays disabled, with the reason.
        with pytest.raises(PluginNotFoundError) as refused:
            self.load_plugin("iut", "demo_echo_tcp")
        refusals.append(refused.value)
        return make_cell(self, case, server, client, options)

    def prepare_test(self: DemoCases, case: str, test: Any) -> None:
        # With --jobs 2 this runs in a forked worker: it says what it saw in the cell's folder.
        (test.output_dir / "registry.txt").write_text("the run's" if self.registry is registry else repr(self.registry))
        prepare(self, case, test)

    monkeypatch.setattr(DemoCases, "cell", cell)
    monkeypatch.setattr(DemoCases, "prepare_test", prepare_test)
    text = MATRIX.format(servers="demo_echo").replace("cases: [tcp]", "cases: [tcp, udp]")
    experiment = load_experiment_text(text, tmp_path / "experiment.yaml", registry)
    result = run_experiment(experiment, output_root=tmp_path / "out", console=False, jobs=jobs)

    tests = results_by_label(result)
    assert {name: test["verdict"] for name, test in tests.items()} == {
        "echoes/tcp/demo_echo/demo_echo": "passed",
        "echoes/udp/demo_echo/demo_echo": "passed",
    }
    assert len(expanded) == 2 and all(seen is registry for seen in expanded)
    assert [str(refusal) for refusal in refusals] == [DISABLED, DISABLED] and all(r.disabled for r in refusals)
    for test in tests.values():
        assert (Path(test["output_dir"]) / "registry.txt").read_text() == "the run's"


def test_a_disabled_implementation_in_a_matrix_is_refused_with_the_reason(tmp_path: Path) -> None:
    experiment = tmp_path / "experiment.yaml"
    experiment.write_text(MATRIX.format(servers="demo_echo, demo_echo_tcp"))
    done = subprocess.run(
        [sys.executable, "-m", "panther", "--disable-plugins", "demo_echo_tcp", "validate", str(experiment)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines()[:2] == [
        f"panther: error: {experiment}:5: {DISABLED}",
        "  at: tests[0].matrix.servers[1]",
    ]


def test_a_suite_made_outside_a_run_finds_the_installed_plugins() -> None:
    suite = DemoCases()
    assert suite.registry is None
    assert suite.load_plugin("iut", "demo_echo_tcp").__name__ == "DemoEchoTcpServiceManager"
