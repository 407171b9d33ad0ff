"""The ``path:`` block of a network environment: what the path between clients and servers does.

One Struct for every environment that offers a path (``local``, ``docker_compose``)::

    network_environment:
      type: local
      path:                      # {} is a perfect path that only records the capture
        seed: 7                  # every random choice derives from it (unset: drawn, recorded)
        delay_ms: 15             # the keys at this level apply to both directions ...
        rate_mbit: 10
        to_server: {loss: 0.1}   # ... and a direction block overrides them for one direction
        to_client: {corrupt: 0.01}
        blackholes: [{start: 2, duration: 1}]
        rebind: [{at: 3, change: port}]

Times on the test's timeline (``start``, ``duration``, ``at``) are seconds counted from
the first datagram the path carries, so that a scenario lines up with the traffic and
not with how long the servers took to start.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

Direction = Literal["to_server", "to_client"]
DIRECTIONS: tuple[Direction, ...] = ("to_server", "to_client")

Probability = Annotated[float, Meta(ge=0.0, le=1.0)]
Milliseconds = Annotated[float, Meta(ge=0.0, le=3_600_000.0)]
Seconds = Annotated[float, Meta(ge=0.0, le=86_400.0)]


@dataclass(frozen=True)
class Impairments:
    """What one direction of the path does to each datagram, every default applied."""

    # One-way delay added to every datagram, and the half-width of a uniform variation
    # around it (jitter never reorders: a datagram never overtakes an earlier one).
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    # Share of datagrams lost, and the mean length of a run of losses in datagrams
    # (1: each loss independent; more: a two-state Gilbert model of bursts).
    loss: float = 0.0
    loss_burst: float = 1.0
    # Share of datagrams with one bit of their payload flipped.
    corrupt: float = 0.0
    # Share of datagrams sent twice.
    duplicate: float = 0.0
    # Share of datagrams held back ``reorder_ms`` longer, so that later ones overtake them.
    reorder: float = 0.0
    reorder_ms: float = 10.0
    # Link rate in Mbit/s (IP packets: UDP payload plus headers); None: no limit.
    rate_mbit: float | None = None
    # Datagrams the link's queue holds while the rate limit makes them wait; one more is dropped.
    queue_datagrams: int = 100

    @property
    def perfect(self) -> bool:
        """True when this direction changes nothing: datagrams are forwarded as they come."""
        return self == _PERFECT

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_PERFECT = Impairments()


class DirectionConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Impairment keys; a key left out takes the value of the level above (or the default)."""

    delay_ms: Milliseconds | UnsetType = UNSET
    jitter_ms: Milliseconds | UnsetType = UNSET
    loss: Probability | UnsetType = UNSET
    loss_burst: Annotated[float, Meta(ge=1.0, le=1_000_000.0)] | UnsetType = UNSET
    corrupt: Probability | UnsetType = UNSET
    duplicate: Probability | UnsetType = UNSET
    reorder: Probability | UnsetType = UNSET
    reorder_ms: Milliseconds | UnsetType = UNSET
    rate_mbit: Annotated[float, Meta(gt=0.0, le=1_000_000.0)] | None | UnsetType = UNSET
    queue_datagrams: Annotated[int, Meta(ge=1, le=1_000_000)] | UnsetType = UNSET

    def over(self, base: Impairments) -> Impairments:
        """``base`` with the keys this block sets replaced."""
        changes = {f.name: getattr(self, f.name) for f in fields(Impairments) if getattr(self, f.name) is not UNSET}
        return Impairments(**{**asdict(base), **changes})


