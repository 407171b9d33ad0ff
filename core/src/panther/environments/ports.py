"""Free ports for the servers of a run, never handed out twice at the same time.

Tests may run side by side (``--jobs``); each server gets a port that is free for
both TCP and UDP when allocated and that no other live test of this harness holds.
Ports are taken below the kernel's ephemeral range, so the outgoing connections of
clients (which the kernel numbers from that range) cannot take a server's port
between its allocation and its bind.
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10000


def _ephemeral_start() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def is_free(host: str, port: int) -> bool:
    """True when ``port`` can be bound on ``host`` for both TCP and UDP right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(family, kind) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


class PortAllocator:
    """Hands out free ports and remembers them until they are released."""

    def __init__(self, low: int = _LOWEST, high: int | None = None) -> None:
        self.low = low
        self.high = high if high is not None else _ephemeral_start() - 1
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._random = random.Random()

    def allocate(self, host: str = "127.0.0.1") -> int:
        with self._lock:
            for _ in range(2000):
                port = self._random.randint(self.low, self.high)
                if port not in self._held and is_free(host, port):
                    self._held.add(port)
                    return port
        raise RuntimeError(f"no free port between {self.low} and {self.high} on {host}")

    def release(self, ports: set[int] | list[int]) -> None:
        with self._lock:
            self._held.difference_update(ports)

    @property
    def held(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._held)


#: One allocator for the whole harness process: every test of every run shares it.
ALLOCATOR = PortAllocator()
