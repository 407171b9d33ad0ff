"""Write a new plugin distribution: pyproject, package, service manager, schema, tests, README.

The files come from ``templates/*.tmpl`` (``string.Template``: ``${name}`` fields, no
logic); what varies by protocol and language is decided in :mod:`panther.scaffold.bases`
and handed to the templates as ready-made text.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from panther.scaffold.bases import LANGUAGES, PROTOCOLS, Inheritance, inheritance
from panther.scaffold.errors import ScaffoldError

KINDS = ("iut", "tester")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_MAX_NAME = 40

# Who the implementation is; the Python base answers both from the manifest and
# the module it runs (the program is the interpreter).
_IDENTITY_METHODS = """
    def _get_implementation_name(self) -> str:
        return "${name}"

    def _get_binary_name(self) -> str:
        return "${name}"
"""

# Hooks a language base asks of the plugin, written into the generated manager.
_LANGUAGE_METHODS = {
    "python": """
    def _get_python_module(self) -> str:
        # The module ``python -m`` runs: your implementation's entry point.
        return "${name}"
""",
    "rust": """
    def _get_rust_runtime_config(self) -> dict[str, str]:
        # More Rust logging when the configuration asks for debug output.
        debug = isinstance(self.config, ${config}) and self.config.debug_level > 0
        return {**super()._get_rust_runtime_config(), "RUST_LOG": "debug" if debug else "info"}
""",
}

# How the generated test recognises that the command starts this implementation.
_EXECUTABLE_CHECKS = {
    "python": 'assert argv[argv.index("-m") + 1] == "${name}"',
    "rust": 'assert argv[0] == "${name}"',
    "c": 'assert argv[0] == "${name}"',
    "go": 'assert argv[0] == "${name}"',
}

# Tests of the language hooks above.
_LANGUAGE_TESTS = {
    "rust": """

def test_debug_level_turns_on_rust_debug_logging() -> None:
    assert ${manager}().get_run_environment("server")["RUST_LOG"] == "info"
    assert ${manager}(${config}(debug_level=1)).get_run_environment("server")["RUST_LOG"] == "debug"
""",
}

# A protocol base decides host and port (the deployment's, else its defaults);
# the generic base does not, so the plugin brings its own defaults.
_GENERIC_DEFAULTS = """
# Where the server listens when the test decides nothing (the generic base has no defaults).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = ${default_port}
"""
# A custom protocol also needs a protocol plugin for experiment files to name.
_PROTOCOL_ENTRY_POINT = """
[project.entry-points."panther.protocol"]
${name} = "${package}.protocol:${camel}Protocol"
"""
_GENERIC_PROTOCOL_NOTE = """This distribution also registers the `${name}` protocol plugin
(`src/${package}/protocol.py`, group `panther.protocol`): experiment files name a
protocol, and a custom protocol needs its own plugin."""
_BASE_PROTOCOL_NOTE = """The `${protocol}` protocol plugin comes with the ${protocol_title} base distribution."""
_PROTOCOL_TEST = """

def test_its_protocol_plugin_is_registered() -> None:
    protocol = PluginRegistry.discover().load("protocol", "${name}")
    assert protocol.__name__ == "${camel}Protocol"
    # Without a test deciding the port, the server listens on the protocol's default one.
    argv = ${manager}().generate_run_argv(role="server")
    assert argv[argv.index("--listen") + 1].endswith(f":{protocol.default_port}")
