"""Every example on the documentation site is tested.

- YAML: a complete experiment is loaded as ``panther validate`` loads it and, when
  every implementation it names is installed and ready here (its plugin's own
  preparation says so), run through the real ``panther run`` to an all-passed verdict
  (or, titled ``Fails on purpose ...``, to a failed one).
  Blocks included from ``examples/`` are run by the e2e session instead. A fragment
  (titled ``Fragment ...`` on the page) must parse, and every key in it must be a key
  of the experiment file at the level where it belongs.
- Python: a complete block runs in a fresh interpreter (with pytest when it defines
  tests); a block titled ``Continues ...`` runs after the page's previous complete
  block (a plugin's tests after the plugin); a fragment must compile, its imports must resolve, and every hook it
  defines must be a hook of the base classes.
- Shell: every ``panther`` command line parses against the real command-line app.
- TOML, JSON and Jinja2 blocks parse.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import importlib_metadata
import msgspec
import pytest
import yaml
from markdown_blocks import ROOT, Block, all_blocks
from panther.config import models
from panther.config.errors import ConfigError
from panther.config.loader import load_experiment_text
from panther.plugins.registry import PluginError, PluginRegistry
from panther.services.manager import BaseServiceManager, ServiceManagerError
from panther.testing import require_peer, run_panther

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

BLOCKS = all_blocks()
# The title of an example that shows a fault: its run must end with a failed verdict.
FAILS_ON_PURPOSE = "fails on purpose"


def _of(*languages: str) -> list[Any]:
    return [pytest.param(block, id=block.id) for block in BLOCKS if block.language in languages]


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


# ------------------------------------------------------------------------- YAML


def _struct_keys(struct: type) -> set[str]:
    return {field.name for field in msgspec.structs.fields(struct)}


def _implementation_keys(block: dict[str, Any], registry: PluginRegistry) -> set[str] | None:
    """The keys the named plugin accepts; None when it is not installed here."""
    kind = "tester" if block.get("type") in ("tester", "testers") else "iut"
    try:
        cls = registry.load(kind, str(block.get("name")))
    except PluginError:
        return None
    return _struct_keys(cls.config_class)


def _check_keys(document: Any, level: str, registry: PluginRegistry, where: str) -> list[str]:
    """Keys of ``document`` that the experiment file has no place for at ``level``."""
    if not isinstance(document, dict):
        return []
    structs = {"experiment": models.ExperimentConfig, "test": models.TestConfig, "service": models.ServiceConfig}
    problems: list[str] = []
    if level == "implementation":
        known = _implementation_keys(document, registry)
        if known is None:
            return []  # a plugin of the reader's own: its keys are its own
        return [f"{where}.{key}" for key in document if key not in known]
    allowed = _struct_keys(structs[level])
    for key, value in document.items():
        if key not in allowed:
            problems.append(f"{where}.{key}")
        elif level == "experiment" and key == "tests":
            for index, test in enumerate(value or []):
                problems += _check_keys(test, "test", registry, f"{where}.tests[{index}]")
        elif level == "test" and key == "services" and isinstance(value, dict):
            for name, service in value.items():
                problems += _check_keys(service, "service", registry, f"{where}.services.{name}")
        elif level == "service" and key == "implementation":
            problems += _check_keys(value, "implementation", registry, f"{where}.implementation")
    return problems


def _fragment_level(document: dict[str, Any]) -> str:
    """Where a fragment belongs, from its keys: the level that knows most of them."""
    keys = set(document)
    if "services" in keys and keys <= _struct_keys(models.TestConfig) | {"services"}:
        return "test"
    if keys & {"implementation", "protocol"}:
        return "service"
    if keys <= _struct_keys(models.ExperimentConfig):
        return "experiment"
    if keys <= _struct_keys(models.TestConfig):
        return "test"
    if "services" in keys:
        # A map of services on its own: the ``services:`` of a test.
        return "test"
    return "implementation"


def _named_plugins(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, name) of every implementation and matrix tester an experiment names."""
    named: list[tuple[str, str]] = []
    for test in document["tests"]:
        for service in (test.get("services") or {}).values():
            block = service.get("implementation", {})
            named.append(("tester" if block.get("type") in ("tester", "testers") else "iut", str(block.get("name"))))
        matrix = test.get("matrix") or {}
        if "tester" in matrix:
            named.append(("tester", str(matrix["tester"])))
        named += [("iut", str(name)) for name in [*matrix.get("servers", []), *matrix.get("clients", [])]]
    return named


def _skip_for_absent_plugins(document: dict[str, Any], registry: PluginRegistry) -> None:
    """An example may name a plugin that is not installed here (a distribution of its
    own): it is skipped with the reason. A name close to an installed one is a typo,
    and fails in the validation that follows."""
    for kind, name in _named_plugins(document):
        installed = [entry.name for entry in registry.entries(kind)]
        if name not in installed and not difflib.get_close_matches(name, installed, n=1, cutoff=0.8):
            pytest.skip(f"names the {kind} plugin {name!r}, which is not installed here")


