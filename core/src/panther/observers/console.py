"""Console progress: a live table of tests and their phases on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

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

_STYLES = {
    "passed": "green",
    "ready": "green",
    "failed": "red",
    "error": "bold red",
    "unsupported": "yellow",
    "skipped": "dim",
    "interrupted": "dim",
}


def _label(event: Event) -> str:
    return f"{event.test} [{event.iteration}]" if event.iteration and event.iteration > 1 else str(event.test)


def _preparation_line(event: ServicePreparationEvent) -> str:
    """What a plugin says its preparation is doing (a build, and where its log is)."""
    return f"             {event.service_name}: {event.preparation_type}: {event.detail}"


class PlainProgress:
    """One line per test start, service error and test end: readable in CI logs."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.output_dir = ""

    def __call__(self, event: Event) -> None:
        line = None
        if isinstance(event, ExperimentStartedEvent):
            self.output_dir = event.output_dir
            line = f"experiment {event.experiment}: {len(event.tests)} test(s), output in {event.output_dir}"
        elif isinstance(event, PreparationStepEvent):
            if event.status == "started":
                line = f"[ PREPARE  ] {event.step}"
            elif event.status != "ready":
                line = f"             {event.step}: {event.status}: {event.reason}"
        elif isinstance(event, ServicePreparationEvent):
            line = _preparation_line(event)
        elif isinstance(event, ExperimentPhaseEvent) and event.status == "finished":
            line = f"prepared in {event.duration or 0.0:.2f}s"
        elif isinstance(event, TestStartedEvent):
            line = f"[ RUN      ] {_label(event)}"
        elif isinstance(event, ServiceErrorEvent):
            line = f"             {event.service_name}: {event.error}"
        elif isinstance(event, TestFinishedEvent):
            line = f"[ {event.verdict.upper():<8} ] {_label(event)} ({event.duration:.2f}s)"
            if event.reason:
                line += f"\n             {event.reason}"
        elif isinstance(event, ExperimentFinishedEvent):
            counts = ", ".join(f"{count} {verdict}" for verdict, count in sorted(event.verdicts.items()))
            line = f"done in {event.duration:.2f}s: {counts or 'no tests'}\nreport: {self.output_dir}/summary.md"
        if line is not None:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        """Nothing is held open."""


class LiveProgress:
    """A table redrawn in place: every test, its current phase, then its verdict."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self.rows: dict[str, tuple[str, str, str]] = {}
        self.output_dir = ""
        self.closing: list[str] = []
        self.live = Live(self._table(), console=self.console, refresh_per_second=8, transient=False)
        self.live.start()

    def _table(self) -> Table:
        table = Table(title="PANTHER", expand=False)
        table.add_column("test")
        table.add_column("phase")
        table.add_column("verdict")
        table.add_column("reason", overflow="fold")
        for label, (phase, verdict, reason) in self.rows.items():
            table.add_row(label, phase, f"[{_STYLES.get(verdict, '')}]{verdict}" if verdict else "", reason)
        return table

    def __call__(self, event: Event) -> None:
        if isinstance(event, ExperimentStartedEvent):
            self.output_dir = event.output_dir
        elif isinstance(event, ExperimentFinishedEvent):
            counts = ", ".join(f"{count} {verdict}" for verdict, count in sorted(event.verdicts.items()))
            self.closing = [
                f"done in {event.duration:.2f}s: {counts or 'no tests'}",
                f"report: {self.output_dir}/summary.md",
            ]
        elif isinstance(event, PreparationStepEvent):
            # The prepare phase has a row per step above the tests: builds can be long.
            done = event.status != "started"
            self.rows[f"prepare: {event.step}"] = (
                "done" if done else "prepare",
                event.status if done else "",
                event.reason,
            )
            self.live.update(self._table())
        elif isinstance(event, ServicePreparationEvent):
            # Above the table, where it stays: what a long step is doing, and its log.
            self.live.console.print(_preparation_line(event), highlight=False, markup=False)
        if event.test is None:
            return
        label = _label(event)
        phase, verdict, reason = self.rows.get(label, ("", "", ""))
        if isinstance(event, TestPhaseEvent) and event.status == "started":
            phase = event.phase
        elif isinstance(event, TestFinishedEvent):
            phase, verdict, reason = "done", event.verdict, event.reason
        elif not isinstance(event, TestStartedEvent):
            return
        self.rows[label] = (phase, verdict, reason)
        self.live.update(self._table())

    def close(self) -> None:
        self.live.stop()
        # Below the final table, as plain text: a path must stay copyable.
        for line in self.closing:
            self.console.print(line, highlight=False, markup=False)


def console_progress(stream: TextIO | None = None) -> PlainProgress | LiveProgress:
    """The live table on a terminal, plain lines when the output is a file or a pipe."""
    target = stream or sys.stdout
    if target.isatty():
        return LiveProgress(Console(file=target))
    return PlainProgress(target)
