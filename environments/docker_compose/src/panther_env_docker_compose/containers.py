"""A service running in a Docker container, and how to tell that it is listening.

:class:`ContainerService` is the :class:`~panther.environments.base.RunningService`
of the ``docker_compose`` environment: it copies the container's output into the
service's log files as it comes, and learns of its end the moment the engine does
(:class:`ExitWatcher`), never by polling. :class:`ContainerPortProbe` is the
readiness probe for services whose manager offers none.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from panther.environments.base import RunningService, ServiceLaunch
from panther.services.readiness import ReadinessProbe

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

    from panther_env_docker_compose.gate import Gate

#: The exit code of a container that went away without the engine saying how it ended.
UNKNOWN_EXIT = -1
#: Seconds to wait for the engine to report a SIGKILLed container's end.
KILLED_WAIT = 10.0
#: Seconds to wait for the last of a container's output once it ended.
COPY_WAIT = 5.0
# Go's os.FileMode bit of a directory, in the engine's answer about a path.
_MODE_DIRECTORY = 1 << 31


def program_in_container(container: Container, program: str) -> bool:
    """Whether the created (not yet started) ``container`` holds ``program``, looked up
    like ``execvp`` does: as a path, or in each folder of the container's ``PATH``.

    Containers start with a small init as process 1, which reports a program it
    cannot run only once started, with exit code 127 (which means "unsupported" to
    PANTHER); asking first makes a missing binary a start error, as on this host.
    """
    env = dict(item.split("=", 1) for item in container.attrs["Config"].get("Env") or [] if "=" in item)
    if "/" in program:
        workdir = PurePosixPath(container.attrs["Config"].get("WorkingDir") or "/")
        candidates = [workdir / program]
    else:
        folders = env.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":")
        candidates = [PurePosixPath(folder or ".") / program for folder in folders]
    api = container.client.api
    url = f"{api.base_url}/v{api.api_version}/containers/{container.id}/archive"
    for candidate in candidates:
        # HEAD of the archive endpoint: the path's metadata, none of its bytes.
        answer = api.head(url, params={"path": str(candidate)})
        stat = answer.headers.get("X-Docker-Container-Path-Stat")
        if answer.status_code == 200 and stat and not json.loads(base64.b64decode(stat))["mode"] & _MODE_DIRECTORY:
            return True
    return False


class _LogCopier(threading.Thread):
    """Copies one output stream of a container into a file while it runs."""

    def __init__(self, container: Container, path: Path, *, stdout: bool) -> None:
        super().__init__(name=f"logs-{container.name}-{'out' if stdout else 'err'}", daemon=True)
        self.container, self.path, self.stdout = container, path, stdout

    def run(self) -> None:
        from docker.errors import DockerException
        from requests.exceptions import RequestException

        with open(self.path, "ab") as sink:
            try:
                for chunk in self.container.logs(stdout=self.stdout, stderr=not self.stdout, stream=True, follow=True):
                    sink.write(chunk)
                    sink.flush()
            except (DockerException, RequestException):
                pass  # the container was removed under us: what was copied stays


class ExitWatcher:
    """The end of each container of one test, as soon as the engine knows it.

    Waiting on a container answers only once the engine has also cleaned up after it
    (unmounted its file system, released its network endpoint): most of a second
    after the program ended. The container's ``die`` event carries the exit code at
    once. One stream of events per test, filtered by its label, serves every
    container; it is opened before the first container starts, so none is missed.
    """

    def __init__(self, client: DockerClient, label: str, value: str) -> None:
        self._stream = client.events(
            filters={"type": "container", "event": "die", "label": f"{label}={value}"}, decode=True
        )
        self._lock = threading.Lock()
        self._services: dict[str, ContainerService] = {}
        self._codes: dict[str, int] = {}  # ends seen before their service was watched
        self._thread = threading.Thread(target=self._read, name=f"exits-{value}", daemon=True)
        self._thread.start()

    def watch(self, service: ContainerService) -> None:
        with self._lock:
            code = self._codes.pop(str(service.container.id), None)
            if code is None:
                self._services[str(service.container.id)] = service
        if code is not None:
            service.ended(code)

    def _read(self) -> None:
        from docker.errors import DockerException
        from requests.exceptions import RequestException

        with contextlib.suppress(DockerException, RequestException, OSError, ValueError):  # closed
            for event in self._stream:
                container = str(event.get("id") or event.get("Actor", {}).get("ID", ""))
                code = int(event.get("Actor", {}).get("Attributes", {}).get("exitCode", UNKNOWN_EXIT))
                with self._lock:
                    service = self._services.pop(container, None)
                    if service is None:
                        self._codes[container] = code
                if service is not None:
                    service.ended(code)

    def close(self) -> None:
        self._stream.close()


class ContainerService(RunningService):
    def __init__(
        self, launch: ServiceLaunch, container: Container, gate: Gate | None = None, exits: ExitWatcher | None = None
    ) -> None:
        super().__init__(launch)
        self.container = container
        self.gate = gate
        self._exit_code: int | None = None
        self._ended = threading.Event()
        # The process id stays the same while the container runs: read once.
        container.reload()
        self._pid = int(container.attrs.get("State", {}).get("Pid") or 0) or None
        self._copiers = [
            _LogCopier(container, self.stdout_path, stdout=True),
            _LogCopier(container, self.stderr_path, stdout=False),
        ]
        for copier in self._copiers:
            copier.start()
        if exits is not None:
            exits.watch(self)
        # Also asked of the engine directly: slower, but independent of the event stream.
        threading.Thread(target=self._await_end, name=f"wait-{container.name}", daemon=True).start()

    def ended(self, code: int) -> None:
        """The container's program ended with ``code`` (the first word on it counts)."""
        if not self._ended.is_set():
            self._exit_code = code
            self._ended.set()

    def _await_end(self) -> None:
        from docker.errors import DockerException
        from requests.exceptions import RequestException

        try:
            code = int(self.container.wait().get("StatusCode", UNKNOWN_EXIT))
        except (DockerException, RequestException):
            code = UNKNOWN_EXIT  # removed before it could say
        self.ended(code)

    @property
    def pid(self) -> int | None:
        return None if self._ended.is_set() else self._pid

    def poll(self) -> int | None:
        return self._exit_code if self._ended.is_set() else None

    def wait(self, timeout: float) -> int | None:
        self._ended.wait(max(timeout, 0.0))
        return self.poll()

    def stop(self, grace: float) -> int | None:
        """SIGTERM (passed on by the container's init), SIGKILL after ``grace`` seconds.

        Returns once the program has ended and its output is copied; the engine's
        clean-up of the container goes on meanwhile, and teardown removes it.
        """
        if not self._ended.is_set():
            self.stopped_by_harness = True
            self._signal("SIGTERM")
            if not self._ended.wait(grace):
                self._signal("SIGKILL")
                self._ended.wait(KILLED_WAIT)
        for copier in self._copiers:
            copier.join(timeout=COPY_WAIT)
        if self.gate is not None:
            self.gate.close()
        return self.poll()

    def _signal(self, name: str) -> None:
        from docker.errors import DockerException

        with contextlib.suppress(DockerException):  # it ended meanwhile
            self.container.kill(signal=name)


def port_bound(pid: int, transport: str, port: int) -> bool:
    """Whether a socket in the network namespace of process ``pid`` (a container's, seen
    from this host) is bound to ``port`` (and listens, for TCP)."""
    for table in (transport, f"{transport}6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) != port:
                continue
            if transport == "tcp" and fields[3] != "0A":  # not LISTEN
                continue
            return True
    return False


class ContainerPortProbe(ReadinessProbe):
    """Ready once a socket in the container's network namespace is bound to the port.

    Reads the container's ``/proc/<pid>/net`` tables from this host, so it works for
    UDP, where nothing answers a connection attempt, and needs nothing in the image.
    """

    def __init__(self, service: ContainerService, transport: str, host: str, port: int) -> None:
        self.service, self.transport, self.host, self.port = service, transport, host, port

    def attempt(self, timeout: float) -> bool:
        pid = self.service.pid
        return pid is not None and port_bound(pid, self.transport, self.port)

    def describe(self) -> str:
        return f"{self.transport} port {self.host}:{self.port} bound in container {self.service.name}"
