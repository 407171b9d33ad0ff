"""The client process against each server variant: exit status, stderr and report."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from panther_iut_ping_pong.report import read_summary
from processes import RunningServer, run_client, run_module

Start = Callable[..., RunningServer]


def _records(report: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in report.read_text().splitlines()]


def test_functional_exchange_passes_and_reports_every_round_trip(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "functional")
    report = tmp_path / "report.jsonl"
    result = run_client(server, report, "--count", "12", "--payload-size", "100", "--deadline", "5")
    assert result.returncode == 0, result.stderr
    assert "12 of 12 pongs received" in result.stdout
    records = _records(report)
    assert [r["sequence"] for r in records if r["event"] == "sent"] == list(range(1, 13))
    received = [r for r in records if r["event"] == "received"]
    assert sorted(r["sequence"] for r in received) == list(range(1, 13))
    assert all(isinstance(r["rtt_ms"], float) and r["rtt_ms"] >= 0 for r in received)
    assert records[-1]["event"] == "summary" and records[-1]["passed"] is True
    assert records[-1]["faults"] == []


def test_fail_names_the_wrong_sequence_number(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "fail")
    report = tmp_path / "report.jsonl"
    result = run_client(server, report, "--count", "4", "--deadline", "5")
    assert result.returncode == 1
    expected = "4 pongs carried a wrong sequence number (first: pong for sequence 1 carried sequence 2)"
    assert expected in result.stderr
    summary = read_summary(report)
    assert [(w.expected, w.carried) for w in summary.wrong_sequence] == [(1, 2), (2, 3), (3, 4), (4, 5)]
    # Matched by their timestamps, the wrongly numbered pongs are not counted as missing.
    assert summary.missing == []


def test_flaky_counts_the_missing_pongs(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "flaky", "--seed", "7", "--drop-rate", "0.5")
    report = tmp_path / "report.jsonl"
    result = run_client(server, report, "--count", "20", "--interval", "0", "--deadline", "2")
    assert result.returncode == 1
    summary = read_summary(report)
    assert summary.missing and not summary.unreachable
    assert summary.answered + len(summary.missing) == 20
    assert f"{len(summary.missing)} of 20 pongs missing" in result.stderr
    _, stdout, _ = server.stop()
    assert f"{len(summary.missing)} pings dropped" in stdout


def test_a_ping_left_unanswered_is_sent_again_until_answered(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "flaky", "--seed", "7", "--drop-rate", "0.5")
    report = tmp_path / "report.jsonl"
    args = ("--count", "20", "--interval", "0", "--deadline", "1", "--retransmissions", "10")
    result = run_client(server, report, *args)
    assert result.returncode == 0, result.stderr
    summary = read_summary(report)
    _, stdout, _ = server.stop()
    # Every PING the server dropped was answered on a later try: one copy sent per drop.
    assert f"{summary.retransmissions} pings dropped" in stdout and summary.retransmissions > 0
    sent = [r for r in _records(report) if r["event"] == "sent"]
    assert len(sent) == 20 + summary.retransmissions
    again = sorted({r["sequence"] for r in sent if r["attempt"] > 1})
    assert summary.retransmitted == again and summary.missing == []
    timestamps = [r["timestamp_ns"] for r in sent]
    assert len(set(timestamps)) == len(timestamps)  # each copy has its own


def test_slow_pongs_are_late_not_missing(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "slow", "--delay", "1.2")
    report = tmp_path / "report.jsonl"
    # The client listens twice the deadline: a pong delayed 1.2 s misses a 1 s deadline
    # but arrives while the client still listens (until 2 s after the last ping).
    result = run_client(server, report, "--count", "3", "--interval", "0", "--deadline", "1")
    assert result.returncode == 1
    summary = read_summary(report)
    assert summary.late == [1, 2, 3] and summary.missing == []
    assert "3 of 3 pongs arrived after the 1 s deadline" in result.stderr


def test_crash_is_reported_as_the_server_stopping(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "crash", "--crash-after", "3")
    report = tmp_path / "report.jsonl"
    result = run_client(server, report, "--count", "8", "--interval", "0.05", "--deadline", "1")
    assert result.returncode == 1
    assert (
        "server stopped answering after 3 pings: 5 of 8 pongs missing (sequence 4 on) "
        "and its port became unreachable" in result.stderr
    )
    assert server.process.wait(timeout=60) == 1


def test_malformed_pongs_are_counted_with_the_first_reason(server_factory: Start, tmp_path: Path) -> None:
    server = server_factory("--variant", "malformed")
    report = tmp_path / "report.jsonl"
    result = run_client(server, report, "--count", "5", "--payload-size", "0", "--deadline", "1")
    assert result.returncode == 1
    assert "received 5 malformed datagrams (first: datagram is 8 bytes, shorter than the 16-byte header)" in (
        result.stderr
    )
    assert sum(1 for r in _records(report) if r["event"] == "malformed") == 5


def test_nothing_listening_means_every_pong_missing(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The port is free again: pings meet "port unreachable", the client must not crash on it.
    report = tmp_path / "report.jsonl"
    result = run_module("client", "--port", str(port), "--count", "3", "--deadline", "0.2", "--report", str(report))
    assert result.returncode == 1
    assert "the server never answered: 3 of 3 pongs missing and its port is unreachable" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "0"], "argument --count: expected a value >= 1, got 0"),
        (["--deadline", "0"], "argument --deadline: expected a value > 0.0, got 0"),
        (["--payload-size", "1201"], "argument --payload-size: expected a value >= 0 and <= 1200, got 1201"),
        (["--report", "/nonexistent-folder/report.jsonl"], "argument --report: cannot write"),
    ],
)
def test_usage_errors_exit_2_with_a_message(args: list[str], message: str, tmp_path: Path) -> None:
    base = ["--report", str(tmp_path / "report.jsonl")]
    result = run_module("client", *base, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_report_is_required() -> None:
    result = run_module("client")
    assert result.returncode == 2
    assert "the following arguments are required: --report" in result.stderr
