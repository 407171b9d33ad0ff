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
# The roles an implementation plays: both (most), or only one (a server such as nginx,
# a client such as curl).
ROLES = ("both", "server", "client")
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

# How the generated tests recognise that a command starts this implementation,
# whatever program and flags the author gives it.
_EXECUTABLE_CHECKS = {
    "python": 'assert argv[argv.index("-m") + 1] == manager._get_python_module()',
    "rust": "assert argv[0] == manager._get_binary_name()",
    "c": "assert argv[0] == manager._get_binary_name()",
    "go": "assert argv[0] == manager._get_binary_name()",
}

# Role methods of the manager. The flags are placeholders to replace with the
# implementation's own; the generated tests check behaviour, not these flags.
_SERVER_METHOD = """
    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
${address}
        # Replace with the flags ${name} understands to listen on host:port.
        return ["--listen", f"{host}:{port}", *self._debug_args(**kwargs)]
"""
_CLIENT_METHOD = """
    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
${address}
        # Replace with the flags ${name} understands to reach its target at host:port.
        return ["--connect", f"{host}:{port}", *self._debug_args(**kwargs)]
"""
_REFUSED_METHOD = """
    def _get_${other}_specific_args(self, **kwargs: Any) -> list[str]:
        # ${name} cannot be a ${other}: a test that asks it to is unsupported, not failed.
        raise UnsupportedFeatureError("${name} is a ${role} only: use it with role ${role}")
"""

# An HTTP client's own check of what it saved. The base already judges the exit code
# and every exchange the program recorded (status, HTTP version), and the http protocol
# compares each expected download with what the server served, byte for byte; this
# adds what only the plugin knows: that its program saved nothing else.
_HTTP_EVALUATE = """
    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        checks = super().evaluate(outcome)
        expected = self.context.arguments.get("expected_files") if self.context is not None else None
        if outcome.role != "client" or not expected:
            return checks  # not a client of an http test: nothing of ours to judge
        downloads = outcome.output_dir / "downloads"
        saved = sorted(path.name for path in downloads.iterdir()) if downloads.is_dir() else []
        extra = sorted(set(saved) - set(expected))
        name = f"{outcome.name} downloads folder"
        if extra:
            reason = f"saved files it was not asked for: {', '.join(extra)}"
            checks.append(Check(name=name, status="failed", reason=reason, evidence=[str(downloads)]))
        else:
            reason = "only the requested files"
            checks.append(Check(name=name, status="passed", reason=reason, evidence=[str(downloads)]))
        return checks
"""
_HTTP_TESTS = """

def test_a_client_that_saves_more_than_it_was_asked_fails(tmp_path: Path) -> None:
    context = ServiceContext(
        name="client", role="client", test_name="t", host_output_dir=tmp_path, output_dir=tmp_path,
        arguments={"http_version": "http/1.1", "expected_files": ["a.bin"]},
    )
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / "a.bin").write_bytes(b"a")
    (tmp_path / "downloads" / "index.html").write_text("<h1>404</h1>")
    outcome = ServiceOutcome(
        name="client", role="client", exit_code=0, duration=0.1, output_dir=tmp_path,
        stdout=tmp_path / "stdout.log", stderr=tmp_path / "stderr.log",
    )
    checks = {check.name: check for check in ${manager}(context=context).evaluate(outcome)}
    assert checks["client downloads folder"].status == "failed"
    assert "index.html" in checks["client downloads folder"].reason
"""

# Tests of what the plugin does, whatever its real flags are.
_SERVER_TESTS = """

def test_server_listens_on_the_port_the_test_decides() -> None:
    manager = ${manager}()
    argv = manager.generate_run_argv(role="server", host="127.0.0.1", port=9443)
    ${executable_check}
    assert any("9443" in item for item in argv), argv
    # The same command as one shell-safe string, as the IUT development guide checks it.
    assert "9443" in manager.generate_run_command(role="server", port=9443)
"""
_CLIENT_TESTS = """

def test_client_reaches_its_target() -> None:
    manager = ${manager}()
    argv = manager.generate_run_argv(role="client", host="127.0.0.2", port=9443)
    ${executable_check}
    assert any("127.0.0.2" in item for item in argv), argv
    assert any("9443" in item for item in argv), argv
"""
_ONE_ROLE_TESTS = """

def test_it_plays_only_the_${role}_role() -> None:
    # Asked to be a ${other}, it says it cannot: the test's verdict is unsupported.
    with pytest.raises(UnsupportedFeatureError, match="${role} only"):
        ${manager}().generate_run_argv(role="${other}", host="127.0.0.2", port=9443)
"""

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
    # Without a test deciding the port, the protocol's default one is used.
    argv = ${manager}().generate_run_argv(role="${main_role}")
    assert any(str(protocol.default_port) in item for item in argv), argv
