"""The Hypercorn plugin: its commands, and real transfers against real clients."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from panther.plugins.registry import PluginRegistry
from panther.services.manager import UnsupportedFeatureError
from panther.testing import require_peer
from panther_base_http.testing import assert_http_transfer_passes
from panther_iut_hypercorn import HypercornServiceManager


def test_registered_and_speaks_every_version() -> None:
    assert PluginRegistry.discover().load("iut", "hypercorn") is HypercornServiceManager
    assert HypercornServiceManager().get_supported_features() == {"http/1.1": True, "h2": True, "h3": True}


def test_server_command_follows_the_versions_it_serves() -> None:
    manager = HypercornServiceManager()
    plain = manager.generate_run_argv(role="server", document_root="/www", exchange_log="/x.jsonl")
    assert plain[:3] == [sys.executable, "-m", "panther_iut_hypercorn.server"]
    assert "--certfile" not in plain and "--h2" not in plain
    both = manager.generate_run_argv(
        role="server",
        http_version="h2",
        http_versions=["h2", "h3"],
        document_root="/www",
        exchange_log="/x.jsonl",
        cert_file="/c.pem",
        key_file="/k.pem",
    )
    assert both[both.index("--certfile") + 1] == "/c.pem" and {"--h2", "--h3"} <= set(both)


def test_it_is_no_client() -> None:
    with pytest.raises(UnsupportedFeatureError, match="hypercorn is a server"):
        HypercornServiceManager().generate_run_argv(role="client")


@pytest.mark.parametrize(("version", "tls"), [("http/1.1", False), ("http/1.1", True), ("h2", False)])
def test_transfer_to_httpx(tmp_path: Path, version: str, tls: bool) -> None:
    assert_http_transfer_passes(tmp_path, "hypercorn", "httpx", version, tls=tls)


@pytest.mark.parametrize("version", ["http/1.1", "h2"])
def test_transfer_to_curl(tmp_path: Path, version: str) -> None:
    require_peer("curl", shutil.which("curl") is not None, "install Debian's curl package")
    assert_http_transfer_passes(tmp_path, "hypercorn", "curl", version, tls=True)


def test_h3_transfer_to_the_aioquic_client(tmp_path: Path) -> None:
    assert_http_transfer_passes(tmp_path, "hypercorn", "aioquic", "h3")
