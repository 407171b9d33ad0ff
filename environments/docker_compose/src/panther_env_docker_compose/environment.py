"""The ``docker_compose`` network environment: each service in a container of its own.

Per test iteration: one user-defined bridge network with its own subnet, one image
per implementation (see :mod:`panther_env_docker_compose.implementation_images`) and
one container per service. A server listens on its fixed address on that network,
which the harness on this host reaches for readiness probes; clients reach their
server by its service name, or, when the test has a ``path:``, the relay that stands
between them (see :mod:`panther_env_docker_compose.netpath`). Each service's folder is bind-mounted into its
container, and the container's output is copied to the usual
``stdout.log``/``stderr.log`` as it comes.

The harness drives the engine through the docker SDK; it also writes
``docker-compose.yml`` into the test folder so that a user can re-run the same
containers by hand. Every container and network carries labels (see
:mod:`panther_env_docker_compose.cleanup`): teardown removes exactly what this test
made, and what a killed harness left is removed by the next run.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from panther.config.models import NetworkEnvironmentConfig
from panther.environments.base import (
    LISTENING_ROLES,
    RUN_MARKER,
    EnvironmentPreparation,
    NetworkEnvironment,
    RunningService,
    ServiceLaunch,
    ServiceStartError,
    folder_name,
    port_mapping,
)
from panther.netpath.config import PathConfig, Problem
from panther.netpath.files import PATH_FOLDER
from panther.plugins.manifest import register_plugin
from panther.services.context import ServiceContext
from panther.services.readiness import ReadinessProbe

from panther_env_docker_compose.cleanup import (
    OWNER_LABEL,
    REMOVERS,
    SERVICE_LABEL,
    TEST_LABEL,
    harness_labels,
    remove_labelled,
)
from panther_env_docker_compose.compose_file import write_compose_file
from panther_env_docker_compose.containers import (
    ContainerPortProbe,
    ContainerService,
    ExitWatcher,
    program_in_container,
)
from panther_env_docker_compose.engine import DockerBuildError, DockerUnavailableError, connect
from panther_env_docker_compose.gate import SHELL, Gate
from panther_env_docker_compose.implementation_images import ensure_image, implementation_image, relay_recipe
from panther_env_docker_compose.netpath import (
    CONTAINER_PATH_DIR,
    RELAY_HOSTNAME,
    ContainerRelay,
    PathStartError,
    relay_compose_service,
)
from panther_env_docker_compose.preparation import PreparedImages, prepare_images
from panther_env_docker_compose.subnets import POOL, PREFIX, free_subnets

if TYPE_CHECKING:
    from collections.abc import Sequence

    from docker import DockerClient
    from docker.models.containers import Container
    from docker.models.networks import Network
    from panther.config.resolved import ResolvedTest

#: Debian's nobody:nogroup: who services run as when the harness itself runs as root.
UNPRIVILEGED_USER = (65534, 65534)
#: Where a service sees its own folder.
CONTAINER_OUTPUT_DIR = PurePosixPath("/panther/output")
COMPOSE_FILE = "docker-compose.yml"
#: The relay's entry in ``docker-compose.yml``.
RELAY_COMPOSE_NAME = "netpath-relay"
IMAGE_BUILD_LOG = "image-build.log"
# Any port will do for a protocol without a default: each container has its own address.
FALLBACK_PORT = 4443
#: Seconds between two looks at the run's cancellation while a container is being made.
WAIT_STEP = 0.05


class DockerComposeConfig(NetworkEnvironmentConfig, kw_only=True, forbid_unknown_fields=True):
    """Options of ``network_environment: {type: docker_compose, ...}``."""

    # The longest to wait for one server to become ready, in seconds (image builds
    # happen before this starts counting).
    readiness_timeout: float = 60.0
    # Seconds between SIGTERM and SIGKILL when the harness stops a container.
    stop_grace: float = 2.0
    # A path between the clients and their servers: the relay of ``local``, in a container.
    path: PathConfig | None = None

    def __post_init__(self) -> None:
        if self.readiness_timeout <= 0:
            raise ValueError(f"readiness_timeout must be positive, got {self.readiness_timeout}")
        if self.stop_grace < 0:
            raise ValueError(f"stop_grace must not be negative, got {self.stop_grace}")

    def path_problem(self, path: PathConfig) -> Problem | None:
        for index, event in enumerate(path.rebind):
            if event.change == "address":
                return (
                    ("rebind", index, "change"),
                    "a rebinding to a new address is not offered on docker_compose "
                    "(the relay's container has one address on the test's network)",
                    "change: port",
                    "change: address",
                )
        return None


@register_plugin(
    plugin_type="network_environment",
    name="docker_compose",
    description="One container per service on a Docker network of its own",
)
class DockerComposeNetworkEnvironment(NetworkEnvironment):
    name = "docker_compose"
    config_class = DockerComposeConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # the signature of NetworkEnvironment
        self.owner_id = uuid.uuid4().hex[:12]
        self._client: DockerClient | None = None
        self._network: Network | None = None
        self._subnet: ipaddress.IPv4Network | None = None
        self._test_name = ""
        self._test_index = -1
        self._addresses: dict[str, str] = {}
        self._services: list[ContainerService] = []
        self._compose_services: dict[str, dict[str, Any]] = {}
        self._compose_lock = threading.Lock()
        self._exits: ExitWatcher | None = None
        self._staging: ThreadPoolExecutor | None = None
        self._staged: dict[str, tuple[ServiceLaunch, Future[tuple[Container, Gate | None]]]] = {}

    @property
    def docker_config(self) -> DockerComposeConfig:
        return self.config if isinstance(self.config, DockerComposeConfig) else DockerComposeConfig()

    @property
    def readiness_timeout(self) -> float:
        return self.docker_config.readiness_timeout

    @property
    def labels(self) -> dict[str, str]:
        return {**harness_labels(self.run_id), TEST_LABEL: self._test_name, OWNER_LABEL: self.owner_id}

    @property
    def client(self) -> DockerClient:
        if self._client is None:
            try:
                self._client = connect()
            except DockerUnavailableError as exc:
                raise ServiceStartError(str(exc)) from None
        return self._client

    @property
    def network_name(self) -> str:
        return f"panther-{folder_name(self._test_name)[:40]}-{self.owner_id}"

    # ------------------------------------------------------------------ experiment
    @classmethod
    def prepare_experiment(cls, tests: Sequence[ResolvedTest], **options: Any) -> EnvironmentPreparation | None:
        """Every image the tests need, before any test starts (see :mod:`.preparation`)."""
        return prepare_images(tests, **options)

    # ------------------------------------------------------------------ plan
    def plan(self, test: ResolvedTest) -> dict[str, ServiceContext]:
        self._test_name, self._test_index = test.name, test.index
        try:
            subnet = self._create_network()
        except ServiceStartError as exc:
            raise ValueError(str(exc)) from None
        self._exits = ExitWatcher(self.client, OWNER_LABEL, self.owner_id)
        hosts = subnet.hosts()
        next(hosts)  # the first address is the bridge itself: this host's side of the network
        contexts = self.service_contexts(
            test, service_view=lambda _folder: CONTAINER_OUTPUT_DIR, reserved={PATH_FOLDER}
        )
        for name, context in contexts.items():
            context.host = self._addresses[name] = str(next(hosts))
            if context.role in LISTENING_ROLES:
                service = test.services[name]
                declared = port_mapping(service.config.ports)
                protocol_port = service.protocol_class.default_port if service.protocol_class else 0
                context.port = (declared[1] if declared else 0) or protocol_port or FALLBACK_PORT
        # By name: the network's DNS resolves a service name to its container.
        self.aim_clients(contexts, lambda name, _target: name)
        path = self.docker_config.path
        if path is not None:
            address = str(next(hosts))
            try:
                self.path = ContainerRelay.deploy(
                    path,
                    contexts,
                    self.test_dir,
                    address=address,
                    create=lambda folder, argv: self._create_relay(folder, argv, address),
                    cancellation=self.cancellation,
                )
            except (PathStartError, ServiceStartError) as exc:
                raise ValueError(str(exc)) from None
        return contexts

    def _create_network(self) -> ipaddress.IPv4Network:
        """Create this test's network on a free subnet (see :mod:`.subnets`) and return the subnet."""
        from docker.errors import APIError
        from docker.types import IPAMConfig, IPAMPool

        last_error: Exception | None = None
        for attempt, subnet in enumerate(free_subnets(self.client)):
            if attempt == 5:
                break
            try:
                self._network = self.client.networks.create(
                    self.network_name,
                    driver="bridge",
                    ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=str(subnet))]),
                    labels=self.labels,
                )
            except APIError as exc:  # another harness took that subnet meanwhile
                last_error = exc
                continue
            self._subnet = subnet
            return subnet
        reason = last_error or f"no /{PREFIX} of {POOL} is free of the engine's networks and this host's routes"
        raise ServiceStartError(f"could not create a Docker network for {self._test_name}: {reason}")

    @staticmethod
    def _container_user(directory: Path) -> str:
        """The user a service's container runs as, made the owner of its folder.

        A harness run by a user runs containers as that user. A harness run as root
        runs them as an unprivileged user (nobody) and hands it the service's
        folder, so that files made for it with mode 0600 (a private key) stay 0600
        and are still its own to read, and what it writes is its own.
        """
        if os.geteuid() != 0:
            return f"{os.geteuid()}:{os.getegid()}"
        uid, gid = UNPRIVILEGED_USER
        os.chown(directory, uid, gid)
        for root, folders, files in os.walk(directory):
            for name in folders + files:
                os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)
        return f"{uid}:{gid}"

    def _create_relay(self, folder: Path, argv: list[str], address: str) -> Container:
        """The (not yet started) container of the test's path relay, working in ``folder``."""
        from docker.errors import APIError, ImageNotFound

        image = self._relay_image(folder)
        env = {RUN_MARKER: self.run_id}
        user = self._container_user(folder)
        endpoint = self.client.api.create_endpoint_config(ipv4_address=address)
        with self._compose_lock:
            self._compose_services[RELAY_COMPOSE_NAME] = relay_compose_service(
                image, address=address, env=env, labels=self.labels, user=user, folder=folder
            )
            self._write_compose_file()
        try:
            return self.client.containers.create(
                image,
                command=argv,
                # Never a service's name: those join the network name with "-".
                name=f"{self.network_name}.path",
                environment=env,
                volumes={str(folder.resolve()): {"bind": str(CONTAINER_PATH_DIR), "mode": "rw"}},
                labels=self.labels,
                user=user,
                working_dir=str(CONTAINER_PATH_DIR),
                hostname=RELAY_HOSTNAME,
                network=self.network_name,
                networking_config={self.network_name: endpoint},
                init=True,  # passes SIGTERM on: the relay then writes its record
                stdin_open=False,
                tty=False,
            )
        except (APIError, ImageNotFound) as exc:
            raise PathStartError(f"could not create the network path relay's container: {exc}") from None

    def _relay_image(self, folder: Path) -> str:
        """The relay's image: made in the experiment's prepare phase, else here."""
        prepared = self.preparation.data
        if isinstance(prepared, PreparedImages) and prepared.relay is not None:
            return prepared.relay
        try:
            recipe = relay_recipe(base_image=self.experiment.docker.base_image)
            return ensure_image(recipe, build=self.experiment.docker.build, log_path=folder / IMAGE_BUILD_LOG)
        except DockerBuildError as exc:
            raise PathStartError(f"no image for the network path relay: {exc}") from None
        except DockerUnavailableError as exc:
            raise PathStartError(str(exc)) from None

    # ------------------------------------------------------------------ stage, start
    def stage(self, launches: Sequence[ServiceLaunch]) -> None:
        """Start every container of the test now, side by side, each with its program
        held at a :class:`~.gate.Gate`; :meth:`start` opens the gate. A container costs
        the engine most of a second to start: the client's is then ready when its
        server is, instead of starting after it."""
        if self._staging is None:
            self._staging = ThreadPoolExecutor(max_workers=max(len(launches), 1), thread_name_prefix="panther-stage")
        for launch in launches:
            self._staged[launch.name] = (launch, self._staging.submit(self._create, launch, gated=True))

    def start(self, launch: ServiceLaunch) -> RunningService:
        if self._network is None:
            raise ServiceStartError("the docker_compose environment started a service before planning the test")
        staged = self._staged.pop(launch.name, None)
        if staged is not None and _same(staged[0], launch):
            container, gate = self._made(staged[1])
        else:
            if staged is not None:
                self._discard(staged[1])
            container, gate = self._create(launch, gated=False)
        if gate is not None:
            gate.open()
        else:
            _start(container, launch)
        running = ContainerService(launch, container, gate, self._exits)
        self._services.append(running)
        return running

    def _create(self, launch: ServiceLaunch, *, gated: bool) -> tuple[Container, Gate | None]:
        """Create ``launch``'s container; ``gated``: also start it, its program held at a gate
        (when the image has the shell the gate needs)."""
        from docker.errors import APIError, ImageNotFound

        context = launch.context
        image = self._image_for(launch)
        env = {**launch.env, RUN_MARKER: self.run_id}
        volumes = {str(context.host_output_dir.resolve()): {"bind": str(CONTAINER_OUTPUT_DIR), "mode": "rw"}}
        labels = {**self.labels, SERVICE_LABEL: launch.name}
        gate = Gate(context.host_output_dir, CONTAINER_OUTPUT_DIR) if gated else None
        user = self._container_user(context.host_output_dir)
        address = self._addresses[launch.name]
        name = f"{self.network_name}-{folder_name(launch.name)}"[:120]
        endpoint = self.client.api.create_endpoint_config(ipv4_address=address, aliases=[launch.name])
        self._record(launch, image=image, env=env, address=address, labels=labels, user=user)
        try:
            container = self.client.containers.create(
                image,
                command=gate.argv(launch.argv) if gate is not None else launch.argv,
                name=name,
                environment=env,
                volumes=volumes,
                labels=labels,
                user=user,
                working_dir=str(CONTAINER_OUTPUT_DIR),
                hostname=folder_name(launch.name)[:63],
                network=self.network_name,
                networking_config={self.network_name: endpoint},
                # A small init as process 1 passes SIGTERM on: a program that sets no
                # handler of its own then ends at once, as it would on this host.
                init=True,
                stdin_open=False,
                tty=False,
            )
        except (APIError, ImageNotFound) as exc:
            if gate is not None:
                gate.close()
            raise ServiceStartError(f"could not create the container of {launch.name}: {exc}") from None
        if not program_in_container(container, launch.argv[0]):
            container.remove(force=True)
            raise ServiceStartError(f"binary not found in image {image}: {launch.argv[0]}")
        if gate is not None and not program_in_container(container, SHELL):
            gate.close()  # no shell for the gate: the container starts when the service does
            gate = None
        if gate is not None and not self.cancellation.cancelled:
            _start(container, launch)
        return container, gate

    def _made(self, staged: Future[tuple[Container, Gate | None]]) -> tuple[Container, Gate | None]:
        """A staged container once it is made (its failure is raised here); Ctrl-C does not wait for it."""
        while True:
            try:
                return staged.result(timeout=WAIT_STEP)
            except FutureTimeout:
                if self.cancellation.cancelled:
                    raise ServiceStartError(f"not started: {self.cancellation.reason}") from None

    @staticmethod
    def _discard(staged: Future[tuple[Container, Gate | None]]) -> None:
        """Remove a staged container that will not be started, and its gate."""
        from docker.errors import DockerException

        if staged.exception() is not None:
            return  # it was never made
        container, gate = staged.result()
        with contextlib.suppress(DockerException):
            container.remove(force=True, v=True)
        if gate is not None:
            gate.close()

    def _record(self, launch: ServiceLaunch, **service: Any) -> None:
        """Add ``launch`` to ``docker-compose.yml``, as it runs (not through its gate)."""
        with self._compose_lock:
            self._compose_services[launch.name] = {
                **service,
                "argv": launch.argv,
                "host_dir": str(launch.context.host_output_dir.resolve()),
                "target": launch.context.target,
            }
            self._write_compose_file()

    def _write_compose_file(self) -> None:
        write_compose_file(
            self.test_dir / COMPOSE_FILE,
            network=self.network_name,
            subnet=str(self._subnet),  # set together with the network
            labels=self.labels,
            services=self._compose_services,
            container_dir=str(CONTAINER_OUTPUT_DIR),
        )

    def _image_for(self, launch: ServiceLaunch) -> str:
        """The implementation's image: made in the experiment's prepare phase, so here
        it is only looked up (or made, when a test runs without that phase)."""
        prepared = self.preparation.data
        if isinstance(prepared, PreparedImages) and (self._test_index, launch.name) in prepared.images:
            return prepared.images[(self._test_index, launch.name)]
        try:
            return implementation_image(
                launch.manager,
                base_image=self.experiment.docker.base_image,
                build=self.experiment.docker.build,
                log_path=launch.context.host_output_dir / IMAGE_BUILD_LOG,
            )
        except DockerBuildError as exc:
            raise ServiceStartError(f"no image for {launch.manager.implementation_name}: {exc}") from None
        except DockerUnavailableError as exc:
            raise ServiceStartError(str(exc)) from None

    # ------------------------------------------------------------------ teardown
    def teardown(self) -> None:
        if self._staging is not None:
            # Containers still being made must exist before they can be removed.
            self._staging.shutdown(wait=True, cancel_futures=True)
        grace = self.docker_config.stop_grace
        with ThreadPoolExecutor(max_workers=REMOVERS, thread_name_prefix="panther-teardown") as workers:
            # Side by side: each may wait its grace for a program to end.
            list(workers.map(lambda service: service.stop(grace=grace), self._services))
            list(workers.map(lambda staged: self._discard(staged[1]), self._staged.values()))
        self._staged.clear()
        if self.path is not None:
            self.path.stop()
        if self._exits is not None:
            self._exits.close()
            self._exits = None
        if self._client is not None:
            remove_labelled(self._client, OWNER_LABEL, self.owner_id)
        self._network = None

    def default_readiness_probe(
        self, service: RunningService, context: ServiceContext, transport: str
    ) -> ReadinessProbe | None:
        if isinstance(service, ContainerService) and transport in ("tcp", "udp"):
            return ContainerPortProbe(service, transport, context.host, context.port)
        return super().default_readiness_probe(service, context, transport)


def _same(staged: ServiceLaunch, launch: ServiceLaunch) -> bool:
    """Whether a staged container runs what ``launch`` asks (the runner may change a command)."""
    return (staged.argv, staged.env, staged.context.host_output_dir) == (
        launch.argv,
        launch.env,
        launch.context.host_output_dir,
    )


def _start(container: Container, launch: ServiceLaunch) -> None:
    """Start a created container; the engine's refusal is the service's start error."""
    from docker.errors import APIError

    try:
        container.start()
    except APIError as exc:
        container.remove(force=True)
        raise ServiceStartError(f"could not start the container of {launch.name}: {exc.explanation or exc}") from None
