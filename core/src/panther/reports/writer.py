"""Writing every report of a run (or of a merge) into its output folder.

``results.json`` (the document, with its matrix cells), ``junit.xml``, ``summary.md``
and ``report.html``; called from the one place a run writes its reports, and by
``panther merge``.
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
    (output_dir / "results.json").write_bytes(encode(document))
    write_junit(output_dir / "junit.xml", document.experiment, document.tests)
    summary = render_summary(
        document.experiment, output_dir, document.tests, document.duration, metrics, note, matrices=tables
    )
    (output_dir / "summary.md").write_text(summary)
    (output_dir / "report.html").write_text(render_html(document, output_dir, tables))
    return document


def matrix_tables(document: RunDocument) -> list[list[CaseTable]]:
    return case_tables(document.matrices, document.cells)
