"""The ``quic`` protocol plugin: what it prepares for each service and how it judges the test."""

from __future__ import annotations

import json
import stat
from importlib.metadata import entry_points
from pathlib import Path, PurePosixPath

import msgspec
import pytest
from conftest import AioquicServer
from panther.config.errors import ConfigError
from panther.config.models import ServiceConfig
from panther.config.models import TestConfig as ExperimentTestConfig
from panther.config.resolved import ResolvedService, ResolvedTest
from panther.plugins.manifest import manifest_of
from panther.protocols import TestContext as ProtocolTest
from panther.services.context import ServiceContext
from panther.services.outcome import EXIT_UNSUPPORTED, ServiceOutcome
from panther.transfer import file_content
from panther_base_quic import BaseQUICServiceManager, QUICConfig, QUICProtocol, QUICProtocolConfig
from panther_base_quic.certificates import CertificateSet

SIZES = [10, 4096, 70000]


def _context(root: Path, name: str, role: str, target: str | None = None) -> ServiceContext:
    # The service sees its folder at /srv/<name>, as a container would.
    return ServiceContext(
        name=name,
        role=role,
        test_name="t",
        host_output_dir=root / name,
        output_dir=PurePosixPath("/srv") / name,
        host="127.0.0.1",
        port=4443,
        target=target,
    )


def _test(root: Path, **client_keys: object) -> ProtocolTest:
    def config(role: str, **keys: object) -> QUICProtocolConfig:
        return msgspec.convert({"name": "quic", "role": role, "transfer": SIZES, **keys}, QUICProtocolConfig)

    return ProtocolTest(
        name="t",
        iteration=0,
        output_dir=root,
        services={"server": _context(root, "server", "server"), "client": _context(root, "client", "client", "server")},
        protocol_configs={"server": config("server"), "client": config("client", target="server", **client_keys)},
    )


def _download_everything(test: ProtocolTest) -> Path:
    downloads = test.services["client"].host_output_dir / "downloads"
    for name in test.services["client"].arguments["expected_files"]:
        (downloads / name).write_bytes((test.services["server"].host_output_dir / "www" / name).read_bytes())
    return downloads


def test_registered_under_the_protocol_entry_point() -> None:
    (entry,) = [ep for ep in entry_points(group="panther.protocol") if ep.name == "quic"]
    assert entry.load() is QUICProtocol
    manifest = manifest_of(QUICProtocol)
    assert manifest is not None and (manifest.plugin_type, manifest.name) == ("protocol", "quic")
    assert (QUICProtocol.transport, QUICProtocol.default_port, QUICProtocol.versions["draft29"]) == (
        "udp",
        4443,
        0xFF00001D,
    )


def test_prepare_gives_each_service_its_view_of_the_material(tmp_path: Path) -> None:
    test = _test(tmp_path)
    QUICProtocol().prepare_test(test)
    server, client = test.services["server"].arguments, test.services["client"].arguments
    assert server["cert_file"] == "/srv/server/tls/cert.pem" and server["key_file"] == "/srv/server/tls/key.pem"
    assert client["ca_file"] == "/srv/client/tls/ca.pem"
    # Least privilege: the client trusts the CA and holds no certificate or key of the server.
    assert client["cert_file"] is None and client["key_file"] is None
    assert sorted(path.name for path in (tmp_path / "client" / "tls").iterdir()) == ["ca.pem"]
    assert server["keylog_file"] == "/srv/server/keys.log" and server["qlog_dir"] == "/srv/server/qlog"
    assert (server["alpn"], server["quic_version"], server["quic_version_wire"]) == ("hq-interop", "rfc9000", 1)
    assert server["www_dir"] == "/srv/server/www"
    assert client["download_dir"] == "/srv/client/downloads"
    assert client["urls"] == [f"https://127.0.0.1:4443/transfer-{size}.bin" for size in SIZES]
    assert client["expected_files"] == [f"transfer-{size}.bin" for size in SIZES]
    www = tmp_path / "server" / "www"
    assert [(www / f"transfer-{size}.bin").stat().st_size for size in SIZES] == SIZES
    assert stat.S_IMODE((tmp_path / "server" / "tls" / "key.pem").stat().st_mode) == 0o600
    assert (tmp_path / "client" / "qlog").is_dir() and (tmp_path / "client" / "downloads").is_dir()


