"""The ``network path`` check fails the faults it exists for: a relay that left no record,
and a configured rate the relay did not sustain."""

from __future__ import annotations

from panther.netpath.config import Impairments
from panther.netpath.files import NetworkPath
from panther.netpath.record import DirectionCounters, PathRecord, RelayHealth, write_path_record
from panther.netpath.verdict import path_checks


def _record(rate: float | None = None, **health: float) -> PathRecord:
    settings = Impairments(rate_mbit=rate).as_dict()
    counters = DirectionCounters(received=1000, forwarded=990, dropped={"queue_full": 10})
    return PathRecord(
        seed=3,
        settings={},
        impairments={"to_server": settings, "to_client": settings},
        started=1.0,
        ended=2.0,
        origin=1.5,
        routes=[],
        counters={"to_server": counters, "to_client": DirectionCounters(received=5, forwarded=5)},
        relay=RelayHealth(**health),  # type: ignore[arg-type]
    )


def test_a_relay_that_left_no_record_is_an_error(tmp_path):
    (tmp_path / "relay.log").write_text("Traceback ...\nMemoryError\n")
    [check] = path_checks(NetworkPath(tmp_path), tmp_path / "relay.log", -9)
    assert check.status == "error"
    assert "exit code -9" in check.reason and "MemoryError" in check.reason
    assert str(tmp_path / "relay.log") in check.evidence


def test_a_path_that_kept_up_passes_and_says_what_it_did(tmp_path):
    write_path_record(tmp_path / "path.json", _record(rate=10.0))
    [check] = path_checks(NetworkPath(tmp_path), tmp_path / "relay.log", 0)
    assert check.status == "passed"
    assert check.reason.startswith("seed 3; to_server: 1000 received, 990 forwarded (10 dropped by the full queue)")


def test_a_configured_rate_the_relay_did_not_sustain_is_an_error(tmp_path):
    write_path_record(tmp_path / "path.json", _record(rate=500.0, socket_drops=120))
    [check] = path_checks(NetworkPath(tmp_path), tmp_path / "relay.log", 0)
    assert check.status == "error"
    assert "configured rate (500 Mbit/s) was more than the relay sustained" in check.reason
    assert "120 datagrams" in check.reason


def test_a_few_late_datagrams_on_a_busy_host_are_not_a_lag(tmp_path):
    write_path_record(tmp_path / "path.json", _record(rate=10.0, late=5, max_lateness_ms=8.0))
    [check] = path_checks(NetworkPath(tmp_path), tmp_path / "relay.log", 0)
    assert check.status == "passed" and "note: 5 of 995 datagrams left late (worst 8.0 ms" in check.reason


def test_a_host_that_deschedules_the_relay_now_and_then_is_noted_not_an_error(tmp_path):
    # As seen with four cells side by side on two cores: 7 % late by up to 67 ms.
    write_path_record(tmp_path / "path.json", _record(rate=10.0, late=70, max_lateness_ms=67.0))
    [check] = path_checks(NetworkPath(tmp_path), tmp_path / "relay.log", 0)
    assert check.status == "passed" and "note: 70 of 995 datagrams left late" in check.reason


def test_a_relay_that_sent_most_datagrams_late_did_not_sustain_the_rate(tmp_path):
    write_path_record(tmp_path / "path.json", _record(rate=500.0, late=600, max_lateness_ms=900.0))
    [check] = path_checks(NetworkPath(tmp_path), tmp_path / "relay.log", 0)
    assert check.status == "error"
    assert "was more than the relay sustained: 600 of 995 datagrams left late" in check.reason


def test_lateness_without_a_rate_is_noted_but_does_not_fail(tmp_path):
    write_path_record(tmp_path / "path.json", _record(late=50, max_lateness_ms=30.0))
    [check] = path_checks(NetworkPath(tmp_path), tmp_path / "relay.log", 0)
    assert check.status == "passed" and "50 of 995 datagrams left late (worst 30.0 ms" in check.reason
