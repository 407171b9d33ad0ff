"""Readiness probes: how the runner knows a server is listening before its clients start.

A probe makes one attempt at a time; the runner repeats attempts until the probe
succeeds, the service dies, or the deadline passes. Nothing here sleeps for a fixed
time to "let the server start".
"""

from __future__ import annotations

import re
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path


class ReadinessProbe(ABC):
    @abstractmethod
    def attempt(self, timeout: float) -> bool:
        """One try, bounded by ``timeout`` seconds: True when the service is ready."""

    @abstractmethod
    def describe(self) -> str:
        """A short human description, used in events and failure reasons."""


class TcpConnectProbe(ReadinessProbe):
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def attempt(self, timeout: float) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout):
                return True
        except OSError:
            return False

    def describe(self) -> str:
        return f"tcp connect {self.host}:{self.port}"


class UdpProbe(ReadinessProbe):
    """Send a datagram and wait for an answer that ``accept`` recognises.

    The socket is connected to the server's address: while nothing is bound
    there, the kernel's ICMP port-unreachable ends the attempt at once (an
    unconnected socket never sees it and would wait its whole timeout), so a
    server is noticed within the runner's pause of binding.
    """

    def __init__(
        self,
        host: str,
        port: int,
        payload: Callable[[], bytes],
        accept: Callable[[bytes], bool],
        description: str = "udp probe",
    ) -> None:
        self.host, self.port = host, port
        self._payload, self._accept, self._description = payload, accept, description

    def attempt(self, timeout: float) -> bool:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.settimeout(timeout)
            try:
                sock.connect((self.host, self.port))
                sock.send(self._payload())
                data = sock.recv(65535)
            except OSError:
                # Refused (nothing bound yet), or no answer before the timeout.
                return False
            return self._accept(data)

    def describe(self) -> str:
        return f"{self._description} {self.host}:{self.port}"


class LogLineProbe(ReadinessProbe):
    """Ready once a line matching ``pattern`` appears in the service's log file."""

    def __init__(self, path: Path, pattern: str) -> None:
        self.path, self.pattern = path, re.compile(pattern)

    def attempt(self, timeout: float) -> bool:
        try:
            text = self.path.read_text(errors="replace")
        except OSError:
            return False
        return self.pattern.search(text) is not None

    def describe(self) -> str:
        return f"log line /{self.pattern.pattern}/ in {self.path.name}"
