"""A service running in a Docker container, and how to tell that it is listening.

:class:`ContainerService` is the :class:`~panther.environments.base.RunningService`
of the ``docker_compose`` environment: it copies the container's output into the
service's log files as it comes, reports its exit code, and removes the container
once stopped. :class:`ContainerPortProbe` is the readiness probe for services whose
manager offers none.
"""

from __future__ import annotations

import contextlib
import math
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from panther.environments.base import RunningService, ServiceLaunch
from panther.services.readiness import ReadinessProbe

if TYPE_CHECKING:
    from docker.models.containers import Container


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


class ContainerService(RunningService):
    def __init__(self, launch: ServiceLaunch, container: Container) -> None:
        super().__init__(launch)
        self.container = container
        self._exit_code: int | None = None
        self._copiers = [
            _LogCopier(container, self.stdout_path, stdout=True),
            _LogCopier(container, self.stderr_path, stdout=False),
        ]
        for copier in self._copiers:
            copier.start()

    @property
    def pid(self) -> int | None:
        if self._exit_code is not None:
            return None
        from docker.errors import DockerException

        try:
            self.container.reload()
        except DockerException:
            return None  # removed: it has no process any more
        pid = self.container.attrs.get("State", {}).get("Pid")
        return int(pid) if pid else None

    def poll(self) -> int | None:
        if self._exit_code is None:
            from docker.errors import NotFound

            try:
                self.container.reload()
            except NotFound:
                return self._exit_code
            state = self.container.attrs.get("State", {})
            if state.get("Status") in ("exited", "dead"):
                self._exit_code = int(state.get("ExitCode", -1))
        return self._exit_code

    def wait(self, timeout: float) -> int | None:
        if self.poll() is not None or timeout <= 0:
            return self._exit_code
        from docker.errors import DockerException
        from requests.exceptions import RequestException

        try:
            result = self.container.wait(timeout=timeout)
        except (RequestException, DockerException):
            return self.poll()  # the time ran out (or the container went away)
        self._exit_code = int(result.get("StatusCode", -1))
        return self._exit_code

    def stop(self, grace: float) -> int | None:
        from docker.errors import DockerException

        if self.poll() is None:
            self.stopped_by_harness = True
            # A DockerException here means it ended on its own meanwhile.
            with contextlib.suppress(DockerException):
                self.container.stop(timeout=max(math.ceil(grace), 0))
            self.wait(grace + 10.0)
        for copier in self._copiers:
            copier.join(timeout=5.0)
        with contextlib.suppress(DockerException):  # already removed
            self.container.remove(force=True, v=True)
        return self._exit_code


class ContainerPortProbe(ReadinessProbe):
    """Ready once a socket in the container's network namespace is bound to the port.

    Reads the container's ``/proc/<pid>/net`` tables from this host, so it works for
    UDP, where nothing answers a connection attempt, and needs nothing in the image.
    """

    def __init__(self, service: ContainerService, transport: str, host: str, port: int) -> None:
        self.service, self.transport, self.host, self.port = service, transport, host, port

    def attempt(self, timeout: float) -> bool:
        pid = self.service.pid
        if pid is None:
            return False
        for table in (self.transport, f"{self.transport}6"):
            try:
                lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) != self.port:
                    continue
                if self.transport == "tcp" and fields[3] != "0A":  # not LISTEN
                    continue
                return True
        return False

    def describe(self) -> str:
        return f"{self.transport} port {self.host}:{self.port} bound in container {self.service.name}"