class Blackhole(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """From ``start`` to ``start + duration`` seconds, every datagram of ``direction`` is dropped."""

    start: Seconds
    duration: Annotated[float, Meta(gt=0.0, le=86_400.0)]
    direction: Literal["both", "to_server", "to_client"] = "both"

    def covers(self, direction: Direction) -> bool:
        return self.direction in ("both", direction)


class Rebind(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """At ``at`` seconds, every client's flow reaches the server from a new port (or address),
    as when a NAT in front of the client forgets its mapping."""

    at: Seconds
    change: Literal["port", "address"] = "port"


class PathConfig(DirectionConfig, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """``network_environment.path``: impairments for both directions, per-direction overrides,
    blackhole windows, NAT rebinding events and the seed of every random choice."""

    seed: Annotated[int, Meta(ge=0, le=2**63 - 1)] | None = None
    to_server: DirectionConfig | None = None
    to_client: DirectionConfig | None = None
    blackholes: list[Blackhole] = []
    rebind: list[Rebind] = []

    def impairments(self, direction: Direction) -> Impairments:
        """The settings of one direction: defaults, then this level's keys, then the direction's."""
        both = DirectionConfig.over(self, _PERFECT)
        block = self.to_server if direction == "to_server" else self.to_client
        return block.over(both) if block is not None else both

    @property
    def perfect(self) -> bool:
        """True when the path only records: no impairment, no blackhole, no rebinding."""
        return (
            all(self.impairments(direction).perfect for direction in DIRECTIONS)
            and not self.blackholes
            and not self.rebind
        )

    @property
    def rebinds_address(self) -> bool:
        return any(event.change == "address" for event in self.rebind)


Problem = tuple[tuple[str | int, ...], str, str, str]


def path_problem(config: PathConfig, test_timeout: float) -> Problem | None:
    """What the types cannot say is wrong with ``config``: (where in ``path``, what, expected, found).

    Settings that contradict each other in one direction, and blackholes or rebindings
    that the test can never reach. The loader turns it into a configuration error that
    names the file and the line.
    """
    for direction in DIRECTIONS:
        problem = _direction_problem(config, direction)
        if problem is not None:
            return problem
    return _timeline_problem(config, test_timeout)


def _where(config: PathConfig, direction: Direction, key: str) -> tuple[str, ...]:
    """The block that set ``key`` for ``direction``: the direction's own, else the path's."""
    block = config.to_server if direction == "to_server" else config.to_client
    if block is not None and getattr(block, key) is not UNSET:
        return (direction, key)
    return (key,)


def _direction_problem(config: PathConfig, direction: Direction) -> Problem | None:
    settings = config.impairments(direction)
    if settings.jitter_ms > settings.delay_ms:
        return (
            _where(config, direction, "jitter_ms"),
            f"jitter_ms is larger than delay_ms on {direction}: a datagram's delay would go below zero",
            f"jitter_ms <= delay_ms ({settings.delay_ms:g} on {direction})",
            f"{settings.jitter_ms:g}",
        )
    if 0.0 < settings.loss < 1.0 and settings.loss_burst > 1.0:
        # Gilbert model: a burst ends with probability 1/L; one begins with probability
        # loss / (L (1 - loss)), which must not exceed 1.
        least = settings.loss / (1.0 - settings.loss)
        if least > settings.loss_burst:
            return (
                _where(config, direction, "loss_burst"),
                f"loss {settings.loss:g} in bursts of {settings.loss_burst:g} datagrams is impossible on {direction}",
                f"loss_burst >= {least:.3g} (at loss {settings.loss:g}, bursts are at least that long on average)",
                f"{settings.loss_burst:g}",
            )
    return None


def _timeline_problem(config: PathConfig, test_timeout: float) -> Problem | None:
    for index, hole in enumerate(config.blackholes):
        end = hole.start + hole.duration
        if end > test_timeout:
            return (
                ("blackholes", index),
                f"blackhole {index} ends after the test's timeout ({test_timeout:g} s)",
                f"start + duration <= {test_timeout:g} (the test's timeout, in seconds)",
                f"start {hole.start:g} + duration {hole.duration:g} = {end:g}",
            )
    for index, event in enumerate(config.rebind):
        if event.at >= test_timeout:
            return (
                ("rebind", index, "at"),
                f"rebinding {index} comes after the test's timeout ({test_timeout:g} s)",
                f"at < {test_timeout:g} (the test's timeout, in seconds)",
                f"{event.at:g}",
            )
    return None
