"""The contract every network environment implements (``local``, ``docker_compose``, ...).

A network environment owns *where* the services of one test iteration run: it plans
their addresses, ports and folders (:meth:`NetworkEnvironment.plan`), starts each
service from an argv list (:meth:`NetworkEnvironment.start`) and ends everything it
started (:meth:`NetworkEnvironment.teardown`). What it can do once for a whole
experiment (build images) it does in :meth:`NetworkEnvironment.prepare_experiment`,
before any test's clock starts; each of its instances receives the result. The
runner owns *when*: the order of starts, readiness, timeouts and verdicts. A running service is a
:class:`RunningService` whichever environment runs it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, ClassVar

from panther.config.models import NetworkEnvironmentConfig
from panther.runner.cancellation import Cancellation
from panther.services.context import ServiceContext
from panther.services.readiness import ReadinessProbe, TcpConnectProbe

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from panther.config.models import ExperimentConfig
    from panther.config.resolved import ResolvedTest
    from panther.events import EventBus
    from panther.netpath.deployment import PathDeployment
    from panther.netpath.files import NetworkPath
    from panther.services.manager import BaseServiceManager
    from panther.services.outcome import Check

#: File names of a service's captured output, inside its host output folder.
STDOUT_LOG = "stdout.log"
STDERR_LOG = "stderr.log"

#: Environment variable every process of a run carries (value: the run's id), so the
#: harness can find and end processes that escaped their process group or container.
RUN_MARKER = "PANTHER_RUN_ID"

#: Roles that listen, and so get an address and a port of their own.
LISTENING_ROLES = ("server", "peer")

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def folder_name(name: str) -> str:
    """A folder name made from a test or service name that can never leave its parent.

    Names come from the experiment file: ``../x`` or ``a/b`` must not become paths.
    """
    cleaned = _UNSAFE_NAME.sub("_", name).strip("._") or "_"
    return cleaned


def port_mapping(ports: list[str]) -> tuple[int, int] | None:
    """The first ``ports:`` entry as (host side, service side), in Compose's short syntax:
    ``"8080:80/udp"`` -> (8080, 80), ``"4443"`` -> (4443, 4443),
    ``"127.0.0.1:8080:80"`` -> (8080, 80); None when there is no entry."""
    if not ports:
        return None
    sides = ports[0].split("/", 1)[0].split(":")
    try:
        return int(sides[-2] if len(sides) > 1 else sides[0]), int(sides[-1])
    except ValueError:
        raise ValueError(f"ports entry {ports[0]!r}: expected [[IP:]HOST_PORT:]SERVICE_PORT[/PROTOCOL]") from None


class ServiceStartError(Exception):
    """A service could not be started (binary not found, image missing, ...).

    The message is the reason shown in the test's verdict.
    """


@dataclass
class EnvironmentPreparation:
    """What :meth:`NetworkEnvironment.prepare_experiment` made for the experiment.

    ``failures``: tests (by :attr:`ResolvedTest.index`) that cannot run, with the
    reason (their verdict is ``error``; the other tests run). ``data``: whatever the
    environment's instances need (image tags ...), handed to each as ``preparation``.
    """

    failures: dict[int, str] = field(default_factory=dict)
    data: Any = None


@dataclass
class ServiceLaunch:
    """Everything an environment needs to start one service."""

    name: str
    role: str
    argv: list[str]
    # Variables added to the environment the service inherits (service ``environment:``
    # block, the manager's run environment, profilers); never a complete environment.
    env: dict[str, str]
    context: ServiceContext
    manager: BaseServiceManager
    extra: dict[str, Any] = field(default_factory=dict)


class RunningService(ABC):
    """One started service: a process group on ``local``, a container elsewhere."""

    def __init__(self, launch: ServiceLaunch) -> None:
        self.launch = launch
        self.name = launch.name
        #: True once the harness had to end the service (it had not exited by itself).
        self.stopped_by_harness = False

    @property
    def stdout_path(self) -> Path:
        return self.launch.context.host_output_dir / STDOUT_LOG

    @property
    def stderr_path(self) -> Path:
        return self.launch.context.host_output_dir / STDERR_LOG

    @property
    @abstractmethod
    def pid(self) -> int | None:
        """The process id on this host, when there is one."""

    @abstractmethod
    def poll(self) -> int | None:
        """The exit code if the service has ended, else None; never blocks."""

    @abstractmethod
    def wait(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds for the service to end; its exit code or None."""

    @abstractmethod
    def stop(self, grace: float) -> int | None:
        """End the whole service (every process of its group, or its container):
        a polite signal, then a forced kill after ``grace`` seconds. Returns the exit code.
        Calling it on a service that already ended only cleans up what it left."""


