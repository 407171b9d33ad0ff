"""``panther plugins list``: every installed plugin, whether it loads, and what it offers.

Each plugin is imported to read its manifest (protocols, capabilities); a plugin
that cannot be imported, or whose name two distributions claim, is listed with its
error instead of stopping the listing. Disabled plugins are listed as disabled.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from panther.plugins.manifest import manifest_of
from panther.plugins.registry import PluginEntry, PluginRegistry


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
    # A plain text table: it reads the same in a terminal, a pipe and a CI log, and
    # costs no start-up time.
    headers = ("kind", "name", "version", "distribution", "protocols", "capabilities", "status")
    cells = [
        (
            row.kind,
            row.name,
            row.version,
            row.distribution,
            ", ".join(row.protocols),
            ", ".join(row.capabilities),
            row.status,
        )
        for row in rows
    ]
    widths = [max(len(text) for text in column) for column in zip(headers, *cells, strict=True)]
    for line in (headers, tuple("-" * width for width in widths), *cells):
        print("  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip())
    failed = [row for row in rows if row.error]
    if failed:
        # The full messages go below the table, where no column width cuts them.
        print("\nLoad errors:")
        for row in failed:
            print(f"  {row.kind} {row.name}: {row.error}")
    if not rows:
        print("\nNo plugin is installed.")
