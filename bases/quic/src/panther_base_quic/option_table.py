"""Option and feature tables: how a QUIC plugin documents, in one place, what it does.

A plugin lists each key it accepts with the option it becomes per role
(``OPTIONS``), and each QUIC feature with whether it can drive it and how
(``FEATURES``). ``get_supported_features()``, the manifest's capabilities, the
README and the tests are all derived from or checked against these two tables, so
a key can neither be silently dropped nor claimed without support.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import msgspec
from panther.config.implementation import ImplementationConfig

from panther_base_quic.case_support import CaseSupport
from panther_base_quic.cases import QUIC_TEST_CASES
from panther_base_quic.manager import QUIC_FEATURES

#: The arguments the ``quic`` protocol plugin gives every service's command.
PROTOCOL_ARGUMENTS = frozenset(
    {"www_dir", "urls", "download_dir", "alpn", "quic_version", "verify_peer", "qlog_dir", "keylog_file", "test_case"}
)


@dataclass(frozen=True)
class Option:
    """One key, where it comes from, and what it becomes for a server and a client."""

    key: str
    source: str  # "implementation" (the plugin's config) or "protocol" (the quic plugin)
    server: str | None  # None: the key means nothing to a server
    client: str | None
    note: str = ""


@dataclass(frozen=True)
class Feature:
    supported: bool
    how: str


def supported_features(features: Mapping[str, Feature]) -> dict[str, bool]:
    return {name: feature.supported for name, feature in features.items()}


def capabilities(features: Mapping[str, Feature]) -> list[str]:
    """The supported features, sorted: what ``@register_plugin(capabilities=...)`` lists."""
    return sorted(name for name, feature in features.items() if feature.supported)


def table_disagreements(
    config_class: type[ImplementationConfig],
    options: Iterable[Option],
    features: Mapping[str, Feature],
    readme: Path,
    cases: Mapping[str, CaseSupport] | None = None,
) -> list[str]:
    """Every way the tables, the configuration schema and the README disagree (empty: none).

    With the plugin's case table, the README must also say something about every
    test case (its name in backticks), whether the plugin does it or not.
    """
    options = list(options)
    problems: list[str] = []
    config_keys = {field.name for field in msgspec.structs.fields(config_class)} - {"name", "type"}
    listed = {option.key for option in options if option.source == "implementation"}
    if config_keys - listed:
        problems.append(f"config keys not in the option table: {sorted(config_keys - listed)}")
    if listed - config_keys:
        problems.append(f"option table keys not in the config: {sorted(listed - config_keys)}")
    protocol = {option.key for option in options if option.source == "protocol"}
    if protocol != PROTOCOL_ARGUMENTS:
        problems.append(f"protocol arguments differ: {sorted(protocol ^ PROTOCOL_ARGUMENTS)}")
    problems += [
        f"{option.key}: neither an option nor a note"
        for option in options
        if not (option.server or option.client or option.note)
    ]
    problems += [f"guide feature {name!r} not answered" for name in QUIC_FEATURES if name not in features]
    text = readme.read_text()
    problems += [f"README.md does not mention `{option.key}`" for option in options if f"`{option.key}`" not in text]
    problems += [f"README.md does not mention `{name}`" for name in features if f"`{name}`" not in text]
    if cases is not None and case_table_markdown(cases, supported_features(features)) not in text:
        problems.append("README.md does not hold the case table as case_table_markdown() writes it")
    return problems


def case_table_markdown(cases: Mapping[str, CaseSupport], features: Mapping[str, bool]) -> str:
    """The README's table of how the plugin does each QUIC test case (or why it cannot)."""
    rows = ["| case | supported | how, or why not |", "|---|---|---|"]
    for name, case in QUIC_TEST_CASES.items():
        support = cases.get(name)
        lacking = [
            key for role in ("server", "client") for key in case.required_features(role) if features.get(key) is False
        ]
        if lacking:
            rows.append(
                f"| `{name}` | no | get_supported_features(): {', '.join(dict.fromkeys(lacking))} not supported |"
            )
        elif support is None:
            asked = [role for role in ("server", "client") if case.action(role)]
            how = (
                f"not said for the {' and '.join(asked)}"
                if asked
                else "nothing beyond the files, ALPN, version and address"
            )
            rows.append(f"| `{name}` | {'no' if asked else 'yes'} | {how} |")
        elif support.supported:
            rows.append(f"| `{name}` | yes | {support.how} |")
        else:
            roles = support.unsupported_roles
            scope = "no" if set(roles) >= {"server", "client"} else f"not as a {' or '.join(roles)}"
            rows.append(f"| `{name}` | {scope} | {support.how} |")
    return "\n".join(rows) + "\n"
