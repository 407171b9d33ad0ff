"""The QUIC transfer experiment through ``panther run``, picoquic in both roles.

Peers: aioquic (from PyPI, always there) over HTTP/0.9, and ngtcp2's Debian
programs (which speak only HTTP/3) over HTTP/3. A test skips, saying why, when
picoquicdemo or ngtcp2 is absent; with ``PANTHER_REQUIRE_PEERS`` naming them it
fails instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from panther.testing import require_peer
from panther_base_quic.testing import assert_transfer_passes
from panther_iut_picoquic import PicoquicServiceManager
from panther_iut_picoquic.manager import BINARY, BINARY_DIR_VARIABLE, HOW_TO_GET


@pytest.mark.parametrize(
    ("server", "client", "alpn"),
    [
        ("picoquic", "aioquic", "hq-interop"),
        ("aioquic", "picoquic", "hq-interop"),
        ("picoquic", "ngtcp2", "h3"),
        ("ngtcp2", "picoquic", "h3"),
        ("picoquic", "picoquic", "h3"),
    ],
)
def test_transfer(server: str, client: str, alpn: str, tmp_path: Path) -> None:
    found = PicoquicServiceManager().find_binary(BINARY, BINARY_DIR_VARIABLE)
    require_peer("picoquic", found is not None, HOW_TO_GET)
    assert_transfer_passes(tmp_path, server, client, alpn)