class NetworkEnvironment(ABC):
    """Base of network environment plugins (entry-point group ``panther.network_environment``)."""

    #: The name used in ``network_environment.type``.
    name: ClassVar[str] = ""
    #: The msgspec Struct the ``network_environment:`` block (including ``type``) decodes into.
    config_class: ClassVar[type[NetworkEnvironmentConfig]] = NetworkEnvironmentConfig

    def __init__(
        self,
        config: NetworkEnvironmentConfig | None = None,
        *,
        test_dir: Path,
        bus: EventBus,
        experiment: ExperimentConfig,
        run_id: str = "",
        preparation: EnvironmentPreparation | None = None,
        cancellation: Cancellation | None = None,
    ) -> None:
        self.config = config if config is not None else self.config_class()
        self.test_dir = test_dir
        self.bus = bus
        self.experiment = experiment
        #: Value of :data:`RUN_MARKER` for every service this environment starts.
        self.run_id = run_id
        #: The path between the test's clients and servers, when the test has one (set by ``plan``).
        self.path: PathDeployment | None = None
        #: What :meth:`prepare_experiment` returned for this run (empty when it made nothing).
        self.preparation = preparation if preparation is not None else EnvironmentPreparation()
        #: Set when the run is cancelled (Ctrl-C): work that waits (a container starting)
        #: looks at it, so that the runner's own reaction is not held up.
        self.cancellation = cancellation if cancellation is not None else Cancellation()

    @classmethod
    def prepare_experiment(
        cls,
        tests: Sequence[ResolvedTest],
        *,
        bus: EventBus,
        experiment: ExperimentConfig,
        cancellation: Cancellation,
        output_dir: Path,
        managers: Mapping[tuple[int, str], BaseServiceManager],
        run_id: str = "",
    ) -> EnvironmentPreparation | None:
        """Once per experiment, before any test of this environment starts its clock:
        what all of ``tests`` need and need not wait for in their own time (images).

        ``managers`` maps (test index, service name) to that service's prepared
        manager (one instance per distinct implementation block and role).
        ``output_dir`` is a folder for logs of this step. Long work must end soon
        after ``cancellation`` is set (poll it, or register
        :meth:`~panther.runner.cancellation.Cancellation.on_cancel`). Raising
        fails every test of ``tests`` with the message; a
        :class:`~panther.services.manager.UnsupportedFeatureError` makes them
        ``unsupported``. By default there is nothing to do.
        """
        return None

    @property
    def readiness_timeout(self) -> float:
        """The longest the runner waits for one server to become ready."""
        return 30.0

    def service_contexts(
        self,
        test: ResolvedTest,
        *,
        service_view: Callable[[Path], PurePosixPath | Path] | None = None,
        reserved: Iterable[str] = (),
    ) -> dict[str, ServiceContext]:
        """A context per service of ``test``, for :meth:`plan` to complete with addresses and ports.

        Each service gets a folder of its own under the test folder (created), named
        after it but never one of ``reserved`` (the environment's own, a path's); its
        role, target, timeout and ``environment:`` variables come from the experiment.
        ``service_view`` maps a service's folder to where the service itself sees it
        (a mount point in a container); by default the same path.
        """
        contexts: dict[str, ServiceContext] = {}
        used: set[str] = set(reserved)
        for name, service in test.services.items():
            folder = folder_name(name)
            while folder in used:
                folder += "_"
            used.add(folder)
            directory = self.test_dir / folder
            directory.mkdir(parents=True, exist_ok=True)
            contexts[name] = ServiceContext(
                name=name,
                role=service.protocol.role,
                test_name=test.name,
                host_output_dir=directory,
                output_dir=service_view(directory) if service_view is not None else directory,
                target=service.protocol.target,
                environment=self.name,
                env=dict(service.config.environment),
                timeout=service.config.timeout,
            )
        return contexts

    @staticmethod
    def aim_clients(contexts: dict[str, ServiceContext], address: Callable[[str, ServiceContext], str]) -> None:
        """Give every client its target's address, ``address(target name, target context)``, and port.

        Raises ValueError when a client or peer names a target that is not a service of the test.
        """
        for name, context in contexts.items():
            if context.target is None or context.role == "server":
                continue
            target = contexts.get(context.target)
            if target is None:
                raise ValueError(f"service {name!r}: target {context.target!r} is not a service of this test")
            if context.role == "client":
                context.host, context.port = address(context.target, target), target.port

    @abstractmethod
    def plan(self, test: ResolvedTest) -> dict[str, ServiceContext]:
        """Decide each service's address, port and folders (creating the folders).

        A server's ``host``/``port`` are where it listens; a client's are its target's.
        """

    def stage(self, launches: Sequence[ServiceLaunch]) -> None:
        """Every service of the test, in start order, before the first is started.

        An environment may get them ready meanwhile (``docker_compose`` starts their
        containers, holding each program until :meth:`start`). Each service is still
        started by :meth:`start`, when the runner says; a staged service that is never
        started is cleaned up by :meth:`teardown`. By default nothing is done.
        """

    @abstractmethod
    def start(self, launch: ServiceLaunch) -> RunningService:
        """Start one service; raise :class:`ServiceStartError` when it cannot start."""

    @abstractmethod
    def teardown(self) -> None:
        """End every service this environment started and release what it holds
        (ports, networks). Safe to call more than once."""

    @property
    def network_path(self) -> NetworkPath | None:
        """Where the test's path records (None: the test has no path)."""
        return self.path.files if self.path is not None else None

    def finish_network_path(self) -> list[Check]:
        """End the path once the services have ended, so its records are complete; its check."""
        return self.path.finish() if self.path is not None else []

    def default_readiness_probe(
        self, service: RunningService, context: ServiceContext, transport: str
    ) -> ReadinessProbe | None:
        """The probe used when the service manager offers none.

        TCP: a connection to the server's address. Other transports have no
        portable probe; an environment that can observe its services (``local``
        reads the process table) returns a better one. None: ready once started.
        """
        if transport == "tcp":
            return TcpConnectProbe(context.host, context.port)
        return None
