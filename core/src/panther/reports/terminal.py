"""The matrices on the terminal at the end of a run: a servers x clients table per case,
laid side by side as the width allows, one coloured mark per cell (a link to the cell's
folder, in terminals that show links)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from rich.columns import Columns
from rich.console import Console
from rich.table import Table

from panther.reports.cells import SYMBOL_LEGEND, SYMBOLS, CaseTable, CellReport, count_verdicts, format_measurement

STYLES = {"passed": "green", "failed": "red", "error": "bold magenta", "unsupported": "yellow", "skipped": "dim"}


def print_matrices(drawn: list[list[CaseTable]], stream: TextIO | None = None) -> None:
    if not drawn:
        return
    console = Console(file=stream or sys.stdout, highlight=False)
    for tables in drawn:
        axes = tables[0].axes
        cells = [cell for table in tables for cell in table.cells.values()]
        counts = ", ".join(f"{count} {verdict}" for verdict, count in sorted(count_verdicts(cells).items()))
        console.print(f"\n{axes.group} (tester {axes.tester}): {len(cells)} cell(s): {counts}", markup=False)
        console.print(Columns([_table(table) for table in tables], padding=(0, 2)))
    console.print(SYMBOL_LEGEND + "  (rows: servers, columns: clients)", markup=False, style="dim")


def _table(table: CaseTable) -> Table:
    grid = Table(title=table.case, title_justify="left", padding=(0, 1))
    grid.add_column("", style="bold", no_wrap=True)
    for client in table.clients:
        grid.add_column(client, justify="center", no_wrap=True)
    for server in table.servers:
        grid.add_row(server, *(_mark(table.cell(server, client)) for client in table.clients))
    return grid


def _mark(cell: CellReport | None) -> str:
    if cell is None:
        return ""
    text = SYMBOLS.get(cell.verdict, cell.verdict)
    if cell.iterations > 1 and cell.failures:
        text += f" {cell.failures}/{cell.iterations}"
    for summary in cell.measurements.values():
        text += f" {format_measurement(summary)}"
    # A terminal that knows hyperlinks opens the cell's folder on a click.
    link = f"link={Path(cell.output_dir).as_uri()} " if cell.output_dir else ""
    return f"[{link}{STYLES.get(cell.verdict, '')}]{text}[/]"
