"""One iteration of one test, from plan to teardown.

What can be done once for the whole experiment (service managers' ``prepare()``,
images, shared certificates) was done before this test's clock started (see
:mod:`panther.runner.preparation`). Phases, each announced on the bus: prepare (plan
addresses and folders, the protocol's ``prepare_test``, service managers, commands)
-> deploy (servers and peers) -> ready
(a probe per listener, never a fixed sleep) -> run (clients in target order, until
they end, ``steps.wait`` or a timeout) -> collect (stop what still runs, outcomes) ->
verdict (every manager's ``evaluate`` and the protocol's ``evaluate_test``) ->
teardown (the environment ends every process and releases its ports).
"""

from __future__ import annotations

import json
import shlex
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from panther.config.models import ExperimentConfig
from panther.config.resolved import ResolvedService, ResolvedTest
from panther.environments.base import NetworkEnvironment, RunningService, ServiceLaunch, ServiceStartError
from panther.events import (
    Event,
    EventBus,
    ServiceErrorEvent,
    ServiceExitedEvent,
    ServiceInitializationEvent,
    ServiceReadyEvent,
    ServiceStartedEvent,
    TestFinishedEvent,
    TestPhaseEvent,
    TestStartedEvent,
)
from panther.execution.base import ExecutionEnvironment, ExecutionEnvironmentError, WrappedCommand
from panther.protocols import BaseProtocol, TestContext
from panther.runner.cancellation import Cancellation
from panther.runner.ordering import StartOrderError, start_order
from panther.runner.preparation import ExperimentPreparation
from panther.runner.results import ServiceResult, TestResult, reason_of, verdict_of
from panther.runner.suite_hooks import SuiteRun
from panther.services.context import ServiceContext
from panther.services.manager import BaseServiceManager, ServiceManagerError, UnsupportedFeatureError
from panther.services.outcome import Check, ServiceOutcome

#: Seconds a service gets to end after SIGTERM before it is killed.
STOP_GRACE = 2.0
#: How often the run loop looks at its services; also the longest reaction to Ctrl-C.
POLL_INTERVAL = 0.05
HARNESS_ERROR_LOG = "harness-error.log"
#: Readiness: the longest one probe attempt waits for an answer, and the pauses
#: between attempts (growing from the first to the longest).
READY_ATTEMPT_TIMEOUT = 0.5
READY_FIRST_PAUSE = 0.001
READY_MAX_PAUSE = 0.01


class _TestBus(EventBus):
    """Stamps every event with its test and iteration, then hands it to the run's bus."""

    def __init__(self, parent: EventBus, test: str, iteration: int) -> None:
        super().__init__()
        self.parent, self.test, self.iteration = parent, test, iteration

    def publish(self, event: Event) -> None:
        if event.test is None:
            event.test = self.test
        if event.iteration is None:
            event.iteration = self.iteration
        self.parent.publish(event)


class _Abort(Exception):
    """Ends the phases early; the checks (if any) say why."""

    def __init__(self, *checks: Check) -> None:
        super().__init__("; ".join(check.reason for check in checks))
        self.checks = list(checks)


@dataclass
class _Service:
    name: str
    resolved: ResolvedService
    context: ServiceContext
    manager: BaseServiceManager
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    # Seconds the service may run (its ``timeout``, a profiler's ``duration``).
    time_limit: float | None = None
    running: RunningService | None = None
    start_error: str | None = None
    started_at: float = 0.0
    ended_at: float | None = None
    exit_code: int | None = None
    timed_out: bool = False

    @property
    def evidence(self) -> list[str]:
        folder = self.context.host_output_dir
        return [str(folder / "stderr.log"), str(folder / "stdout.log")]


