"""The matrices of ``summary.md``: one servers x clients table per case.

Each cell is a mark linking to the cell's folder, with the verdict and the reason as
the link's title (shown on hover); a cell of several iterations says how many did not
pass, and a cell with measurements shows their mean ± standard deviation.
"""

from __future__ import annotations

import os
from pathlib import Path

from panther.reports.cells import CaseTable, CellReport, count_verdicts, format_measurement

MARKS = {"passed": "✅", "failed": "❌", "error": "💥", "unsupported": "➖", "skipped": "⏭️"}
LEGEND = (
    "✅ passed · ❌ failed · 💥 error (the harness or the setup broke) · ➖ unsupported · ⏭️ skipped · "
    "empty: not in this run. A mark links to the cell's folder; its title says why."
)
_TITLE_LENGTH = 300


def relative(path: str, root: Path) -> str:
    """``path`` as seen from ``root`` (the report's folder), so that the tree can be moved."""
    if not path:
        return ""
    # Most paths are under the report's folder: no need to ask the file system (it is slow).
    base = str(root)
    if path.startswith(base + os.sep):
        return path[len(base) + 1 :]
    try:
        return os.path.relpath(path, root)
    except ValueError:  # another drive
        return path


def table_text(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_matrices(drawn: list[list[CaseTable]], output_dir: Path) -> list[str]:
    lines: list[str] = []
    for tables in drawn:
        axes = tables[0].axes
        cells = [cell for table in tables for cell in table.cells.values()]
        counts = ", ".join(f"{count} {verdict}" for verdict, count in sorted(count_verdicts(cells).items()))
        size = f"{len(tables[0].servers)} server(s) x {len(tables[0].clients)} client(s) x {len(tables)} case(s)"
        lines += [f"## {table_text(axes.group)}: {axes.tester}, {size}", "", f"{len(cells)} cell(s): {counts}", ""]
        lines += [LEGEND, ""]
        for table in tables:
            lines += _case(table, output_dir)
    return lines


def _case(table: CaseTable, output_dir: Path) -> list[str]:
    heading = f"### {table.case}"
    if table.description:
        heading += f": {table_text(table.description)}"
    lines = [heading, ""]
    if table.measurements:
        lines += [f"Measured: {', '.join(table.measurements)} (mean ± standard deviation over the iterations).", ""]
    lines.append("| server \\ client | " + " | ".join(table_text(client) for client in table.clients) + " |")
    lines.append("|---" * (len(table.clients) + 1) + "|")
    for server in table.servers:
        marks = [_mark(table.cell(server, client), output_dir) for client in table.clients]
        lines.append(f"| **{table_text(server)}** | " + " | ".join(marks) + " |")
    checked = sorted(
        {check for cell in table.cells.values() if cell.verdict == "passed" for check in cell.passed_checks}
    )
    if checked:
        lines += ["", "Passed cells checked: " + "; ".join(f"`{table_text(name)}`" for name in checked) + "."]
    return [*lines, ""]


def _mark(cell: CellReport | None, output_dir: Path) -> str:
    if cell is None:
        return ""
    text = MARKS.get(cell.verdict, cell.verdict)
    if cell.iterations > 1 and cell.failures:
        text += f" {cell.failures}/{cell.iterations}"
    values = [format_measurement(summary) for summary in cell.measurements.values()]
    if values:
        text += " " + " / ".join(values)
    title = f"{cell.verdict}: {cell.reason}" if cell.reason else cell.verdict
    if len(title) > _TITLE_LENGTH:
        title = title[: _TITLE_LENGTH - 3] + "..."
    title = table_text(title.replace('"', "'"))
    folder = relative(cell.output_dir, output_dir)
    return f'[{text}](<{folder}> "{title}")' if folder else text
