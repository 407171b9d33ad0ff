"""``panther plugins list``: every installed plugin, whether it loads, and what it offers.

Each plugin is imported to read its manifest (protocols, capabilities); a plugin
that cannot be imported, or whose name two distributions claim, is listed with its
error instead of stopping the listing. Disabled plugins are listed as disabled.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from panther.plugins.manifest import manifest_of
from panther.plugins.registry import PluginEntry, PluginRegistry

_PIPED_WIDTH = 160


@dataclass
class PluginRow:
    kind: str
    name: str
    version: str
    distribution: str
    value: str
    status: str  # "ok", "error" or "disabled"
    description: str = ""
    protocols: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    error: str | None = None


def _row(registry: PluginRegistry, entry: PluginEntry, errors: dict[tuple[str, str], str]) -> PluginRow:
    row = PluginRow(entry.kind, entry.name, entry.version, entry.distribution, entry.value, status="ok")
    error = errors.get((entry.kind, entry.name))
    if error is not None:
        row.status, row.error = "error", error
        return row
    manifest = manifest_of(registry.load(entry.kind, entry.name))
    if manifest is not None:
        row.description = manifest.description
        row.protocols = manifest.supported_protocols
        row.capabilities = manifest.capabilities
    elif entry.kind == "protocol":
        row.protocols = (entry.name,)
    return row


def describe_plugins(registry: PluginRegistry) -> list[PluginRow]:
    errors = registry.load_all()
    rows = [_row(registry, entry, errors) for entry in registry.entries()]
    rows += [
        PluginRow(entry.kind, entry.name, entry.version, entry.distribution, entry.value, status="disabled")
        for entry in registry.disabled_entries()
    ]
    return rows


def print_json(rows: list[PluginRow]) -> None:
    print(json.dumps([asdict(row) for row in rows], indent=2))


def print_table(rows: list[PluginRow]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="PANTHER plugins", title_justify="left")
    for column in ("kind", "name", "version", "distribution"):
        table.add_column(column, no_wrap=True)
    table.add_column("protocols", overflow="fold")
    table.add_column("capabilities", overflow="fold")
    table.add_column("status", no_wrap=True)
    for row in rows:
        status = {"ok": "ok", "disabled": "[dim]disabled[/dim]", "error": "[red]error[/red]"}[row.status]
        table.add_row(
            row.kind,
            row.name,
            row.version,
            row.distribution,
            ", ".join(row.protocols),
            ", ".join(row.capabilities),
            status,
            style="dim" if row.status == "disabled" else None,
        )
    console = Console(highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Piped into a file or a CI log: do not squeeze the table into 80 columns.
        console.width = _PIPED_WIDTH
    console.print(table)
    failed = [row for row in rows if row.error]
    if failed:
        # The full messages go below the table, unwrapped, where no column width cuts them.
        print("\nLoad errors:")
        for row in failed:
            print(f"  {row.kind} {row.name}: {row.error}")
