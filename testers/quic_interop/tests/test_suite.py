"""The suite's cells and its verdicts when evidence is missing (no implementation runs here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from panther.protocols import TestContext as ProtocolTest
from panther.services.context import ServiceContext
from panther.services.outcome import ServiceOutcome
from panther.testing import require_peer
from panther_base_quic.cases import QUIC_TEST_CASES
from panther_tester_quic_interop import QuicInteropOptions, QuicInteropSuite
from panther_tester_quic_interop.judging import CASE_CHECKS


def test_the_cases_are_the_quic_vocabulary_each_with_its_checks() -> None:
    cases = QuicInteropSuite().cases()
    assert list(cases) == list(QUIC_TEST_CASES)
    assert all(cases[name] == case.description for name, case in QUIC_TEST_CASES.items())
    assert set(CASE_CHECKS) == set(QUIC_TEST_CASES)
    # A check reads the capture ("wire: ") or the path's record ("path: ").
    assert all(check.name.startswith(("wire: ", "path: ")) for checks in CASE_CHECKS.values() for check in checks)


def test_an_impaired_cell_asks_for_its_path_and_its_time() -> None:
    cell = QuicInteropSuite().cell("blackhole", "aioquic", "ngtcp2", QuicInteropOptions())
    assert cell.network_environment["path"]["blackholes"] == [{"start": 1.0, "duration": 2.0}]
    assert cell.network_environment["path"]["rate_mbit"] == 10
    lossy = QuicInteropSuite().cell("handshakeloss", "aioquic", "ngtcp2", QuicInteropOptions())
    assert lossy.network_environment["path"]["loss"] == 0.3 and lossy.timeout == 240.0


def test_a_cell_names_the_case_and_records_the_path() -> None:
    cell = QuicInteropSuite().cell("retry", "aioquic", "aioquic", QuicInteropOptions())
    server, client = cell.services["server"], cell.services["client"]
    assert server["implementation"] == {"name": "aioquic", "type": "iut"}
    assert server["protocol"] == {"name": "quic", "test_case": "retry", "alpn": "hq-interop", "role": "server"}
    assert (client["protocol"]["target"], client["protocol"]["verify_peer"]) == ("server", True)
    assert cell.network_environment == {"path": {}}
    assert (cell.timeout, cell.iterations) == (60.0, 1)


def test_the_pair_decides_the_alpn_and_certificate_checks() -> None:
    suite = QuicInteropSuite()
    with_ngtcp2 = suite.cell("handshake", "aioquic", "ngtcp2", QuicInteropOptions())
    # gtlsclient speaks only h3 and verifies no certificate.
    assert with_ngtcp2.services["client"]["protocol"]["alpn"] == "h3"
    assert with_ngtcp2.services["client"]["protocol"]["verify_peer"] is False
    assert (
        suite.cell("handshake", "aioquic", "aioquic", QuicInteropOptions(alpn="h3")).services["server"]["protocol"][
            "alpn"
        ]
        == "h3"
    )
    # A case that names its ALPN keeps it.
    assert (
        suite.cell("http3", "aioquic", "aioquic", QuicInteropOptions()).services["server"]["protocol"]["alpn"] == "h3"
    )


def test_cases_shape_their_cells() -> None:
    suite = QuicInteropSuite()
    assert suite.cell("ipv6", "aioquic", "aioquic", QuicInteropOptions()).network_environment == {
        "path": {},
        "host": "::1",
    }
    assert suite.cell("goodput", "aioquic", "aioquic", QuicInteropOptions()).iterations == 5
    assert suite.cell("resumption", "aioquic", "aioquic", QuicInteropOptions()).timeout == 120.0


def _test(root: Path) -> ProtocolTest:
    services = {
        name: ServiceContext(name=name, role=name, test_name="t", host_output_dir=root / name, output_dir=root / name)
        for name in ("server", "client")
    }
    for service in services.values():
        service.host_output_dir.mkdir(parents=True)
    return ProtocolTest(name="t", iteration=1, output_dir=root, services=services, protocol_configs={})


def _outcome(root: Path, name: str, exit_code: int) -> ServiceOutcome:
    folder = root / name
    return ServiceOutcome(
        name=name,
        role=name,
        exit_code=exit_code,
        duration=1.0,
        output_dir=folder,
        stdout=folder / "stdout.log",
        stderr=folder / "stderr.log",
    )


@pytest.mark.parametrize("case", list(QUIC_TEST_CASES))
def test_without_a_capture_every_check_is_unsupported_never_passed(case: str, tmp_path: Path) -> None:
    require_peer("tshark", shutil.which("tshark") is not None, "install Debian's tshark")
    test = _test(tmp_path)
    outcomes = {name: _outcome(tmp_path, name, 0) for name in ("server", "client")}
    checks = QuicInteropSuite().evaluate_test(case, test, outcomes)
    assert [check.name for check in checks][: len(CASE_CHECKS[case])] == [check.name for check in CASE_CHECKS[case]]
    assert {check.status for check in checks} == {"unsupported"}
    assert all("no capture at" in check.reason and "path: {}" in check.reason for check in checks)
    assert test.measurements == {}


def test_a_service_that_said_unsupported_is_not_judged_again(tmp_path: Path) -> None:
    test = _test(tmp_path)
    outcomes = {"server": _outcome(tmp_path, "server", 127), "client": _outcome(tmp_path, "client", 0)}
    assert QuicInteropSuite().evaluate_test("v2", test, outcomes) == []


def test_prepare_writes_what_the_cell_asks_next_to_its_evidence(tmp_path: Path) -> None:
    test = _test(tmp_path)
    QuicInteropSuite().prepare_test("keyupdate", test)
    text = (tmp_path / "case.json").read_text()
    assert '"case": "keyupdate"' in text and "wire: client key phase 1" in text


def test_a_matrix_can_run_without_a_recorded_path() -> None:
    cell = QuicInteropSuite().cell("ipv6", "aioquic", "aioquic", QuicInteropOptions(record_path=False))
    assert cell.network_environment == {"host": "::1"}
