"""The suite contract and the ``matrix:`` form: what a matrix test expands into.

Mistakes in a matrix (unknown case, tester, implementation ...) are files under
data/malformed/ (``matrix_*.yaml``), checked with every other malformed file.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec
import panther
import pytest
from panther.config.errors import ConfigError
from panther.plugins.registry import PluginEntry, PluginLoadError, PluginRegistry
from panther.suites import SuiteCell, TestSuite
from panther_test_demo_plugins.suite import CASES, DemoCases
from runner_support import load

MATRIX = """\
name: demo
tests:
  - name: echoes
    matrix:
      tester: demo_cases
      servers: [demo_echo, demo_echo_tcp]
      clients: [demo_echo_tcp, demo_echo]
{extra}"""


def test_the_contract_is_exported_from_panther() -> None:
    assert panther.TestSuite is TestSuite and panther.SuiteCell is SuiteCell
    assert issubclass(DemoCases, panther.TestSuite)
    assert panther.TestContext.__dataclass_fields__["measurements"].default_factory() == {}


def test_a_suite_is_a_tester_plugin() -> None:
    registry = PluginRegistry.discover()
    assert "demo_cases" in registry.names("tester")
    assert registry.load("tester", "demo_cases") is DemoCases


class NoProtocolSuite(TestSuite):
    """A suite that forgot to say which protocol its implementations speak."""

    name = "no_protocol"

    def cases(self) -> dict[str, str]:
        return {"one": "the only case"}

    def cell(self, case: str, server: str, client: str, options: Any) -> SuiteCell:
        return SuiteCell(services={})


class MisnamedSuite(NoProtocolSuite):
    name = "not_its_entry_point"
    protocol: ClassVar[str] = "demo"


class DictOptionsSuite(NoProtocolSuite):
    name = "broken"
    protocol: ClassVar[str] = "demo"
    options_class = dict  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("attribute", "reason"),
    [
        ("NoProtocolSuite", "sets no `protocol`"),
        ("MisnamedSuite", "MisnamedSuite.name is 'not_its_entry_point', but the entry point registers it as 'broken'"),
        ("DictOptionsSuite", "DictOptionsSuite.options_class is <class 'dict'>, not a msgspec.Struct"),
    ],
)
def test_a_suite_that_breaks_the_contract_is_not_loaded(attribute: str, reason: str) -> None:
    panther.register_plugin(plugin_type="tester", name="broken")(globals()[attribute])
    entry = PluginEntry("tester", "broken", f"test_matrix_config:{attribute}", "panther-tester-broken", "0.1")
    with pytest.raises(PluginLoadError) as caught:
        PluginRegistry([entry]).load("tester", "broken")
    assert reason in str(caught.value) and "panther-tester-broken" in str(caught.value)


def test_every_cell_is_a_test_named_group_case_server_client(tmp_path) -> None:
    experiment = load(MATRIX.format(extra=""), tmp_path)
    names = [test.name for test in experiment.tests]
    # Cases in the suite's order when the file lists none; server before client; the file's order of each.
    assert names == [
        f"echoes/{case}/{server}/{client}"
        for case in CASES
        for server in ("demo_echo", "demo_echo_tcp")
        for client in ("demo_echo_tcp", "demo_echo")
    ]
    assert [test.index for test in experiment.tests] == list(range(len(names)))
    (axes,) = experiment.matrices
    assert (axes.group, axes.tester, axes.protocol) == ("echoes", "demo_cases", "demo")
    assert axes.servers == ["demo_echo", "demo_echo_tcp"] and axes.clients == ["demo_echo_tcp", "demo_echo"]
    assert axes.cases == CASES
    cell = experiment.tests[5]
    assert cell.matrix is not None and cell.matrix.axes is axes and cell.matrix.suite_class is DemoCases
    assert msgspec.structs.asdict(cell.matrix.coordinates) == {
        "group": "echoes",
        "case": "udp",
        "server": "demo_echo",
        "client": "demo_echo",
    }
    assert cell.config.description == CASES["udp"]
    # The suite's services block, resolved like a hand-written one.
    assert cell.services["server"].manager_class.__name__ == "DemoEchoServiceManager"
    assert cell.services["client"].protocol.target == "server"
    assert cell.services["client"].protocol.transport == "udp"


def test_cases_run_in_the_order_the_file_lists_them(tmp_path) -> None:
    experiment = load(MATRIX.format(extra="      cases: [rate, tcp]\n"), tmp_path)
    assert [test.matrix.coordinates.case for test in experiment.tests if test.matrix] == ["rate"] * 4 + ["tcp"] * 4
    assert list(experiment.matrices[0].cases) == ["rate", "tcp"]


def test_the_suite_proposes_timeout_and_iterations_and_the_file_decides(tmp_path) -> None:
    proposed = load(MATRIX.format(extra="      cases: [rate, tcp]\n"), tmp_path).tests
    assert [(t.config.timeout, t.config.iterations) for t in proposed[::4]] == [(30, 3), (30, 1)]
    decided = load(MATRIX.format(extra="      cases: [rate, tcp]\n    timeout: 7\n    iterations: 2\n"), tmp_path)
    assert {(t.config.timeout, t.config.iterations) for t in decided.tests} == {(7, 2)}


def test_options_reach_the_suite_and_the_test_keys_reach_every_cell(tmp_path) -> None:
    extra = (
        "      cases: [tcp]\n"
        "      options: {lines: 5}\n"
        "    network_environment: {type: local}\n"
        "    steps: {wait: 1.5}\n"
        "    execution_environment: [{type: strace}]\n"
    )
    experiment = load(MATRIX.format(extra=extra), tmp_path)
    for test in experiment.tests:
        assert test.services["client"].protocol.lines == 5
        assert test.config.steps.wait == 1.5
        assert [cls.name for cls, _ in test.execution_environments] == ["strace"]
        assert test.network_environment_class.__name__ == "LocalNetworkEnvironment"


def test_a_cells_network_environment_is_merged_over_the_tests(tmp_path, monkeypatch) -> None:
    proposed = DemoCases.cell

    def on_ipv6(self: DemoCases, case: str, server: str, client: str, options: Any) -> SuiteCell:
        cell = proposed(self, case, server, client, options)
        cell.network_environment = {"host": "::1"}
        return cell

    monkeypatch.setattr(DemoCases, "cell", on_ipv6)
    extra = "    network_environment: {type: local, readiness_timeout: 5, host: 127.0.0.2}\n"
    for test in load(MATRIX.format(extra=extra), tmp_path).tests:
        config = test.network_environment_config
        assert (config.type, config.readiness_timeout, config.host) == ("local", 5, "::1")


def test_nested_network_environment_keys_are_merged_key_by_key() -> None:
    from panther.config.matrix import _deep_merge

    test = {"type": "local", "path": {"delay_ms": 5, "loss": 0.0}}
    assert _deep_merge(test, {"path": {"loss": 0.1}}) == {"type": "local", "path": {"delay_ms": 5, "loss": 0.1}}
    assert test == {"type": "local", "path": {"delay_ms": 5, "loss": 0.0}}


def test_an_invalid_cell_is_the_testers_fault_and_named(tmp_path, monkeypatch) -> None:
    def bad_cell(self: DemoCases, case: str, server: str, client: str, options: Any) -> SuiteCell:
        return SuiteCell(services={"server": {"implementation": {"name": server, "colour": "red"}, "protocol": {}}})

    monkeypatch.setattr(DemoCases, "cell", bad_cell)
    with pytest.raises(ConfigError) as caught:
        load(MATRIX.format(extra=""), tmp_path)
    error = caught.value
    assert error.path == "tests[0].matrix" and error.line == 4
    assert error.message.startswith(
        "the tester `demo_cases` made an invalid test for the cell echoes/tcp/demo_echo/demo_echo_tcp: unknown key"
    )
    assert "(at services.server.implementation.colour)" in error.message


def test_a_suite_that_raises_is_reported_with_its_module(tmp_path, monkeypatch) -> None:
    def broken_cases(self: DemoCases) -> dict[str, str]:
        raise RuntimeError("no cases today")

    monkeypatch.setattr(DemoCases, "cases", broken_cases)
    with pytest.raises(ConfigError) as caught:
        load(MATRIX.format(extra=""), tmp_path)
    assert "panther_test_demo_plugins.suite.DemoCases) cases() failed: RuntimeError: no cases today" in str(
        caught.value
    )
