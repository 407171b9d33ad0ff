"""BaseHTTPServiceManager and the ``http`` protocol plugin, against real sockets and files."""

from __future__ import annotations

import json
import socket
import stat
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path, PurePosixPath
from typing import Any

import msgspec
import pytest
from panther.config.errors import ConfigError
from panther.protocols import TestContext as ProtocolTest
from panther.services.context import ServiceContext
from panther.services.manager import UnsupportedFeatureError
from panther.services.outcome import ServiceOutcome
from panther.services.readiness import TcpConnectProbe, UdpProbe
from panther_base_http import AllOfProbe, BaseHTTPServiceManager, HTTPConfig, HTTPProtocol, HTTPProtocolConfig

SIZES = [10, 4096]


class MinimalHttp(BaseHTTPServiceManager):
    """Exactly the two required methods."""

    def _get_implementation_name(self) -> str:
        return "minimal"

    def _get_binary_name(self) -> str:
        return "minimal-http"


class GuideHttp(MinimalHttp):
    """The guide's HTTP example."""

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return ["--port", str(kwargs.get("port", 80)), "--root", kwargs.get("document_root", "/var/www")]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return ["--url", kwargs.get("url", f"http://localhost:{kwargs.get('port', 80)}/")]


@pytest.fixture
def tcp_listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- the manager, outside a test


def test_minimal_subclass_needs_only_the_two_required_methods() -> None:
    manager = MinimalHttp()
    assert manager.generate_run_argv(role="server") == ["minimal-http"]
    assert manager.get_supported_features() == {"http/1.1": True, "h2": True, "h3": False}


def test_guide_example_commands_for_both_roles() -> None:
    assert GuideHttp().generate_run_argv(role="server") == ["minimal-http", "--port", "8080", "--root", "/var/www"]
    assert GuideHttp().generate_run_argv(role="client") == ["minimal-http", "--url", "http://127.0.0.1:8080/"]
    assert GuideHttp(HTTPConfig(port=9443)).generate_run_argv(role="client")[-1] == "http://127.0.0.1:9443/"
    # Asked for h2 outside a test, the manager's defaults follow: TLS and an https URL.
    assert GuideHttp().generate_run_argv(role="client", http_version="h2")[-1] == "https://127.0.0.1:8080/"


def test_a_version_the_implementation_does_not_speak_is_unsupported() -> None:
    with pytest.raises(UnsupportedFeatureError, match="minimal does not speak h3"):
        MinimalHttp().generate_run_argv(role="client", http_version="h3")


def test_tls_decided_by_the_protocol_is_kept(tmp_path: Path) -> None:
    context = _context(tmp_path, "client", "client", "server")
    context.arguments.update(http_version="http/1.1", tls=True, scheme="https", url="https://127.0.0.1:8443/")
    arguments = GuideHttp(context=context).run_arguments("client")
    assert (arguments["tls"], arguments["url"]) == (True, "https://127.0.0.1:8443/")


def test_tcp_readiness_against_a_real_listener(tcp_listener: int) -> None:
    probe = MinimalHttp().get_readiness_probe("127.0.0.1", tcp_listener)
    assert isinstance(probe, TcpConnectProbe)
    assert probe.attempt(timeout=2.0) is True
    assert MinimalHttp().get_readiness_probe("127.0.0.1", _closed_port()).attempt(timeout=0.5) is False  # type: ignore[union-attr]


def test_h3_uses_the_quic_probe_and_both_must_answer(tmp_path: Path, tcp_listener: int) -> None:
    def probe(versions: list[str]) -> Any:
        context = _context(tmp_path, "server", "server")
        context.arguments.update(http_version=versions[0], http_versions=versions)
        return MinimalHttp(context=context).get_readiness_probe("127.0.0.1", tcp_listener)

    assert isinstance(probe(["h3"]), UdpProbe)
    both = probe(["h2", "h3"])
    assert isinstance(both, AllOfProbe)
    # TCP listens but no QUIC server answers on UDP: not ready.
    assert both.attempt(timeout=0.3) is False
    assert "tcp connect" in both.describe() and "QUIC version negotiation" in both.describe()


# ---------------------------------------------------------------- the protocol plugin


def _context(root: Path, name: str, role: str, target: str | None = None) -> ServiceContext:
    # The service sees its folder at /srv/<name>, as a container would.
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


def _protocol(role: str, **keys: Any) -> HTTPProtocolConfig:
    block = {"name": "http", "role": role, "transfer": SIZES, **keys}
    return msgspec.convert(block, HTTPProtocolConfig)


def _test(root: Path, server: dict[str, Any] | None = None, **clients: dict[str, Any]) -> ProtocolTest:
    clients = clients or {"client": {}}
    services = {"server": _context(root, "server", "server")}
    configs = {"server": _protocol("server", **(server or {}))}
    for name, keys in clients.items():
        services[name] = _context(root, name, "client", "server")
        configs[name] = _protocol("client", target="server", **keys)
    return ProtocolTest(
        name="t",
        iteration=0,
        output_dir=root,
        services=services,
        protocol_configs=configs,
        implementation_configs={name: HTTPConfig() for name in services},
    )


def test_entry_point() -> None:
    (entry,) = [ep for ep in entry_points(group="panther.protocol") if ep.name == "http"]
    assert entry.load() is HTTPProtocol
    assert (HTTPProtocol.transport, HTTPProtocol.versions["h2"]) == ("tcp", 2)