def test_files_are_deterministic_by_seed(tmp_path: Path) -> None:
    assert file_content(4096, 1) == file_content(4096, 1) != file_content(4096, 2)
    first, second = _test(tmp_path / "a"), _test(tmp_path / "b")
    QUICProtocol().prepare_test(first)
    QUICProtocol().prepare_test(second)
    name = "transfer-70000.bin"
    assert (tmp_path / "a/server/www" / name).read_bytes() == (tmp_path / "b/server/www" / name).read_bytes()


def test_version_and_ipv6_urls(tmp_path: Path) -> None:
    test = _test(tmp_path, version="v2", alpn="h3")
    test.protocol_configs["server"] = msgspec.convert(
        {"name": "quic", "role": "server", "transfer": SIZES, "version": "v2", "alpn": "h3"}, QUICProtocolConfig
    )
    test.services["client"].host = "::1"
    QUICProtocol().prepare_test(test)
    client = test.services["client"].arguments
    assert (client["quic_version_wire"], client["alpn"]) == (0x6B3343CF, "h3")
    assert client["urls"][0] == "https://[::1]:4443/transfer-10.bin"


def test_user_certificates_are_used_as_given(tmp_path: Path, certificates: CertificateSet) -> None:
    test = _test(tmp_path)
    test.implementation_configs = {
        "server": QUICConfig(
            cert_file=str(certificates.cert_file),
            key_file=str(certificates.key_file),
            ca_file=str(certificates.ca_file),
        ),
        "client": QUICConfig(),
    }
    QUICProtocol().prepare_test(test)
    assert test.services["server"].arguments["cert_file"] == str(certificates.cert_file)
    # The client trusts the CA the server's owner gave, not a generated one.
    assert test.services["client"].arguments["ca_file"] == str(certificates.ca_file)


def test_unknown_version_names_the_service(tmp_path: Path) -> None:
    test = _test(tmp_path, version="quic-next")
    with pytest.raises(ConfigError) as caught:
        QUICProtocol().prepare_test(test)
    assert caught.value.path == "services.client.protocol.version"
    assert "rfc9000" in str(caught.value.expected)


