"""The order services start in: listeners first, then every service after its target."""

from __future__ import annotations

from collections.abc import Mapping

from panther.config.resolved import ResolvedService


class StartOrderError(ValueError):
    pass


def start_order(services: Mapping[str, ResolvedService]) -> list[str]:
    """Service names so that each comes after the service it targets; servers and
    peers come before clients where the targets allow it."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, chain: list[str]) -> None:
        if name in order:
            return
        if name in visiting:
            raise StartOrderError(f"services target each other in a cycle: {' -> '.join([*chain, name])}")
        visiting.add(name)
        target = services[name].protocol.target
        if target is not None and target in services:
            visit(target, [*chain, name])
        visiting.discard(name)
        order.append(name)

    listeners = [name for name, service in services.items() if service.protocol.role != "client"]
    clients = [name for name, service in services.items() if service.protocol.role == "client"]
    for name in [*listeners, *clients]:
        visit(name, [])
    return order
