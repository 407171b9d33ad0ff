"""The QUIC test case vocabulary, and what the ``quic`` protocol does with ``test_case``."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import msgspec
import pytest
from panther.config.errors import ConfigError
from panther.protocols import TestContext as ProtocolTest
from panther.services.context import ServiceContext
from panther_base_quic import QUICProtocol, QUICProtocolConfig
from panther_base_quic.cases import QUIC_TEST_CASES, Files, quic_test_case
from panther_base_quic.transfer import check_downloads, numbered_plan


def test_the_vocabulary_holds_the_interop_cases_in_report_order() -> None:
    assert list(QUIC_TEST_CASES) == [
        "handshake",
        "transfer",
        "multiplexing",
        "http3",
        "chacha20",
        "retry",
        "resumption",
        "zerortt",
        "keyupdate",
        "v2",
        "ipv6",
        "goodput",
    ]
    for name, case in QUIC_TEST_CASES.items():
        assert case.name == name and case.description.endswith(".") and case.files.total > 0


def test_cases_say_what_they_ask_of_each_role() -> None:
    assert quic_test_case("retry").action("server") and not quic_test_case("retry").action("client")
    assert quic_test_case("zerortt").required_features("client") == ("0rtt",)
    assert (quic_test_case("http3").alpn, quic_test_case("v2").version) == ("h3", "v2")
    assert quic_test_case("ipv6").ip_version == 6
    assert (quic_test_case("goodput").iterations, quic_test_case("goodput").measurement) == (5, "goodput")
    assert quic_test_case("resumption").connections == 2


def test_an_unknown_case_is_a_configuration_error_listing_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        quic_test_case("handshak")
    assert "handshake, transfer" in str(caught.value.expected)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"name": "quic", "role": "server", "test_case": "handshak"}, QUICProtocolConfig)


def test_numbered_files_each_have_bytes_of_their_own() -> None:
    plan = Files(count=3, size=32).plan(seed=1)
    assert [item.name for item in plan] == ["file-0001.bin", "file-0002.bin", "file-0003.bin"]
    assert len({item.content() for item in plan}) == 3
    assert plan == numbered_plan(3, 32, 1)


def _test(root: Path, **keys: object) -> ProtocolTest:
    def context(name: str, role: str, target: str | None = None) -> ServiceContext:
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

    def config(role: str, **more: object) -> QUICProtocolConfig:
        return msgspec.convert({"name": "quic", "role": role, **keys, **more}, QUICProtocolConfig)

    return ProtocolTest(
        name="t",
        iteration=1,
        output_dir=root,
        services={"server": context("server", "server"), "client": context("client", "client", "server")},
        protocol_configs={"server": config("server"), "client": config("client", target="server")},
    )


def test_a_case_decides_the_files_alpn_and_version(tmp_path: Path) -> None:
    test = _test(tmp_path, test_case="http3")
    QUICProtocol().prepare_test(test)
    client = test.services["client"].arguments
    assert (client["test_case"], client["alpn"], client["quic_version"]) == ("http3", "h3", "rfc9000")
    assert client["expected_files"] == ["transfer-5120.bin", "transfer-10240.bin", "transfer-512000.bin"]
    v2 = _test(tmp_path / "v2", test_case="v2")
    QUICProtocol().prepare_test(v2)
    assert v2.services["server"].arguments["quic_version_wire"] == 0x6B3343CF


def test_keys_written_in_the_protocol_block_win_over_the_case(tmp_path: Path) -> None:
    test = _test(tmp_path, test_case="http3", alpn="hq-interop", version="v2", transfer=[10])
    QUICProtocol().prepare_test(test)
    client = test.services["client"].arguments
    assert (client["alpn"], client["quic_version"], client["expected_files"]) == (
        "hq-interop",
        "v2",
        ["transfer-10.bin"],
    )


def test_services_must_name_the_same_case(tmp_path: Path) -> None:
    test = _test(tmp_path)
    test.protocol_configs["server"] = msgspec.convert(
        {"name": "quic", "role": "server", "test_case": "retry"}, QUICProtocolConfig
    )
    test.protocol_configs["client"] = msgspec.convert(
        {"name": "quic", "role": "client", "target": "server", "test_case": "handshake"}, QUICProtocolConfig
    )
    with pytest.raises(ConfigError, match="different QUIC test cases") as caught:
        QUICProtocol().prepare_test(test)
    assert caught.value.found == "server: retry, client: handshake"


def test_many_files_are_judged_in_one_check_plus_one_per_file_that_went_wrong(tmp_path: Path) -> None:
    plan = numbered_plan(30, 32, 0)
    for item in plan:
        (tmp_path / item.name).write_bytes(item.content())
    (tmp_path / plan[4].name).write_bytes(b"short")
    checks = check_downloads("client", plan, tmp_path)
    assert [(check.name, check.status) for check in checks] == [
        ("client received 30 files", "failed"),
        ("client received file-0005.bin", "failed"),
    ]
    assert checks[0].reason == "1 of 30 files did not arrive whole"
    (tmp_path / plan[4].name).write_bytes(plan[4].content())
    (summary,) = check_downloads("client", plan, tmp_path)
    assert (summary.status, summary.reason) == ("passed", "30 files, 960 bytes, identical")
