"""Metrics of a run: time per phase of each test, and each service's duration and exit code.

Gathered from the events and written to ``metrics.json``; the summary report shows them.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from panther.events import Event, ServiceExitedEvent, ServiceReadyEvent, TestPhaseEvent


class ServiceMetrics(msgspec.Struct, kw_only=True):
    duration: float | None = None
    exit_code: int | None = None
    stopped_by_harness: bool = False
    ready_after: float | None = None


class TestMetrics(msgspec.Struct, kw_only=True):
    test: str
    iteration: int
    phases: dict[str, float] = {}
    services: dict[str, ServiceMetrics] = {}


class MetricsCollector:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.tests: dict[tuple[str, int], TestMetrics] = {}

    def _test(self, event: Event) -> TestMetrics:
        key = (event.test or "", event.iteration or 1)
        if key not in self.tests:
            self.tests[key] = TestMetrics(test=key[0], iteration=key[1])
        return self.tests[key]

    def __call__(self, event: Event) -> None:
        if isinstance(event, TestPhaseEvent) and event.status == "finished" and event.duration is not None:
            self._test(event).phases[event.phase] = event.duration
        elif isinstance(event, ServiceReadyEvent):
            self._service(event, event.service_name).ready_after = event.waited
        elif isinstance(event, ServiceExitedEvent):
            service = self._service(event, event.service_name)
            service.duration, service.exit_code = event.duration, event.exit_code
            service.stopped_by_harness = event.stopped_by_harness

    def _service(self, event: Event, name: str) -> ServiceMetrics:
        services = self._test(event).services
        return services.setdefault(name, ServiceMetrics())

    def close(self) -> None:
        self.path.write_bytes(msgspec.json.format(msgspec.json.encode(list(self.tests.values())), indent=2))
