"""Helpers for the tests of PANTHER distributions (and of third-party plugins).

``PANTHER_REQUIRE_PEERS`` lists the peers a test run must have (``1`` or ``all``:
every peer). A test that needs an absent peer skips with the reason, unless the
peer is required: then it fails, so that CI cannot turn green by skipping.
"""

from __future__ import annotations

import os


def peer_required(peer: str) -> bool:
    wanted = {item.strip().lower() for item in os.environ.get("PANTHER_REQUIRE_PEERS", "").split(",") if item.strip()}
    return bool(wanted & {"1", "all", "true", "yes", peer.lower()})


def require_peer(peer: str, available: bool, how_to_get: str) -> None:
    """Skip (or fail, when the peer is required) the calling test if ``peer`` is absent."""
    if available:
        return
    import pytest

    message = f"peer {peer!r} is not available: {how_to_get}"
    if peer_required(peer):
        pytest.fail(f"{message} (required by PANTHER_REQUIRE_PEERS)")
    pytest.skip(message)
