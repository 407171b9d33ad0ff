"""The ``local`` network environment: every service is a process group on this host.

Servers listen on the loopback address, each on a port of its own from the
harness-wide :data:`~panther.environments.ports.ALLOCATOR`, so tests running side by
side never share a port. A service is started from its argv list (never through a
shell) in its own session, so that stopping it can end every process it forked;
processes that left the group are still found by the marker variables in their
environment.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panther.config.models import NetworkEnvironmentConfig
from panther.environments import procfs
from panther.environments.base import (
    LISTENING_ROLES,
    RUN_MARKER,
    STDERR_LOG,
    STDOUT_LOG,
    NetworkEnvironment,
    RunningService,
    ServiceLaunch,
    ServiceStartError,
    port_mapping,
)
from panther.environments.ports import ALLOCATOR
from panther.netpath.config import PathConfig
from panther.netpath.files import PATH_FOLDER
from panther.plugins.manifest import register_plugin
from panther.runner.watchdog import session_started
from panther.services.context import ServiceContext
from panther.services.readiness import ReadinessProbe

if TYPE_CHECKING:
    from panther.config.resolved import ResolvedTest

#: Environment variable naming one started service; its forked children inherit it.
SERVICE_MARKER = "PANTHER_SERVICE_ID"


class LocalConfig(NetworkEnvironmentConfig, kw_only=True, forbid_unknown_fields=True):
    """Options of ``network_environment: {type: local, ...}``."""

    # The loopback address servers listen on (127.0.0.0/8 or ::1).
    host: str = "127.0.0.1"
    # Listen on the host port of a server's first ``ports:`` entry instead of a free one.
    # Off by default: fixed ports would collide when tests run side by side.
    use_declared_ports: bool = False
    # The longest to wait for one server to become ready, in seconds.
    readiness_timeout: float = 30.0
    # A path between the clients and their servers (a relay that records and impairs).
    path: PathConfig | None = None

    def __post_init__(self) -> None:
        try:
            loopback = ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"host must be a loopback address (127.0.0.0/8 or ::1), got {self.host!r}")
        if self.readiness_timeout <= 0:
            raise ValueError(f"readiness_timeout must be positive, got {self.readiness_timeout}")
        if self.path is not None and self.path.rebinds_address and ":" in self.host:
            raise ValueError("path.rebind with change: address needs an IPv4 host (::1 is the only IPv6 loopback)")


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is already gone
        os.killpg(pgid, signum)


#: Seconds a stop waits for the processes it killed to be gone.
KILLED_GONE_WITHIN = 2.0


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _kill_and_wait(name: str, value: str) -> None:
    """SIGKILL the processes whose environment holds ``name=value``, and return once they
    are gone (a killed process lives on until the kernel has torn it down, which a busy
    host takes its time over): a stopped service has left nothing running."""
    deadline = time.monotonic() + KILLED_GONE_WITHIN
    while (remaining := procfs.processes_with_variable(name, value)) and time.monotonic() < deadline:
        _kill(remaining)
        time.sleep(0.005)


class LocalRunningService(RunningService):
    def __init__(self, launch: ServiceLaunch, process: subprocess.Popen[bytes], service_id: str) -> None:
        super().__init__(launch)
        self.process = process
        self.service_id = service_id
        self._swept = False

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def poll(self) -> int | None:
        return self.process.poll()

    def wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            return None

    def processes(self) -> list[int]:
        """Every live process of this service: its group and whatever escaped it."""
        pids = set(procfs.process_group(self.process.pid))
        pids.update(procfs.processes_with_variable(SERVICE_MARKER, self.service_id))
        return sorted(pids)

    def stop(self, grace: float) -> int | None:
        if self._swept:
            # Everything of this service was killed after its leader ended: nothing can remain.
            return self.process.returncode
        if self.process.poll() is None:
            self.stopped_by_harness = True
        pgid = self.process.pid
        # Signal the group even when its leader has exited: forked children may remain.
        self.process.poll()  # reap the leader if it ended, so it does not count as a member
        if procfs.group_alive(pgid):
            _signal_group(pgid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                self.process.poll()
                if not procfs.group_alive(pgid):
                    break
                self.wait(0.02)
            _signal_group(pgid, signal.SIGKILL)
        _kill_and_wait(SERVICE_MARKER, self.service_id)
        code = self.process.wait()
        self._swept = True
        return code


class LocalPortProbe(ReadinessProbe):
    """Ready once a process of the service itself has bound its port.

    Works for UDP, where nothing answers a connection, and is not fooled by another
    program that already holds the port.
    """

    def __init__(self, service: LocalRunningService, transport: str, host: str, port: int) -> None:
        self.service, self.transport, self.host, self.port = service, transport, host, port

    def attempt(self, timeout: float) -> bool:
        bound = procfs.bound_socket_inodes(self.transport, self.port)
        return bool(bound) and bool(bound & procfs.socket_inodes(self.service.processes()))

    def describe(self) -> str:
        return f"{self.transport} port {self.host}:{self.port} bound by {self.service.name}"


@register_plugin(
    plugin_type="network_environment",
    name="local",
    description="Processes on this host, on the loopback address",
)
class LocalNetworkEnvironment(NetworkEnvironment):
    name = "local"
    config_class = LocalConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # the signature of NetworkEnvironment
        self._ports: set[int] = set()
        self._services: list[LocalRunningService] = []

    @property
    def readiness_timeout(self) -> float:
        return self.config.readiness_timeout if isinstance(self.config, LocalConfig) else super().readiness_timeout

    def plan(self, test: ResolvedTest) -> dict[str, ServiceContext]:
        host = self.config.host if isinstance(self.config, LocalConfig) else "127.0.0.1"
        use_declared = isinstance(self.config, LocalConfig) and self.config.use_declared_ports
        contexts = self.service_contexts(test, reserved={PATH_FOLDER})
        for name, context in contexts.items():
            context.host = host
            if context.role in LISTENING_ROLES:
                fixed = port_mapping(test.services[name].config.ports) if use_declared else None
                context.port = fixed[0] if fixed is not None else self._allocate(host)
        self.aim_clients(contexts, lambda _name, target: target.host)
        if isinstance(self.config, LocalConfig) and self.config.path is not None:
            from panther.netpath.local import LocalRelay

            self.path = LocalRelay.deploy(self.config.path, contexts, self.test_dir, host=host, run_id=self.run_id)
        return contexts

    def _allocate(self, host: str) -> int:
        port = ALLOCATOR.allocate(host)
        self._ports.add(port)
        return port

    def start(self, launch: ServiceLaunch) -> RunningService:
        if self.path is not None and launch.context.role not in LISTENING_ROLES:
            self.path.wait_started()  # what a client sends goes through it
        directory: Path = launch.context.host_output_dir
        service_id = uuid.uuid4().hex
        env = {**os.environ, **launch.env, RUN_MARKER: self.run_id, SERVICE_MARKER: service_id}
        program = launch.argv[0] if launch.argv else ""
        with open(directory / STDOUT_LOG, "wb") as stdout, open(directory / STDERR_LOG, "wb") as stderr:
            try:
                process = subprocess.Popen(
                    launch.argv,
                    cwd=directory,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=stdout,
                    stderr=stderr,
                    start_new_session=True,
                )
            except FileNotFoundError:
                raise ServiceStartError(f"binary not found: {program}") from None
            except PermissionError:
                raise ServiceStartError(f"binary not executable: {program}") from None
            except OSError as exc:
                raise ServiceStartError(f"could not start {program}: {exc.strerror or exc}") from None
        # Its session is its own (start_new_session): if the harness dies, the run's
        # watchdog ends every process of it.
        session_started(self.run_id, process.pid)
        running = LocalRunningService(launch, process, service_id)
        self._services.append(running)
        return running

    def teardown(self) -> None:
        for service in self._services:
            service.stop(grace=1.0)
        if self.path is not None:
            self.path.stop()
        ALLOCATOR.release(self._ports)
        self._ports.clear()

    def default_readiness_probe(
        self, service: RunningService, context: ServiceContext, transport: str
    ) -> ReadinessProbe | None:
        if isinstance(service, LocalRunningService) and transport in ("tcp", "udp"):
            return LocalPortProbe(service, transport, context.host, context.port)
        return super().default_readiness_probe(service, context, transport)
