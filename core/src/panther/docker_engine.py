"""The connection to the Docker engine and the errors Docker work reports.

The docker SDK is imported here, lazily, so that commands which never touch Docker
(``panther --help``, a run on the ``local`` environment) never import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import docker


class DockerUnavailableError(Exception):
    """The Docker engine cannot be reached (not installed, not running, no permission)."""


class DockerBuildError(Exception):
    """An image could not be made; the message says which and why."""


def connect() -> docker.DockerClient:
    """A client for the engine named by the usual variables (``DOCKER_HOST`` ...)."""
    try:
        import docker
        from docker.errors import DockerException
    except ImportError as exc:  # the SDK is a dependency; a broken install still gets a message
        raise DockerUnavailableError(f"the docker Python SDK cannot be imported: {exc}") from exc
    try:
        client = docker.from_env()
        client.ping()
    except DockerException as exc:
        raise DockerUnavailableError(
            f"the Docker engine is not reachable ({exc}); start it or set DOCKER_HOST"
        ) from exc
    return client
