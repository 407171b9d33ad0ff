"""Expanding a ``matrix:`` test into ordinary tests, one per (case, server, client).

```yaml
- name: interop
  matrix: {tester: quic_interop, servers: [aioquic, ngtcp2], clients: [aioquic, ngtcp2], cases: [handshake]}
```

becomes the tests ``interop/handshake/aioquic/aioquic``, ``interop/handshake/aioquic/ngtcp2``,
... (server before client, cases in the order given, else the suite's order). Each cell's
test is what the suite's :meth:`~panther.suites.TestSuite.cell` says, with the matrix
test's own keys (network environment, execution environments, steps; timeout and
iterations when the file writes them) around it, and is checked and resolved exactly
like a test written by hand. Every mistake is found here, before anything runs: an
unknown tester or case, an implementation that is not installed or does not speak the
suite's protocol, each pointing at the line of the offending list item.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import msgspec

from panther.config.decoding import decode, describe_value
from panther.config.errors import ConfigError
from panther.config.models import ExperimentConfig, MatrixConfig, NetworkEnvironmentConfig, ServiceConfig, TestConfig
from panther.config.resolution import PluginResolver
from panther.config.resolved import CellCoordinates, MatrixAxes, MatrixCell, ResolvedTest
from panther.config.rules import SERVICE_NAME, check_test
from panther.config.yaml_source import DocPath, SourceDocument, format_path
from panther.netpath.config import PathConfig
from panther.plugins.manifest import manifest_of
from panther.services.manager import UnsupportedFeatureError
from panther.suites import SuiteCell, TestSuite, suite_for_run


def expand_matrix(resolver: PluginResolver, index: int, test: TestConfig) -> tuple[MatrixAxes, list[ResolvedTest]]:
    """The axes of ``tests[index]`` (a matrix test) and one resolved test per cell."""
    assert test.matrix is not None
    document = resolver.document
    check_test(document, index, test)
    path: DocPath = ("tests", index, "matrix")
    matrix = test.matrix
    _check_group_name(document, test.name, ("tests", index, "name"))
    suite_class = _suite_class(resolver, matrix.tester, (*path, "tester"))
    suite = _call_suite(
        document, suite_class, "could not be created", path, partial(suite_for_run, suite_class, resolver.registry)
    )
    known = _call_suite(document, suite_class, "cases() failed", path, suite.cases)
    _check_known_cases(document, suite_class, known, path)
    cases = _cases(document, matrix, known, path)
    options = decode(document, matrix.options, suite_class.options_class, (*path, "options"))
    # The file's own network settings, checked where they are written (each cell's, with
    # the suite's merged in, is checked again below).
    network = ("tests", index, "network_environment")
    _, network_config = resolver.network_environment(test.network_environment, network)
    resolver.check_path(network_config, test.timeout, (*network, "path"))
    servers = _implementations(resolver, matrix.servers, (*path, "servers"), suite_class.protocol, "server")
    clients = _implementations(resolver, matrix.clients, (*path, "clients"), suite_class.protocol, "client")
    axes = MatrixAxes(
        group=test.name,
        tester=matrix.tester,
        protocol=suite_class.protocol,
        servers=servers,
        clients=clients,
        cases={case: known[case] for case in cases},
    )
    written = document.data["tests"][index]
    cells: list[ResolvedTest] = []
    for case in cases:
        for server in servers:
            for client in clients:
                coordinates = CellCoordinates(group=test.name, case=case, server=server, client=client)
                matrix_cell = MatrixCell(
                    axes=axes, coordinates=coordinates, suite_class=suite_class, registry=resolver.registry
                )
                try:
                    cell = _call_suite(
                        document,
                        suite_class,
                        f"cell({case!r}, {server!r}, {client!r}) failed",
                        path,
                        partial(suite.cell, case, server, client, options),
                    )
                except UnsupportedFeatureError as error:
                    matrix_cell.unsupported = str(error) or f"{matrix.tester} cannot run this cell"
                    cells.append(_unsupported_cell(resolver, index, test, matrix_cell, known[case]))
                    continue
                config = _cell_test(document, test, written, coordinates, cell, known[case], suite_class, path)
                cannot = _environment_out_of_reach(resolver, index, config)
                if cannot is not None:
                    matrix_cell.unsupported = cannot
                    cells.append(_unsupported_cell(resolver, index, test, matrix_cell, known[case]))
                    continue
                resolved = _resolve_cell(resolver, index, config, coordinates, suite_class, path)
                resolved.matrix = matrix_cell
                cells.append(resolved)
    return axes, cells


def check_cell_names(document: SourceDocument, config: ExperimentConfig, tests: Sequence[ResolvedTest]) -> None:
    """No test written by hand has the name of a matrix cell."""
    cells = {test.name for test in tests if test.matrix is not None}
    for index, test in enumerate(config.tests):
        if test.matrix is None and test.name in cells:
            raise document.error(
                f"the test name `{test.name}` is also the name of a matrix cell",
                ("tests", index, "name"),
                expected="a name no other test (nor matrix cell: <matrix>/<case>/<server>/<client>) has",
                found=describe_value(test.name),
            )


def _check_group_name(document: SourceDocument, name: str, path: DocPath) -> None:
    if "/" in name or not name.strip():
        raise document.error(
            "a matrix test's name cannot contain `/`: its cells are named <name>/<case>/<server>/<client>",
            path,
            expected="a name without `/`",
            found=describe_value(name),
        )


def _suite_class(resolver: PluginResolver, name: str, path: DocPath) -> type[TestSuite]:
    document = resolver.document
    if not name:
        raise document.error("`tester` is empty", path, expected="the name of a test-case suite", found='"" (text)')
    loaded = resolver.load_plugin("tester", name, path)
    if not (isinstance(loaded, type) and issubclass(loaded, TestSuite)):
        raise document.error(
            f"`{name}` is a tester that plays a role in a test, not a test-case suite",
            path,
            expected="a test-case suite (a panther.TestSuite); "
            f"to run `{name}`, make it a service: implementation: {{name: {name}, type: tester}}",
            found=describe_value(name),
        )
    return loaded


def _call_suite(
    document: SourceDocument, suite_class: type, what: str, path: DocPath, action: Callable[[], Any]
) -> Any:
    """Run plugin code of a suite; a failure is the plugin's, reported with the matrix it expands."""
    try:
        return action()
    except UnsupportedFeatureError:
        raise
    except Exception as error:
        raise document.error(
            f"the tester `{getattr(suite_class, 'name', suite_class.__qualname__)}` "
            f"({suite_class.__module__}.{suite_class.__qualname__}) {what}: {type(error).__name__}: {error}",
            path,
        ) from None


