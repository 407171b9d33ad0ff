"""Which base classes a new plugin extends, by protocol and by language.

A protocol base (QUIC, HTTP, MINIP, generic TCP, or the core's generic one) carries what every
implementation of that protocol shares; a language base adds how programs in that
language run (Python modules, Rust crates). C and Go programs are plain binaries,
so they extend the protocol base directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROTOCOLS = ("quic", "http", "minip", "tcp", "none")
LANGUAGES = ("python", "rust", "c", "go")


@dataclass(frozen=True)
class ProtocolBase:
    module: str
    manager: str
    config: str
    distribution: str | None  # None: the core itself
    default_port: int
    title: str


@dataclass(frozen=True)
class LanguageBase:
    module: str
    mixin: str
    distribution: str
    # Combined classes the language base ships for some protocols: protocol -> (module, class).
    combined: dict[str, tuple[str, str]] = field(default_factory=dict)


PROTOCOL_BASES = {
    "quic": ProtocolBase(
        "panther_base_quic", "BaseQUICServiceManager", "QUICConfig", "panther-base-quic", 4443, "QUIC"
    ),
    "http": ProtocolBase(
        "panther_base_http", "BaseHTTPServiceManager", "HTTPConfig", "panther-base-http", 8080, "HTTP"
    ),
    "minip": ProtocolBase(
        "panther_base_minip", "BaseMinipServiceManager", "MinipConfig", "panther-base-minip", 4443, "MINIP"
    ),
    "tcp": ProtocolBase("panther_base_tcp", "BaseTCPServiceManager", "TCPConfig", "panther-base-tcp", 9000, "TCP"),
    "none": ProtocolBase("panther", "BaseServiceManager", "ImplementationConfig", None, 9000, "custom protocol"),
}

LANGUAGE_BASES = {
    "python": LanguageBase(
        "panther_base_python",
        "PythonServiceMixin",
        "panther-base-python",
        combined={
            "quic": ("panther_base_python.quic", "PythonQUICServiceManager"),
            "http": ("panther_base_python.http", "PythonHTTPServiceManager"),
            "minip": ("panther_base_python.minip", "PythonMinipServiceManager"),
        },
    ),
    "rust": LanguageBase(
        "panther_base_rust",
        "RustServiceMixin",
        "panther-base-rust",
        combined={"quic": ("panther_base_rust.quic", "RustQUICServiceManager")},
    ),
}

BASE_VERSION = ">=0.1"


@dataclass(frozen=True)
class Inheritance:
    """What the generated manager imports and extends, and what the distribution depends on."""

    imports: list[tuple[str, str]]  # (module, name)
    bases: list[str]
    config_import: tuple[str, str]
    dependencies: list[str]
    protocol: ProtocolBase
    language: LanguageBase | None


def inheritance(protocol: str, language: str) -> Inheritance:
    base = PROTOCOL_BASES[protocol]
    dependencies = [f"panther-harness{BASE_VERSION}"]
    if base.distribution:
        dependencies.append(f"{base.distribution}{BASE_VERSION}")
    config_import = (base.module, base.config)
    lang = LANGUAGE_BASES.get(language)
    if lang is None:
        return Inheritance([(base.module, base.manager)], [base.manager], config_import, dependencies, base, None)
    if protocol in lang.combined:
        module, combined = lang.combined[protocol]
        dependencies.append(f"{lang.distribution}[{protocol}]{BASE_VERSION}")
        return Inheritance([(module, combined)], [combined], config_import, dependencies, base, lang)
    dependencies.append(f"{lang.distribution}{BASE_VERSION}")
    if base.distribution is None:
        # The mixin already is a BaseServiceManager: nothing else to extend.
        return Inheritance([(lang.module, lang.mixin)], [lang.mixin], config_import, dependencies, base, lang)
    # No combined class for this protocol: the mixin goes first so its hooks win.
    return Inheritance(
        [(lang.module, lang.mixin), (base.module, base.manager)],
        [lang.mixin, base.manager],
        config_import,
        dependencies,
        base,
        lang,
    )
