"""Console progress: a few live lines on a terminal, plain lines otherwise (CI logs).

On a terminal the bottom of the screen is redrawn in place: one line per matrix case
under way or waiting (its cells done out of all, counted by verdict, and the cells
running with their phase), the tests that are not matrix cells, and a total with an
estimate of the time left. Above it, printed once and kept in the scrollback: every
finished test that is not a matrix cell, every matrix cell that failed or broke (with
the checks that decided it, their evidence and the cell's folder) as it ends, and one
line per matrix case when its last cell ends. Passed and unsupported cells are only
counted: hundreds of them would scroll everything else away. The servers x clients
tables follow when the run ends (:mod:`panther.reports.terminal`).

Elsewhere, one line per finished test (matrix cells with their place in the run), the
checks of those that did not pass, and one line per finished matrix case.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from panther.events import (
    Event,
    ExperimentFinishedEvent,
    ExperimentPhaseEvent,
    ExperimentStartedEvent,
    PreparationStepEvent,
    ServiceErrorEvent,
    ServicePreparationEvent,
    TestFinishedEvent,
    TestPhaseEvent,
    TestStartedEvent,
)
from panther.observers.progress import CaseProgress, Running, RunProgress, Tally, TestDone
from panther.reports.cells import SYMBOLS
from panther.reports.terminal import STYLES
from panther.services.outcome import Check

INDENT = " " * 13
#: Events that change what the live lines show.
_REDRAWN_ON = (
    ExperimentStartedEvent,
    ExperimentPhaseEvent,
    PreparationStepEvent,
    TestStartedEvent,
    TestPhaseEvent,
    TestFinishedEvent,
)


def _label(event: Event) -> str:
    return f"{event.test} [{event.iteration}]" if event.iteration and event.iteration > 1 else str(event.test)


def _preparation_line(event: ServicePreparationEvent) -> str:
    """What a plugin says its preparation is doing (a build, and where its log is)."""
    return f"{INDENT}{event.service_name}: {event.preparation_type}: {event.detail}"


def _counted(tally: Tally) -> str:
    return ", ".join(f"{count} {verdict}" for verdict, count in tally.counts())


def _finished_line(event: ExperimentFinishedEvent) -> str:
    counts = ", ".join(f"{count} {verdict}" for verdict, count in sorted(event.verdicts.items()))
    return f"done in {event.duration:.2f}s: {counts or 'no tests'}"


def _where(path: str, folder: str) -> str:
    """``path`` relative to the test's folder when it is inside it: short enough to read."""
    if folder and Path(path).is_relative_to(folder):
        return str(Path(path).relative_to(folder))
    return path


def _check_line(check: Check, folder: str) -> str:
    line = f"{check.name}: {check.reason}" if check.reason else check.name
    if check.evidence:
        line += f" ({', '.join(_where(path, folder) for path in check.evidence)})"
    return line