def _check_known_cases(document: SourceDocument, suite_class: type[TestSuite], known: Any, path: DocPath) -> None:
    # Case names become test names and folder names: a plugin must not break either.
    bad = (
        [repr(case) for case in known if not isinstance(case, str) or not SERVICE_NAME.match(case)]
        if isinstance(known, dict)
        else [describe_value(known)]
    )
    if bad or not known:
        raise document.error(
            f"the tester `{suite_class.name}` ({suite_class.__module__}) declares unusable case names: "
            + (", ".join(bad) or "none at all"),
            path,
            expected="cases() -> {name: description}, names of letters, digits, '_', '.', '-'",
        )


def _cases(document: SourceDocument, matrix: MatrixConfig, known: dict[str, str], path: DocPath) -> list[str]:
    if matrix.cases is None:
        return list(known)
    if not matrix.cases:
        raise document.error(
            "`cases` is empty",
            (*path, "cases"),
            expected=f"case names (or no `cases` key for every case): {', '.join(known)}",
            found="an empty list",
        )
    _check_unique(document, matrix.cases, (*path, "cases"))
    for position, case in enumerate(matrix.cases):
        if case not in known:
            message = f"unknown case `{case}` of tester `{matrix.tester}`"
            close = difflib.get_close_matches(case, list(known), n=1)
            if close:
                message += f"; did you mean `{close[0]}`?"
            raise document.error(
                message, (*path, "cases", position), expected="one of " + ", ".join(known), found=describe_value(case)
            )
    return list(matrix.cases)


def _implementations(resolver: PluginResolver, names: list[str], path: DocPath, protocol: str, role: str) -> list[str]:
    document = resolver.document
    if not names:
        raise document.error(
            f"a matrix needs at least one {role}",
            path,
            expected=f"a list of implementations of {protocol}",
            found="an empty list",
        )
    _check_unique(document, names, path)
    for position, name in enumerate(names):
        item: DocPath = (*path, position)
        if not SERVICE_NAME.match(name):
            raise document.error(
                f"`{name}` cannot be an implementation name",
                item,
                expected="the name of an installed implementation (iut) plugin",
                found=describe_value(name),
            )
        _check_installed(resolver, name, item, protocol)
        manager_class = resolver.load_plugin("iut", name, item)
        manifest = manifest_of(manager_class)
        spoken = list(manifest.supported_protocols) if manifest is not None else []
        if spoken and protocol not in spoken:
            speakers = _implementations_of(resolver, protocol)
            raise document.error(
                f"`{name}` speaks {', '.join(spoken)}, not {protocol} (the protocol of this matrix's tester)",
                item,
                expected=f"an installed implementation of {protocol}: " + (", ".join(speakers) or "none is installed"),
                found=describe_value(name),
            )
    return list(names)


def _check_installed(resolver: PluginResolver, name: str, item: DocPath, protocol: str) -> None:
    """An unknown name is answered with the implementations of the matrix's protocol."""
    registry = resolver.registry
    disabled = any(entry.kind == "iut" and entry.name == name for entry in registry.disabled_entries())
    if name in registry.names("iut") or disabled:
        return  # loading it says the rest (disabled, broken)
    speakers = _implementations_of(resolver, protocol)
    if name in registry.names("tester"):
        message = f"`{name}` is a tester plugin, not an implementation"
    else:
        message = f"unknown implementation `{name}` (no installed iut plugin has this name)"
        close = difflib.get_close_matches(name, speakers or registry.names("iut"), n=1)
        if close:
            message += f"; did you mean `{close[0]}`?"
    raise resolver.document.error(
        message,
        item,
        expected=f"an installed implementation of {protocol}: " + (", ".join(speakers) or "none is installed"),
        found=describe_value(name),
    )


