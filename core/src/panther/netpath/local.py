"""The path on the ``local`` environment: a relay process on this host, between loopback addresses.

While the environment plans a test, :meth:`LocalRelay.deploy` binds one socket per
server that has clients (the address those clients will send to), points the clients'
``host``/``port`` at it, and starts the relay process with those sockets already bound,
so that nothing a client sends can arrive before the path exists. The relay's own
start (a Python start-up) goes on while the servers start: the environment waits for
it (:meth:`LocalRelay.wait_started`) only before it starts a client. The relay runs in a
session of its own, carries the run's marker variable, and holds the read end of a
lifeline pipe whose write end only the harness has: when the harness ends (or dies),
the pipe closes and the relay finishes.
"""

from __future__ import annotations

import contextlib
import os
import random
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from panther.environments.base import RUN_MARKER
from panther.netpath.config import PathConfig
from panther.netpath.deployment import PathDeployment, clients_by_server
from panther.netpath.files import PATH_FOLDER, RELAY_LOG, RELAY_SPEC, NetworkPath, PathRoute
from panther.netpath.relay import SOCKET_BUFFER
from panther.netpath.spec import RelaySpec, RouteSpec, write_spec
from panther.netpath.verdict import path_checks
from panther.runner.watchdog import session_started
from panther.services.context import ServiceContext
from panther.services.outcome import Check

#: Seconds the relay may take to start (a Python start-up on a loaded machine).
START_TIMEOUT = 20.0
#: Seconds it may take to write its record once told to finish.
FINISH_TIMEOUT = 10.0


class PathStartError(RuntimeError):
    """The relay process could not start; the message says why."""


class LocalRelay(PathDeployment):
    def __init__(self, files: NetworkPath, process: subprocess.Popen[bytes], lifeline: int, ready: int) -> None:
        self.files = files
        self.process = process
        self._lifeline: int | None = lifeline
        # The pipe the relay writes "1" into once it runs; None once read.
        self._ready: int | None = ready
        self._checks: list[Check] | None = None

    @classmethod
    def deploy(
        cls,
        config: PathConfig,
        contexts: Mapping[str, ServiceContext],
        test_dir: Path,
        *,
        host: str,
        run_id: str = "",
    ) -> LocalRelay:
        """Route every client through a new relay; returns once the relay forwards.

        ``run_id``: the run the relay belongs to; it carries the run's marker and its
        session is the watchdog's to end if the harness dies.
        """
        folder = test_dir / PATH_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sockets: list[socket.socket] = []
        routes: list[RouteSpec] = []
        try:
            for server, clients in clients_by_server(contexts).items():
                sock = socket.socket(family, socket.SOCK_DGRAM)
                sockets.append(sock)
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
                sock.bind((host, 0))
                listen = (host, sock.getsockname()[1])
                target = contexts[server]
                routes.append(
                    RouteSpec(
                        server=server,
                        clients=clients,
                        listen=listen,
                        target=(target.host, target.port),
                        listen_fd=sock.fileno(),
                    )
                )
                for client in clients:
                    contexts[client].host, contexts[client].port = listen
            seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**63)
            relay = cls._start(folder, config, seed, routes, sockets, {RUN_MARKER: run_id} if run_id else {})
            session_started(run_id, relay.process.pid)
            return relay
        finally:
            for sock in sockets:
                sock.close()  # the relay has its own copies

    @classmethod
    def _start(
        cls,
        folder: Path,
        config: PathConfig,
        seed: int,
        routes: list[RouteSpec],
        sockets: list[socket.socket],
        env: Mapping[str, str],
    ) -> LocalRelay:
        ready_read, ready_write = os.pipe()
        lifeline_read, lifeline_write = os.pipe()
        spec = RelaySpec(
            folder=str(folder.resolve()),
            seed=seed,
            settings=config,
            routes=routes,
            ready_fd=ready_write,
            lifeline_fd=lifeline_read,
        )
        spec_path = folder / RELAY_SPEC
        write_spec(spec_path, spec)
        files = NetworkPath(
            folder=folder,
            routes=tuple(PathRoute(r.server, tuple(r.clients), r.listen, r.target) for r in routes),
        )
        try:
            with open(folder / RELAY_LOG, "wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "panther.netpath", str(spec_path)],
                    cwd=folder,
                    env={**os.environ, **env},
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    pass_fds=(ready_write, lifeline_read, *(sock.fileno() for sock in sockets)),
                    start_new_session=True,
                )
        except OSError as exc:
            for fd in (ready_read, ready_write, lifeline_read, lifeline_write):
                os.close(fd)
            raise PathStartError(f"the network path relay could not start: {exc}") from None
        os.close(ready_write)
        os.close(lifeline_read)
        return cls(files, process, lifeline_write, ready_read)

    def wait_started(self) -> None:
        """Return once the relay runs; PathStartError when it could not start."""
        if self._ready is None:
            return
        try:
            ready, _, _ = select.select([self._ready], [], [], START_TIMEOUT)
            started = bool(ready) and os.read(self._ready, 1) == b"1"
        finally:
            os.close(self._ready)
            self._ready = None
        if not started:
            self.stop()
            folder = self.files.folder
            log_text = (folder / RELAY_LOG).read_text(errors="replace").strip()
            raise PathStartError(
                "the network path relay did not start"
                + (f": {log_text.splitlines()[-1]}" if log_text else f" within {START_TIMEOUT:g} s")
            )

    def finish(self) -> list[Check]:
        if self._checks is None:
            self._close_lifeline()
            code = self._wait(FINISH_TIMEOUT)
            if code is not None:
                self._close_ready()
            self._checks = path_checks(self.files, self.files.folder / RELAY_LOG, code)
        return self._checks

    def stop(self) -> None:
        self._close_lifeline()
        if self._wait(FINISH_TIMEOUT) is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._close_ready()

    def _close_ready(self) -> None:
        # Only once the relay has ended: a relay still starting writes to this pipe.
        if self._ready is not None:
            os.close(self._ready)
            self._ready = None

    def _close_lifeline(self) -> None:
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None

    def _wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