class PlainProgress:
    """Lines for logs: a test's start and end; a matrix cell's end with its place in the run."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.progress = RunProgress()

    def __call__(self, event: Event) -> None:
        done = self.progress.update(event)
        lines: list[str] = []
        if isinstance(event, ExperimentStartedEvent):
            lines.append(f"experiment {event.experiment}: {len(event.tests)} test(s), output in {event.output_dir}")
        elif isinstance(event, PreparationStepEvent):
            if event.status == "started":
                lines.append(f"[ PREPARE  ] {event.step}")
            elif event.status != "ready":
                lines.append(f"{INDENT}{event.step}: {event.status}: {event.reason}")
        elif isinstance(event, ServicePreparationEvent):
            if event.detail:
                lines.append(_preparation_line(event))
        elif isinstance(event, ExperimentPhaseEvent) and event.status == "finished":
            lines.append(f"prepared in {event.duration or 0.0:.2f}s")
        elif isinstance(event, TestStartedEvent) and self.progress.cell_of(event.test) is not None:
            pass  # a matrix runs hundreds of cells: their ends are enough
        elif isinstance(event, TestStartedEvent):
            lines.append(f"[ RUN      ] {_label(event)}")
        elif isinstance(event, ServiceErrorEvent):
            lines.append(f"{INDENT}{event.service_name}: {event.error}")
        elif isinstance(event, TestFinishedEvent):
            lines += self._finished(event, done)
        elif isinstance(event, ExperimentFinishedEvent):
            lines += [_finished_line(event), f"report: {self.progress.output_dir}/summary.md"]
        if lines:
            print("\n".join(lines), file=self.stream, flush=True)

    def _finished(self, event: TestFinishedEvent, done: TestDone | None) -> list[str]:
        line = f"[ {event.verdict.upper():<8} ] {_label(event)} ({event.duration:.2f}s)"
        if self.progress.cell_of(event.test) is not None:
            line += f" [{self.progress.runs_done}/{self.progress.runs_total}]"
        lines = [line]
        if event.deciding_checks:
            lines += [f"{INDENT}{_check_line(check, event.output_dir)}" for check in event.deciding_checks]
        elif event.reason:
            lines.append(f"{INDENT}{event.reason}")
        if event.verdict in ("failed", "error") and event.output_dir:
            lines.append(f"{INDENT}in {event.output_dir}")
        if done is not None and done.case_done is not None:
            case = done.case_done
            lines.append(f"[ CASE     ] {case.name}: {case.tally.total} cell(s): {_counted(case.tally)}")
        return lines

    def close(self) -> None:
        """Nothing is held open."""


def _marks(tally: Tally) -> Text:
    text = Text()
    for verdict, count in tally.counts():
        text.append(f"{SYMBOLS.get(verdict, verdict)} {count}", style=STYLES.get(verdict, ""))
        text.append("  ")
    return text


def _seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m{seconds % 60:02.0f}s"
    return f"{seconds // 3600:.0f}h{seconds % 3600 // 60:02.0f}m"


class LiveProgress:
    """The live lines at the bottom of a terminal, and what is printed above them."""

    #: The live part takes at most this many lines (fewer on a short terminal).
    MAX_LINES = 30

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.progress = RunProgress()
        # Events change the state while the refresh thread draws it.
        self._lock = threading.Lock()
        self._finished = False
        self.closing: list[str] = []
        self.live = Live(console=self.console, get_renderable=self._render, refresh_per_second=4, transient=False)
        self.live.start()

    def __call__(self, event: Event) -> None:
        with self._lock:
            done = self.progress.update(event)
            if isinstance(event, ExperimentFinishedEvent):
                self._finished = True
                self.closing = [_finished_line(event), f"report: {self.progress.output_dir}/summary.md"]
        # Printed outside the lock: printing redraws the live part, which takes the lock.
        for line in self._above(event, done):
            self.live.console.print(line, highlight=False, soft_wrap=True)
        if isinstance(event, _REDRAWN_ON):
            # At once rather than at the next tick: a test may last less than a tick.
            self.live.refresh()

    def _above(self, event: Event, done: TestDone | None) -> list[RenderableType]:
        """What ``event`` leaves in the scrollback."""
        if isinstance(event, ExperimentStartedEvent):
            return [Text(f"experiment {event.experiment}: {len(event.tests)} test(s), output in {event.output_dir}")]
        if isinstance(event, PreparationStepEvent) and event.status not in ("started", "ready"):
            return [Text(f"prepare {event.step}: {event.status}: {event.reason}", style=STYLES.get(event.status, ""))]
        if isinstance(event, ServicePreparationEvent):
            # What a long step is doing, and its log (the base class's own start and
            # end of every preparation say nothing the step lines do not).
            return [Text(_preparation_line(event))] if event.detail else []
        if isinstance(event, ExperimentPhaseEvent) and event.status == "finished":
            return [Text(f"prepared in {event.duration or 0.0:.2f}s", style="dim")]
        if isinstance(event, ServiceErrorEvent) and self.progress.cell_of(event.test) is None:
            return [Text(f"    {_label(event)}: {event.service_name}: {event.error}", style="dim")]
        if not isinstance(event, TestFinishedEvent):
            return []
        lines: list[RenderableType] = []
        cell = self.progress.cell_of(event.test)
        if cell is None or event.verdict in ("failed", "error"):
            lines += self._test_lines(event)
        if done is not None and done.case_done is not None:
            lines.append(self._case_line(done.case_done))
        return lines

    def _test_lines(self, event: TestFinishedEvent) -> list[RenderableType]:
        mark = Text(f"{SYMBOLS.get(event.verdict, event.verdict)} ", style=STYLES.get(event.verdict, ""))
        # A terminal that knows hyperlinks opens the test's folder on a click.
        link = f"link {Path(event.output_dir).as_uri()}" if event.output_dir else ""
        head = Text.assemble(mark, (_label(event), link), (f"  {event.duration:.2f}s", "dim"))
        if event.verdict == "passed":
            return [head]
        checks = [Text(f"    {_check_line(check, event.output_dir)}") for check in event.deciding_checks]
        if not checks and event.reason:
            checks = [Text(f"    {event.reason}")]
        lines: list[RenderableType] = [head, *checks]
        if event.verdict in ("failed", "error") and event.output_dir:
            lines.append(Text(f"    in {event.output_dir}", style="dim"))
        return lines

    def _case_line(self, case: CaseProgress) -> Text:
        return Text.assemble(
            ("done ", "dim"), (case.name, "bold"), f": {case.tally.total} cell(s)  ", _marks(case.tally)
        )

    # ------------------------------------------------------------------ live part
    def _render(self) -> RenderableType:
        with self._lock:
            if self._finished or not self.progress.experiment:
                return Group()
            now = time.time()
            # The running cells take what the other columns leave, cut short if need be.
            grid = Table.grid(padding=(0, 1), expand=True)
            for _ in range(4):
                grid.add_column(no_wrap=True)
            grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
            budget = max(self.console.height - 4, 6)
            budget = min(budget, self.MAX_LINES)
            if self.progress.preparing:
                steps = ", ".join(self.progress.preparing)
                began = min(self.progress.preparing.values())
                grid.add_row(Text("preparing", style="bold"), "", "", "", f"{steps} ({_seconds(now - began)})")
            for group in self.progress.groups:
                self._group_rows(grid, group, now, budget // max(len(self.progress.groups), 1))
            if self.progress.others.total:
                self._row(grid, Text("tests", style="bold"), self.progress.others, [], now)
                for running in self.progress.running_in(None):
                    doing = f"{running.phase} {_seconds(now - running.started)}"
                    grid.add_row(Text(f"  {running.label}"), "", "", "", Text(doing, style="cyan"))
            return Group(grid, self._total_line(now))

    def _group_rows(self, grid: Table, group: str, now: float, budget: int) -> None:
        cases = self.progress.cases_of(group)
        total = Tally()
        for case in cases:
            total.total += case.tally.total
            total.verdicts.update(case.tally.verdicts)
        self._row(grid, Text(group, style="bold"), total, [], now)
        # Cases that ended were printed above; those under way come first, then those waiting.
        open_cases = [case for case in cases if case.tally.done < case.tally.total]
        under_way = [case for case in open_cases if case.tally.done or self.progress.running_in(case)]
        waiting = [case for case in open_cases if case not in under_way]
        shown = (under_way + waiting)[: max(budget - 2, 1)]
        for case in shown:
            self._row(grid, Text(f"  {case.case}"), case.tally, self.progress.running_in(case), now)
        hidden = len(open_cases) - len(shown)
        if hidden:
            grid.add_row(Text("  …", style="dim"), "", "", "", Text(f"{hidden} more case(s) to run", style="dim"))

    def _row(self, grid: Table, name: Text, tally: Tally, running: list[Running], now: float) -> None:
        bar = ProgressBar(total=max(tally.total, 1), completed=tally.done, width=20)
        cells = ", ".join(
            f"{running.cell.server}→{running.cell.client}"
            + (f" [{running.iteration}/{running.iterations}]" if running.iterations > 1 else "")
            + f" {running.phase} {_seconds(now - running.started)}"
            for running in running
            if running.cell is not None
        )
        grid.add_row(name, bar, f"{tally.done}/{tally.total}", _marks(tally), Text(cells, style="cyan"))

    def _total_line(self, now: float) -> Text:
        tally = self.progress.tally
        text = Text.assemble((f"{tally.done}/{tally.total} done  ", "bold"), _marks(tally))
        if self.progress.running:
            text.append(f"· {len(self.progress.running)} running  ")
        if self.progress.tests_began is not None:
            text.append(f"· {_seconds(now - self.progress.tests_began)}  ")
        left = self.progress.left(now)
        if left is not None and tally.done < tally.total:
            text.append(f"· about {_seconds(left)} left", style="dim")
        return text

    def close(self) -> None:
        self.live.stop()
        # Below the live part, as plain text: a path must stay copyable.
        for line in self.closing:
            self.console.print(line, highlight=False, markup=False)


def console_progress(stream: TextIO | None = None) -> PlainProgress | LiveProgress:
    """The live lines on a terminal, plain lines when the output is a file or a pipe."""
    target = stream or sys.stdout
    if target.isatty():
        return LiveProgress(Console(file=target))
    return PlainProgress(target)