"""
_GENERIC_ADDRESS = """        host = kwargs.get("host") or DEFAULT_HOST
        port = kwargs.get("port") or DEFAULT_PORT"""
_PROTOCOL_ADDRESS = """        # The ${protocol_title} base always provides host and port.
        host, port = kwargs["host"], kwargs["port"]"""

_LANGUAGE_TITLES = {"python": "Python", "rust": "Rust", "c": "C", "go": "Go"}


@dataclass(frozen=True)
class PluginSpec:
    """What ``panther new KIND NAME --protocol P --language L`` asks for."""

    kind: str
    name: str
    protocol: str = "none"
    language: str = "c"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ScaffoldError(f"unknown plugin kind {self.kind!r} (expected one of: {', '.join(KINDS)})")
        if not _NAME.fullmatch(self.name) or keyword.iskeyword(self.name) or len(self.name) > _MAX_NAME:
            raise ScaffoldError(
                f"invalid plugin name {self.name!r}: expected lowercase letters, digits and underscores, "
                f"starting with a letter, at most {_MAX_NAME} characters (it becomes the Python package "
                f"panther_{self.kind}_<name>)"
            )
        if self.protocol not in PROTOCOLS:
            raise ScaffoldError(f"unknown protocol {self.protocol!r} (expected one of: {', '.join(PROTOCOLS)})")
        if self.language not in LANGUAGES:
            raise ScaffoldError(f"unknown language {self.language!r} (expected one of: {', '.join(LANGUAGES)})")

    @property
    def package(self) -> str:
        return f"panther_{self.kind}_{self.name}"

    @property
    def distribution(self) -> str:
        return f"panther-{self.kind}-{self.name.replace('_', '-')}"

    @property
    def camel(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_") if part)


def default_directory(spec: PluginSpec, cwd: Path) -> Path:
    """``./iuts/NAME`` (``./testers/NAME``) inside a checkout of the monorepo, else ``./panther-KIND-NAME``."""
    collection = cwd / f"{spec.kind}s"
    return collection / spec.name if collection.is_dir() else cwd / spec.distribution


def _template(name: str) -> Template:
    return Template(
        resources.files("panther.scaffold").joinpath("templates").joinpath(name).read_text(encoding="utf-8")
    )


def _inheritance_tree(spec: PluginSpec, chain: Inheritance, manager: str) -> str:
    lines = ["BaseServiceManager"]
    if chain.protocol.manager != "BaseServiceManager":
        lines.append(chain.protocol.manager)
    combined = chain.language.combined.get(spec.protocol) if chain.language else None
    if combined:
        lines.append(combined[1])
    tree = [lines[0]] + [f"{'    ' * (depth - 1)}└── {line}" for depth, line in enumerate(lines[1:], start=1)]
    mixin = f" (with {chain.language.mixin})" if chain.language and not combined else ""
    tree.append(f"{'    ' * (len(lines) - 1)}└── {manager}{mixin}")
    return "\n".join(tree)


def _fields(spec: PluginSpec) -> dict[str, str]:
    chain = inheritance(spec.protocol, spec.language)
    manager = f"{spec.camel}ServiceManager"
    config = f"{spec.camel}Config"
    protocol = chain.protocol
    language_title = _LANGUAGE_TITLES[spec.language]
    imports = sorted(chain.imports)
    if ("panther", "register_plugin") not in imports:
        imports.append(("panther", "register_plugin"))
    by_module: dict[str, list[str]] = {}
    for module, name in imports:
        by_module.setdefault(module, []).append(name)
    import_lines = "\n".join(
        f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(by_module.items())
    )
    fields = {
        "name": spec.name,
        "camel": spec.camel,
        "kind": spec.kind,
        "kind_title": "IUT" if spec.kind == "iut" else "tester",
        "group": f"panther.{spec.kind}",
        "package": spec.package,
        "distribution": spec.distribution,
        "manager": manager,
        "config": config,
        "config_module": chain.config_import[0],
        "config_base": chain.config_import[1],
        "bases": ", ".join(chain.bases),
        "base_imports": import_lines,
        "protocol": spec.protocol,
        "protocol_title": protocol.title,
        "protocols": f'"{spec.protocol}"' if spec.protocol != "none" else "",
        "yaml_protocol": spec.protocol if spec.protocol != "none" else spec.name,
        "language": spec.language,
        "language_title": language_title,
        "default_port": str(protocol.default_port),
        "dependencies": "\n".join(f'  "{dependency}",' for dependency in chain.dependencies),
        "inheritance_tree": _inheritance_tree(spec, chain, manager),
    }
    generic = protocol.distribution is None
    snippets = {
        "identity_methods": "" if spec.language == "python" else _IDENTITY_METHODS,
        "language_methods": _LANGUAGE_METHODS.get(spec.language, ""),
        "executable_check": _EXECUTABLE_CHECKS[spec.language],
        "language_tests": _LANGUAGE_TESTS.get(spec.language, "") + (_PROTOCOL_TEST if generic else ""),
        "protocol_entry_point": _PROTOCOL_ENTRY_POINT if generic else "",
        "protocol_note": _GENERIC_PROTOCOL_NOTE if generic else _BASE_PROTOCOL_NOTE,
        "constants": _GENERIC_DEFAULTS if generic else "",
        "address": _GENERIC_ADDRESS if generic else _PROTOCOL_ADDRESS,
    }
    fields.update({key: Template(text).substitute(fields) for key, text in snippets.items()})
    return fields


def _files(spec: PluginSpec) -> dict[str, str]:
    """Relative path -> template name."""
    source = f"src/{spec.package}"
    files = {
        "pyproject.toml": "pyproject.toml.tmpl",
        "README.md": "README.md.tmpl",
        f"{source}/__init__.py": "__init__.py.tmpl",
        f"{source}/__about__.py": "__about__.py.tmpl",
        f"{source}/py.typed": "py.typed.tmpl",
        f"{source}/manager.py": "manager.py.tmpl",
        f"{source}/config_schema.py": "config_schema.py.tmpl",
        f"tests/test_{spec.name}.py": "test_plugin.py.tmpl",
    }
    if spec.protocol == "none":
        files[f"{source}/protocol.py"] = "protocol.py.tmpl"
    return files


def write_distribution(spec: PluginSpec, target: Path) -> list[Path]:
    """Write the distribution into ``target`` (which must be absent or empty); return the files."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} already exists and is not empty: choose another --directory")
    fields = _fields(spec)
    written: list[Path] = []
    for relative, template in _files(spec).items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_template(template).substitute(fields), encoding="utf-8")
        written.append(path)
    return written
