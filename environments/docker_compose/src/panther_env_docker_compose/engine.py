"""The connection to the Docker engine and the errors Docker work reports.

The docker SDK is imported here, on first use: importing it costs more than half a
second, which a process pays once. One client per engine address serves the whole
process (every test, every thread; a forked worker makes its own): making a client
and checking that the engine answers is done once, not on each image lookup.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import docker

_clients: dict[str, docker.DockerClient] = {}
_lock = threading.Lock()


def _forget_in_child() -> None:
    # A forked worker makes its own connections: two processes on one socket would
    # read each other's answers; and the lock may have been held by a parent's thread.
    global _lock
    _clients.clear()
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


class DockerUnavailableError(Exception):
    """The Docker engine cannot be reached (not installed, not running, no permission)."""


class DockerBuildError(Exception):
    """An image could not be made; the message says which and why."""


def connect() -> docker.DockerClient:
    """A client for the engine named by the usual variables (``DOCKER_HOST`` ...), made once."""
    address = os.environ.get("DOCKER_HOST", "")
    with _lock:
        client = _clients.get(address)
        if client is None:
            client = _clients[address] = _new_client()
    return client


def _new_client() -> docker.DockerClient:
    try:
        import docker
        from docker.errors import DockerException
    except ImportError as exc:  # the SDK is a dependency; a broken install still gets a message
        raise DockerUnavailableError(f"the docker Python SDK cannot be imported: {exc}") from exc
    try:
        # Enough connections for tests side by side: each running container holds
        # two for its logs, and each test makes calls of its own meanwhile.
        client = docker.from_env(max_pool_size=32)
        client.ping()
    except DockerException as exc:
        raise DockerUnavailableError(
            f"the Docker engine is not reachable ({exc}); start it or set DOCKER_HOST"
        ) from exc
    return client


def image_exists(tag: str) -> bool:
    """True when the engine holds an image tagged ``tag``."""
    from docker.errors import ImageNotFound

    try:
        connect().images.get(tag)
    except ImageNotFound:
        return False
    return True
