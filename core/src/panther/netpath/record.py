"""``path.json``: what the path was asked to do and what it did, as the relay wrote it.

Written once, when the relay ends (so a reader never sees half a file); read with
:func:`read_path_record`. Counters are per direction (``to_server``, ``to_client``)
and agree with the captures: on each direction, the datagrams seen on the near leg
(``received``) plus the copies made (``duplicated``) minus the ``dropped`` ones and the
ones still in flight when the path ended (``pending_at_end``) are the datagrams seen
on the far leg (``forwarded``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

Endpoint = tuple[str, int]


class DirectionCounters(msgspec.Struct, kw_only=True):
    received: int = 0
    forwarded: int = 0
    bytes_received: int = 0
    bytes_forwarded: int = 0
    # Datagrams dropped, by cause: loss, blackhole, queue_full, rebound (sent by the
    # server to a client address a rebinding had retired), unreachable (the receiving
    # port was closed, so the kernel would not send).
    dropped: dict[str, int] = {}
    # Forwarded datagrams with one payload bit flipped; extra copies sent.
    corrupted: int = 0
    duplicated: int = 0
    # Forwarded after a datagram of their flow that arrived later than they did.
    reordered: int = 0
    # Forwarded later than they arrived (delay, jitter, queue, hold-back) ...
    delayed: int = 0
    # ... of which waited for the rate-limited link.
    queued: int = 0
    # Still waiting to be sent when the path ended (the test was over).
    pending_at_end: int = 0


class DropEvent(msgspec.Struct, array_like=True):
    """Datagram ``index`` (0-based, in arrival order) of flow ``flow`` was dropped for ``cause``."""

    flow: int
    index: int
    cause: str


class CorruptEvent(msgspec.Struct, array_like=True):
    flow: int
    index: int
    bit: int


class RebindEvent(msgspec.Struct, kw_only=True):
    """A client's flow reached the server from a new address from ``time`` on."""

    time: float  # seconds since the epoch
    at: float  # seconds since the path's first datagram
    change: str  # port or address
    flow: int
    client: Endpoint
    old: Endpoint
    new: Endpoint


class FlowRecord(msgspec.Struct, kw_only=True):
    """One client's flow: its address on the client's leg, and its addresses on the server's."""

    index: int
    route: str  # the server it reaches
    client: Endpoint
    server_side: list[Endpoint]  # in the order they were used (more than one after a rebinding)
    first_seen: float


class RouteRecord(msgspec.Struct, kw_only=True):
    """Where the clients of one server send (``relay``) and where the server listens (``server``)."""

    server: str
    clients: list[str]
    relay: Endpoint
    target: Endpoint


class RelayHealth(msgspec.Struct, kw_only=True):
    """Whether the relay kept up: the kernel's drops at its sockets, and how late it sent."""

    socket_drops: int = 0
    # Datagrams sent more than LATE_MS after they were due, and the worst lateness.
    late: int = 0
    max_lateness_ms: float = 0.0
    cpu_seconds: float = 0.0


class PathRecord(msgspec.Struct, kw_only=True):
    seed: int
    settings: dict[str, Any]  # the ``path:`` block as written, defaults left out
    impairments: dict[str, dict[str, Any]]  # per direction, every default applied
    started: float  # seconds since the epoch
    ended: float
    # The first datagram: the origin of the scenario's timeline (None: no traffic).
    origin: float | None
    routes: list[RouteRecord]
    counters: dict[str, DirectionCounters]
    flows: list[FlowRecord] = []
    rebinds: list[RebindEvent] = []
    drops: dict[str, list[DropEvent]] = {}
    corruptions: dict[str, list[CorruptEvent]] = {}
    relay: RelayHealth = msgspec.field(default_factory=RelayHealth)
    # True when an event list was cut at its limit (the counters are complete).
    events_truncated: bool = False


_decoder = msgspec.json.Decoder(PathRecord)


def read_path_record(path: Path) -> PathRecord:
    """Decode ``path.json``; raises ``OSError`` or ``msgspec.DecodeError``."""
    return _decoder.decode(Path(path).read_bytes())


def write_path_record(path: Path, record: PathRecord) -> None:
    """Write ``record`` so that readers see either nothing or the whole file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(msgspec.json.format(msgspec.json.encode(record), indent=2) + b"\n")
    partial.replace(path)
