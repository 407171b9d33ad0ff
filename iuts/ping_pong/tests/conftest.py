"""Fixtures: servers that are always stopped, and a loopback UDP socket."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from processes import STARTUP_LIMIT, RunningServer, start_server


@pytest.fixture
def server_factory() -> Iterator[Callable[..., RunningServer]]:
    """Start servers with ``server_factory(*args)``; every one is killed at the end."""
    started: list[RunningServer] = []

    def start(*args: str, host: str = "127.0.0.1") -> RunningServer:
        server = start_server(*args, host=host)
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()


@pytest.fixture
def udp_socket() -> Iterator[socket.socket]:
    """A client socket on loopback whose reads give up rather than hang."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(STARTUP_LIMIT)
        yield sock
