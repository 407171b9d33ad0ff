"""What a network environment does with a path: deploy it in ``plan``, finish it before the verdict.

An environment that offers ``path:`` (``local``, ``docker_compose``) sets
``NetworkEnvironment.path`` to a :class:`PathDeployment` while planning: by then every
client's ``host``/``port`` points at the path, and the servers' are unchanged. The
runner ends the path once the services have ended (:meth:`PathDeployment.finish`), so
that the captures and ``path.json`` are complete before any check reads them, and the
environment's teardown ends whatever is left (:meth:`PathDeployment.stop`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

from panther.netpath.files import NetworkPath
from panther.services.context import ServiceContext
from panther.services.outcome import Check


class PathDeployment(ABC):
    """One test's path, however the environment runs it."""

    files: NetworkPath

    def wait_started(self) -> None:  # noqa: B027 - a path that starts at once has nothing to wait for
        """Return once the path carries traffic; the environment calls it before starting a client."""

    @abstractmethod
    def finish(self) -> list[Check]:
        """End the path (it writes its record), and judge it: the ``network path`` check."""

    @abstractmethod
    def stop(self) -> None:
        """End whatever of the path still runs; safe to call more than once."""


def clients_by_server(contexts: Mapping[str, ServiceContext]) -> dict[str, list[str]]:
    """The clients of each server that has any, in the test's order: one route each.

    Peers talk to each other directly; the path sits between clients and what they target.
    """
    routes: dict[str, list[str]] = {}
    for name, context in contexts.items():
        if context.role == "client" and context.target is not None:
            routes.setdefault(context.target, []).append(name)
    return routes