class TestExecution:
    """Runs one iteration of one test and returns its :class:`TestResult`."""

    def __init__(
        self,
        test: ResolvedTest,
        iteration: int,
        test_dir: Path,
        *,
        experiment: ExperimentConfig,
        bus: EventBus,
        run_id: str,
        cancellation: Cancellation,
        registry: Any = None,
        debug: bool = False,
        preparation: ExperimentPreparation | None = None,
    ) -> None:
        self.test = test
        self.iteration = iteration
        self.test_dir = test_dir
        self.experiment = experiment
        self.bus = _TestBus(bus, test.name, iteration)
        self.run_id = run_id
        self.cancellation = cancellation
        self.registry = registry
        self.debug = debug
        self.preparation = preparation
        self.environment: NetworkEnvironment | None = None
        self.services: dict[str, _Service] = {}
        self.order: list[str] = []
        self.protocols: list[BaseProtocol] = []
        self.suite: SuiteRun | None = None
        self.test_context: TestContext | None = None
        self.phases: dict[str, float] = {}
        self.deadline = float("inf")
        self.completed_run = False

    # ------------------------------------------------------------------ workflow
    def run(self) -> TestResult:
        began = time.monotonic()
        self.test_dir.mkdir(parents=True, exist_ok=True)
        self.bus.publish(TestStartedEvent())
        checks: list[Check] = []
        try:
            with self._phase("prepare"):
                self._prepare()
            self.deadline = time.monotonic() + self.test.config.timeout
            with self._phase("deploy"):
                for name in self._listeners():
                    self._start(self.services[name])
            with self._phase("ready"):
                for name in self._listeners():
                    self._await_ready(self.services[name])
            with self._phase("run"):
                self._run()
            self.completed_run = True
        except _Abort as abort:
            checks += abort.checks
        except Exception as exc:  # a plugin or the harness broke: an error verdict, never a crash
            checks.append(self._harness_error("run", exc))
        with self._phase("collect"):
            outcomes = self._guarded(checks, "collect", self._collect)
            if self.environment is not None:
                # Before any verdict: the path's captures are complete only once it has ended.
                checks += self._guarded(checks, "network path", self.environment.finish_network_path) or []
        with self._phase("verdict"):
            checks += self._guarded(checks, "verdict", lambda: self._judge(outcomes or {})) or []
            checks += self._not_started()
        with self._phase("teardown"):
            if self.environment is not None:
                self._guarded(checks, "teardown", self.environment.teardown)
        verdict = verdict_of(check.status for check in checks)
        reason = reason_of(checks)
        duration = time.monotonic() - began
        deciding = [check for check in checks if check.status == verdict] if verdict != "passed" else []
        self.bus.publish(
            TestFinishedEvent(
                verdict=verdict,
                reason=reason,
                duration=duration,
                output_dir=str(self.test_dir),
                deciding_checks=deciding,
            )
        )
        return TestResult(
            name=self.test.name,
            iteration=self.iteration,
            iterations=self.test.config.iterations,
            verdict=verdict,
            reason=reason,
            output_dir=str(self.test_dir),
            duration=duration,
            checks=checks,
            services=[self._service_result(service) for service in self.services.values()],
            phases=dict(self.phases),
            matrix=self.test.matrix.coordinates if self.test.matrix is not None else None,
            measurements=dict(self.test_context.measurements) if self.test_context is not None else {},
        )

    @contextmanager
    def _phase(self, phase: str) -> Iterator[None]:
        began = time.monotonic()
        self.bus.publish(TestPhaseEvent(phase=phase, status="started"))
        try:
            yield
        finally:
            duration = time.monotonic() - began
            self.phases[phase] = duration
            self.bus.publish(TestPhaseEvent(phase=phase, status="finished", duration=duration))

    def _guarded(self, checks: list[Check], step: str, action: Any) -> Any:
        try:
            return action()
        except Exception as exc:
            checks.append(self._harness_error(step, exc))
            return None

    # ------------------------------------------------------------------ prepare
    def _prepare(self) -> None:
        test = self.test
        if test.matrix is not None and test.matrix.unsupported is not None:
            reason = test.matrix.unsupported
            raise _Abort(Check(name=f"tester {test.matrix.axes.tester} cell", status="unsupported", reason=reason))
        if self.preparation is not None:
            failures = self.preparation.failures(test)
            if failures:
                raise _Abort(*failures)
        try:
            self.order = start_order(test.services)
        except StartOrderError as exc:
            raise _Abort(Check(name="start order", status="error", reason=str(exc))) from None
        environment_class = test.network_environment_class
        self.environment = environment_class(
            test.network_environment_config,
            test_dir=self.test_dir,
            bus=self.bus,
            experiment=self.experiment,
            run_id=self.run_id,
            preparation=self.preparation.environment(environment_class) if self.preparation else None,
            cancellation=self.cancellation,
        )
        try:
            contexts = self.environment.plan(test)
        except ValueError as exc:
            raise _Abort(Check(name="plan", status="error", reason=str(exc))) from None
        for context in contexts.values():
            context.iteration = self.iteration

        self.test_context = TestContext(
            name=test.name,
            iteration=self.iteration,
            output_dir=self.test_dir,
            services=contexts,
            protocol_configs={name: service.protocol for name, service in test.services.items()},
            implementation_configs={name: service.implementation for name, service in test.services.items()},
            network_path=self.environment.network_path,
        )
        protocol_classes = {s.protocol_class for s in test.services.values() if s.protocol_class is not None}
        self.protocols = [
            self.preparation.protocol(protocol_class) if self.preparation else protocol_class()
            for protocol_class in protocol_classes
        ]
        for protocol in self.protocols:
            self._plugin_call(f"protocol {protocol.name}", lambda p=protocol: p.prepare_test(self.test_context))
        if test.matrix is not None:
            cell = test.matrix
            self.suite = self._plugin_call(
                f"tester {cell.axes.tester}", lambda: SuiteRun.start(cell, self.test_context)
            )

        wrappers = [self._execution_environment(cls, options) for cls, options in test.execution_environments]
        for name in self.order:
            resolved = test.services[name]
            context = contexts[name]
            manager = self._plugin_call(
                name,
                lambda r=resolved, c=context: r.manager_class(config=r.implementation, context=c, event_bus=self.bus),
            )
            service = _Service(name=name, resolved=resolved, context=context, manager=manager)
            self.services[name] = service
            self.bus.publish(
                ServiceInitializationEvent(
                    service_name=name, implementation=manager.implementation_name, role=context.role
                )
            )
            state = self.preparation.manager_state(test, resolved) if self.preparation else None
            if state is not None:
                manager.adopt_preparation(state)  # prepared once for the experiment
            else:
                self._plugin_call(name, lambda m=manager: m.prepare(self.registry))
            self._plugin_call(name, lambda m=manager, c=context: m.write_service_files(c))
            argv = self._plugin_call(name, lambda m=manager, c=context: m.generate_run_argv(role=c.role))
            run_env = self._plugin_call(
                name, lambda m=manager, c=context: m.get_run_environment(c.role, **m.run_arguments(c.role))
            )
            command = WrappedCommand(list(argv), {**context.env, **run_env})
            for wrapper in wrappers:
                try:
                    command = wrapper.wrap(command, context)
                except ExecutionEnvironmentError as exc:
                    raise _Abort(Check(name=f"{name} {wrapper.name}", status="error", reason=str(exc))) from None
            service.argv, service.env = command.argv, command.env
            limits = [context.timeout, *(wrapper.config.duration for wrapper in wrappers)]
            service.time_limit = min((limit for limit in limits if limit is not None), default=None)
            folder = context.host_output_dir
            (folder / "command.txt").write_text(shlex.join(service.argv) + "\n")
            (folder / "argv.json").write_text(json.dumps(service.argv, indent=2) + "\n")
        # Every command is known: the environment may get the services ready to start.
        self.environment.stage([self._launch(self.services[name]) for name in self.order])

    def _execution_environment(self, cls: type[ExecutionEnvironment], options: Any) -> ExecutionEnvironment:
        try:
            return cls(options)
        except ExecutionEnvironmentError as exc:
            raise _Abort(Check(name=f"execution environment {cls.name}", status="error", reason=str(exc))) from None

    def _plugin_call(self, who: str, action: Any) -> Any:
        """Call plugin code; its failure ends the test with an error naming ``who``."""
        try:
            return action()
        except UnsupportedFeatureError as exc:
            raise _Abort(Check(name=f"{who} prepare", status="unsupported", reason=str(exc))) from None
        except ServiceManagerError as exc:
            raise _Abort(Check(name=f"{who} prepare", status="error", reason=str(exc))) from None
        except _Abort:
            raise
        except Exception as exc:
            raise _Abort(self._harness_error(who, exc)) from None

    # ------------------------------------------------------------------ deploy, ready, run
    def _listeners(self) -> list[str]:
        return [name for name in self.order if self.services[name].context.role != "client"]

    @staticmethod
    def _launch(service: _Service) -> ServiceLaunch:
        return ServiceLaunch(
            name=service.name,
            role=service.context.role,
            argv=service.argv,
            env=service.env,
            context=service.context,
            manager=service.manager,
        )

    def _start(self, service: _Service) -> None:
        assert self.environment is not None
        if self.cancellation.cancelled:  # between two starts (a container takes most of a second)
            raise _Abort(self._cancelled_check())
        try:
            service.running = self.environment.start(self._launch(service))
        except ServiceStartError as exc:
            service.start_error = str(exc)
            self.bus.publish(ServiceErrorEvent(service_name=service.name, error=service.start_error))
            raise _Abort() from None  # the manager's evaluate() reports the start error
        service.started_at = time.monotonic()
        self.bus.publish(ServiceStartedEvent(service_name=service.name, pid=service.running.pid))

    def _transport(self, service: _Service) -> str:
        # A protocol whose ``protocol:`` block has a ``transport`` key decides per service.
        transport = getattr(service.resolved.protocol, "transport", None)
        if isinstance(transport, str):
            return transport
        protocol_class = service.resolved.protocol_class or BaseProtocol
        return protocol_class.transport

    def _await_ready(self, service: _Service) -> None:
        assert self.environment is not None and service.running is not None
        context = service.context
        probe = self._plugin_call(service.name, lambda: service.manager.get_readiness_probe(context.host, context.port))
        if probe is None:
            probe = self.environment.default_readiness_probe(service.running, context, self._transport(service))
        began = time.monotonic()
        if probe is None:
            self.bus.publish(ServiceReadyEvent(service_name=service.name, probe="none", waited=0.0))
            return
        # The test's own deadline may come first (a slow deploy used up its time).
        limit = max(0.0, min(self.environment.readiness_timeout, self.deadline - began))
        limited_by_test = self.deadline - began < self.environment.readiness_timeout
        pause = READY_FIRST_PAUSE
        while True:
            code = service.running.poll()
            if code is not None:
                self._ended(service, code)
                self._not_ready(
                    service, f"{service.name} exited with code {code} before it was ready ({probe.describe()})"
                )
            remaining = began + limit - time.monotonic()
            if probe.attempt(min(READY_ATTEMPT_TIMEOUT, max(remaining, 0.01))):
                waited = time.monotonic() - began
                self.bus.publish(ServiceReadyEvent(service_name=service.name, probe=probe.describe(), waited=waited))
                return
            waited = time.monotonic() - began
            if waited >= limit:
                if limited_by_test:
                    reason = (
                        f"{service.name} was not ready when the test's timeout "
                        f"({self.test.config.timeout:g}s) ran out, {waited:.1f}s after it started: "
                        f"{probe.describe()} never succeeded"
                    )
                else:
                    reason = f"{service.name} was not ready after {limit:.1f}s: {probe.describe()} never succeeded"
                self._not_ready(service, reason)
            # A refused attempt returns at once: pause between attempts, briefly, so that
            # a server is seen within milliseconds of binding; wakes on Ctrl-C.
            if self.cancellation.wait(min(pause, max(remaining, 0.0))):
                raise _Abort(self._cancelled_check())
            pause = min(pause * 2, READY_MAX_PAUSE)

    def _not_ready(self, service: _Service, reason: str) -> None:
        self.bus.publish(ServiceErrorEvent(service_name=service.name, error=reason))
        raise _Abort(Check(name=f"{service.name} ready", status="failed", reason=reason, evidence=service.evidence))

    def _cancelled_check(self) -> Check:
        return Check(name="run", status="error", reason=self.cancellation.reason or "interrupted")

    def _run(self) -> None:
        clients = [self.services[name] for name in self.order if self.services[name].context.role == "client"]
        for client in clients:
            self._start(client)
        # The services the test waits for: its clients, and listeners that end by themselves.
        finishers = [
            service
            for service in self.services.values()
            if service.running is not None and service.manager.ends_by_itself(service.context.role)
        ]
        began = time.monotonic()
        wait = self.test.config.steps.wait
        started = [service for service in self.services.values() if service.running is not None]
        while True:
            now = time.monotonic()
            for service in started:
                if service.ended_at is not None:
                    continue
                assert service.running is not None
                code = service.running.poll()
                if code is not None:
                    self._ended(service, code)
                elif service.time_limit is not None and now - service.started_at >= service.time_limit:
                    self._stop(service, timed_out=True)
            pending = [service for service in started if service.ended_at is None]
            if finishers:
                pending_finishers = [service for service in finishers if service.ended_at is None]
                if not pending_finishers:
                    break
            elif not pending or (wait is not None and now - began >= wait):
                break
            if now >= self.deadline:
                for service in pending_finishers if finishers else pending:
                    self._stop(service, timed_out=True)
                break
            # Wake as soon as the first pending finisher ends (or after a short interval).
            first = next((service for service in finishers if service.ended_at is None), None)
            if first is not None and first.running is not None:
                first.running.wait(POLL_INTERVAL)
            else:
                self.cancellation.wait(POLL_INTERVAL)
            if self.cancellation.cancelled:
                raise _Abort(self._cancelled_check())
        for service in started:
            if service.ended_at is None:
                self._stop(service)

    def _stop(self, service: _Service, timed_out: bool = False) -> None:
        assert service.running is not None
        code = service.running.stop(STOP_GRACE)
        service.timed_out = service.timed_out or timed_out
        self._ended(service, code)

    def _ended(self, service: _Service, code: int | None) -> None:
        if service.ended_at is not None:
            return
        service.ended_at = time.monotonic()
        service.exit_code = code
        assert service.running is not None
        self.bus.publish(
            ServiceExitedEvent(
                service_name=service.name,
                exit_code=code,
                duration=service.ended_at - service.started_at,
                stopped_by_harness=service.running.stopped_by_harness,
            )
        )

    # ------------------------------------------------------------------ collect, verdict
    def _collect(self) -> dict[str, ServiceOutcome]:
        outcomes: dict[str, ServiceOutcome] = {}
        for service in self.services.values():
            if service.running is not None:
                if service.ended_at is None:
                    self._stop(service)
                else:
                    service.running.stop(STOP_GRACE)  # ends whatever it forked and left behind
            elif service.start_error is None:
                continue
            folder = service.context.host_output_dir
            code = service.exit_code
            (folder / "exit_code").write_text(f"{code if code is not None else 'none'}\n")
            outcomes[service.name] = ServiceOutcome(
                name=service.name,
                role=service.context.role,
                exit_code=code,
                duration=(service.ended_at or service.started_at) - service.started_at,
                output_dir=folder,
                stdout=folder / "stdout.log",
                stderr=folder / "stderr.log",
                stopped_by_harness=service.running.stopped_by_harness if service.running else False,
                timed_out=service.timed_out,
                start_error=service.start_error,
            )
        return outcomes

    def _judge(self, outcomes: dict[str, ServiceOutcome]) -> list[Check]:
        checks: list[Check] = []
        for name, outcome in outcomes.items():
            manager = self.services[name].manager
            try:
                checks += manager.evaluate(outcome)
            except Exception as exc:
                checks.append(self._harness_error(f"{name} evaluate", exc))
        if self.completed_run and self.test_context is not None:
            for protocol in self.protocols:
                try:
                    checks += protocol.evaluate_test(self.test_context, outcomes)
                except Exception as exc:
                    checks.append(self._harness_error(f"protocol {protocol.name} evaluate_test", exc))
            if self.suite is not None:
                try:
                    checks += self.suite.evaluate(self.test_context, outcomes)
                except Exception as exc:
                    checks.append(self._harness_error(f"{self.suite.who} evaluate_test", exc))
        return checks

    def _not_started(self) -> list[Check]:
        names = [name for name in self.test.services if name not in self.services or self._never_ran(name)]
        return [
            Check(name=f"{name} start", status="skipped", reason="not started: the test ended before its turn")
            for name in names
        ]

    def _never_ran(self, name: str) -> bool:
        service = self.services[name]
        return service.running is None and service.start_error is None

    def _harness_error(self, where: str, exc: BaseException) -> Check:
        log = self.test_dir / HARNESS_ERROR_LOG
        with log.open("a") as stream:
            stream.write(f"--- {where}\n{''.join(traceback.format_exception(exc))}\n")
        if self.debug:
            traceback.print_exception(exc)
        return Check(name=where, status="error", reason=f"{type(exc).__name__}: {exc}", evidence=[str(log)])

    def _service_result(self, service: _Service) -> ServiceResult:
        duration = (service.ended_at - service.started_at) if service.ended_at is not None else 0.0
        return ServiceResult(
            name=service.name,
            role=service.context.role,
            implementation=service.manager.implementation_name,
            argv=service.argv,
            command=shlex.join(service.argv),
            output_dir=str(service.context.host_output_dir),
            exit_code=service.exit_code,
            duration=duration,
            stopped_by_harness=service.running.stopped_by_harness if service.running else False,
            timed_out=service.timed_out,
            start_error=service.start_error,
        )