"""
_GENERIC_ADDRESS = """        host = kwargs.get("host") or DEFAULT_HOST
        port = kwargs.get("port") or DEFAULT_PORT"""
_PROTOCOL_ADDRESS = """        # The ${protocol_title} base always provides host and port.
        host, port = kwargs["host"], kwargs["port"]"""

# An implementation of each protocol that plays both roles, for the usage example of
# a plugin that plays one.
_COUNTERPARTS = {"quic": "aioquic", "minip": "ping_pong", "http": "nginx"}
_README_ROLES = {
    "server": "- `_get_server_specific_args(**kwargs)`: where to listen (`host`, `port`);\n"
    "- `_get_client_specific_args(**kwargs)`: refuses (a server only).\n",
    "client": "- `_get_server_specific_args(**kwargs)`: refuses (a client only);\n"
    "- `_get_client_specific_args(**kwargs)`: its target's address (`host`, `port`).\n",
    "both": "- `_get_server_specific_args(**kwargs)`: where to listen (`host`, `port`);\n"
    "- `_get_client_specific_args(**kwargs)`: its target's address (`host`, `port`).\n",
}

_LANGUAGE_TITLES = {"python": "Python", "rust": "Rust", "c": "C", "go": "Go"}


@dataclass(frozen=True)
class PluginSpec:
    """What ``panther new KIND NAME --protocol P --language L`` asks for."""

    kind: str
    name: str
    protocol: str = "none"
    language: str = "c"
    roles: str = "both"

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
        if self.roles not in ROLES:
            raise ScaffoldError(f"unknown roles {self.roles!r} (expected one of: {', '.join(ROLES)})")

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


def _test_imports(spec: PluginSpec) -> str:
    names = []
    if spec.protocol == "http" and spec.roles != "server":
        names += ["ServiceContext", "ServiceOutcome"]
    if spec.roles != "both":
        names.append("UnsupportedFeatureError")
    return f"from panther import {', '.join(sorted(names))}\n" if names else ""


def _example_services(spec: PluginSpec) -> dict[str, str]:
    """The README example's server and client: this plugin in its roles, and in the
    other an implementation of the protocol that plays both."""
    counterpart = _COUNTERPARTS.get(spec.protocol, spec.name)
    debug = "\n          debug_level: 1"
    ours = {"name": spec.name, "kind": spec.kind, "debug": debug}
    theirs = {"name": counterpart, "kind": "iut", "debug": ""}
    server = theirs if spec.roles == "client" else ours
    client = theirs if spec.roles == "server" else {**ours, "debug": ""}
    return {
        f"{role}_{key}": value
        for role, side in (("server", server), ("client", client))
        for key, value in (("implementation", side["name"]), ("kind", side["kind"]), ("debug", side["debug"]))
    }


def _fields(spec: PluginSpec) -> dict[str, str]:
    chain = inheritance(spec.protocol, spec.language)
    manager = f"{spec.camel}ServiceManager"
    config = f"{spec.camel}Config"
    protocol = chain.protocol
    language_title = _LANGUAGE_TITLES[spec.language]
    imports = sorted(chain.imports)
    http_client = spec.protocol == "http" and spec.roles != "server"
    wanted = ["register_plugin", *(["UnsupportedFeatureError"] if spec.roles != "both" else [])]
    for needed in [*wanted, *(["Check", "ServiceOutcome"] if http_client else [])]:
        if ("panther", needed) not in imports:
            imports.append(("panther", needed))
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
        "role": spec.roles,
        "other": {"server": "client", "client": "server"}.get(spec.roles, ""),
        # The role the tests of configuration keys use: one the implementation plays.
        "main_role": "client" if spec.roles == "client" else "server",
        "readme_roles": _README_ROLES[spec.roles],
        "test_imports": _test_imports(spec),
        "test_stdlib_imports": "from pathlib import Path\n"
        if spec.protocol == "http" and spec.roles != "server"
        else "",
        "protocol_article": "an" if protocol.title == "HTTP" else "a",
        **_example_services(spec),
        "roles_text": {
            "both": "as a server and as a client",
            "server": "as a server (a test that asks it to be a client is unsupported)",
            "client": "as a client (a test that asks it to be a server is unsupported)",
        }[spec.roles],
    }
    generic = protocol.distribution is None
    server, client = spec.roles in ("both", "server"), spec.roles in ("both", "client")
    snippets = {
        "role_methods": (_SERVER_METHOD if server else _REFUSED_METHOD)
        + (_CLIENT_METHOD if client else _REFUSED_METHOD),
        "role_tests": (_HTTP_TESTS if spec.protocol == "http" and client else "")
        + (_SERVER_TESTS if server else "")
        + (_CLIENT_TESTS if client else "")
        + (_ONE_ROLE_TESTS if spec.roles != "both" else ""),
        "identity_methods": "" if spec.language == "python" else _IDENTITY_METHODS,
        "language_methods": _LANGUAGE_METHODS.get(spec.language, "")
        + (_HTTP_EVALUATE if spec.protocol == "http" and spec.roles != "server" else ""),
        "executable_check": _EXECUTABLE_CHECKS[spec.language],
        "language_tests": _LANGUAGE_TESTS.get(spec.language, "") + (_PROTOCOL_TEST if generic else ""),
        "protocol_entry_point": _PROTOCOL_ENTRY_POINT if generic else "",
        "protocol_note": _GENERIC_PROTOCOL_NOTE if generic else _BASE_PROTOCOL_NOTE,
        "constants": _GENERIC_DEFAULTS if generic else "",
        "address": _GENERIC_ADDRESS if generic else _PROTOCOL_ADDRESS,
    }
    # Snippets hold other snippets (a role method holds the address): fill them in
    # twice, the second time strictly, so that a field left unfilled is an error.
    fields.update({key: Template(text).safe_substitute({**fields, **snippets}) for key, text in snippets.items()})
    fields.update({key: Template(fields[key]).substitute(fields) for key in snippets})
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
