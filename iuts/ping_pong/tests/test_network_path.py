"""The ping-pong over an impaired network path: every claim is measured against the
path's capture (read back with the path's own reader) and its counters.

- delay: the added delay shows in the capture and in every round trip the client measured;
- loss: without retransmission, the pongs of the lost PINGs are reported missing, by
  sequence; with it, exactly the lost PINGs are sent again and the exchange passes;
- one seed loses the same PINGs in every run;
- duplication and corruption make the faults the README documents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panther.netpath import read_path_record
from panther.netpath.pcap import CapturedDatagram, read_pcap
from panther.testing import RecordedTest, run_panther
from panther_base_minip.wire import PING, PONG, MalformedDatagram, decode
from panther_iut_ping_pong.report import REPORT_NAME, read_summary

COUNT = 20


def _run(tmp_path: Path, path: dict[str, Any], *, client: dict[str, Any] | None = None) -> RecordedTest:
    experiment = {
        "tests": [
            {
                "name": "ping-pong",
                "network_environment": {"type": "local", "path": path},
                "services": {
                    "server": {
                        "implementation": {"name": "ping_pong", "type": "iut"},
                        "protocol": {"name": "minip", "role": "server"},
                    },
                    "client": {
                        "implementation": {"name": "ping_pong", "type": "iut", "interval": 0.02, **(client or {})},
                        "protocol": {"name": "minip", "role": "client", "target": "server", "count": COUNT},
                    },
                },
                "timeout": 120,
            }
        ]
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    return run_panther(experiment, tmp_path).test()


def _messages(capture: Path, kind: int) -> list[tuple[CapturedDatagram, int]]:
    """(datagram, sequence) of the well-formed MINIP messages of ``kind`` in a capture."""
    found = []
    for datagram in read_pcap(capture):
        try:
            message = decode(datagram.payload)
        except MalformedDatagram:
            continue
        if message.type == kind:
            found.append((datagram, message.sequence))
    return found


def _lost_pings(test: RecordedTest) -> list[int]:
    """Sequences of the PING transmissions on the client's leg that never reached the server's leg."""
    folder = test.output_dir / "path"
    reached = {d.payload for d, _ in _messages(folder / "server.pcap", PING)}
    return [sequence for d, sequence in _messages(folder / "client.pcap", PING) if d.payload not in reached]


def test_a_delay_adds_to_every_round_trip(tmp_path: Path) -> None:
    delay = 0.040
    test = _run(tmp_path, {"to_server": {"delay_ms": delay * 1e3}})
    assert test.verdict == "passed", test.not_passed()
    folder = test.output_dir / "path"
    record = read_path_record(folder / "path.json")
    slack = record.relay.max_lateness_ms / 1e3 + 0.002  # how late the relay sent, and the timer's step
    client_leg = {seq: d.time for d, seq in _messages(folder / "client.pcap", PING)}
    server_leg = {seq: d.time for d, seq in _messages(folder / "server.pcap", PING)}
    assert sorted(client_leg) == sorted(server_leg) == list(range(1, COUNT + 1))
    for sequence in client_leg:
        assert delay - 1e-6 <= server_leg[sequence] - client_leg[sequence] <= delay + slack
    # Each round trip the client measured itself holds the delay (never less).
    rtts = [record_rtt for record_rtt in _rtts(test)]
    assert len(rtts) == COUNT and min(rtts) >= delay
    # And the round trip on the client's leg is the server's leg's plus the delay.
    pongs_client = {seq: d.time for d, seq in _messages(folder / "client.pcap", PONG)}
    pongs_server = {seq: d.time for d, seq in _messages(folder / "server.pcap", PONG)}
    for sequence in client_leg:
        on_client_leg = pongs_client[sequence] - client_leg[sequence]
        on_server_leg = pongs_server[sequence] - server_leg[sequence]
        assert delay - 1e-6 <= on_client_leg - on_server_leg <= delay + slack


def _rtts(test: RecordedTest) -> list[float]:
    import json

    lines = (test.output_dir / "client" / REPORT_NAME).read_text().splitlines()
    return [json.loads(line)["rtt_ms"] / 1e3 for line in lines if '"event":"received"' in line]


def test_lost_pings_are_reported_missing_by_sequence(tmp_path: Path) -> None:
    test = _run(tmp_path, {"seed": 5, "to_server": {"loss": 0.25}})
    assert test.verdict == "failed"
    lost = _lost_pings(test)
    record = read_path_record(test.output_dir / "path" / "path.json")
    assert len(lost) == record.counters["to_server"].dropped["loss"] > 0
    summary = read_summary(test.output_dir / "client" / REPORT_NAME)
    assert summary.missing == lost and summary.retransmissions == 0
    reason = test.checks["client minip exchange"]["reason"]
    assert reason.startswith(f"{len(lost)} of {COUNT} pongs missing (sequences {lost[0]}")


def test_the_client_sends_exactly_the_lost_pings_again_and_passes(tmp_path: Path) -> None:
    # The default deadline (1 s): no PONG on a loaded machine is that slow, so only lost PINGs go again.
    test = _run(tmp_path, {"seed": 5, "to_server": {"loss": 0.25}}, client={"retransmissions": 5})
    assert test.verdict == "passed", test.not_passed()
    lost = _lost_pings(test)
    record = read_path_record(test.output_dir / "path" / "path.json")
    summary = read_summary(test.output_dir / "client" / REPORT_NAME)
    assert summary.retransmissions == len(lost) == record.counters["to_server"].dropped["loss"] > 0
    assert summary.retransmitted == sorted(set(lost))
    assert summary.missing == []
    exchange = test.checks["client minip exchange"]["reason"]
    assert exchange.startswith(f"all {COUNT} pongs came back right within 1 s, {len(lost)} PINGs sent again")


def test_a_ping_lost_every_time_is_missing_after_its_retransmissions(tmp_path: Path) -> None:
    test = _run(tmp_path, {"to_server": {"loss": 1.0}}, client={"retransmissions": 2, "reply_timeout": 0.2})
    assert test.verdict == "failed"
    summary = read_summary(test.output_dir / "client" / REPORT_NAME)
    assert summary.missing == list(range(1, COUNT + 1)) and summary.retransmissions == 2 * COUNT
    record = read_path_record(test.output_dir / "path" / "path.json")
    assert record.counters["to_server"].dropped["loss"] == 3 * COUNT
    assert f"{COUNT} of {COUNT} pongs missing" in test.checks["client minip exchange"]["reason"]
    assert "each sent 3 times" in test.checks["client minip exchange"]["reason"]


def test_one_seed_loses_the_same_pings_twice(tmp_path: Path) -> None:
    path = {"seed": 42, "loss": 0.2}
    first = _run(tmp_path / "first", path)
    second = _run(tmp_path / "second", path)
    other = _run(tmp_path / "other", {**path, "seed": 43})
    missing = [read_summary(test.output_dir / "client" / REPORT_NAME).missing for test in (first, second, other)]
    assert missing[0] == missing[1] and missing[0] != missing[2]
    assert _lost_pings(first) == _lost_pings(second)


def test_duplicated_pongs_are_reported_as_duplicates(tmp_path: Path) -> None:
    test = _run(tmp_path, {"seed": 1, "to_client": {"duplicate": 0.3}})
    record = read_path_record(test.output_dir / "path" / "path.json")
    duplicated = record.counters["to_client"].duplicated
    assert duplicated > 0 and test.verdict == "failed"
    summary = read_summary(test.output_dir / "client" / REPORT_NAME)
    assert len(summary.duplicates) == duplicated
    assert f"received {duplicated} duplicate pongs" in test.checks["client minip exchange"]["reason"]


def test_corrupted_pings_never_pass(tmp_path: Path) -> None:
    test = _run(tmp_path, {"seed": 3, "to_server": {"corrupt": 1.0}})
    assert test.verdict == "failed"
    record = read_path_record(test.output_dir / "path" / "path.json")
    assert record.counters["to_server"].corrupted == COUNT
    assert test.checks["client minip exchange"]["status"] == "failed"
