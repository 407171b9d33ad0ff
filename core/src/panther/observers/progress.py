"""Where a run is, for the console: tests and matrix cases counted by verdict, what is
running and in which phase, and how long the rest may take.

It is built from the events alone, so that a worker's tests count like the harness's
own. Its unit is a test over all its iterations (a matrix cell is a test): a test is
done when its last iteration ends, and its verdict is the worst of its iterations', as
in the reports. Matrix cells are counted by case (``<group>/<case>``), other tests
together.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from panther.config.resolved import CellCoordinates
from panther.events import (
    Event,
    ExperimentStartedEvent,
    PreparationStepEvent,
    TestFinishedEvent,
    TestPhaseEvent,
    TestStartedEvent,
)
from panther.runner.results import VERDICTS, worst


@dataclass
class Tally:
    """Tests planned, and the verdicts of those done."""

    total: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)

    @property
    def done(self) -> int:
        return sum(self.verdicts.values())

    def counts(self) -> list[tuple[str, int]]:
        """(verdict, count) of the verdicts met, best first: the order a reader scans."""
        return [(verdict, self.verdicts[verdict]) for verdict in reversed(VERDICTS) if self.verdicts[verdict]]


@dataclass
class CaseProgress:
    """One case of one matrix: its cells."""

    group: str
    case: str
    tally: Tally = field(default_factory=Tally)

    @property
    def name(self) -> str:
        return f"{self.group}/{self.case}"


@dataclass
class Running:
    """An iteration of a test that has started and not ended."""

    test: str
    iteration: int
    iterations: int
    started: float
    phase: str = "start"
    cell: CellCoordinates | None = None

    @property
    def label(self) -> str:
        return f"{self.test} [{self.iteration}/{self.iterations}]" if self.iterations > 1 else self.test


@dataclass
class TestDone:
    """A test (every iteration of it) has ended: what :meth:`RunProgress.update` returns."""

    test: str
    verdict: str
    cell: CellCoordinates | None
    #: The case this test completed, when it was the case's last cell.
    case_done: CaseProgress | None = None


@dataclass
class _Test:
    iterations: int
    cell: CellCoordinates | None
    verdicts: list[str] = field(default_factory=list)


class RunProgress:
    """The state of a run, updated event by event."""

    def __init__(self) -> None:
        self.experiment = ""
        self.output_dir = ""
        self.cases: dict[tuple[str, str], CaseProgress] = {}
        #: Tests that are not matrix cells.
        self.others = Tally()
        self.running: dict[tuple[str, int], Running] = {}
        #: Prepare steps under way: step -> when it started.
        self.preparing: dict[str, float] = {}
        self.runs_total = 0
        self.runs_done = 0
        #: When the first test started (the prepare phase is not the tests' time).
        self.tests_began: float | None = None
        self._tests: dict[str, _Test] = {}

    @property
    def tally(self) -> Tally:
        """Every test of the run, cells included."""
        total = Tally(self.others.total, Counter(self.others.verdicts))
        for case in self.cases.values():
            total.total += case.tally.total
            total.verdicts.update(case.tally.verdicts)
        return total

    def update(self, event: Event) -> TestDone | None:
        """Take ``event`` into account; say so when it ended a test."""
        if isinstance(event, ExperimentStartedEvent):
            self._plan(event)
        elif isinstance(event, PreparationStepEvent):
            if event.status == "started":
                self.preparing[event.step] = event.timestamp
            else:
                self.preparing.pop(event.step, None)
        elif isinstance(event, TestStartedEvent) and event.test is not None:
            self.tests_began = self.tests_began or event.timestamp
            test = self._test(event.test)
            key = (event.test, event.iteration or 1)
            self.running[key] = Running(event.test, key[1], test.iterations, event.timestamp, cell=test.cell)
        elif isinstance(event, TestPhaseEvent) and event.status == "started" and event.test is not None:
            running = self.running.get((event.test, event.iteration or 1))
            if running is not None:
                running.phase = event.phase
        elif isinstance(event, TestFinishedEvent) and event.test is not None:
            return self._finished(event.test, event.iteration or 1, event.verdict)
        return None

    def cell_of(self, test: str | None) -> CellCoordinates | None:
        """Where ``test`` sits in its matrix, or None for a test that is not a cell."""
        known = self._tests.get(test) if test is not None else None
        return known.cell if known is not None else None

    def cases_of(self, group: str) -> list[CaseProgress]:
        return [case for case in self.cases.values() if case.group == group]

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(case.group for case in self.cases.values()))

    def running_in(self, case: CaseProgress | None) -> list[Running]:
        """What runs of ``case``'s cells (of the tests that are not cells, for None), oldest first."""
        key = (case.group, case.case) if case is not None else None
        found = [
            running
            for running in self.running.values()
            if (None if running.cell is None else (running.cell.group, running.cell.case)) == key
        ]
        return sorted(found, key=lambda running: running.started)

    def left(self, now: float | None = None) -> float | None:
        """Seconds the remaining tests may take at the pace so far (None before any ended)."""
        if self.tests_began is None or not self.runs_done:
            return None
        elapsed = (now if now is not None else time.time()) - self.tests_began
        return elapsed / self.runs_done * (self.runs_total - self.runs_done)

    def _plan(self, event: ExperimentStartedEvent) -> None:
        self.experiment, self.output_dir = event.experiment, event.output_dir
        for name in event.tests:
            cell = event.cells.get(name)
            self._tests[name] = _Test(event.iterations.get(name, 1), cell)
            self.runs_total += event.iterations.get(name, 1)
            self._tally_of(cell).total += 1

    def _test(self, name: str) -> _Test:
        # A test the plan did not announce still counts (an observer may join late).
        if name not in self._tests:
            self._tests[name] = _Test(1, None)
            self.runs_total += 1
            self.others.total += 1
        return self._tests[name]

    def _tally_of(self, cell: CellCoordinates | None) -> Tally:
        if cell is None:
            return self.others
        key = (cell.group, cell.case)
        if key not in self.cases:
            self.cases[key] = CaseProgress(cell.group, cell.case)
        return self.cases[key].tally

    def _finished(self, name: str, iteration: int, verdict: str) -> TestDone | None:
        test = self._test(name)
        self.running.pop((name, iteration), None)
        self.runs_done += 1
        test.verdicts.append(verdict)
        if len(test.verdicts) < test.iterations:
            return None
        overall = worst(test.verdicts)
        tally = self._tally_of(test.cell)
        tally.verdicts[overall] += 1
        done = TestDone(name, overall, test.cell)
        if test.cell is not None and tally.done == tally.total:
            done.case_done = self.cases[(test.cell.group, test.cell.case)]
        return done
