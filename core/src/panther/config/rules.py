"""Rules of an experiment that types alone do not express.

The Structs say what shape a file has; this module says what makes sense: at least
one test, distinct test names, positive timeouts, service names that are safe as
folder and host names, and a topology the runner can deploy (every client has a
target, a target is another service of the same test that listens, targets form
no cycle).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from panther.config.decoding import describe_value
from panther.config.models import ExperimentConfig, ProtocolConfig, TestConfig
from panther.config.yaml_source import DocPath, SourceDocument

#: A service name becomes a folder name and a host name: no separators, no leading dot.
SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_SERVICE_NAME = 63  # a DNS label
ENVIRONMENT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Docker's "[ip:]host[:container][/proto]", each port possibly a range. Group 1 holds
# the ports. Written in the regex syntax JSON Schema shares (no named groups).
PORT_MAPPING = re.compile(
    r"^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\]):)?"
    r"(\d+(?:-\d+)?(?::\d+(?:-\d+)?)?)(?:/(?:tcp|udp))?$"
)
_LISTENING_ROLES = ("server", "peer")


def check_experiment(document: SourceDocument, config: ExperimentConfig) -> None:
    if not config.tests:
        raise document.error(
            "an experiment needs at least one test", ("tests",), expected="a list of tests", found="an empty list"
        )
    first_index: dict[str, int] = {}
    for index, test in enumerate(config.tests):
        if test.name in first_index:
            raise document.error(
                f"duplicate test name `{test.name}` (test {first_index[test.name]} has it too)",
                ("tests", index, "name"),
                expected="a name no other test of the experiment has",
                found=describe_value(test.name),
            )
        first_index[test.name] = index


def check_test_form(document: SourceDocument, index: int) -> None:
    """A test runs its ``services`` or expands a ``matrix``: exactly one of the two."""
    path: DocPath = ("tests", index)
    written = document.data["tests"][index]
    if "services" in written and "matrix" in written:
        raise document.error(
            "a test has `services` or a `matrix`, not both",
            (*path, "matrix"),
            expected="`services` (one test) or `matrix` (a test per case, server and client)",
            found="both keys",
        )
    if "services" not in written and "matrix" not in written:
        raise document.error(
            "missing required key `services` (or `matrix`)",
            path,
            expected="`services`: a mapping of service names to services, "
            "or `matrix`: servers x clients x cases of a test-case suite",
            found="no `services` key",
        )


def check_test(document: SourceDocument, index: int, test: TestConfig) -> None:
    """The keys every test has; the services of a test that is not a matrix."""
    path: DocPath = ("tests", index)
    if not test.name.strip():
        raise document.error("a test needs a name", (*path, "name"), expected="non-empty text", found='"" (text)')
    _positive(document, test.timeout, (*path, "timeout"), "seconds")
    if test.iterations < 1:
        raise document.error(
            "`iterations` must be at least 1",
            (*path, "iterations"),
            expected="an integer >= 1",
            found=describe_value(test.iterations),
        )
    if test.steps.wait is not None and not (math.isfinite(test.steps.wait) and test.steps.wait >= 0):
        raise document.error(
            "`wait` must be a number of seconds >= 0",
            (*path, "steps", "wait"),
            expected="a number >= 0",
            found=describe_value(test.steps.wait),
        )
    if test.matrix is not None:
        return
    if not test.services:
        raise document.error(
            "a test needs at least one service",
            (*path, "services"),
            expected="a mapping of service names to services",
            found="an empty mapping",
        )
    for name, service in test.services.items():
        service_path = (*path, "services", name)
        _check_service_name(document, name, service_path)
        if service.timeout is not None:
            _positive(document, service.timeout, (*service_path, "timeout"), "seconds")
        for port_index, mapping in enumerate(service.ports):
            _check_port_mapping(document, mapping, (*service_path, "ports", port_index))
        for variable in service.environment:
            if not ENVIRONMENT_NAME.match(variable):
                raise document.error(
                    f"`{variable}` is not a valid environment variable name",
                    (*service_path, "environment", variable),
                    expected="letters, digits and _, not starting with a digit",
                    found=describe_value(variable),
                )


def check_topology(document: SourceDocument, index: int, protocols: Mapping[str, ProtocolConfig]) -> None:
    """Roles and targets: who connects to whom, in an order the runner can deploy."""
    names = list(protocols)
    for name, protocol in protocols.items():
        path: DocPath = ("tests", index, "services", name, "protocol")
        others = [other for other in names if other != name]
        if protocol.target is None:
            if protocol.role == "client":
                raise document.error(
                    f"the client `{name}` has no `target`",
                    path,
                    expected="`target`: the service it connects to (one of: "
                    + (", ".join(others) or "no other service in this test")
                    + ")",
                    found="no `target` key",
                )
            continue
        target_path = (*path, "target")
        if protocol.role == "server":
            raise document.error(
                f"the server `{name}` has a `target`, but a server waits for others to connect",
                target_path,
                expected="no `target` for a server (use role: client or peer to connect)",
                found=describe_value(protocol.target),
            )
        if protocol.target == name:
            raise document.error(
                f"`{name}` names itself as its target",
                target_path,
                expected="another service of the test: " + (", ".join(others) or "none is defined"),
                found=describe_value(protocol.target),
            )
        if protocol.target not in protocols:
            raise document.error(
                f"the target `{protocol.target}` is not a service of this test",
                target_path,
                expected="one of: " + (", ".join(others) or "no other service is defined"),
                found=describe_value(protocol.target),
            )
        target_role = protocols[protocol.target].role
        if target_role not in _LISTENING_ROLES:
            raise document.error(
                f"the target `{protocol.target}` is a {target_role}; only a server or a peer can be connected to",
                target_path,
                expected="a service with role server or peer",
                found=f"{describe_value(protocol.target)}, a {target_role}",
            )
    _check_no_cycle(document, index, protocols)


def _check_no_cycle(document: SourceDocument, index: int, protocols: Mapping[str, ProtocolConfig]) -> None:
    # Each service is started after its target: peers targeting each other cannot be ordered.
    for start in protocols:
        chain = [start]
        current = protocols[start].target
        while current is not None:
            if current in chain:
                cycle = " -> ".join([*chain[chain.index(current) :], current])
                raise document.error(
                    "the targets form a cycle, so no service can be started first",
                    ("tests", index, "services", start, "protocol", "target"),
                    expected="targets that end at a service without a target",
                    found=cycle,
                )
            chain.append(current)
            current = protocols[current].target


def _check_service_name(document: SourceDocument, name: str, path: DocPath) -> None:
    if SERVICE_NAME.match(name) and len(name) <= MAX_SERVICE_NAME:
        return
    raise document.error(
        f"`{name}` cannot be a service name: it names the service's folder and host",
        path,
        expected=(
            f"letters, digits, '_', '.', '-', starting with a letter or digit, at most {MAX_SERVICE_NAME} characters"
        ),
        found=describe_value(name),
    )


def _check_port_mapping(document: SourceDocument, mapping: str, path: DocPath) -> None:
    match = PORT_MAPPING.match(mapping)
    numbers = [int(part) for part in re.split(r"[-:]", match.group(1))] if match else []
    if match and all(1 <= number <= 65535 for number in numbers):
        return
    raise document.error(
        "invalid port mapping",
        path,
        expected='"HOST_PORT:CONTAINER_PORT" (optionally "IP:" before, "/udp" or "/tcp" after), ports 1-65535',
        found=describe_value(mapping),
    )


def _positive(document: SourceDocument, value: float, path: DocPath, unit: str) -> None:
    if math.isfinite(value) and value > 0:
        return
    raise document.error(
        f"`{path[-1]}` must be a positive number of {unit}",
        path,
        expected="a number > 0",
        found=describe_value(value),
    )
