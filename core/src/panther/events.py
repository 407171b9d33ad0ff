"""The typed events of a run and the one bus they travel on.

Every part of the harness (runner, environments, service managers) reports what
happens as an event; observers (console progress, JSON-lines log, metrics)
subscribe to the bus instead of being called directly, so adding an observer never
touches the code that emits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import ClassVar

import msgspec

from panther.config.resolved import CellCoordinates
from panther.services.outcome import Check


class Event(msgspec.Struct, kw_only=True, tag_field="event", tag=True):
    """Base of every event: when it happened, and for which test and iteration."""

    timestamp: float = msgspec.field(default_factory=time.time)
    test: str | None = None
    iteration: int | None = None

    kind: ClassVar[str] = "event"


class ExperimentStartedEvent(Event):
    experiment: str
    output_dir: str
    tests: list[str]
    #: The value of ``PANTHER_RUN_ID`` in the environment of every process of the run.
    run_id: str = ""
    #: Tests that run more than once: name -> iterations (every other test runs once).
    iterations: dict[str, int] = {}
    #: Tests that are matrix cells: name -> where the cell sits in its matrix.
    cells: dict[str, CellCoordinates] = {}


class ExperimentFinishedEvent(Event):
    experiment: str
    verdicts: dict[str, int]
    exit_code: int
    duration: float


class ExperimentPhaseEvent(Event):
    """A phase of the whole experiment (``prepare``: what is done once, before any test)."""

    phase: str
    status: str  # "started" | "finished"
    duration: float | None = None


class PreparationStepEvent(Event):
    """One step of the experiment's prepare phase: a service manager's preparation,
    a protocol's shared material, or a network environment's (images ...)."""

    step: str
    step_type: str  # "service" | "protocol" | "environment"
    status: str  # "started" | "ready" | "error" | "unsupported" | "interrupted"
    duration: float | None = None
    reason: str = ""


class TestStartedEvent(Event):
    pass


class TestPhaseEvent(Event):
    """A phase of a test (prepare, deploy, ready, run, collect, verdict, teardown)."""

    phase: str
    status: str  # "started" | "finished"
    duration: float | None = None


class TestFinishedEvent(Event):
    verdict: str
    reason: str = ""
    duration: float = 0.0
    #: The folder of this iteration's evidence.
    output_dir: str = ""
    #: The checks that decided a verdict other than ``passed`` (their status is the
    #: verdict), with their reasons and evidence.
    deciding_checks: list[Check] = []


class ServiceInitializationEvent(Event):
    service_name: str
    implementation: str = ""
    role: str = ""


class ServicePreparationEvent(Event):
    """A service manager's preparation: the base reports every ``_do_prepare`` as
    ``started`` then ``finished`` or ``error`` (``preparation_type`` ``prepare``);
    a plugin may emit its own steps (``custom_setup`` ...) with no status."""

    service_name: str
    preparation_type: str
    detail: str = ""
    status: str | None = None  # "started" | "finished" | "error", for the base's reports
    duration: float | None = None


class CommandGenerationEvent(Event):
    service_name: str
    role: str
    argv: list[str]
    command: str


class ServiceStartedEvent(Event):
    service_name: str
    pid: int | None = None


class ServiceReadyEvent(Event):
    service_name: str
    probe: str
    waited: float


class ServiceErrorEvent(Event):
    service_name: str
    error: str


class ServiceExitedEvent(Event):
    service_name: str
    exit_code: int | None
    duration: float
    stopped_by_harness: bool = False


Observer = Callable[[Event], None]


class EventBus:
    """Delivers each published event to every subscriber, in subscription order.

    Tests may run side by side (``--jobs``), so publishing is serialised: an
    observer never sees two events at once and needs no lock of its own.
    """

    def __init__(self) -> None:
        self._observers: list[Observer] = []
        self._lock = threading.Lock()

    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def publish(self, event: Event) -> None:
        with self._lock:
            for observer in self._observers:
                observer(event)


__all__ = [
    "CommandGenerationEvent",
    "Event",
    "EventBus",
    "ExperimentFinishedEvent",
    "ExperimentPhaseEvent",
    "ExperimentStartedEvent",
    "Observer",
    "PreparationStepEvent",
    "ServiceErrorEvent",
    "ServiceExitedEvent",
    "ServiceInitializationEvent",
    "ServicePreparationEvent",
    "ServiceReadyEvent",
    "ServiceStartedEvent",
    "TestFinishedEvent",
    "TestPhaseEvent",
    "TestStartedEvent",
]
