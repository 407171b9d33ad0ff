"""``MinipConfig``: the ``implementation:`` keys every MINIP implementation accepts."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta
from panther.config.implementation import ImplementationConfig


class MinipConfig(ImplementationConfig, kw_only=True, forbid_unknown_fields=True):
    """Common MINIP parameters, handled once in the base.

    ``port``/``host`` apply when the network environment decides nothing (a command
    generated outside a test); inside a test the environment's address wins.
    """

    port: Annotated[int, Meta(ge=1, le=65535)] | None = None
    host: str | None = None
    # Seconds a client waits for each PONG before counting the PING as lost.
    reply_timeout: Annotated[float, Meta(gt=0.0, le=3600.0)] = 1.0