def test_services_must_agree_on_the_transfer(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'server' and 'client' disagree"):
        QUICProtocol().prepare_test(_test(tmp_path, seed=7))


def test_duplicate_sizes_are_refused_when_the_file_is_loaded() -> None:
    with pytest.raises(msgspec.ValidationError, match="10 listed more than once"):
        msgspec.convert({"name": "quic", "role": "server", "transfer": [10, 4096, 10]}, QUICProtocolConfig)


def test_complete_downloads_pass_and_missing_qlog_is_skipped(tmp_path: Path) -> None:
    test = _test(tmp_path)
    QUICProtocol().prepare_test(test)
    _download_everything(test)
    checks = {check.name: check for check in QUICProtocol().evaluate_test(test, {})}
    assert [checks[f"client received transfer-{size}.bin"].status for size in SIZES] == ["passed"] * 3
    assert checks["client QUIC version"].status == "skipped"
    assert checks["server ALPN"].status == "skipped"
    assert "no qlog file" in checks["client QUIC version"].reason


def test_a_truncated_file_fails_with_the_exact_reason(tmp_path: Path) -> None:
    test = _test(tmp_path)
    QUICProtocol().prepare_test(test)
    downloads = _download_everything(test)
    victim = downloads / "transfer-70000.bin"
    victim.write_bytes(victim.read_bytes()[:65536])
    (failed,) = [check for check in QUICProtocol().evaluate_test(test, {}) if check.status == "failed"]
    assert failed.name == "client received transfer-70000.bin"
    assert failed.reason == "transfer-70000.bin is truncated: expected 70000 bytes, received 65536 bytes"
    assert failed.evidence == [str(victim)]


def test_a_client_that_cannot_do_the_test_is_not_judged_on_missing_files(tmp_path: Path) -> None:
    test = _test(tmp_path)
    QUICProtocol().prepare_test(test)
    client = test.services["client"].host_output_dir
    unsupported = ServiceOutcome(
        name="client",
        role="client",
        exit_code=EXIT_UNSUPPORTED,
        duration=0.1,
        output_dir=client,
        stdout=client / "stdout.log",
        stderr=client / "stderr.log",
    )
    names = {check.name for check in QUICProtocol().evaluate_test(test, {"client": unsupported})}
    assert not any(name.startswith("client ") for name in names)
    # Without that outcome, the same missing downloads are failures.
    failed = [check for check in QUICProtocol().evaluate_test(test, {}) if check.status == "failed"]
    assert len(failed) == len(SIZES)


def test_missing_and_corrupted_files_fail(tmp_path: Path) -> None:
    test = _test(tmp_path)
    QUICProtocol().prepare_test(test)
    downloads = _download_everything(test)
    (downloads / "transfer-10.bin").unlink()
    corrupt = downloads / "transfer-4096.bin"
    data = bytearray(corrupt.read_bytes())
    data[1000] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    reasons = {check.name: check.reason for check in QUICProtocol().evaluate_test(test, {}) if check.status == "failed"}
    assert reasons == {
        "client received transfer-10.bin": "transfer-10.bin was not received: expected 10 bytes, received nothing",
        "client received transfer-4096.bin": (
            "transfer-4096.bin has the right size (4096 bytes) but differs from byte 1000 on"
        ),
    }


def _write_qlog(folder: Path, chosen_version: int, alpns: list[str]) -> None:
    document = {
        "qlog_format": "JSON",
        "traces": [
            {
                "events": [
                    {"name": "transport:version_information", "data": {"chosen_version": chosen_version}},
                    {"name": "transport:alpn_information", "data": {"client_alpns": alpns}},
                ]
            }
        ],
    }
    (folder / "trace.qlog").write_text(json.dumps(document))


def test_wrong_version_in_qlog_fails_and_says_its_source(tmp_path: Path) -> None:
    test = _test(tmp_path)
    QUICProtocol().prepare_test(test)
    _write_qlog(tmp_path / "client" / "qlog", 0xFF00001D, ["hq-interop"])
    checks = {check.name: check for check in QUICProtocol().evaluate_test(test, {})}
    version = checks["client QUIC version"]
    assert version.status == "failed"
    assert (
        version.reason
        == "expected 0x00000001 (rfc9000/v1), the qlog shows 0xff00001d (draft29) (source: qlog, 1 file(s))"
    )
    assert checks["client ALPN"].status == "passed"


def test_json_seq_qlog_without_version_is_skipped_not_passed(tmp_path: Path) -> None:
    test = _test(tmp_path)
    QUICProtocol().prepare_test(test)
    # The shape ngtcp2 writes: RS-separated records, no version or ALPN event.
    records = [
        {"qlog_format": "JSON-SEQ", "trace": {}},
        {"name": "transport:packet_sent", "data": {"header": {"packet_type": "initial"}}},
    ]
    (tmp_path / "server" / "qlog" / "x.sqlog").write_text(
        "".join("\x1e" + json.dumps(r) + "\n" for r in records) + '\x1e{"trunc'
    )
    checks = {check.name: check for check in QUICProtocol().evaluate_test(test, {})}
    assert checks["server QUIC version"].status == "skipped"
    assert "records no QUIC version" in checks["server QUIC version"].reason
    assert checks["server ALPN"].status == "skipped"


def test_a_real_aioquic_handshake_qlog_passes(
    tmp_path: Path, aioquic_server: AioquicServer, certificates: CertificateSet
) -> None:
    test = _test(tmp_path)
    QUICProtocol().prepare_test(test)
    aioquic_server.handshake(certificates, "hq-interop", tmp_path / "client" / "qlog")
    checks = {check.name: check for check in QUICProtocol().evaluate_test(test, {})}
    assert checks["client QUIC version"].status == "passed", checks["client QUIC version"].reason
    assert "source: qlog" in checks["client QUIC version"].reason
    assert checks["client ALPN"].status == "passed"


def _resolved(index: int, root: Path) -> ResolvedTest:
    """A resolved test of a server and its client, as the runner hands it to prepare_experiment."""
    services = {}
    for name, role in (("server", "server"), ("client", "client")):
        keys = {"name": "quic", "role": role, "transfer": SIZES, **({"target": "server"} if role == "client" else {})}
        config = ServiceConfig(implementation={"name": "x"}, protocol=keys)
        protocol = msgspec.convert(keys, QUICProtocolConfig)
        services[name] = ResolvedService(
            name, config, QUICConfig(name="x"), BaseQUICServiceManager, protocol, QUICProtocol
        )
    test = ExperimentTestConfig(name=f"t{index}", services={name: s.config for name, s in services.items()})
    return ResolvedTest(index, test, services, object, None)


def test_an_experiment_makes_one_ca_and_one_copy_of_each_file(tmp_path: Path) -> None:
    prepared = QUICProtocol()
    prepared.prepare_experiment([_resolved(0, tmp_path), _resolved(1, tmp_path)], tmp_path / "prepare")
    made = tmp_path / "prepare" / "files" / "seed-0"
    assert sorted(path.name for path in made.iterdir()) == [f"transfer-{size}.bin" for size in SIZES]

    tests = [_test(tmp_path / "a"), _test(tmp_path / "b")]
    for test in tests:
        protocol = QUICProtocol()
        protocol.__dict__.update(prepared.__dict__)  # as the runner gives each test what was made
        protocol.prepare_test(test)
    ca = [(root / "client" / "tls" / "ca.pem").read_bytes() for root in (tmp_path / "a", tmp_path / "b")]
    assert ca[0] == ca[1] == (tmp_path / "prepare" / "tls" / "ca.pem").read_bytes()
    for root in (tmp_path / "a", tmp_path / "b"):
        served = root / "server" / "www" / "transfer-70000.bin"
        assert served.stat().st_ino == (made / "transfer-70000.bin").stat().st_ino  # a link, not a copy
        assert stat.S_IMODE((root / "server" / "tls" / "key.pem").stat().st_mode) == 0o600
    assert not (tmp_path / "a" / "tls").exists()  # the run's certificate covered this test


def test_a_test_reaching_its_server_by_another_name_gets_a_certificate_of_the_same_ca(tmp_path: Path) -> None:
    from cryptography import x509

    prepared = QUICProtocol()
    prepared.prepare_experiment([_resolved(0, tmp_path)], tmp_path / "prepare")
    test = _test(tmp_path / "a")
    for service in test.services.values():
        service.host = "127.0.0.9"
    protocol = QUICProtocol()
    protocol.__dict__.update(prepared.__dict__)
    protocol.prepare_test(test)

    ca = x509.load_pem_x509_certificate((tmp_path / "prepare" / "tls" / "ca.pem").read_bytes())
    server = x509.load_pem_x509_certificate((tmp_path / "a" / "server" / "tls" / "cert.pem").read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.9" in {str(address) for address in names.get_values_for_type(x509.IPAddress)}


def _case_test(root: Path, **keys: object) -> ProtocolTest:
    """A test whose two services have the same ``protocol:`` keys (no transfer key)."""

    def config(role: str, **more: object) -> QUICProtocolConfig:
        return msgspec.convert({"name": "quic", "role": role, **keys, **more}, QUICProtocolConfig)

    return ProtocolTest(
        name="t",
        iteration=1,
        output_dir=root,
        services={"server": _context(root, "server", "server"), "client": _context(root, "client", "client", "server")},
        protocol_configs={"server": config("server"), "client": config("client", target="server")},
    )


def test_a_case_decides_the_files_alpn_and_version(tmp_path: Path) -> None:
    test = _case_test(tmp_path, test_case="http3")
    QUICProtocol().prepare_test(test)
    client = test.services["client"].arguments
    assert (client["test_case"], client["alpn"], client["quic_version"]) == ("http3", "h3", "rfc9000")
    assert client["expected_files"] == ["transfer-5120.bin", "transfer-10240.bin", "transfer-512000.bin"]
    v2 = _case_test(tmp_path / "v2", test_case="v2")
    QUICProtocol().prepare_test(v2)
    assert v2.services["server"].arguments["quic_version_wire"] == 0x6B3343CF


def test_keys_written_in_the_protocol_block_win_over_the_case(tmp_path: Path) -> None:
    test = _case_test(tmp_path, test_case="http3", alpn="hq-interop", version="v2", transfer=[10])
    QUICProtocol().prepare_test(test)
    client = test.services["client"].arguments
    assert (client["alpn"], client["quic_version"], client["expected_files"]) == (
        "hq-interop",
        "v2",
        ["transfer-10.bin"],
    )


def test_services_must_name_the_same_case(tmp_path: Path) -> None:
    test = _case_test(tmp_path)
    test.protocol_configs["server"] = msgspec.convert(
        {"name": "quic", "role": "server", "test_case": "retry"}, QUICProtocolConfig
    )
    test.protocol_configs["client"] = msgspec.convert(
        {"name": "quic", "role": "client", "target": "server", "test_case": "handshake"}, QUICProtocolConfig
    )
    with pytest.raises(ConfigError, match="different QUIC test cases") as caught:
        QUICProtocol().prepare_test(test)
    assert caught.value.found == "server: retry, client: handshake"
