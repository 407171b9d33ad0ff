"""The QUIC transfer experiment through ``panther run``, quiche in both roles.

Peers: aioquic (from PyPI, always there) over HTTP/0.9, and ngtcp2's Debian
programs (which speak only HTTP/3) over HTTP/3. A test skips, saying why, when
quiche's programs or ngtcp2 are absent; with ``PANTHER_REQUIRE_PEERS`` naming them
it fails instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from panther.testing import require_peer
from panther_base_quic.testing import assert_transfer_passes
from panther_iut_quiche import QuicheServiceManager
from panther_iut_quiche.manager import BINARY_DIR_VARIABLE, HOW_TO_GET, SERVER_BINARY


@pytest.mark.parametrize(
    ("server", "client", "alpn"),
    [
        ("quiche", "aioquic", "hq-interop"),
        ("aioquic", "quiche", "hq-interop"),
        ("quiche", "ngtcp2", "h3"),
        ("ngtcp2", "quiche", "h3"),
        ("quiche", "quiche", "h3"),
    ],
)
def test_transfer(server: str, client: str, alpn: str, tmp_path: Path) -> None:
    found = QuicheServiceManager().find_binary(SERVER_BINARY, BINARY_DIR_VARIABLE)
    require_peer("quiche", found is not None, HOW_TO_GET)
    assert_transfer_passes(tmp_path, server, client, alpn)
