"""The server's behaviour variants: one correct MINIP responder and five faulty ones.

The faulty variants are real faulty implementations that the harness is tested
against. Each fault applies to client PINGs only (sequence >= 1): readiness probes
(sequence 0) are answered correctly, so that a test reaches the exchange in which the
fault is to be observed instead of stopping at "the server never became ready".
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal, get_args

from panther_base_minip.wire import PROBE_SEQUENCE, Datagram, encode, pong_for

Variant = Literal["functional", "fail", "flaky", "slow", "crash", "malformed"]
VARIANTS: tuple[str, ...] = get_args(Variant)


@dataclass(frozen=True)
class Response:
    """What the server does with one PING."""

    # The bytes to send back; None drops the PING without an answer.
    data: bytes | None
    # Seconds to wait before sending.
    delay: float = 0.0
    # Exit once this response is sent (or at once, when there is nothing to send).
    crash: bool = False


@dataclass
class Behaviour:
    """Decides the response to each PING according to the variant."""

    variant: Variant = "functional"
    drop_rate: float = 0.0
    delay: float = 0.0
    crash_after: int = 0
    seed: int = 0
    client_pings: int = 0

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown variant {self.variant!r} (expected one of {', '.join(VARIANTS)})")
        # A private generator: the drops of a flaky server depend only on its seed.
        self._random = random.Random(self.seed)

    def respond(self, request: Datagram) -> Response:
        if request.sequence == PROBE_SEQUENCE:
            return Response(encode(pong_for(request)))
        if self.variant == "crash" and self.client_pings >= self.crash_after:
            return Response(None, crash=True)
        self.client_pings += 1
        pong = pong_for(request)
        if self.variant == "fail":
            # Off by one, wrapping like the uint32 field it is written into.
            pong = Datagram(pong.type, (pong.sequence + 1) & 0xFFFFFFFF, pong.timestamp_ns, pong.payload)
        if self.variant == "flaky" and self._random.random() < self.drop_rate:
            return Response(None)
        data = encode(pong)
        if self.variant == "malformed":
            return Response(data[: len(data) // 2])
        if self.variant == "slow":
            return Response(data, delay=self.delay)
        return Response(data, crash=self.variant == "crash" and self.client_pings >= self.crash_after)
