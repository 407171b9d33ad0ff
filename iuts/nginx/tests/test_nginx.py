"""The nginx plugin: its configuration, its command, and real transfers to real clients."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from panther.plugins.registry import PluginRegistry
from panther.testing import require_peer
from panther_base_http.testing import assert_http_transfer_passes
from panther_iut_nginx import NginxServiceManager
from panther_iut_nginx.configuration import nginx_configuration


def _arguments(**keys: object) -> dict[str, object]:
    arguments: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 8443,
        "tls": False,
        "http_versions": ["http/1.1"],
        "document_root": "/srv/server/www",
        "exchange_log": "/srv/server/exchanges.jsonl",
    }
    return {**arguments, **keys}


def test_configuration_for_cleartext_and_h2() -> None:
    plain = nginx_configuration(_arguments())
    assert "listen 127.0.0.1:8443;" in plain and "ssl_certificate" not in plain
    assert 'access_log "/srv/server/exchanges.jsonl" panther;' in plain
    h2 = nginx_configuration(
        _arguments(tls=True, http_versions=["h2"], cert_file="/c.pem", key_file="/k.pem", host="::1")
    )
    assert "listen [::1]:8443 ssl http2;" in h2 and 'ssl_certificate_key "/k.pem";' in h2


def test_a_path_cannot_break_out_of_its_directive() -> None:
    hostile = '/srv/a b";\n    include /etc/passwd;#'
    configuration = nginx_configuration(_arguments(document_root=hostile))
    # One root directive holding the whole path, as one quoted string.
    (root,) = [line for line in configuration.splitlines() if "root" in line]
    assert root.strip() == 'root "/srv/a b\\";\\n    include /etc/passwd;#";'
    assert "\n    include" not in configuration


def test_command_points_nginx_at_its_folder() -> None:
    manager = NginxServiceManager()
    argv = manager.generate_run_argv(role="server", output_dir="/srv/server")
    assert argv == ["nginx", "-c", "/srv/server/nginx.conf", "-p", "/srv/server/", "-e", "stderr"]
    assert PluginRegistry.discover().load("iut", "nginx") is NginxServiceManager


@pytest.fixture
def nginx() -> None:
    require_peer("nginx", shutil.which("nginx") is not None, "install Debian's nginx package")


@pytest.mark.usefixtures("nginx")
@pytest.mark.parametrize(("version", "tls"), [("http/1.1", False), ("h2", True)])
def test_transfer_to_httpx(tmp_path: Path, version: str, tls: bool) -> None:
    assert_http_transfer_passes(tmp_path, "nginx", "httpx", version, tls=tls)
    # Its configuration was written into its folder, nowhere else.
    assert [path.name for path in tmp_path.rglob("nginx.conf")] == ["nginx.conf"]
    assert not (tmp_path / "nginx.conf").exists()


@pytest.mark.usefixtures("nginx")
def test_transfer_to_curl(tmp_path: Path) -> None:
    require_peer("curl", shutil.which("curl") is not None, "install Debian's curl package")
    assert_http_transfer_passes(tmp_path, "nginx", "curl", "http/1.1", tls=True)
