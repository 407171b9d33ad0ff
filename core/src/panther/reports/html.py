"""``report.html``: the run in one self-contained page (no external asset, readable offline).

A servers x clients table per case of every matrix (a mark per cell: hover for the
verdict and reason, click for the details and links to the cell's folder and evidence),
a table of the other tests, and every check that did not pass with its evidence.
Links are relative to the report's folder, so a copied or archived output tree keeps
working.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import quote

from panther.reports.cells import SYMBOL_LEGEND, SYMBOLS, CaseTable, CellReport, count_verdicts, format_measurement
from panther.reports.document import RunDocument
from panther.reports.markdown import relative
from panther.runner.results import TestResult, worst


def render_html(document: RunDocument, output_dir: Path, tables: list[list[CaseTable]]) -> str:
    template = _environment().get_template("report.html.jinja")
    page: str = template.render(
        document=document,
        overall=worst(document.verdicts) if document.tests else "passed",
        counts=sorted(document.verdicts.items()),
        legend=SYMBOL_LEGEND,
        symbols=SYMBOLS,
        matrices=[_matrix(group, output_dir) for group in tables],
        others=_others(document, output_dir, bool(tables)),
        problems=_problems(document.tests, output_dir),
        merged=[
            {"folder": relative(run.output_dir, output_dir), "href": _href(run.output_dir, output_dir), "run": run}
            for run in document.merged_from
        ],
    )
    return page


@functools.cache
def _environment() -> Any:
    import jinja2  # only when a report is written: start-up stays fast

    return jinja2.Environment(
        loader=jinja2.PackageLoader("panther.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _href(path: str, output_dir: Path) -> str:
    folder = relative(path, output_dir)
    return quote(folder) if folder else ""


def anchor(name: str) -> str:
    """An element id for a test: the same text in every report, safe in a URL fragment."""
    return "t-" + quote(name, safe="").replace("%", ".")


def _matrix(tables: list[CaseTable], output_dir: Path) -> dict[str, Any]:
    axes = tables[0].axes
    cells = [cell for table in tables for cell in table.cells.values()]
    return {
        "axes": axes,
        "counts": sorted(count_verdicts(cells).items()),
        "size": f"{len(tables[0].servers)} server(s) × {len(tables[0].clients)} client(s) × {len(tables)} case(s)",
        "tables": [
            {
                "case": table.case,
                "description": table.description,
                "measurements": table.measurements,
                "clients": table.clients,
                "rows": [
                    (server, [_cell(table.cell(server, client), output_dir) for client in table.clients])
                    for server in table.servers
                ],
            }
            for table in tables
        ],
    }


def _cell(cell: CellReport | None, output_dir: Path) -> dict[str, Any] | None:
    if cell is None:
        return None
    label = SYMBOLS.get(cell.verdict, cell.verdict)
    if cell.iterations > 1 and cell.failures:
        label += f" {cell.failures}/{cell.iterations}"
    return {
        "cell": cell,
        "label": label,
        "title": _title(cell),
        "measured": [(name, format_measurement(summary)) for name, summary in cell.measurements.items()],
        "folder": _href(cell.output_dir, output_dir),
        "evidence": [(relative(path, output_dir), _href(path, output_dir)) for path in cell.evidence],
        "anchor": anchor(cell.name) if cell.verdict != "passed" else "",
    }


def _title(cell: CellReport) -> str:
    if cell.reason:
        return f"{cell.verdict}: {cell.reason}"
    return (f"{cell.verdict}: " + "; ".join(cell.passed_checks)) if cell.passed_checks else cell.verdict


def _others(document: RunDocument, output_dir: Path, has_matrices: bool) -> list[dict[str, Any]]:
    by_test: dict[str, list[TestResult]] = {}
    for test in document.tests:
        if test.matrix is None or not has_matrices:
            by_test.setdefault(test.name, []).append(test)
    rows = []
    for name, runs in by_test.items():
        verdict = worst(run.verdict for run in runs)
        folder = str(Path(runs[0].output_dir).parent) if len(runs) > 1 else runs[0].output_dir
        rows.append(
            {
                "name": name,
                "verdict": verdict,
                "symbol": SYMBOLS.get(verdict, verdict),
                "failures": f"{sum(run.verdict != 'passed' for run in runs)}/{len(runs)}",
                "reason": next((run.reason for run in runs if run.verdict == verdict and run.reason), ""),
                "duration": f"{sum(run.duration for run in runs):.2f}s",
                "folder": relative(folder, output_dir),
                "href": _href(folder, output_dir),
                "anchor": anchor(name) if verdict != "passed" else "",
            }
        )
    return rows


def _problems(tests: list[TestResult], output_dir: Path) -> list[dict[str, Any]]:
    """Every test with an iteration that did not pass, and the checks of those iterations."""
    grouped: dict[str, list[TestResult]] = {}
    for test in tests:
        if test.verdict != "passed":
            grouped.setdefault(test.name, []).append(test)
    return [
        {
            "name": name,
            "anchor": anchor(name),
            "runs": [
                {
                    "test": run,
                    "folder": relative(run.output_dir, output_dir),
                    "href": _href(run.output_dir, output_dir),
                    "checks": [
                        {
                            "check": check,
                            "evidence": [
                                (relative(path, output_dir), _href(path, output_dir)) for path in check.evidence
                            ],
                        }
                        for check in run.checks
                        if check.status != "passed"
                    ],
                }
                for run in runs
            ],
        }
        for name, runs in grouped.items()
    ]
