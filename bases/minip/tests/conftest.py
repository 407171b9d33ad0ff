"""Real UDP peers on loopback for the MINIP tests: a MINIP server and a garbage echo."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from panther.testing import UdpResponder, silent_udp_port
from panther_base_minip.wire import MalformedDatagram, decode, encode, pong_for


def answer_minip(data: bytes) -> bytes | None:
    try:
        request = decode(data)
    except MalformedDatagram:
        return None
    return encode(pong_for(request))


@pytest.fixture
def minip_server() -> Iterator[UdpResponder]:
    with UdpResponder(answer_minip) as responder:
        yield responder


@pytest.fixture
def garbage_echo() -> Iterator[UdpResponder]:
    with UdpResponder(lambda data: b"\x02\x01garbage" + data[:4]) as responder:
        yield responder


@pytest.fixture
def silent_port() -> Iterator[int]:
    with silent_udp_port() as port:
        yield port