def test_cleartext_http1_gets_files_urls_and_no_certificates(tmp_path: Path) -> None:
    test = _test(tmp_path)
    HTTPProtocol().prepare_test(test)
    server, client = test.services["server"].arguments, test.services["client"].arguments
    assert (server["http_version"], server["tls"], server["document_root"]) == ("http/1.1", False, "/srv/server/www")
    assert [(tmp_path / "server/www" / f"transfer-{size}.bin").stat().st_size for size in SIZES] == SIZES
    assert client["urls"] == [f"http://127.0.0.1:8443/transfer-{size}.bin" for size in SIZES]
    assert (client["download_dir"], client["exchange_log"]) == ("/srv/client/downloads", "/srv/client/exchanges.jsonl")
    assert "cert_file" not in server and not (tmp_path / "tls").exists()


@pytest.mark.parametrize("version", ["h2", "h3", "2"])
def test_the_version_decides_tls_and_alpn_for_both_roles(tmp_path: Path, version: str) -> None:
    test = _test(tmp_path, {"version": version}, client={"version": version})
    HTTPProtocol().prepare_test(test)
    server, client = test.services["server"].arguments, test.services["client"].arguments
    canonical = {"2": "h2"}.get(version, version)
    assert server["tls"] is client["tls"] is True
    assert server["alpn"] == client["alpn"] == canonical and client["http_version"] == canonical
    assert server["cert_file"] == "/srv/server/tls/cert.pem" and server["key_file"] == "/srv/server/tls/key.pem"
    assert client["urls"][0] == "https://127.0.0.1:8443/transfer-10.bin"
    assert client["keylog_file"] == "/srv/client/keys.log"
    assert stat.S_IMODE((tmp_path / "server" / "tls" / "key.pem").stat().st_mode) == 0o600


def test_a_client_gets_the_ca_and_never_the_servers_key(tmp_path: Path) -> None:
    test = _test(tmp_path, {"version": "h2"}, client={"version": "h2"})
    HTTPProtocol().prepare_test(test)
    client = test.services["client"].arguments
    assert client["ca_file"] == "/srv/client/tls/ca.pem"
    assert client["cert_file"] is None and client["key_file"] is None
    assert [path.name for path in (tmp_path / "client").rglob("*.pem")] == ["ca.pem"]


def test_http1_over_tls_when_asked_and_the_client_follows_its_server(tmp_path: Path) -> None:
    test = _test(tmp_path, {"tls": True})
    HTTPProtocol().prepare_test(test)
    assert test.services["client"].arguments["scheme"] == "https"
    assert test.services["client"].arguments["alpn"] == "http/1.1"


def test_a_server_serves_the_versions_of_all_its_clients(tmp_path: Path) -> None:
    test = _test(tmp_path, {"version": "h2"}, old={"version": "http/1.1"}, new={"version": "h3"})
    HTTPProtocol().prepare_test(test)
    assert test.services["server"].arguments["http_versions"] == ["h2", "http/1.1", "h3"]
    # The HTTP/1.1 client reaches a TLS server over TLS.
    assert test.services["old"].arguments["scheme"] == "https"


def test_h3_runs_over_udp() -> None:
    assert _protocol("server", version="h3").transport == "udp"
    assert _protocol("server", version="h2").transport == "tcp"
    assert _protocol("server").transport == "tcp"


def test_services_must_agree_on_the_files(tmp_path: Path) -> None:
    test = _test(tmp_path, {"transfer": [5]})
    with pytest.raises(ConfigError, match="disagree on the files"):
        HTTPProtocol().prepare_test(test)


# ---------------------------------------------------------------- the checks, from recorded evidence


def _outcome(folder: Path, role: str, exit_code: int | None = 0) -> ServiceOutcome:
    return ServiceOutcome(
        name=folder.name,
        role=role,
        exit_code=exit_code,
        duration=1.0,
        output_dir=folder,
        stdout=folder / "stdout.log",
        stderr=folder / "stderr.log",
        stopped_by_harness=role == "server",
    )


def _judged_client(tmp_path: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    test = _test(tmp_path, {"version": "h2"}, client={"version": "h2"})
    HTTPProtocol().prepare_test(test)
    folder = tmp_path / "client"
    (folder / "exchanges.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    checks = MinimalHttp(context=test.services["client"]).evaluate(_outcome(folder, "client"))
    return {check.name: check for check in checks}


def test_exchanges_with_status_200_in_the_asked_version_pass(tmp_path: Path) -> None:
    records = [{"path": f"/transfer-{size}.bin", "status": 200, "http_version": "HTTP/2.0"} for size in SIZES]
    checks = _judged_client(tmp_path, records)
    assert checks["client HTTP status"].status == checks["client HTTP version"].status == "passed"
    assert checks["client HTTP version"].evidence == [str(tmp_path / "client" / "exchanges.jsonl")]


def test_a_missing_response_a_bad_status_and_another_version_fail(tmp_path: Path) -> None:
    checks = _judged_client(tmp_path, [{"url": "https://x/transfer-10.bin", "status": 200, "http_version": "2"}])
    assert checks["client HTTP status"].status == "failed"
    assert "no response recorded for /transfer-4096.bin" in checks["client HTTP status"].reason
    records = [
        {"path": "/transfer-10.bin", "status": 200, "http_version": "1.1"},
        {"path": "/transfer-4096.bin", "status": 404, "http_version": "2"},
    ]
    checks = _judged_client(tmp_path, records)
    assert "had status 404" in checks["client HTTP status"].reason
    assert "expected h2, 1 of 2 exchange(s) used http/1.1" in checks["client HTTP version"].reason


def test_a_client_that_recorded_nothing_fails(tmp_path: Path) -> None:
    checks = _judged_client(tmp_path, [])
    assert checks["client HTTP status"].status == "failed"
    assert "expected 2 response(s)" in checks["client HTTP status"].reason
