"""Matrix cells and the tables they are drawn in.

A cell is one (case, server, client) of a matrix test, over all its iterations: its
verdict is the worst of theirs, its measurements their mean and standard deviation
(the sample's, n - 1). A matrix is drawn as one servers x clients table per case.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from panther.config.resolved import CellCoordinates, MatrixAxes
from panther.runner.results import TestResult, worst

#: One mark per verdict, in the terminal and in report.html (summary.md uses emoji).
SYMBOLS = {"passed": "✓", "failed": "✗", "error": "!", "unsupported": "–", "skipped": "·"}
SYMBOL_LEGEND = "✓ passed  ✗ failed  ! error (the harness or the setup broke)  – unsupported  · skipped"


class MeasurementSummary(msgspec.Struct, kw_only=True):
    mean: float
    #: Sample standard deviation over the iterations (0 for one iteration).
    stdev: float
    values: list[float]


class CellReport(msgspec.Struct, kw_only=True):
    name: str
    group: str
    case: str
    server: str
    client: str
    verdict: str
    reason: str
    iterations: int
    #: Iterations whose verdict is not ``passed``.
    failures: int
    output_dir: str
    #: Seconds, every iteration together.
    duration: float
    #: Every file a check of the cell named as its evidence.
    evidence: list[str] = []
    #: The checks that passed (in any iteration): what a pass of this cell means.
    passed_checks: list[str] = []
    measurements: dict[str, MeasurementSummary] = {}


def summarise(values: Sequence[float]) -> MeasurementSummary:
    stdev = statistics.stdev(values) if len(values) > 1 else 0.0
    return MeasurementSummary(mean=statistics.fmean(values), stdev=stdev, values=list(values))


def cell_reports(matrices: Sequence[MatrixAxes], tests: Iterable[TestResult]) -> list[CellReport]:
    """Every matrix cell among ``tests``, in the order of the matrices' axes."""
    runs: dict[CellCoordinates, list[TestResult]] = {}
    for test in tests:
        if test.matrix is not None:
            runs.setdefault(test.matrix, []).append(test)
    order: dict[CellCoordinates, int] = {}
    for axes in matrices:
        for case in axes.cases:
            for server in axes.servers:
                for client in axes.clients:
                    order[CellCoordinates(group=axes.group, case=case, server=server, client=client)] = len(order)
    ordered = sorted(runs, key=lambda cell: order.get(cell, len(order)))
    return [_cell(coordinates, sorted(runs[coordinates], key=lambda run: run.iteration)) for coordinates in ordered]


def _cell(coordinates: CellCoordinates, runs: list[TestResult]) -> CellReport:
    verdict = worst(run.verdict for run in runs)
    deciding = next(run for run in runs if run.verdict == verdict)
    reason = deciding.reason
    if len(runs) > 1 and verdict != "passed":
        reason = f"iteration {deciding.iteration}/{deciding.iterations}: {reason}"
    folder = Path(runs[0].output_dir)
    evidence = list(dict.fromkeys(path for run in runs for check in run.checks for path in check.evidence))
    names = list(dict.fromkeys(name for run in runs for name in run.measurements))
    return CellReport(
        name=coordinates.name,
        group=coordinates.group,
        case=coordinates.case,
        server=coordinates.server,
        client=coordinates.client,
        verdict=verdict,
        reason=reason,
        iterations=len(runs),
        failures=sum(run.verdict != "passed" for run in runs),
        # Several iterations run in iteration-N folders of the cell's folder.
        output_dir=str(folder.parent if runs[0].iterations > 1 and runs[0].output_dir else folder),
        duration=sum(run.duration for run in runs),
        evidence=evidence,
        passed_checks=list(
            dict.fromkeys(check.name for run in runs for check in run.checks if check.status == "passed")
        ),
        measurements={
            name: summarise([run.measurements[name] for run in runs if name in run.measurements]) for name in names
        },
    )


@dataclass
class CaseTable:
    """One case of one matrix: servers (rows) x clients (columns)."""

    axes: MatrixAxes
    case: str
    servers: list[str]
    clients: list[str]
    cells: dict[tuple[str, str], CellReport] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return self.axes.cases.get(self.case, "")

    @property
    def measurements(self) -> list[str]:
        return list(dict.fromkeys(name for cell in self.cells.values() for name in cell.measurements))

    def cell(self, server: str, client: str) -> CellReport | None:
        return self.cells.get((server, client))


def case_tables(matrices: Sequence[MatrixAxes], cells: Sequence[CellReport]) -> list[list[CaseTable]]:
    """For each matrix with cells, its tables (one per case that has cells).

    Rows and columns are the servers and clients that have a cell in the matrix: a run
    of a filtered selection or of one shard draws the part it ran.
    """
    drawn = []
    for axes in matrices:
        mine = [cell for cell in cells if cell.group == axes.group]
        if not mine:
            continue
        servers = [server for server in axes.servers if any(cell.server == server for cell in mine)]
        clients = [client for client in axes.clients if any(cell.client == client for cell in mine)]
        tables = []
        for case in axes.cases:
            table = CaseTable(axes=axes, case=case, servers=servers, clients=clients)
            table.cells = {(cell.server, cell.client): cell for cell in mine if cell.case == case}
            if table.cells:
                tables.append(table)
        drawn.append(tables)
    return drawn


def format_measurement(summary: MeasurementSummary) -> str:
    """``94.2 ± 3.1`` (three significant digits), or just the value for one iteration."""
    if len(summary.values) > 1:
        return f"{summary.mean:.3g} ± {summary.stdev:.2g}"
    return f"{summary.mean:.3g}"


def count_verdicts(cells: Iterable[CellReport]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for cell in cells:
        counts[cell.verdict] = counts.get(cell.verdict, 0) + 1
    return counts