def _implementations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [service["implementation"] for test in document["tests"] for service in test.get("services", {}).values()]


def _require_ready(block: dict[str, Any], registry: PluginRegistry) -> None:
    """Skip (or fail, when required) unless the plugin's own preparation passes here,
    for the service's own ``implementation:`` block."""
    kind = "tester" if block.get("type") in ("tester", "testers") else "iut"
    cls = registry.load(kind, block["name"])
    try:
        cls(msgspec.convert(block, cls.config_class)).prepare()
    except ServiceManagerError as error:
        require_peer(block["name"], False, str(error))


@pytest.mark.parametrize("block", _of("yaml", "yml"))
def test_yaml_example(block: Block, registry: PluginRegistry, tmp_path: Path) -> None:
    document = yaml.safe_load(block.text)
    assert isinstance(document, dict), f"{block.id}: a YAML example is a mapping"
    if block.is_fragment:
        level = _fragment_level(document)
        if level == "test" and "services" in document and not (set(document) - {"services"}):
            document = {"services": document["services"]}
        problems = _check_keys(document, level, registry, f"({level})")
        assert not problems, f"{block.id}: keys the experiment file does not have: {problems}"
        return
    assert "tests" in document, (
        f'{block.id}: not a complete experiment (no tests:); give it a title="Fragment ..." if it is one'
    )
    _skip_for_absent_plugins(document, registry)
    try:
        load_experiment_text(block.text, block.page, registry)
    except ConfigError as error:
        pytest.fail(f"{block.id}: does not validate:\n{error}")
    if any(include.startswith("examples/") for include in block.includes):
        return  # the e2e session runs the files of examples/
    if any("matrix" in test for test in document["tests"]):
        return  # a matrix expands into many tests: its suite's own tests run matrices
    if any(test.get("network_environment", {}).get("type", "local") != "local" for test in document["tests"]):
        pytest.skip("runs in Docker: the Docker sessions run experiments of this form")
    for implementation in _implementations(document):
        _require_ready(implementation, registry)
    run = run_panther(block.text, tmp_path)
    verdicts = "\n".join(f"{test.name}: {test.verdict}: {test.not_passed()}" for test in run.tests)
    if block.title.lower().startswith(FAILS_ON_PURPOSE):
        # An example of a fault: the page says it fails, and it must.
        assert run.exit_code == 1 and any(test.verdict == "failed" for test in run.tests), f"{block.id}: {verdicts}"
    else:
        assert run.exit_code == 0, f"{block.id}: {verdicts}"


# ----------------------------------------------------------------------- Python

_HOOK = re.compile(r"^_(get|do)_\w+$")


def _known_hooks() -> set[str]:
    """Every hook name of the core's and the bases' service managers."""
    names = set(dir(BaseServiceManager))
    import importlib
    import pkgutil

    for module_info in pkgutil.iter_modules():
        if not module_info.name.startswith("panther_base_"):
            continue
        package = importlib.import_module(module_info.name)
        for submodule in [package, *_submodules(package)]:
            for value in vars(submodule).values():
                if isinstance(value, type):
                    names |= set(dir(value))
    return names


def _submodules(package: Any) -> list[Any]:
    import importlib
    import pkgutil

    found = []
    for info in pkgutil.iter_modules(getattr(package, "__path__", []), f"{package.__name__}."):
        try:
            found.append(importlib.import_module(info.name))
        except ImportError:
            continue  # an optional part whose extra is not installed
    return found


def _run_python(code: str, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, *args], input=code, capture_output=True, text=True, cwd=folder, env=env, timeout=600
    )


# The title of a block that goes on from the page's previous complete Python block
# (its tests, say): it runs after that block's code, in the same module.
CONTINUES = "continues"


def _program(block: Block) -> str:
    if not block.title.lower().startswith(CONTINUES):
        return block.text
    earlier = [
        other
        for other in BLOCKS
        if other.page == block.page
        and other.line < block.line
        and other.language in ("python", "py")
        and not other.is_fragment
        and not other.title.lower().startswith(CONTINUES)
    ]
    assert earlier, f"{block.id}: continues no earlier Python block of its page"
    return earlier[-1].text + "\n\n" + block.text


