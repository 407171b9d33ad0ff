"""Writing every report of a run (or of a merge) into its output folder.

``results.json`` (the document, with its matrix cells), ``junit.xml``, ``summary.md``
and ``report.html``, each replaced whole; called from the one place a run writes its
reports (as each test ends, and when the run ends), and by ``panther merge``.
"""

from __future__ import annotations

from pathlib import Path

from panther.observers.metrics import TestMetrics
from panther.reports.cells import CaseTable, case_tables
from panther.reports.document import RunDocument, encode
from panther.reports.html import render_html
from panther.runner.junit import write_junit
from panther.runner.summary import render_summary

REPORT_FILES = ("results.json", "junit.xml", "summary.md", "report.html")


def write_reports(
    document: RunDocument, output_dir: Path, *, metrics: list[TestMetrics] | None = None, note: str = ""
) -> RunDocument:
    """Write the four reports of ``document`` into ``output_dir``; return the document as written."""
    document = document.with_cells()
    tables = matrix_tables(document)
    _replace(output_dir / "results.json", encode(document))
    junit = output_dir / "junit.xml.part"
    write_junit(junit, document.experiment, document.tests)
    junit.replace(output_dir / "junit.xml")
    if not document.finished:
        note = " ".join(part for part in (note, "The run had not finished when this was written.") if part)
    summary = render_summary(
        document.experiment, output_dir, document.tests, document.duration, metrics, note, matrices=tables
    )
    _replace(output_dir / "summary.md", summary.encode())
    _replace(output_dir / "report.html", render_html(document, output_dir, tables).encode())
    return document


def _replace(path: Path, data: bytes) -> None:
    """Write ``path`` aside, then rename it: a reader never sees half of a report."""
    part = path.with_name(path.name + ".part")
    part.write_bytes(data)
    part.replace(path)


def matrix_tables(document: RunDocument) -> list[list[CaseTable]]:
    return case_tables(document.matrices, document.cells)
