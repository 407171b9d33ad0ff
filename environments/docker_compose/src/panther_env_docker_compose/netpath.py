"""The path on ``docker_compose``: the harness's relay in a container of its own on the test's network.

The same program as on ``local`` (``python -m panther.netpath relay.json``, see
:mod:`panther.netpath.relay`), with the same settings and seed, in an image that holds
the harness (:func:`~panther_env_docker_compose.implementation_images.relay_recipe`).
While the environment plans a test, :meth:`ContainerRelay.deploy` gives the relay an
address on the test's network and one port per server that has clients, points those
clients' ``host``/``port`` at it, starts the container and returns once every port is
bound: nothing a client sends can arrive before the path exists. The test's ``path/``
folder is the container's working folder: the captures and ``path.json`` land where
they do on ``local``.

Its end: the runner ends the path once the services have ended (SIGTERM, passed on by
the container's init; the relay then writes ``path.json``). The container carries the
test's labels and the run's marker variable, like the services' containers: teardown
removes it with them, and if the harness is killed its watchdog ends the relay and the
next run removes the container.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from panther.netpath.config import PathConfig
from panther.netpath.deployment import PathDeployment, clients_by_server
from panther.netpath.files import PATH_FOLDER, RELAY_LOG, RELAY_SPEC, NetworkPath, PathRoute
from panther.netpath.spec import RelaySpec, RouteSpec, write_spec
from panther.netpath.verdict import path_checks
from panther.services.context import ServiceContext
from panther.services.outcome import Check

from panther_env_docker_compose.containers import port_bound

if TYPE_CHECKING:
    from docker.models.containers import Container
    from panther.runner.cancellation import Cancellation

#: Where the relay sees the test's ``path/`` folder.
CONTAINER_PATH_DIR = PurePosixPath("/panther/output")
#: The relay's host name on the test's network.
RELAY_HOSTNAME = "path"
#: Seconds the relay may take to start (a container and a Python start-up on a loaded machine).
START_TIMEOUT = 30.0
#: Seconds it may take to write its record once told to finish.
FINISH_TIMEOUT = 10.0
#: Seconds between two looks at a starting relay.
POLL_STEP = 0.05


class PathStartError(RuntimeError):
    """The relay's container could not start; the message says why."""


def relay_argv() -> list[str]:
    """The relay's command in its container."""
    return ["python3", "-m", "panther.netpath", str(CONTAINER_PATH_DIR / RELAY_SPEC)]


def plan_routes(contexts: Mapping[str, ServiceContext], address: str) -> list[RouteSpec]:
    """One route per server that has clients, listening on ``address``; its clients aimed at it.

    A route listens on its server's port when no other route has it (what the capture
    of each leg then shows is the protocol's usual port), else on the next free one.
    """
    routes: list[RouteSpec] = []
    used: set[int] = set()
    for server, clients in clients_by_server(contexts).items():
        target = contexts[server]
        port = target.port
        while port in used or not 0 < port < 65536:
            port = port + 1 if 0 < port < 65535 else 1024
        used.add(port)
        routes.append(
            RouteSpec(server=server, clients=clients, listen=(address, port), target=(target.host, target.port))
        )
        for client in clients:
            contexts[client].host, contexts[client].port = address, port
    return routes


class ContainerRelay(PathDeployment):
    def __init__(self, files: NetworkPath, container: Container) -> None:
        self.files = files
        self.container = container
        self._checks: list[Check] | None = None
        self._ended = False

    @classmethod
    def deploy(
        cls,
        config: PathConfig,
        contexts: Mapping[str, ServiceContext],
        test_dir: Path,
        *,
        address: str,
        create: Callable[[Path, list[str]], Container],
        cancellation: Cancellation | None = None,
    ) -> ContainerRelay:
        """Route every client through a new relay container at ``address``; returns once it forwards.

        ``create(folder, argv)`` makes the (not yet started) container: the environment's
        image, network, labels and user, with ``folder`` as its working folder.
        """
        folder = test_dir / PATH_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        routes = plan_routes(contexts, address)
        seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**63)
        write_spec(
            folder / RELAY_SPEC, RelaySpec(folder=str(CONTAINER_PATH_DIR), seed=seed, settings=config, routes=routes)
        )
        files = NetworkPath(
            folder=folder,
            routes=tuple(PathRoute(r.server, tuple(r.clients), r.listen, r.target) for r in routes),
        )
        relay = cls(files, create(folder, relay_argv()))
        relay._start([route.listen[1] for route in routes], cancellation)
        return relay

    def _start(self, ports: list[int], cancellation: Cancellation | None) -> None:
        from docker.errors import APIError, NotFound

        try:
            self.container.start()
        except APIError as exc:
            raise PathStartError(
                f"the network path relay's container could not start: {exc.explanation or exc}"
            ) from None
        deadline = time.monotonic() + START_TIMEOUT
        pid = 0
        while True:
            try:
                self.container.reload()
            except NotFound:
                raise PathStartError("the network path relay's container was removed while it started") from None
            state = self.container.attrs.get("State", {})
            pid = int(state.get("Pid") or 0)
            if state.get("Status") in ("exited", "dead") or (pid and all(port_bound(pid, "udp", p) for p in ports)):
                break
            if cancellation is not None and cancellation.cancelled:
                raise PathStartError(f"the network path relay was not started: {cancellation.reason}")
            if time.monotonic() > deadline:
                self.stop()
                raise PathStartError(f"the network path relay did not start within {START_TIMEOUT:g} s")
            time.sleep(POLL_STEP)
        if state.get("Status") in ("exited", "dead"):
            self._ended = True
            log = self._save_log().strip()
            code = state.get("ExitCode")
            raise PathStartError(
                f"the network path relay ended as it started (exit code {code})"
                + (f": {log.splitlines()[-1]}" if log else "")
            )

    def finish(self) -> list[Check]:
        if self._checks is None:
            code = self._end(FINISH_TIMEOUT)
            self._save_log()
            self._checks = path_checks(self.files, self.files.folder / RELAY_LOG, code)
        return self._checks

    def stop(self) -> None:
        if self._end(FINISH_TIMEOUT) is None:
            self._end(FINISH_TIMEOUT, signal="SIGKILL")

    def _end(self, timeout: float, *, signal: str = "SIGTERM") -> int | None:
        """Signal the relay (the container's init passes it on) and wait; its exit code,
        None when it did not end within ``timeout`` seconds."""
        from docker.errors import DockerException
        from requests.exceptions import RequestException

        if not self._ended:
            with contextlib.suppress(DockerException):  # it ended meanwhile
                self.container.kill(signal=signal)
        try:
            answer: dict[str, Any] = self.container.wait(timeout=timeout)
        except (DockerException, RequestException):
            return None
        self._ended = True
        return int(answer.get("StatusCode", -1))

    def _save_log(self) -> str:
        """The relay's output, into ``relay.log`` (as on ``local``); its text."""
        from docker.errors import DockerException

        try:
            output = self.container.logs(stdout=True, stderr=True)
        except DockerException:
            output = b""
        (self.files.folder / RELAY_LOG).write_bytes(output)
        return output.decode(errors="replace")


def relay_compose_service(
    image: str, *, address: str, env: dict[str, str], labels: dict[str, str], user: str, folder: Path
) -> dict[str, Any]:
    """The relay's entry of ``docker-compose.yml``."""
    return {
        "image": image,
        "argv": relay_argv(),
        "env": env,
        "address": address,
        "labels": labels,
        "user": user,
        "host_dir": str(folder.resolve()),
        "target": None,
    }
