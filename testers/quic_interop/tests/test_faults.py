"""Every check fails when the fault it exists to catch is there.

Each test runs one real cell (aioquic against aioquic, through ``panther run``, over a
recorded path) with one fault injected: a fault switch of the aioquic endpoints
(``faults``: the endpoint misbehaves and still exits 0, so only the wire can tell),
or a key that makes a real endpoint do the wrong thing. The check the fault is for
must fail, with a reason that says what the wire showed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cells import relay_fell_behind, run_cell
from panther_base_quic.cases import quic_test_case
from panther_tester_quic_interop import checks
from panther_tester_quic_interop.evidence import Wire
from panther_tester_quic_interop.judging import AMPLIFICATION, CASE_CHECKS, IMPAIRED, PATH_VALIDATION, SERVER_FOLLOWS

pytestmark = pytest.mark.timeout(600)

CLIENT, SERVER = "clients", "servers"


def faults(role: str, *names: str) -> dict[str, Any]:
    return {role: {"aioquic": {"faults": list(names)}}}


# (case, matrix options injecting the fault, the check that must fail, what its reason says)
FAULTS = [
    (
        "transfer",
        faults(CLIENT, "connection-per-file"),
        "wire: handshakes",
        "expected 1 handshake, the server answered 3",
    ),
    ("transfer", faults(SERVER, "truncate"), "client received transfer-524288.bin", "is truncated"),
    ("handshake", {SERVER: {"aioquic": {"retry": True}}}, "wire: no Retry", "the server sent a Retry"),
    ("handshake", {"protocol": {"version": "v2"}}, "wire: QUIC version", "expected only v1 (0x00000001)"),
    ("multiplexing", faults(SERVER, "unlimited-streams"), "wire: stream limit", "it did not limit the client"),
    ("http3", {"protocol": {"alpn": "hq-interop"}}, "wire: ALPN", "expected ALPN 'h3'"),
    ("chacha20", faults(CLIENT, "ignore-cipher-suites"), "wire: cipher suite", "the ServerHello chose"),
    ("retry", faults(SERVER, "no-retry"), "wire: Retry sent", "the server sent no Retry packet"),
    ("retry", faults(SERVER, "no-retry"), "wire: Retry token carried", "no Retry packet"),
    ("resumption", faults(CLIENT, "no-resume"), "wire: session resumed", "sent its certificate again"),
    ("zerortt", faults(CLIENT, "no-early-data"), "wire: 0-RTT requests", "the client sent no 0-RTT packet"),
    ("zerortt", faults(SERVER, "forget-sessions"), "wire: 0-RTT accepted", "did not accept early data"),
    ("keyupdate", faults(CLIENT, "no-key-update"), "wire: client key phase 1", "none in key phase 1"),
    ("keyupdate", faults(CLIENT, "no-key-update"), "wire: server key phase 1", "none in key phase 1"),
    ("v2", {"protocol": {"version": "rfc9000"}}, "wire: QUIC version", "expected the handshake in v2"),
    ("longrtt", faults(CLIENT, "patient-handshake"), "wire: ClientHello sent again", "sent its ClientHello once"),
    (
        "amplificationlimit",
        faults(SERVER, "trust-addresses"),
        "wire: amplification limit",
        "before the client's address was validated",
    ),
    ("rebind-port", faults(SERVER, "trust-addresses"), "wire: path validation", "none with a PATH_CHALLENGE"),
    (
        "rebind-port",
        # The client gives up soon once the server answers only at its old address.
        {SERVER: {"aioquic": {"faults": ["stay-on-first-path"]}}, CLIENT: {"aioquic": {"idle_timeout": 5.0}}},
        "wire: server follows the client",
        "the server never sent to",
    ),
    ("connectionmigration", faults(CLIENT, "migrate-same-cid"), "wire: active migration", "of its old address"),
]


@pytest.mark.parametrize(
    ("case", "options", "check", "reason"),
    FAULTS,
    ids=[f"{case}-{check.removeprefix('wire: ').replace(' ', '_')}" for case, _, check, _ in FAULTS],
)
def test_the_fault_fails_its_check(case: str, options: dict[str, Any], check: str, reason: str, tmp_path: Path) -> None:
    cell = run_cell(tmp_path, case, options=options)
    # A rate-limited path may also report that the relay fell behind on a loaded machine.
    assert cell.verdict == "failed" or relay_fell_behind(cell), "\n".join(cell.not_passed())
    judged = cell.checks[check]
    assert judged["status"] == "failed", judged
    assert reason in judged["reason"]
    # The evidence is named: the capture (and key log) it was read from.
    if check.startswith("wire: "):
        assert any(path.endswith("server.pcap") for path in judged["evidence"])


def test_ipv4_on_the_wire_fails_ipv6_only(tmp_path: Path) -> None:
    """A transfer over IPv4 (a real handshake cell) judged as the ipv6 case."""
    cell = run_cell(tmp_path, "handshake")
    assert cell.verdict == "passed", "\n".join(cell.not_passed())
    verdict = checks.ipv6_only(
        Wire(folder=cell.output_dir / "path", keylog=None, short_headers="none"), quic_test_case("ipv6")
    )
    assert verdict.status == "failed" and "went over IPv4" in verdict.reason


def test_a_path_that_did_nothing_or_a_small_certificate_tests_nothing(tmp_path: Path) -> None:
    """A real handshake cell over a perfect path, with the usual certificate, judged as impaired cases."""
    cell = run_cell(tmp_path, "handshake")
    assert cell.verdict == "passed", "\n".join(cell.not_passed())
    wire = Wire(folder=cell.output_dir / "path", keylog=cell.output_dir / "keys.log", short_headers="none")
    for case in ("blackhole", "transferloss", "handshakecorruption", "rebind-port"):
        judged = IMPAIRED.run(wire, quic_test_case(case))
        assert judged.status == "unsupported", judged
        assert "the case tested nothing" in judged.reason and judged.evidence[-1].endswith("path.json")
    follows = SERVER_FOLLOWS.run(wire, quic_test_case("rebind-port"))
    assert follows.status == "unsupported" and "no rebinding" in follows.reason
    limit = AMPLIFICATION.run(wire, quic_test_case("amplificationlimit"))
    assert limit.status == "failed" and "the limit was never reached" in limit.reason
    moved = PATH_VALIDATION.run(wire, quic_test_case("rebind-port"))
    assert moved.status == "failed" and "never took a new path" in moved.reason


def test_without_key_logs_the_encrypted_evidence_is_unsupported_never_passed(tmp_path: Path) -> None:
    """A real key update cell whose capture is judged again without the endpoints' key logs."""
    cell = run_cell(tmp_path, "keyupdate")
    assert cell.verdict == "passed", "\n".join(cell.not_passed())
    wire = Wire(folder=cell.output_dir / "path", keylog=None)
    judged = {check.name: check.run(wire, quic_test_case("keyupdate")) for check in CASE_CHECKS["keyupdate"]}
    assert judged["wire: handshakes"].status == "passed"  # headers need no keys
    for name in ("wire: client key phase 1", "wire: server key phase 1"):
        assert judged[name].status == "unsupported"
        assert "neither endpoint wrote a key log" in judged[name].reason


def test_without_key_logs_the_path_challenges_are_unsupported_never_passed(tmp_path: Path) -> None:
    """A real port rebinding cell whose capture is judged again without the endpoints' key logs."""
    cell = run_cell(tmp_path, "rebind-port")
    assert cell.verdict == "passed" or relay_fell_behind(cell), "\n".join(cell.not_passed())
    wire = Wire(folder=cell.output_dir / "path", keylog=None, both_legs=True)
    judged = PATH_VALIDATION.run(wire, quic_test_case("rebind-port"))
    assert judged.status == "unsupported" and "neither endpoint wrote a key log" in judged.reason
    # What needs no keys is still judged: the server answered at every new address.
    assert SERVER_FOLLOWS.run(wire, quic_test_case("rebind-port")).status == "passed"
