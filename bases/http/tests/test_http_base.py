"""BaseHTTPServiceManager and the ``http`` protocol plugin, against real sockets and files."""

from __future__ import annotations

import socket
import stat
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec
import pytest
from panther.config.errors import ConfigError
from panther.config.models import ProtocolConfig
from panther.protocols import TestContext as ProtocolTest
from panther.services.context import ServiceContext
from panther.services.readiness import TcpConnectProbe, UdpProbe
from panther_base_http import AllOfProbe, BaseHTTPServiceManager, HTTPConfig, HTTPProtocol


class MinimalHttp(BaseHTTPServiceManager):
    """Exactly the two required methods."""

    def _get_implementation_name(self) -> str:
        return "minimal"

    def _get_binary_name(self) -> str:
        return "minimal-http"


class GuideHttp(MinimalHttp):
    """The guide's HTTP example."""

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return ["--port", str(kwargs["port"]), "--root", kwargs["document_root"] or "/var/www"]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return ["--url", kwargs["url"]]


@pytest.fixture
def tcp_listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_minimal_subclass_needs_only_the_two_required_methods() -> None:
    manager = MinimalHttp()
    assert manager.generate_run_argv(role="server") == ["minimal-http"]
    assert manager.get_supported_features() == {"http/1.1": True, "h2": False, "h3": False}


def test_commands_for_both_roles() -> None:
    assert GuideHttp().generate_run_argv(role="server") == ["minimal-http", "--port", "8080", "--root", "/var/www"]
    assert GuideHttp().generate_run_argv(role="client") == ["minimal-http", "--url", "http://127.0.0.1:8080/"]
    config = msgspec.convert({"http_versions": ["h2"], "document_root": "/srv/site", "port": 9443}, HTTPConfig)
    assert GuideHttp(config).generate_run_argv(role="server")[1:] == ["--port", "9443", "--root", "/srv/site"]
    assert GuideHttp(config).generate_run_argv(role="client")[-1] == "https://127.0.0.1:9443/"


def test_unknown_http_version_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError, match="http_versions"):
        msgspec.convert({"http_versions": ["spdy"]}, HTTPConfig)


def test_tcp_readiness_against_a_real_listener(tcp_listener: int) -> None:
    probe = MinimalHttp().get_readiness_probe("127.0.0.1", tcp_listener)
    assert isinstance(probe, TcpConnectProbe)
    assert probe.attempt(timeout=2.0) is True
    assert MinimalHttp().get_readiness_probe("127.0.0.1", _free_port()).attempt(timeout=0.5) is False  # type: ignore[union-attr]


def test_h3_uses_the_quic_probe_and_both_must_answer(tcp_listener: int) -> None:
    only_h3 = MinimalHttp(HTTPConfig(http_versions=["h3"])).get_readiness_probe("127.0.0.1", tcp_listener)
    assert isinstance(only_h3, UdpProbe)
    both = MinimalHttp(HTTPConfig(http_versions=["h2", "h3"])).get_readiness_probe("127.0.0.1", tcp_listener)
    assert isinstance(both, AllOfProbe)
    # TCP listens but no QUIC server answers on UDP: not ready.
    assert both.attempt(timeout=0.3) is False
    assert "tcp connect" in both.describe() and "QUIC version negotiation" in both.describe()


def _context(root: Path, name: str, role: str, target: str | None = None) -> ServiceContext:
    return ServiceContext(
        name=name,
        role=role,
        test_name="t",
        host_output_dir=root / name,
        output_dir=PurePosixPath("/srv") / name,
        host="127.0.0.1",
        port=8443,
        target=target,
    )


def _test(root: Path, server_config: HTTPConfig, version: str | None = None) -> ProtocolTest:
    return ProtocolTest(
        name="t",
        iteration=0,
        output_dir=root,
        services={"server": _context(root, "server", "server"), "client": _context(root, "client", "client", "server")},
        protocol_configs={
            "server": ProtocolConfig(name="http", role="server", version=version),
            "client": ProtocolConfig(name="http", role="client", target="server", version=version),
        },
        implementation_configs={"server": server_config, "client": HTTPConfig()},
    )


def test_entry_point() -> None:
    (entry,) = [ep for ep in entry_points(group="panther.protocol") if ep.name == "http"]
    assert entry.load() is HTTPProtocol
    assert (HTTPProtocol.transport, HTTPProtocol.versions["h2"]) == ("tcp", 2)


def test_cleartext_test_gets_a_document_root_and_no_certificates(tmp_path: Path) -> None:
    test = _test(tmp_path, HTTPConfig())
    HTTPProtocol().prepare_test(test)
    assert test.services["server"].arguments == {"document_root": "/srv/server/www"}
    assert test.services["client"].arguments == {"scheme": "http", "url": "http://127.0.0.1:8443/"}
    assert (tmp_path / "server" / "www").is_dir() and not (tmp_path / "tls").exists()


def test_h2_server_gets_certificates_and_its_client_trusts_them(tmp_path: Path) -> None:
    test = _test(tmp_path, HTTPConfig(http_versions=["h2"], document_root="/my/site"))
    HTTPProtocol().prepare_test(test)
    server, client = test.services["server"].arguments, test.services["client"].arguments
    assert "document_root" not in server  # the user's own root is kept
    assert server["cert_file"] == "/srv/server/tls/cert.pem" and server["tls"] is True
    assert client["ca_file"] == "/srv/client/tls/ca.pem" and client["url"] == "https://127.0.0.1:8443/"
    assert stat.S_IMODE((tmp_path / "server" / "tls" / "key.pem").stat().st_mode) == 0o600


def test_protocol_version_h3_implies_tls(tmp_path: Path) -> None:
    test = _test(tmp_path, HTTPConfig(), version="h3")
    HTTPProtocol().prepare_test(test)
    assert test.services["client"].arguments["scheme"] == "https"


def test_tls_without_the_certificate_helper_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes the import fail exactly as if the extra were not installed.
    monkeypatch.setitem(sys.modules, "panther_base_quic.certificates", None)
    with pytest.raises(ConfigError) as caught:
        HTTPProtocol().prepare_test(_test(tmp_path, HTTPConfig(tls=True)))
    assert "panther-base-http[tls]" in str(caught.value.expected)
