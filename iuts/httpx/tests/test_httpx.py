"""The HTTPX plugin: its commands, and real transfers from real servers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from panther.plugins.registry import PluginRegistry
from panther.services.manager import UnsupportedFeatureError
from panther.testing import require_peer
from panther_base_http.testing import assert_http_transfer_passes
from panther_iut_httpx import HttpxServiceManager


def test_registered_for_http1_and_h2() -> None:
    assert PluginRegistry.discover().load("iut", "httpx") is HttpxServiceManager
    assert HttpxServiceManager().get_supported_features() == {"http/1.1": True, "h2": True, "h3": False}


def test_client_command_fetches_every_url() -> None:
    argv = HttpxServiceManager().generate_run_argv(
        role="client",
        http_version="h2",
        urls=["https://s:1/a.bin", "https://s:1/b.bin"],
        download_dir="/d",
        ca_file="/ca.pem",
        exchange_log="/x.jsonl",
    )
    assert argv[:3] == [sys.executable, "-m", "panther_iut_httpx.client"]
    assert argv[argv.index("--http-version") + 1] == "h2" and argv[argv.index("--ca-file") + 1] == "/ca.pem"
    assert argv[-2:] == ["https://s:1/a.bin", "https://s:1/b.bin"]


def test_h3_and_the_server_role_are_unsupported() -> None:
    with pytest.raises(UnsupportedFeatureError, match="does not speak h3"):
        HttpxServiceManager().generate_run_argv(role="client", http_version="h3")
    with pytest.raises(UnsupportedFeatureError, match="httpx is a client"):
        HttpxServiceManager().generate_run_argv(role="server")


def test_a_connection_failure_is_exit_1(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "panther_iut_httpx.client", "http://127.0.0.1:1/x", "--exchange-log", "x.jsonl"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "error: ConnectError" in done.stderr


@pytest.mark.parametrize("version", ["http/1.1", "h2"])
def test_transfer_from_nginx(tmp_path: Path, version: str) -> None:
    require_peer("nginx", shutil.which("nginx") is not None, "install Debian's nginx package")
    assert_http_transfer_passes(tmp_path, "nginx", "httpx", version, tls=True)
