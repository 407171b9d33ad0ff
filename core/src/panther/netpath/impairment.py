"""The fate of each datagram on an impaired direction: dropped (why), or when it leaves and how.

Pure logic, no sockets: the relay asks :meth:`DirectionImpairment.admit` about every
datagram of one direction and sends the copies it returns when they are due. Random
choices come from one ``random.Random`` per flow and direction, seeded from the path's
seed, and every datagram draws the same numbers whatever happens to it, so the i-th
datagram of a flow meets the same fate in every run with the same seed.

Order of the stages, as on a real path: the random choices (loss, duplication,
corruption, reordering, jitter) are drawn; a blackhole or a loss drops the datagram;
the link (rate limit and bounded queue, shared by every flow of the direction)
serialises it or drops it when its queue is full; the propagation delay (with jitter,
never reordering) and the hold-back of a reordered datagram decide when it arrives.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from panther.netpath.config import Blackhole, Direction, Impairments

#: Drop causes, as counted in ``path.json``.
LOSS = "loss"
BLACKHOLE = "blackhole"
QUEUE_FULL = "queue_full"
REBOUND = "rebound"
UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Copy:
    """One datagram to send: when (monotonic seconds), which payload bit to flip (-1: none),
    and whether it waited for the link."""

    due: float
    flipped_bit: int
    queued: bool


class Link:
    """The bottleneck of one direction: a rate in bit/s and a queue bounded in datagrams.

    A datagram occupies the queue from its arrival until its last bit has left; when the
    queue already holds ``limit`` datagrams the newcomer is dropped (tail drop).
    """

    def __init__(self, rate_mbit: float, limit: int) -> None:
        self.seconds_per_byte = 8.0 / (rate_mbit * 1e6)
        self.limit = limit
        self.busy_until = 0.0
        self._leaving: deque[float] = deque()

    def admit(self, now: float, size: int) -> tuple[float, bool] | None:
        """(when the datagram has left the link, whether it waited), or None when the queue is full."""
        leaving = self._leaving
        while leaving and leaving[0] <= now:
            leaving.popleft()
        if len(leaving) >= self.limit:
            return None
        start = max(now, self.busy_until)
        self.busy_until = start + size * self.seconds_per_byte
        leaving.append(self.busy_until)
        return self.busy_until, start > now


class DirectionLine:
    """One direction of the path, shared by its flows: settings, link, blackholes, FIFO order."""

    def __init__(self, direction: Direction, settings: Impairments, blackholes: list[Blackhole]) -> None:
        self.direction = direction
        self.settings = settings
        self.link = Link(settings.rate_mbit, settings.queue_datagrams) if settings.rate_mbit is not None else None
        self.windows = [(hole.start, hole.start + hole.duration) for hole in blackholes if hole.covers(direction)]
        self.delay = settings.delay_ms / 1e3
        self.jitter = settings.jitter_ms / 1e3
        self.hold = settings.reorder_ms / 1e3
        # Jitter must not reorder: a datagram never arrives before the one in front of it.
        self.last_due = 0.0
        #: True when datagrams of this direction are forwarded as they come, untouched.
        self.transparent = settings.perfect and not self.windows

    def in_blackhole(self, elapsed: float) -> bool:
        return any(start <= elapsed < end for start, end in self.windows)


class DirectionImpairment:
    """The random choices of one flow in one direction."""

    def __init__(self, line: DirectionLine, rng: random.Random) -> None:
        self.line = line
        self.rng = rng
        settings = line.settings
        self.loss = settings.loss
        # Gilbert model: the flow is in a burst of losses or not; each datagram first moves
        # between the two states, then is lost when the state is "burst".
        self.burst = settings.loss_burst > 1.0 and 0.0 < settings.loss < 1.0
        self.leave_burst = 1.0 / settings.loss_burst
        self.enter_burst = settings.loss * self.leave_burst / (1.0 - settings.loss) if self.burst else 0.0
        self.in_burst = False

    def _lost(self) -> bool:
        if self.loss <= 0.0:
            return False
        draw = self.rng.random()
        if not self.burst:
            return draw < self.loss
        self.in_burst = draw >= self.leave_burst if self.in_burst else draw < self.enter_burst
        return self.in_burst

    def admit(self, now: float, elapsed: float, payload_size: int, wire_size: int) -> tuple[str | None, list[Copy]]:
        """Drop cause (None: delivered) and the copies to send, for a datagram arriving ``now``.

        ``elapsed``: seconds since the path's first datagram (blackholes are on that timeline);
        ``wire_size``: the IP packet's size, which the rate limit counts.
        """
        line, settings, rng = self.line, self.line.settings, self.rng
        lost = self._lost()
        duplicated = settings.duplicate > 0.0 and rng.random() < settings.duplicate
        flipped = -1
        if settings.corrupt > 0.0 and rng.random() < settings.corrupt and payload_size:
            flipped = rng.randrange(payload_size * 8)
        reordered = settings.reorder > 0.0 and rng.random() < settings.reorder
        jitter = rng.uniform(-line.jitter, line.jitter) if line.jitter else 0.0
        if line.windows and line.in_blackhole(elapsed):
            return BLACKHOLE, []
        if lost:
            return LOSS, []
        copies: list[Copy] = []
        for _ in range(2 if duplicated else 1):
            left, queued = now, False
            if line.link is not None:
                admitted = line.link.admit(now, wire_size)
                if admitted is None:
                    if not copies:
                        return QUEUE_FULL, []
                    break  # the original made it; only its duplicate found the queue full
                left, queued = admitted
            due = left + line.delay + jitter
            if reordered:
                due += line.hold
            else:
                due = max(due, line.last_due)
                line.last_due = due
            copies.append(Copy(due, flipped, queued))
        return None, copies


def flip_bit(payload: bytes, bit: int) -> bytes:
    """``payload`` with bit number ``bit`` (0: the first byte's most significant bit) inverted."""
    corrupted = bytearray(payload)
    corrupted[bit >> 3] ^= 0x80 >> (bit & 7)
    return bytes(corrupted)
