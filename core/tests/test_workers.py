"""``--jobs``: results that cross from the workers to the harness."""

from __future__ import annotations

import multiprocessing.queues
import queue
import time

from panther.events import EventBus
from panther.runner.cancellation import Cancellation
from panther.runner.results import TestResult as Result
from panther.runner.watchdog import watched_run
from panther.runner.workers import run_in_workers


def _result(position: int, reason: str = "", verdict: str = "passed") -> Result:
    return Result(name=f"test {position}", iteration=1, iterations=1, verdict=verdict, reason=reason, output_dir="")


def _pass(position: int, bus: EventBus, cancellation: Cancellation) -> Result:
    time.sleep(0.2)
    return _result(position)


def test_a_result_sent_just_before_its_worker_exits_is_not_lost(monkeypatch):
    """The race CI met: the harness's read finds the pipe empty, the worker then sends its
    last result and exits, and the harness, seeing it ended, called its test lost
    ("its worker process ended with 0") with the result still in the pipe. The harness's
    reads are slowed here at that moment; the worker and the pipe are real."""
    read = multiprocessing.queues.Queue.get
    started = []

    def empty_read_while_the_worker_finishes(self, *args, **kwargs):
        if started == [True]:
            started.append(False)
            time.sleep(1.0)  # the worker sends its result and exits meanwhile
            raise queue.Empty
        message = read(self, *args, **kwargs)
        if message[0] == "started":
            started.append(True)
        return message

    monkeypatch.setattr(multiprocessing.queues.Queue, "get", empty_read_while_the_worker_finishes)
    cancellation = Cancellation()
    lost = []
    with watched_run("test-workers-race", cancellation) as watchdog:
        results = run_in_workers(
            2,
            1,
            _pass,
            bus=EventBus(),
            cancellation=cancellation,
            watchdog=watchdog,
            finished=lambda position, result: None,
            lost=lambda position, reason: lost.append(reason) or _result(position, reason, "error"),
        )

    assert started == [True, False], "the slowed read did not happen: the test tested nothing"
    assert lost == []
    assert [result.verdict for result in results] == ["passed"]
