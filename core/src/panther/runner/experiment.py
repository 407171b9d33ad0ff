"""Running a whole experiment: its output folder, observers, tests (side by side with
``jobs``) and the reports written at the end, even when the run is interrupted."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from panther.config.errors import ConfigError
from panther.config.resolved import ResolvedExperiment, ResolvedTest
from panther.environments.base import folder_name
from panther.events import EventBus, ExperimentFinishedEvent, ExperimentStartedEvent
from panther.observers import Observer
from panther.observers.console import console_progress
from panther.observers.debug_log import DebugLog
from panther.observers.event_log import EventLog
from panther.observers.metrics import MetricsCollector
from panther.reports.document import RunDocument, run_document
from panther.reports.writer import write_reports
from panther.runner.cancellation import Cancellation
from panther.runner.preparation import ExperimentPreparation
from panther.runner.results import TestResult
from panther.runner.selection import Shard, select_tests
from panther.runner.test_case import TestExecution
from panther.runner.watchdog import watched_run
from panther.runner.workers import run_in_workers


@dataclass
class ExperimentResult:
    #: 0 when every test iteration passed, 1 otherwise; 128 + the signal's number
    #: when a signal interrupted the run (130 for Ctrl-C).
    exit_code: int
    output_dir: Path
    run_id: str
    results: list[TestResult] = field(default_factory=list)
    interrupted: bool = False
    #: What the reports were written from (results.json).
    document: RunDocument | None = None

    @property
    def verdicts(self) -> dict[str, int]:
        return dict(Counter(result.verdict for result in self.results))


def create_output_dir(root: Path, experiment: str) -> Path:
    """``<root>/<experiment>-<timestamp>``, unique even for runs started in the same second."""
    root.mkdir(parents=True, exist_ok=True)
    stem = f"{folder_name(experiment)}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    candidate, number = root / stem, 1
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            number += 1
            candidate = root / f"{stem}-{number}"


def _test_dirs(output_dir: Path, tests: list[ResolvedTest]) -> dict[int, Path]:
    """One folder per test, named after it; two tests with one name get distinct folders."""
    folders: dict[int, Path] = {}
    used: set[str] = set()
    for test in tests:
        # A matrix cell's folder is nested: <group>/<case>/<server>/<client>.
        name = "/".join(map(folder_name, test.name.split("/"))) if test.matrix else folder_name(test.name)
        if name in used:
            name = f"{name}-{test.index}"
        used.add(name)
        folders[test.index] = output_dir / name
    return folders


def _resolved_config(experiment: ResolvedExperiment) -> dict[str, Any]:
    """The configuration as the run used it: every plugin block decoded, defaults filled in."""
    return {
        "source": str(experiment.source),
        "experiment": msgspec.to_builtins(experiment.config),
        "tests": [
            {
                "name": test.name,
                "network_environment": msgspec.to_builtins(test.network_environment_config),
                "services": {
                    name: {
                        "manager": f"{service.manager_class.__module__}:{service.manager_class.__qualname__}",
                        "implementation": msgspec.to_builtins(service.implementation),
                        "protocol": msgspec.to_builtins(service.protocol),
                    }
                    for name, service in test.services.items()
                },
            }
            for test in experiment.tests
        ],
    }


def run_experiment(
    experiment: ResolvedExperiment,
    *,
    registry: Any = None,
    jobs: int = 1,
    output_root: Path | None = None,
    test_filter: list[str] | None = None,
    shard: Shard | None = None,
    debug: bool = False,
    enable_metrics: bool = False,
    console: bool = True,
) -> ExperimentResult:
    """Run every selected test (each iteration) of this shard, and write the reports."""
    if jobs < 1:
        raise ConfigError(message="--jobs must be at least 1", expected="an integer >= 1", found=str(jobs))
    planned = select_tests(experiment, test_filter)
    tests = shard.take(planned) if shard is not None else planned
    settings = experiment.config
    # Absolute: every service runs in its own folder, so a relative path given to
    # it would point somewhere else.
    root = (output_root or Path(settings.paths.output_dir)).resolve()
    output_dir = create_output_dir(root, experiment.name)
    run_id = uuid.uuid4().hex
    (output_dir / "resolved-config.json").write_bytes(
        msgspec.json.format(msgspec.json.encode(_resolved_config(experiment)), indent=2)
    )

    bus = EventBus()
    observers: list[Observer] = []
    if settings.observers.logger.enabled:
        observers.append(EventLog(output_dir / "events.jsonl"))
    metrics = (
        MetricsCollector(output_dir / "metrics.json") if enable_metrics or settings.observers.metrics.enabled else None
    )
    if metrics is not None:
        observers.append(metrics)
    if console and settings.observers.console.enabled:
        observers.append(console_progress())
    if debug or settings.logging.level.upper() == "DEBUG":
        observers.append(DebugLog())
    for observer in observers:
        bus.subscribe(observer)

    folders = _test_dirs(output_dir, tests)
    work = [
        (
            test,
            iteration,
            folders[test.index] / f"iteration-{iteration}" if test.config.iterations > 1 else folders[test.index],
        )
        for test in tests
        for iteration in range(1, test.config.iterations + 1)
    ]
    cancellation = Cancellation()
    began = time.monotonic()
    bus.publish(
        ExperimentStartedEvent(
            experiment=experiment.name,
            output_dir=str(output_dir),
            tests=[t.name for t in tests],
            run_id=run_id,
            iterations={t.name: t.config.iterations for t in tests if t.config.iterations > 1},
            cells={t.name: t.matrix.coordinates for t in tests if t.matrix is not None},
        )
    )
    share = f"Shard {shard}: {len(tests)} of the {len(planned)} selected test(s)." if shard is not None else ""
    reports = _Reports(experiment, output_dir, run_id, work, metrics, began, planned=planned, shard=shard, note=share)
    preparation = ExperimentPreparation(
        tests,
        output_dir=output_dir,
        bus=bus,
        experiment=settings,
        cancellation=cancellation,
        run_id=run_id,
        registry=registry,
    )

    def run_one(position: int, test_bus: EventBus, test_cancellation: Cancellation) -> TestResult:
        test, iteration, test_dir = work[position]
        if test_cancellation.cancelled:
            return _not_run(test, iteration, test_dir, f"not run: {test_cancellation.reason}", "skipped")
        return TestExecution(
            test,
            iteration,
            test_dir,
            experiment=settings,
            bus=test_bus,
            run_id=run_id,
            cancellation=test_cancellation,
            registry=registry,
            debug=debug,
            preparation=preparation,
        ).run()

    def finished(position: int, result: TestResult) -> None:
        reports.finished(position, result, cancellation)

    def lost(position: int, reason: str) -> TestResult:
        test, iteration, test_dir = work[position]
        return _not_run(test, iteration, test_dir, f"harness: {reason}", "error")

    try:
        with watched_run(run_id, cancellation) as watchdog, cancellation.on_signals():
            # Ctrl-C: whatever of the run is still running (a build, services) ends now.
            cancellation.on_cancel(watchdog.sweep)
            preparation.run()
            # Interrupted while preparing: the loop below marks every test not run, no fork.
            if jobs > 1 and len(work) > 1 and not cancellation.cancelled:
                results = run_in_workers(
                    jobs,
                    len(work),
                    run_one,
                    bus=bus,
                    cancellation=cancellation,
                    watchdog=watchdog,
                    finished=finished,
                    lost=lost,
                )
            else:
                results = []
                for position in range(len(work)):
                    results.append(run_one(position, bus, cancellation))
                    finished(position, results[-1])
        duration = time.monotonic() - began
        exit_code = 0 if all(result.verdict == "passed" for result in results) else 1
        if cancellation.exit_code is not None:
            exit_code = cancellation.exit_code
        verdicts = dict(Counter(result.verdict for result in results))
        bus.publish(
            ExperimentFinishedEvent(
                experiment=experiment.name, verdicts=verdicts, exit_code=exit_code, duration=duration
            )
        )
    finally:
        for observer in observers:
            observer.close()

    result = ExperimentResult(
        exit_code=exit_code, output_dir=output_dir, run_id=run_id, results=results, interrupted=cancellation.cancelled
    )
    result.document = reports.write(cancellation, finished=True)
    return result


def _not_run(test: ResolvedTest, iteration: int, test_dir: Path, reason: str, verdict: str) -> TestResult:
    return TestResult(
        name=test.name,
        iteration=iteration,
        iterations=test.config.iterations,
        verdict=verdict,
        reason=reason,
        output_dir=str(test_dir),
        matrix=test.matrix.coordinates if test.matrix is not None else None,
    )


class _Reports:
    """The reports, rewritten as each test ends, so that a run killed half-way keeps the
    result of every test that finished.

    What they contain is :mod:`panther.reports`'s business. A rewrite costs more as the
    run grows (a matrix of thousands of cells takes most of a second), so rewrites are
    spaced to take at most :data:`REWRITE_SHARE` of the run's time: a test that ends
    too soon after the last rewrite is written by a rewrite deferred to when the next
    one is due. The last one, when the run ends, is always written.
    """

    def __init__(
        self,
        experiment: ResolvedExperiment,
        output_dir: Path,
        run_id: str,
        work: list[tuple[ResolvedTest, int, Path]],
        metrics: MetricsCollector | None,
        began: float,
        *,
        planned: list[ResolvedTest],
        shard: Shard | None,
        note: str = "",
    ) -> None:
        self.experiment, self.output_dir, self.run_id = experiment, output_dir, run_id
        self.metrics, self.began = metrics, began
        self.planned, self.shard, self.note = [test.name for test in planned], shard, note
        self._results: list[TestResult | None] = [None] * len(work)
        self._lock = threading.Lock()
        self._next_rewrite = 0.0
        self._deferred: threading.Timer | None = None
        self._final = False

    def finished(self, position: int, result: TestResult, cancellation: Cancellation) -> None:
        with self._lock:
            self._results[position] = result
            wait = self._next_rewrite - time.monotonic()
            if wait > 0:
                if self._deferred is None:
                    self._deferred = threading.Timer(wait, self._rewrite, (cancellation,))
                    self._deferred.daemon = True
                    self._deferred.start()
                return
        self.write(cancellation, finished=False)

    def _rewrite(self, cancellation: Cancellation) -> None:
        with self._lock:
            self._deferred = None
        self.write(cancellation, finished=False)

    def write(self, cancellation: Cancellation, *, finished: bool) -> RunDocument | None:
        with self._lock:
            if self._final:
                return None
            if finished:
                self._final = True
                if self._deferred is not None:
                    self._deferred.cancel()
            began = time.monotonic()
            results = [result for result in self._results if result is not None]
            exit_code = 0 if all(result.verdict == "passed" for result in results) else 1
            if cancellation.exit_code is not None:
                exit_code = cancellation.exit_code
            notes = [self.note, f"The run was {cancellation.reason}." if cancellation.cancelled else ""]
            document = run_document(
                self.experiment,
                run_id=self.run_id,
                output_dir=self.output_dir,
                results=results,
                duration=began - self.began,
                exit_code=exit_code,
                interrupted=cancellation.cancelled,
                finished=finished,
                planned=self.planned,
                shard=self.shard,
            )
            written = write_reports(
                document,
                self.output_dir,
                metrics=list(self.metrics.tests.values()) if self.metrics else None,
                note=" ".join(note for note in notes if note),
            )
            self._next_rewrite = began + (time.monotonic() - began) / REWRITE_SHARE
            return written


#: The largest share of a run's time that rewriting its reports as tests end may take.
REWRITE_SHARE = 0.1