def _implementations_of(resolver: PluginResolver, protocol: str) -> list[str]:
    found = []
    for name in resolver.registry.names("iut"):
        try:
            manifest = manifest_of(resolver.registry.load("iut", name))
        except Exception:  # noqa: S112 - a broken plugin is simply not listed as a choice
            continue
        if manifest is not None and protocol in manifest.supported_protocols:
            found.append(name)
    return found


def _check_unique(document: SourceDocument, items: list[str], path: DocPath) -> None:
    first: dict[str, int] = {}
    for position, item in enumerate(items):
        if item in first:
            raise document.error(
                f"`{item}` is listed twice (also at {format_path((*path, first[item]))})",
                (*path, position),
                expected="each name once",
                found=describe_value(item),
            )
        first[item] = position


def _cell_test(
    document: SourceDocument,
    test: TestConfig,
    written: dict[str, Any],
    coordinates: CellCoordinates,
    cell: Any,
    description: str,
    suite_class: type[TestSuite],
    path: DocPath,
) -> TestConfig:
    if not isinstance(cell, SuiteCell):
        raise document.error(
            f"the tester `{suite_class.name}` returned {type(cell).__name__} for {coordinates.name}, not a SuiteCell",
            path,
        )
    try:
        services = msgspec.convert(cell.services, dict[str, ServiceConfig])
    except msgspec.ValidationError as error:
        raise _invalid_cell(document, suite_class, coordinates, str(error), path) from None
    # The experiment file has the last word on how long and how often; the suite proposes.
    timeout = test.timeout if "timeout" in written or cell.timeout is None else cell.timeout
    iterations = test.iterations if "iterations" in written or cell.iterations is None else cell.iterations
    return TestConfig(
        name=coordinates.name,
        description=description,
        network_environment=_deep_merge(test.network_environment, cell.network_environment),
        execution_environment=test.execution_environment,
        services=services,
        steps=test.steps,
        timeout=timeout,
        iterations=iterations,
    )


def _environment_out_of_reach(resolver: PluginResolver, index: int, config: TestConfig) -> str | None:
    """Why the matrix's network environment cannot give a cell the settings its suite
    adds (``host: ::1`` where the environment has no such key; a path it cannot make,
    ``path_problem``: a rebinding to a new address in Docker), or None.

    The file's own settings were checked before any cell: what fails now is the suite's
    addition, so the case is fine and so is the environment. The cell is ``unsupported``
    there, and the rest of the matrix runs.
    """
    try:
        _, network = resolver.network_environment(config.network_environment, ("tests", index, "network_environment"))
    except ConfigError as error:
        return f"the network environment cannot give this case its settings: {error.message}"
    path = getattr(network, "path", None)
    if not isinstance(network, NetworkEnvironmentConfig) or not isinstance(path, PathConfig):
        return None
    problem = network.path_problem(path)
    if problem is None:
        return None
    return f"the network environment {network.type} cannot give this case its path: {problem[1]}"


def _unsupported_cell(
    resolver: PluginResolver, index: int, test: TestConfig, cell: MatrixCell, description: str
) -> ResolvedTest:
    """A cell the suite cannot run: a test without services, judged ``unsupported`` at once."""
    config = TestConfig(
        name=cell.coordinates.name,
        description=description,
        network_environment=test.network_environment,
        steps=test.steps,
        timeout=test.timeout,
    )
    network_class, network_config = resolver.network_environment(
        test.network_environment, ("tests", index, "network_environment")
    )
    return ResolvedTest(
        index=index,
        config=config,
        services={},
        network_environment_class=network_class,
        network_environment_config=network_config,
        matrix=cell,
    )


def _resolve_cell(
    resolver: PluginResolver,
    index: int,
    config: TestConfig,
    coordinates: CellCoordinates,
    suite_class: type[TestSuite],
    path: DocPath,
) -> ResolvedTest:
    # The cell's blocks are not in the file: they are resolved against a document of
    # their own, and a mistake in them is reported at the matrix that made them.
    cell_document = SourceDocument(file=resolver.document.file, data=None)
    try:
        return PluginResolver(cell_document, resolver.registry).test(index, config)
    except ConfigError as error:
        where = (error.path or "").removeprefix(f"tests[{index}]").lstrip(".")
        report = error.message + (f" (at {where})" if where else "")
        if error.expected:
            report += f"; expected {error.expected}"
        if error.found:
            report += f"; found {error.found}"
        raise _invalid_cell(resolver.document, suite_class, coordinates, report, path) from None


def _invalid_cell(
    document: SourceDocument, suite_class: type[TestSuite], coordinates: CellCoordinates, report: str, path: DocPath
) -> ConfigError:
    return document.error(
        f"the tester `{suite_class.name}` made an invalid test for the cell {coordinates.name}: {report}", path
    )


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
