"""Readiness of a MINIP server: a probe PING (sequence 0) answered by its PONG."""

from __future__ import annotations

import os

from panther.services.readiness import UdpProbe

from panther_base_minip.wire import PONG, PROBE_SEQUENCE, MalformedDatagram, decode, encode, ping

_NONCE_SIZE = 8


class _ProbeExchange:
    """A fresh payload per attempt, so only the answer to this very PING counts."""

    def __init__(self) -> None:
        self.request = ping(PROBE_SEQUENCE)

    def payload(self) -> bytes:
        self.request = ping(PROBE_SEQUENCE, os.urandom(_NONCE_SIZE))
        return encode(self.request)

    def accept(self, data: bytes) -> bool:
        try:
            answer = decode(data)
        except MalformedDatagram:
            return False
        return (
            answer.type == PONG
            and answer.sequence == PROBE_SEQUENCE
            and answer.timestamp_ns == self.request.timestamp_ns
            and answer.payload == self.request.payload
        )


def minip_probe(host: str, port: int) -> UdpProbe:
    """Ready once the MINIP server at ``host:port`` answers a probe PING correctly."""
    exchange = _ProbeExchange()
    return UdpProbe(host, port, payload=exchange.payload, accept=exchange.accept, description="MINIP probe PING")
