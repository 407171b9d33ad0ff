"""The suite of a matrix cell during one test iteration: its hooks, after the protocol plugins'."""

from __future__ import annotations

from collections.abc import Mapping

from panther.config.resolved import MatrixCell
from panther.protocols import TestContext
from panther.services.outcome import Check, ServiceOutcome
from panther.suites import TestSuite, suite_for_run


class SuiteRun:
    """One suite instance judging one iteration of one cell."""

    def __init__(self, cell: MatrixCell) -> None:
        self.case = cell.coordinates.case
        self.who = f"tester {cell.axes.tester}"
        self.suite: TestSuite = suite_for_run(cell.suite_class, cell.registry)

    @classmethod
    def start(cls, cell: MatrixCell, test: TestContext) -> SuiteRun:
        """A suite for ``cell`` that has prepared ``test`` (called once the protocols have)."""
        run = cls(cell)
        run.suite.prepare_test(run.case, test)
        return run

    def evaluate(self, test: TestContext, outcomes: Mapping[str, ServiceOutcome]) -> list[Check]:
        checks = self.suite.evaluate_test(self.case, test, outcomes)
        if not isinstance(checks, list) or not all(isinstance(check, Check) for check in checks):
            raise TypeError(f"evaluate_test must return a list of panther.Check, not {checks!r}")
        return checks
