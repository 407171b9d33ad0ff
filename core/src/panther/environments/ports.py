"""Free ports for the servers of a run, never handed out twice at the same time.

Tests may run side by side (``--jobs``); each server gets a port that is free for
both TCP and UDP when allocated and that no other live test holds: not one of this
process, nor one of another process of this harness or of another harness on the
machine. A port is claimed by a lock (``flock``) on a file named after it in a
shared folder, held until the port is released; the kernel drops the lock of a
process that dies, so a killed harness leaves no claim behind. Ports are taken below
the kernel's ephemeral range, so the outgoing connections of clients (which the
kernel numbers from that range) cannot take a server's port between its allocation
and its bind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import socket
import tempfile
import threading
from pathlib import Path

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10000
#: Where the claims of every harness on the machine meet.
CLAIMS_DIR = Path(tempfile.gettempdir()) / "panther-ports"


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


class _Claims:
    """Port claims shared between processes: one locked file per claimed port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.usable = True

    def _ready(self) -> bool:
        if self.usable and not self.folder.is_dir():
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                # Every user's harness claims ports here (sticky, like /tmp itself).
                self.folder.chmod(0o1777)
            except OSError:
                self.usable = False
        return self.usable

    def claim(self, port: int) -> int | None:
        """A descriptor holding the claim on ``port``; None when another process holds it.
        -1: claims cannot be made here (the folder is not ours to write), so none is held."""
        if not self._ready():
            return -1
        path = self.folder / str(port)
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError:
            return -1
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # The file may have been removed by its releaser between our open and lock.
            if os.fstat(descriptor).st_ino == os.stat(path).st_ino:
                return descriptor
        except OSError:
            pass  # held by another process
        os.close(descriptor)
        return None

    def release(self, port: int, descriptor: int) -> None:
        if descriptor < 0:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.folder / str(port))
        os.close(descriptor)


class PortAllocator:
    """Hands out free ports and remembers them until they are released."""

    def __init__(self, low: int = _LOWEST, high: int | None = None, claims: Path = CLAIMS_DIR) -> None:
        self.low = low
        self.high = high if high is not None else _ephemeral_start() - 1
        self._held: dict[int, int] = {}  # port -> descriptor of its claim
        self._claims = _Claims(claims)
        self._lock = threading.Lock()
        self._random = random.Random()

    def allocate(self, host: str = "127.0.0.1") -> int:
        with self._lock:
            for _ in range(2000):
                port = self._random.randint(self.low, self.high)
                if port in self._held:
                    continue
                claim = self._claims.claim(port)
                if claim is None:
                    continue  # another harness (or worker) holds it
                if is_free(host, port):
                    self._held[port] = claim
                    return port
                self._claims.release(port, claim)
        raise RuntimeError(f"no free port between {self.low} and {self.high} on {host}")

    def release(self, ports: set[int] | list[int]) -> None:
        with self._lock:
            for port in ports:
                claim = self._held.pop(port, None)
                if claim is not None:
                    self._claims.release(port, claim)

    def forget_inherited(self) -> None:
        """In a forked worker: the claims belong to the parent; close this process's
        copies (a copy would keep a claim alive after the parent released it)."""
        for descriptor in self._held.values():
            if descriptor >= 0:
                with contextlib.suppress(OSError):
                    os.close(descriptor)
        self._held = {}
        self._lock = threading.Lock()  # another thread may have held it at the fork
        # A fork copies the generator's state: every worker would try the same ports in turn.
        self._random = random.Random()

    @property
    def held(self) -> frozenset[int]:
        with self._lock:
            return frozenset(self._held)


#: One allocator for the whole harness process: every test of every run shares it.
ALLOCATOR = PortAllocator()
