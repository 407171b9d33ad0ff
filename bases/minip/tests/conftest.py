"""Real UDP peers on loopback for the MINIP tests: a MINIP server and a garbage echo."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest
from panther_base_minip.wire import MalformedDatagram, decode, encode, pong_for


class UdpResponder:
    """A UDP socket on 127.0.0.1 answering each datagram with ``respond(data)`` (None: no answer)."""

    def __init__(self, respond: Callable[[bytes], bytes | None]) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.05)
        self.port: int = self.socket.getsockname()[1]
        self.received: list[bytes] = []
        self._respond = respond
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, address = self.socket.recvfrom(65535)
            except TimeoutError:
                continue
            self.received.append(data)
            answer = self._respond(data)
            if answer is not None:
                self.socket.sendto(answer, address)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


def answer_minip(data: bytes) -> bytes | None:
    try:
        request = decode(data)
    except MalformedDatagram:
        return None
    return encode(pong_for(request))


@pytest.fixture
def minip_server() -> Iterator[UdpResponder]:
    responder = UdpResponder(answer_minip)
    yield responder
    responder.close()


@pytest.fixture
def garbage_echo() -> Iterator[UdpResponder]:
    responder = UdpResponder(lambda data: b"\x02\x01garbage" + data[:4])
    yield responder
    responder.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A UDP port bound (so nothing else takes it) where no one ever answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
