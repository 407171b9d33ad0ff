"""``PingPongConfig``: the ``implementation:`` keys of the ping_pong plugin.

Every value is checked when the experiment file is loaded (msgspec types and
bounds), so a wrong variant or a negative count is a configuration error naming
the key, never a failure in the middle of a run.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta
from panther_base_minip import MinipConfig

from panther_iut_ping_pong.variants import Variant

Seconds = Annotated[float, Meta(ge=0.0, le=3600.0)]


class PingPongConfig(MinipConfig, kw_only=True, forbid_unknown_fields=True):
    """Server behaviour (``variant`` and its parameters) and the client's pace."""

    # Which server to run: the correct one, or one of the faulty implementations.
    variant: Variant = "functional"
    # flaky: the share of PONGs dropped, and the seed of those drops (unset: a new seed
    # each run, printed by the server, so that iterations differ like a flaky peer).
    drop_rate: Annotated[float, Meta(ge=0.0, le=1.0)] = 0.3
    seed: Annotated[int, Meta(ge=0, le=2**32 - 1)] | None = None
    # slow: seconds the server waits before each PONG. The default misses the default
    # reply_timeout (1 s) but arrives while the client still listens (2 s), so the
    # fault shows as "late" rather than "missing".
    delay: Seconds = 1.2
    # crash: PINGs answered before the server exits.
    crash_after: Annotated[int, Meta(ge=0)] = 3
    # Client: seconds between two PINGs. How many PINGs and how large they are belong
    # to the test (the ``protocol:`` block); the deadline of each PONG is ``reply_timeout``.
    interval: Seconds = 0.05
    # Client: times a PING left unanswered for ``reply_timeout`` is sent again (same
    # sequence and payload, a new timestamp); 0 sends each PING once.
    retransmissions: Annotated[int, Meta(ge=0, le=100)] = 0
