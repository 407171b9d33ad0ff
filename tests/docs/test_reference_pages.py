"""The generated reference pages cover what they promise: every hook, every field a
plugin receives, every command, every event, every installed plugin's keys."""

from __future__ import annotations

import inspect
import sys

import msgspec
import pytest
from markdown_blocks import ROOT

sys.path.insert(0, str(ROOT / "tools" / "docgen"))

import api_page  # noqa: E402
import cli_page  # noqa: E402
import events_page  # noqa: E402
import experiment_page  # noqa: E402
import results_page  # noqa: E402
from panther import events  # noqa: E402
from panther.plugins.registry import PluginRegistry  # noqa: E402
from panther.services.context import ServiceContext  # noqa: E402
from panther.services.manager import BaseServiceManager  # noqa: E402
from panther.services.outcome import Check, ServiceOutcome  # noqa: E402


@pytest.fixture(scope="module")
def api() -> str:
    return api_page.page()


def test_every_hook_and_provided_method_of_the_service_manager(api: str) -> None:
    names = [
        name
        for name, value in vars(BaseServiceManager).items()
        if (inspect.isfunction(value) or isinstance(value, property))
        and (not name.startswith("_") or name.startswith(("_get_", "_do_")))
    ]
    assert {"_get_implementation_name", "_do_prepare", "evaluate", "find_binary"} <= set(names)
    for name in names:
        assert f"`{name}(" in api or f"`{name}` (property)" in api, f"{name} is not on the plugin API page"
    assert "*(required)*" in api.split("`_get_binary_name(")[1].split("\n")[0]


@pytest.mark.parametrize("cls", [ServiceOutcome, Check, ServiceContext])
def test_every_field_of_what_a_plugin_receives(api: str, cls: type) -> None:
    section = api.split(f"### `panther.{cls.__name__}`")[1].split("\n### ")[0]
    fields = msgspec.structs.fields(cls) if issubclass(cls, msgspec.Struct) else cls.__dataclass_fields__.values()
    for field in fields:
        row = next((line for line in section.splitlines() if line.startswith(f"| `{field.name}` |")), None)
        assert row is not None, f"{cls.__name__}.{field.name} has no row"
        assert not row.rstrip().endswith("|  |"), f"{cls.__name__}.{field.name} has no meaning in the source"


def test_every_command_of_the_cli() -> None:
    import typer
    from panther.cli import app

    page = cli_page.page()
    root = typer.main.get_command(app.app)
    for name, command in root.commands.items():
        assert f"`panther {name}`" in page
        for sub in getattr(command, "commands", {}):
            assert f"`panther {name} {sub}`" in page


def test_every_event() -> None:
    page = events_page.page()
    pending = [events.Event]
    while pending:
        cls = pending.pop()
        assert f"## `{cls.__name__}`" in page
        pending += cls.__subclasses__()


def test_every_installed_plugin_has_its_keys() -> None:
    page = experiment_page.page()
    for entry in PluginRegistry.discover().entries():
        key = "type" if entry.kind in ("network_environment", "execution_environment") else "name"
        assert f"### `{key}: {entry.name}`" in page, f"{entry.kind} {entry.name}"


def test_results_fields() -> None:
    page = results_page.page()
    for field in ("verdict", "reason", "checks", "services", "output_dir"):
        assert f"| `{field}` |" in page
