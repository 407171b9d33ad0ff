"""The curl plugin: its command, what this curl speaks, and real transfers from real servers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from panther.plugins.registry import PluginRegistry
from panther.services.manager import UnsupportedFeatureError
from panther.testing import require_peer
from panther_base_http.testing import assert_http_transfer_passes
from panther_iut_curl import CurlServiceManager
from panther_iut_curl.manager import WRITE_OUT


@pytest.fixture(autouse=True)
def curl() -> None:
    require_peer("curl", shutil.which("curl") is not None, "install Debian's curl package")


def test_client_command() -> None:
    argv = CurlServiceManager().generate_run_argv(
        role="client", http_version="h2", urls=["https://s:1/a.bin"], download_dir="/d", ca_file="/ca.pem"
    )
    assert argv[0] == "curl" and "--http2" in argv and "--fail" not in argv
    assert argv[argv.index("--output-dir") + 1] == "/d" and argv[argv.index("--cacert") + 1] == "/ca.pem"
    assert argv[-1] == "https://s:1/a.bin"
    assert PluginRegistry.discover().load("iut", "curl") is CurlServiceManager


def test_its_exchange_record_is_json() -> None:
    record = WRITE_OUT.replace("\\n", "").replace("%{response_code}", "200").replace("%{size_download}", "5")
    assert json.loads(record)["status"] == 200


def test_versions_come_from_the_installed_curl() -> None:
    manager = CurlServiceManager()
    assert {"http/1.1", "h2"} <= set(manager.supported_http_versions())
    if "h3" not in manager.supported_http_versions():
        with pytest.raises(UnsupportedFeatureError, match="curl does not speak h3"):
            manager.generate_run_argv(role="client", http_version="h3")


def test_transfer_from_hypercorn(tmp_path: Path) -> None:
    assert_http_transfer_passes(tmp_path, "hypercorn", "curl", "h2")


def test_transfer_from_nginx(tmp_path: Path) -> None:
    require_peer("nginx", shutil.which("nginx") is not None, "install Debian's nginx package")
    assert_http_transfer_passes(tmp_path, "nginx", "curl", "h2")
