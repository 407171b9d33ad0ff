"""The experiment's prepare phase: what is done once, before any test's clock starts.

Three kinds of step, in this order, each announced on the bus
(:class:`~panther.events.PreparationStepEvent`) and each watched for Ctrl-C:

- every distinct service manager runs its preparation once (``prepare()``, the
  guide's ``_do_prepare``: find a binary, build with cargo, compile a model).
  Distinct means one manager class with one ``implementation:`` block, in one role,
  on one network environment: all that ``_do_prepare`` may look at (ngtcp2 checks
  another program per role; plugins skip their local binary check in containers);
- every protocol makes what its tests can share (:meth:`BaseProtocol.prepare_experiment`);
- every network environment class gets
  :meth:`~panther.environments.base.NetworkEnvironment.prepare_experiment` (images).

A failed step is remembered, not raised: each test that needs it ends with its
verdict (``error``, or ``unsupported`` for
:class:`~panther.services.manager.UnsupportedFeatureError`) and the step's reason,
without running; the other tests run. What a step set on its manager or protocol
instance is set on every test's own instance of the same kind.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from panther.config.models import ExperimentConfig
from panther.config.resolved import ResolvedService, ResolvedTest
from panther.environments.base import EnvironmentPreparation, NetworkEnvironment, folder_name
from panther.events import EventBus, ExperimentPhaseEvent, PreparationStepEvent
from panther.protocols import BaseProtocol
from panther.runner.cancellation import Cancellation
from panther.services.context import ServiceContext
from panther.services.manager import BaseServiceManager, ServiceManagerError, UnsupportedFeatureError
from panther.services.outcome import Check

#: The folder of the run's output that holds what the prepare phase made and logged.
PREPARE_DIR = "prepare"
HARNESS_ERROR_LOG = "harness-error.log"
#: How long a step that was interrupted gets to return before the run goes on without it.
_INTERRUPTED_STEP_GRACE = 0.5


_NOTHING_TO_PREPARE = NetworkEnvironment.prepare_experiment.__func__  # type: ignore[attr-defined]


class PreparationInterrupted(Exception):
    """The run was cancelled during the prepare phase."""


@dataclass(frozen=True)
class ManagerKey:
    """What makes two services share one preparation."""

    manager_class: type[BaseServiceManager]
    implementation: bytes  # the decoded ``implementation:`` block, as JSON
    role: str
    environment: str

    @classmethod
    def of(cls, test: ResolvedTest, service: ResolvedService) -> ManagerKey:
        return cls(
            manager_class=service.manager_class,
            implementation=msgspec.json.encode(service.implementation),
            role=service.protocol.role,
            environment=str(getattr(test.network_environment_class, "name", "")),
        )


def _state_set_by(instance: object, action: Callable[[], None]) -> dict[str, Any]:
    """Run ``action`` and return the attributes it added to ``instance`` or replaced."""
    before = dict(vars(instance))
    action()
    return {
        name: value
        for name, value in vars(instance).items()
        if name != "prepared" and (name not in before or before[name] is not value)
    }


@dataclass
class _Step:
    label: str
    failure: Check | None = None
    state: dict[str, Any] = field(default_factory=dict)


class ExperimentPreparation:
    """The prepare phase of one run, and what it left for the tests."""

    def __init__(
        self,
        tests: list[ResolvedTest],
        *,
        output_dir: Path,
        bus: EventBus,
        experiment: ExperimentConfig,
        cancellation: Cancellation,
        run_id: str,
        registry: Any = None,
    ) -> None:
        self.tests = tests
        self.folder = output_dir / PREPARE_DIR
        self.bus = bus
        self.experiment = experiment
        self.cancellation = cancellation
        self.run_id = run_id
        self.registry = registry
        self._managers: dict[ManagerKey, _Step] = {}
        self._prepared_managers: dict[ManagerKey, BaseServiceManager] = {}
        self._protocols: dict[type[BaseProtocol], _Step] = {}
        self._environments: dict[type[Any], _Step] = {}
        self._environment_data: dict[type[Any], EnvironmentPreparation] = {}
        self._labels: set[str] = set()
        #: Seconds the phase took.
        self.duration = 0.0

    # ------------------------------------------------------------------ the phase
    def run(self) -> None:
        """Every step; returns early (leaving the rest undone) when the run is cancelled."""
        began = time.monotonic()
        self.bus.publish(ExperimentPhaseEvent(phase="prepare", status="started"))
        try:
            for test in self.tests:
                for service in test.services.values():
                    key = ManagerKey.of(test, service)
                    if key not in self._managers:
                        self._managers[key] = self._prepare_manager(key, service)
            protocol_classes = {
                service.protocol_class: None
                for test in self._runnable()
                for service in test.services.values()
                if service.protocol_class is not None
            }
            for protocol_class in protocol_classes:
                self._protocols[protocol_class] = self._prepare_protocol(protocol_class)
            environment_classes = {test.network_environment_class: None for test in self._runnable()}
            for environment_class in environment_classes:
                self._environments[environment_class] = self._prepare_environment(environment_class)
        except PreparationInterrupted:
            pass
        finally:
            self.duration = time.monotonic() - began
            self.bus.publish(ExperimentPhaseEvent(phase="prepare", status="finished", duration=self.duration))

    def _runnable(self) -> list[ResolvedTest]:
        return [test for test in self.tests if not self.failures(test)]

    # ------------------------------------------------------------------ steps
    def _label(self, text: str) -> str:
        label, number = text, 1
        while label in self._labels:
            number += 1
            label = f"{text} #{number}"
        self._labels.add(label)
        return label

    def _prepare_manager(self, key: ManagerKey, service: ResolvedService) -> _Step:
        implementation = service.implementation.name or key.manager_class.__name__
        where = f", {key.environment}" if key.environment and key.environment != "local" else ""
        step = _Step(self._label(f"{implementation} ({key.role}{where})"))
        folder = self.folder / folder_name(step.label)

        def prepare() -> None:
            context = ServiceContext(
                name=implementation,
                role=key.role,
                test_name="",
                host_output_dir=folder,
                output_dir=folder,
                environment=key.environment,
            )
            manager = key.manager_class(config=service.implementation, context=context, event_bus=self.bus)
            step.state = _state_set_by(manager, lambda: manager.prepare(self.registry))
            self._prepared_managers[key] = manager

        folder.mkdir(parents=True, exist_ok=True)
        self._run_step(step, "service", prepare, name=f"{implementation} prepare")
        _remove_if_empty(folder)
        return step

    def _prepare_protocol(self, protocol_class: type[BaseProtocol]) -> _Step:
        name = protocol_class.name or protocol_class.__name__
        step = _Step(self._label(f"protocol {name}"))
        if protocol_class.prepare_experiment is BaseProtocol.prepare_experiment:
            return step  # nothing to do: no event, no folder
        folder = self.folder / folder_name(step.label)
        tests = [
            test
            for test in self._runnable()
            if any(service.protocol_class is protocol_class for service in test.services.values())
        ]

        def prepare() -> None:
            protocol = protocol_class()
            step.state = _state_set_by(protocol, lambda: protocol.prepare_experiment(tests, folder))

        folder.mkdir(parents=True, exist_ok=True)
        self._run_step(step, "protocol", prepare, name=f"protocol {name} prepare")
        _remove_if_empty(folder)
        return step

    def _prepare_environment(self, environment_class: type[Any]) -> _Step:
        name = str(getattr(environment_class, "name", "") or environment_class.__name__)
        step = _Step(self._label(f"network environment {name}"))
        tests = [test for test in self._runnable() if test.network_environment_class is environment_class]
        hook = getattr(getattr(environment_class, "prepare_experiment", None), "__func__", None)
        if hook is None or hook is _NOTHING_TO_PREPARE:
            return step  # nothing to do: no event, no folder
        folder = self.folder / folder_name(step.label)
        managers = {
            (test.index, service_name): self._prepared_managers[ManagerKey.of(test, service)]
            for test in tests
            for service_name, service in test.services.items()
        }

        def prepare() -> None:
            prepared = environment_class.prepare_experiment(
                tests,
                bus=self.bus,
                experiment=self.experiment,
                cancellation=self.cancellation,
                output_dir=folder,
                managers=managers,
                run_id=self.run_id,
            )
            if prepared is not None:
                self._environment_data[environment_class] = prepared

        folder.mkdir(parents=True, exist_ok=True)
        self._run_step(step, "environment", prepare, name=f"network environment {name} prepare")
        _remove_if_empty(folder)
        return step

    def _run_step(self, step: _Step, kind: str, action: Callable[[], None], *, name: str) -> None:
        """Run ``action`` in a thread of its own, so that Ctrl-C is obeyed while it works."""
        self.bus.publish(PreparationStepEvent(step=step.label, step_type=kind, status="started"))
        began = time.monotonic()
        outcome: list[BaseException] = []
        done = threading.Event()

        def target() -> None:
            try:
                action()
            except BaseException as exc:  # noqa: BLE001 - reported as the step's failure
                outcome.append(exc)
            finally:
                done.set()

        threading.Thread(target=target, name=f"panther-prepare-{kind}", daemon=True).start()
        while not done.wait(0.05):
            if self.cancellation.cancelled:
                # The run's processes (a build the plugin started) are being ended:
                # give the step a moment to notice, then go on without it.
                done.wait(_INTERRUPTED_STEP_GRACE)
                step.failure = Check(name=name, status="error", reason=f"not finished: {self.cancellation.reason}")
                self._finished(step, kind, "interrupted", began, self.cancellation.reason)
                raise PreparationInterrupted
        if outcome:
            step.failure = self._failure(name, outcome[0])
            self._finished(step, kind, step.failure.status, began, step.failure.reason)
        else:
            self._finished(step, kind, "ready", began, "")

    def _finished(self, step: _Step, kind: str, status: str, began: float, reason: str) -> None:
        self.bus.publish(
            PreparationStepEvent(
                step=step.label, step_type=kind, status=status, duration=time.monotonic() - began, reason=reason
            )
        )

    def _failure(self, name: str, exc: BaseException) -> Check:
        if isinstance(exc, UnsupportedFeatureError):
            return Check(name=name, status="unsupported", reason=str(exc))
        if isinstance(exc, ServiceManagerError):
            return Check(name=name, status="error", reason=str(exc))
        # Anything else is a bug in a plugin or the harness: keep its traceback.
        self.folder.mkdir(parents=True, exist_ok=True)
        log = self.folder / HARNESS_ERROR_LOG
        with log.open("a") as stream:
            stream.write(f"--- {name}\n{''.join(traceback.format_exception(exc))}\n")
        return Check(name=name, status="error", reason=f"{type(exc).__name__}: {exc}", evidence=[str(log)])

    # ------------------------------------------------------------------ for the tests
    def failures(self, test: ResolvedTest) -> list[Check]:
        """The checks of the steps ``test`` needs that failed: when any, it must not run."""
        checks: list[Check] = []
        for service_name, service in test.services.items():
            step = self._managers.get(ManagerKey.of(test, service))
            if step is not None and step.failure is not None:
                failure = step.failure
                checks.append(
                    Check(
                        name=f"{service_name} prepare",
                        status=failure.status,
                        reason=failure.reason,
                        evidence=failure.evidence,
                    )
                )
        for service in test.services.values():
            protocol_step = self._protocols.get(service.protocol_class) if service.protocol_class else None
            protocol_failure = protocol_step.failure if protocol_step is not None else None
            if protocol_failure is not None and protocol_failure not in checks:
                checks.append(protocol_failure)
        environment_step = self._environments.get(test.network_environment_class)
        if environment_step is not None and environment_step.failure is not None:
            checks.append(environment_step.failure)
        environment = self._environment_data.get(test.network_environment_class)
        if environment is not None and test.index in environment.failures:
            name = str(getattr(test.network_environment_class, "name", "network environment"))
            checks.append(
                Check(
                    name=f"network environment {name} prepare",
                    status="error",
                    reason=environment.failures[test.index],
                )
            )
        return checks

    def manager_state(self, test: ResolvedTest, service: ResolvedService) -> dict[str, Any] | None:
        """What the preparation of ``service``'s kind of manager set; None: not prepared."""
        step = self._managers.get(ManagerKey.of(test, service))
        return step.state if step is not None and step.failure is None else None

    def protocol(self, protocol_class: type[BaseProtocol]) -> BaseProtocol:
        """A test's own instance of ``protocol_class``, holding what the experiment's made."""
        protocol = protocol_class()
        step = self._protocols.get(protocol_class)
        if step is not None:
            for name, value in step.state.items():
                setattr(protocol, name, value)
        return protocol

    def environment(self, environment_class: type[Any]) -> EnvironmentPreparation | None:
        return self._environment_data.get(environment_class)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
        folder.parent.rmdir()
    except OSError:
        pass  # not empty: it holds what the step made or logged
