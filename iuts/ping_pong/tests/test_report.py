"""The report's summary: fault sentences, and reading it back as the verdict does."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from panther_iut_ping_pong.report import ReportError, ReportWriter, Summary, WrongSequence, read_summary


def test_a_clean_summary_passes() -> None:
    summary = Summary(count=5, deadline=1.0, answered=5)
    assert summary.passed and summary.faults == []


def test_one_wrong_sequence_is_named_exactly() -> None:
    summary = Summary(count=5, deadline=1.0, answered=5, wrong_sequence=[WrongSequence(5, 6)])
    assert summary.faults == ["pong for sequence 5 carried sequence 6"]


def test_missing_pongs_in_the_middle_are_listed() -> None:
    summary = Summary(count=20, deadline=1.0, answered=17, missing=[4, 9, 13], unreachable=False)
    assert summary.faults == ["3 of 20 pongs missing (sequences 4, 9, 13)"]


def test_a_missing_tail_without_unreachable_port_is_not_called_a_stop() -> None:
    # A flaky server may drop the last pongs while still listening.
    summary = Summary(count=10, deadline=1.0, answered=8, missing=[9, 10])
    assert summary.faults == ["2 of 10 pongs missing (sequences 9, 10)"]


def test_a_missing_tail_with_unreachable_port_is_a_stop() -> None:
    summary = Summary(count=10, deadline=1.0, answered=4, missing=[5, 6, 7, 8, 9, 10], unreachable=True)
    assert summary.faults == [
        "server stopped answering after 4 pings: 6 of 10 pongs missing (sequence 5 on) and its port became unreachable"
    ]


def test_long_lists_are_shortened() -> None:
    summary = Summary(count=100, deadline=0.5, answered=0, late=list(range(1, 101)), slowest_late_rtt=0.75)
    assert summary.faults == [
        "100 of 100 pongs arrived after the 0.5 s deadline (sequences 1, 2, 3, 4, 5, 6, 7, 8, ... (100 in all), "
        "slowest 0.750 s)"
    ]


def test_every_kind_of_fault_has_its_sentence() -> None:
    summary = Summary(
        count=4,
        deadline=1.0,
        malformed=2,
        first_malformed_reason="datagram is 3 bytes, shorter than the 16-byte header",
        bad_payload=[2],
        duplicates=[3],
        unsolicited=[77],
        unexpected_pings=1,
    )
    assert summary.faults == [
        "received 2 malformed datagrams (first: datagram is 3 bytes, shorter than the 16-byte header)",
        "1 pongs did not echo their ping's payload (sequences 2)",
        "received 1 duplicate pongs (sequences 3)",
        "received 1 pongs answering no ping that was sent (sequences 77)",
        "received 1 PINGs where PONGs were expected",
    ]


def test_written_summary_reads_back(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    summary = Summary(count=3, deadline=2.0, answered=2, missing=[3], wrong_sequence=[WrongSequence(1, 9)])
    with report.open("w") as stream:
        writer = ReportWriter(stream)
        writer.record("sent", sequence=1)
        writer.summary(summary)
    assert read_summary(report) == summary
    assert '"faults":["pong for sequence 1 carried sequence 9","1 of 3 pongs missing (sequences 3)"]' in (
        report.read_text()
    )


def test_a_report_without_summary_is_an_error(tmp_path: Path) -> None:
    report = tmp_path / "report.jsonl"
    stream = io.StringIO()
    ReportWriter(stream).record("sent", sequence=1)
    report.write_text(stream.getvalue())
    with pytest.raises(ReportError, match="has no summary: the client ended before finishing"):
        read_summary(report)


def test_an_absent_report_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="cannot read the client's report"):
        read_summary(tmp_path / "absent.jsonl")
