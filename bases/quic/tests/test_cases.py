"""The QUIC test case vocabulary, and what the ``quic`` protocol does with ``test_case``."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from panther.config.errors import ConfigError
from panther.netpath.config import PathConfig, path_problem
from panther.transfer import check_downloads, numbered_plan
from panther_base_quic import QUICProtocolConfig
from panther_base_quic.cases import QUIC_TEST_CASES, Files, quic_test_case


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
        "goodput-10mbit",
        "longrtt",
        "handshakeloss",
        "transferloss",
        "handshakecorruption",
        "transfercorruption",
        "blackhole",
        "amplificationlimit",
        "rebind-port",
        "rebind-addr",
        "connectionmigration",
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


def test_the_impaired_cases_name_a_path_the_relay_accepts() -> None:
    impaired = [case for case in QUIC_TEST_CASES.values() if case.path]
    assert len(impaired) == 11
    for case in impaired:
        path = msgspec.convert(dict(case.path), PathConfig)
        assert not path.perfect or case.name == "connectionmigration" or case.measurement
        assert path_problem(path, case.timeout or 60.0) is None
    assert quic_test_case("longrtt").path["delay_ms"] * 2 == 1500
    assert quic_test_case("handshakeloss").connections == quic_test_case("handshakeloss").files.count
    assert quic_test_case("handshakeloss").action("client")
    assert quic_test_case("connectionmigration").required_features("client") == ("connection_migration",)
    assert quic_test_case("amplificationlimit").certificate_bytes > 3 * 1200
    assert quic_test_case("goodput-10mbit").path["rate_mbit"] == 10


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
