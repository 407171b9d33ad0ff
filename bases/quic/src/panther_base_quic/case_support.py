"""How one implementation does each QUIC test case: its case table.

A plugin lists, per case of :data:`~panther_base_quic.cases.QUIC_TEST_CASES`, the
keyword arguments (its own keys, the ones its ``_get_server_specific_args`` /
``_get_client_specific_args`` read) that make its program do what the case asks of
each role, with one line saying how; or that it cannot, and why::

    test_cases = case_table(
        retry=CaseSupport("--retry", server={"retry": True}),
        keyupdate=CaseSupport("--key-update", client={"key_update": True}),
        v2=CaseSupport.unsupported("libfoo speaks QUIC v1 only"),
    )

:func:`case_arguments` applies the table when a test names a case. A case is
unsupported for a role, with the reason in the verdict, when the table says so,
when ``get_supported_features()`` says False for a feature the case needs, or when
the case asks something of the role (an *action*) that the table does not answer.
Cases that ask nothing special of a role (``handshake``, ``transfer``, ``ipv6`` ...)
need no entry: the files, ALPN, version and address come from the ``quic`` protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from panther.services.manager import UnsupportedFeatureError

from panther_base_quic.cases import QUIC_TEST_CASES, QuicTestCase

#: Keyword arguments for one role's command, or a function that makes them from the
#: case and the command's other arguments (``output_dir``, for files of the service's own).
#: How many times the client program runs: 1, 2, or once per file (``"per_file"``).
ClientRuns = int | Literal["per_file"]

RoleArguments = Mapping[str, Any] | Callable[[QuicTestCase, Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class CaseSupport:
    """How an implementation does one case: per role, the arguments of its command."""

    how: str
    server: RoleArguments | None = None
    client: RoleArguments | None = None
    supported: bool = True
    # The roles an unsupported case cannot be done in (a server may answer a key
    # update that its client cannot start).
    unsupported_roles: tuple[str, ...] = ("server", "client")
    # 2: the client program makes one connection per run, so it runs twice (the first
    # run fetches the first file, the second the rest, sharing the files the program
    # keeps its session in); "per_file": it runs once per file, one after the other;
    # see :mod:`panther_base_quic.reconnect`.
    client_runs: ClientRuns = 1

    @classmethod
    def unsupported(cls, why: str, roles: tuple[str, ...] = ("server", "client")) -> CaseSupport:
        return cls(how=why, supported=False, unsupported_roles=roles)

    def for_role(self, role: str) -> RoleArguments | None:
        return self.server if role == "server" else self.client if role == "client" else None


def case_table(**cases: CaseSupport) -> Mapping[str, CaseSupport]:
    """A plugin's case table; a name that is not a case is a mistake of the plugin's author."""
    unknown = sorted(set(cases) - set(QUIC_TEST_CASES))
    if unknown:
        raise ValueError(f"not QUIC test cases: {', '.join(unknown)} (known: {', '.join(QUIC_TEST_CASES)})")
    return MappingProxyType(dict(cases))


@dataclass(frozen=True)
class AppliedCase:
    """What a case adds to one service's command."""

    arguments: Mapping[str, Any] = field(default_factory=dict)
    client_runs: ClientRuns = 1


def case_arguments(
    implementation: str,
    case: QuicTestCase,
    role: str,
    table: Mapping[str, CaseSupport],
    features: Mapping[str, bool],
    arguments: Mapping[str, Any],
) -> AppliedCase:
    """The arguments ``case`` adds to ``implementation``'s command in ``role``, or
    :class:`UnsupportedFeatureError` saying why it cannot do the case."""
    where = f"{implementation} cannot do test case {case.name!r} as a {role}"
    missing = [name for name in case.required_features(role) if features.get(name) is False]
    if missing:
        listed = ", ".join(repr(name) for name in missing)
        raise UnsupportedFeatureError(f"{where}: get_supported_features() says {listed} is not supported")
    support = table.get(case.name)
    if support is not None and not support.supported:
        if role in support.unsupported_roles:
            raise UnsupportedFeatureError(f"{where}: {support.how}")
        support = None
    action = case.action(role)
    role_arguments = support.for_role(role) if support is not None else None
    if action is not None and role_arguments is None:
        raise UnsupportedFeatureError(f"{where}: the plugin does not say how to {action}")
    if role_arguments is None:
        return AppliedCase()
    added = role_arguments(case, arguments) if callable(role_arguments) else role_arguments
    runs = support.client_runs if support is not None and role == "client" else 1
    return AppliedCase(arguments=dict(added), client_runs=runs)