@pytest.mark.parametrize("block", _of("python", "py"))
def test_python_example(block: Block, tmp_path: Path) -> None:
    program = _program(block)
    tree = ast.parse(program, filename=block.id)
    if block.is_fragment:
        imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
        done = _run_python(ast.unparse(ast.Module(body=imports, type_ignores=[])), tmp_path, "-")
        assert done.returncode == 0, f"{block.id}: its imports fail:\n{done.stderr}"
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        unknown = sorted(name for name in defined if _HOOK.match(name) and name not in _known_hooks())
        assert not unknown, f"{block.id}: hooks no base class has: {unknown}"
        return
    defines_tests = any(isinstance(node, ast.FunctionDef) and node.name.startswith("test_") for node in tree.body)
    if defines_tests:
        (tmp_path / "test_example.py").write_text(program)
        done = _run_python("", tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py")
        assert done.returncode == 0, f"{block.id}:\n{done.stdout}\n{done.stderr}"
        assert re.search(r"\b\d+ passed\b", done.stdout), f"{block.id}: no test passed:\n{done.stdout}"
    else:
        done = _run_python(program, tmp_path, "-")
        assert done.returncode == 0, f"{block.id}:\n{done.stderr}"


# ------------------------------------------------------------------------ shell


def _command_lines(text: str) -> list[list[str]]:
    lines: list[list[str]] = []
    for line in text.replace("\\\n", " ").splitlines():
        for part in re.split(r"&&|;|\|", line.split(" #")[0]):
            words = shlex.split(part.strip(), comments=True) if part.strip() else []
            while words and (words[0] in ("sudo",) or re.match(r"^\w+=", words[0])):
                words = words[1:]
            if words[:3] == ["python", "-m", "panther"] or words[:3] == ["python3", "-m", "panther"]:
                words = ["panther", *words[3:]]
            if words and words[0] == "panther":
                lines.append(words)
    return lines


def _parse(command: Any, name: str, args: list[str], parent: Any = None) -> None:
    """Parse ``args`` as click would before running ``command`` (nothing runs)."""
    context = command.make_context(name, args, parent=parent)
    if not hasattr(command, "commands"):
        return
    # click keeps the subcommand and its arguments here (the name changed across versions).
    rest = [*(context.__dict__.get("_protected_args") or context.__dict__.get("protected_args") or []), *context.args]
    if rest:
        child = command.get_command(context, rest[0])
        if child is None:
            raise LookupError(f"no command {rest[0]!r} under {name!r}")
        _parse(child, rest[0], rest[1:], context)


@pytest.mark.parametrize("block", _of("sh", "bash", "shell", "console"))
def test_panther_command_lines_parse(block: Block) -> None:
    import typer
    from panther.cli import app as cli
    from panther.cli.global_options import split_disabled_plugins
    from panther.cli.guide_argv import translate_guide_argv

    command = typer.main.get_command(cli.app)
    # Subcommands that installed distributions add (entry-point group panther.cli).
    for entry_point in importlib_metadata.entry_points(group="panther.cli"):
        loaded = entry_point.load()
        command.add_command(
            typer.main.get_command(loaded) if isinstance(loaded, typer.Typer) else loaded, entry_point.name
        )
    for words in _command_lines(block.text):
        # As main() does: global options out, the original guide's spelling translated.
        redirect = next((i for i, w in enumerate(words) if re.match(r"^\d?[<>]", w)), len(words))
        args = translate_guide_argv(split_disabled_plugins(words[1:redirect])[1])
        if args and not args[0].startswith("-") and args[0] not in getattr(command, "commands", {}):
            pytest.fail(f"{block.id}: `{' '.join(words)}`: no command {args[0]!r} (a plugin's, not installed here?)")
        try:
            _parse(command, "panther", args)
        except Exception as error:  # noqa: BLE001 - click's usage errors, shown with the line
            if type(error).__name__ == "Exit":  # --help, --version
                continue
            pytest.fail(f"{block.id}: `{' '.join(words)}` does not parse: {error}")


# ------------------------------------------------------------- other languages


@pytest.mark.parametrize("block", _of("toml"))
def test_toml_example(block: Block) -> None:
    tomllib.loads(block.text)


@pytest.mark.parametrize("block", _of("json"))
def test_json_example(block: Block) -> None:
    json.loads(block.text)


@pytest.mark.parametrize("block", _of("jinja", "jinja2"))
def test_jinja_example(block: Block) -> None:
    import jinja2

    jinja2.Environment(autoescape=False).parse(block.text)  # noqa: S701 - command templates, not HTML


def test_every_example_is_collected() -> None:
    """A block in a language no test reads would go unchecked: name it here first."""
    checked = {"yaml", "yml", "python", "py", "sh", "bash", "shell", "console", "toml", "json", "jinja", "jinja2"}
    # Text blocks are output or diagrams; Markdown blocks show a README's own Markdown.
    shown = {"text", "markdown", "md", "", "dockerfile"}
    unknown = sorted({f"{block.id} ({block.language})" for block in BLOCKS if block.language not in checked | shown})
    assert not unknown, f"blocks no test checks: {unknown}"
    assert len(BLOCKS) > 20
    assert ROOT.joinpath("mkdocs.yml").is_file()
