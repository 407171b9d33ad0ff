"""``--jobs N``: tests in N worker processes, so that the harness's own work for one
test (reading the process table, judging, writing files) never waits for another's
hold on the interpreter.

Workers are forked once the prepare phase is over, so they have everything it made
(prepared managers' state, shared certificates) and every plugin class without
importing or pickling anything. Each takes test positions from a queue and sends
back, on one pipe, every event of its tests (the parent publishes them on the run's
one bus: one console, one event log), the sessions of the services it starts (for
the run's watchdog) and each test's whole result. Ctrl-C reaches the workers as a
shared flag, never as a signal: the parent decides. A worker that dies takes only
its current test with it, which gets an error verdict saying so; the watchdog ends
every worker with the harness.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Callable
from multiprocessing.context import ForkProcess
from typing import Any

from panther.environments.ports import ALLOCATOR
from panther.events import Event, EventBus
from panther.runner import watchdog as run_watchdog
from panther.runner.cancellation import Cancellation
from panther.runner.results import TestResult

#: ``run_test(position, bus, cancellation)``: one test, run in a worker.
RunTest = Callable[[int, EventBus, Cancellation], TestResult]


class _ForwardingBus(EventBus):
    """A worker's bus: every event goes to the parent, which publishes it."""

    def __init__(self, channel: Any) -> None:
        super().__init__()
        self.channel = channel

    def publish(self, event: Event) -> None:
        self.channel.put(("event", event))


class _SessionForwarder:
    """Stands in a worker for the run's watchdog, which only the parent may talk to."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel

    def watch_session(self, session_id: int) -> None:
        self.channel.put(("session", session_id))


def _worker(
    run_id: str, run_test: RunTest, tasks: Any, channel: Any, cancelled: Any, signum: Any, detach: Callable[[], None]
) -> None:
    # Ctrl-C at the terminal reaches the whole process group: the parent handles it.
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    detach()
    ALLOCATOR.forget_inherited()
    run_watchdog.forward_sessions(run_id, _SessionForwarder(channel))
    cancellation = Cancellation()

    def watch_parent_flag() -> None:
        cancelled.wait()
        cancellation.cancel(f"interrupted by {signal.Signals(signum.value).name}", signum.value)

    threading.Thread(target=watch_parent_flag, name="panther-worker-cancel", daemon=True).start()
    bus = _ForwardingBus(channel)
    while True:
        position = tasks.get()
        if position is None:
            break
        channel.put(("started", position, os.getpid()))
        channel.put(("result", position, run_test(position, bus, cancellation)))
    channel.close()
    channel.join_thread()


def run_in_workers(
    jobs: int,
    count: int,
    run_test: RunTest,
    *,
    bus: EventBus,
    cancellation: Cancellation,
    watchdog: run_watchdog.RunWatchdog,
    finished: Callable[[int, TestResult], None],
    lost: Callable[[int, str], TestResult],
) -> list[TestResult]:
    """Run tests ``0 .. count-1`` in ``jobs`` forked workers; their results in order.

    ``finished`` is called in this process as each result arrives; ``lost(position,
    reason)`` makes the result of a test whose worker died.
    """
    context = multiprocessing.get_context("fork")
    tasks = context.SimpleQueue()
    channel = context.Queue()
    cancelled = context.Event()
    signum = context.Value("i", int(signal.SIGINT))
    for position in range(count):
        tasks.put(position)
    workers: list[ForkProcess] = []
    for _ in range(min(jobs, count)):
        tasks.put(None)
        worker = context.Process(
            target=_worker,
            args=(watchdog.run_id, run_test, tasks, channel, cancelled, signum, watchdog.detach),
            name="panther-worker",
            daemon=True,
        )
        worker.start()
        assert worker.pid is not None
        watchdog.watch_worker(worker.pid)
        workers.append(worker)

    def forward_cancellation() -> None:
        signum.value = int(cancellation.signal or signal.SIGINT)
        cancelled.set()

    unregister = cancellation.on_cancel(forward_cancellation)
    results: dict[int, TestResult] = {}
    running: dict[int, int] = {}  # worker pid -> position
    # Workers seen ended at an empty read. A worker writes its last result and exits in the
    # moment between a read that found nothing and the look at who is alive: that result is
    # still in the pipe. Only a later empty read, after the worker was seen ended, proves
    # it held nothing more (a worker flushes the pipe before it exits).
    ended: set[int] = set()
    try:
        while len(results) < count:
            try:
                message = channel.get(timeout=0.1)
            except queue.Empty:
                drained = [worker for worker in workers if worker.pid in ended]
                for worker in drained:
                    current = running.pop(worker.pid or -1, None)
                    if current is not None and current not in results:
                        results[current] = lost(current, f"its worker process ended with {worker.exitcode}")
                        finished(current, results[current])
                if len(drained) == len(workers):
                    break  # every worker has ended and the pipe is drained: what is missing will not come
                ended.update(worker.pid for worker in workers if worker.pid is not None and not worker.is_alive())
                continue
            kind = message[0]
            if kind == "event":
                bus.publish(message[1])
            elif kind == "session":
                watchdog.watch_session(message[1])
            elif kind == "started":
                running[message[2]] = message[1]
            elif kind == "result":
                position, result = message[1], message[2]
                results[position] = result
                finished(position, result)
    finally:
        unregister()
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
                worker.join()
    for position in range(count):
        if position not in results:
            results[position] = lost(position, "its worker process ended before running it")
            finished(position, results[position])
    return [results[position] for position in range(count)]
