"""The reports of a big matrix: what writing them costs as the matrix grows.

A run rewrites its reports as each test ends, so their cost matters for a matrix of
10 implementations x 10 x 20 cases (2,000 cells). Printed, not asserted: the time to
write all four reports (results.json with its cells, junit.xml, summary.md,
report.html) for 500 and 2,000 synthetic cells, against encoding the same runs as JSON
alone (the baseline, measured in this run), and how that time splits between formats.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
from panther.config.resolved import CellCoordinates, MatrixAxes
from panther.reports.document import RunDocument
from panther.reports.html import render_html
from panther.reports.writer import matrix_tables, write_reports
from panther.runner.junit import write_junit
from panther.runner.results import TestResult
from panther.runner.summary import render_summary
from panther.services.outcome import Check

ROUNDS = 3


def _document(implementations: int, cases: int, root: Path) -> RunDocument:
    names = [f"implementation{index}" for index in range(implementations)]
    axes = MatrixAxes(
        group="interop",
        tester="bench",
        protocol="quic",
        servers=names,
        clients=names,
        cases={f"case{index}": f"case number {index}" for index in range(cases)},
    )
    draw = random.Random(7)
    tests = []
    for case in axes.cases:
        for server in names:
            for client in names:
                name = f"interop/{case}/{server}/{client}"
                folder = root / name
                verdict = draw.choice(["passed"] * 6 + ["failed", "unsupported", "error"])
                checks = [
                    Check(
                        name=f"check {index}",
                        status="passed" if verdict == "passed" or index else verdict,  # type: ignore[arg-type]
                        reason="what was seen",
                        evidence=[str(folder / "capture.pcap"), str(folder / "client" / "qlog.sqlog")],
                    )
                    for index in range(4)
                ]
                tests.append(
                    TestResult(
                        name=name,
                        iteration=1,
                        iterations=1,
                        verdict=verdict,
                        reason="" if verdict == "passed" else "check 0: what was seen",
                        output_dir=str(folder),
                        duration=1.0,
                        checks=checks,
                        matrix=CellCoordinates(group="interop", case=case, server=server, client=client),
                    )
                )
    return RunDocument(
        experiment="bench",
        experiment_id="bench",
        run_id="bench",
        output_dir=str(root),
        exit_code=1,
        interrupted=False,
        duration=1.0,
        verdicts={},
        matrices=[axes],
        tests=tests,
    )


def _best(action: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return min(times)


def _measure(document: RunDocument, root: Path) -> None:
    baseline = _best(lambda: msgspec.json.encode(document))
    every = _best(lambda: write_reports(document, root))
    print(
        f"reports of {len(document.tests)} cells: {every:.3f}s to write all four "
        f"({every / baseline:.0f}x encoding the runs as JSON alone, {baseline * 1000:.1f} ms)"
    )
    written = document.with_cells()
    tables = matrix_tables(written)
    parts: dict[str, Callable[[], object]] = {
        "cells": document.with_cells,
        "junit.xml": lambda: write_junit(root / "junit.xml", "bench", written.tests),
        "summary.md": lambda: render_summary("bench", root, written.tests, 1.0, matrices=tables),
        "report.html": lambda: render_html(written, root, tables),
    }
    print("  of which " + ", ".join(f"{name} {_best(action) / every:.0%}" for name, action in parts.items()))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="panther-bench-") as folder:
        root = Path(folder)
        for implementations, cases in ((5, 20), (10, 20)):
            _measure(_document(implementations, cases, root), root)


if __name__ == "__main__":
    main()
