"""Each impairment measured through a real relay: what the captures show (read back
independently), what the endpoints saw, and what the relay counted must agree."""

from __future__ import annotations

import msgspec
from netpath_support import assert_counters_agree_with_the_captures, send_through
from panther.netpath.config import Blackhole, DirectionConfig, PathConfig, Rebind


def _index(payload: bytes) -> int:
    return int.from_bytes(payload[:4], "big")


def test_loss_drops_what_the_capture_shows_missing(tmp_path):
    traffic = send_through(tmp_path, PathConfig(seed=1, to_server=DirectionConfig(loss=0.3)), 200)
    assert_counters_agree_with_the_captures(traffic)
    lost = traffic.record.counters["to_server"].dropped["loss"]
    assert 30 <= lost <= 90  # 60 expected; the exact number is the seed's
    assert len(traffic.server.received) == 200 - lost
    assert len(traffic.answers) == 200 - lost
    assert traffic.record.counters["to_client"].dropped == {}


def test_burst_loss_loses_runs_of_datagrams(tmp_path):
    path = PathConfig(seed=8, to_server=DirectionConfig(loss=0.2, loss_burst=6.0))
    traffic = send_through(tmp_path, path, 400, spacing=0.001)
    assert_counters_agree_with_the_captures(traffic)
    near, far = traffic.near_and_far("to_server")
    arrived = {d.payload for d in far}
    lost = "".join("x" if d.payload not in arrived else "." for d in near)
    runs = lost.replace(".", " ").split()
    assert runs and sum(map(len, runs)) == traffic.record.counters["to_server"].dropped["loss"]
    # Independent loss at 20% makes runs of 1.25 on average; bursts of 6 make them far longer.
    assert sum(map(len, runs)) / len(runs) > 3


def test_corruption_flips_one_bit_of_what_the_server_receives(tmp_path):
    traffic = send_through(tmp_path, PathConfig(seed=2, to_server=DirectionConfig(corrupt=0.25)), 120)
    assert_counters_agree_with_the_captures(traffic)
    sent = {_index(payload): payload for payload in traffic.sent}
    flipped = 0
    for payload, _ in traffic.server.received:
        original = traffic.sent[_index(payload)] if _index(payload) in sent else None
        if original is None or original != payload:
            # The index itself may be what was hit: find the one sent payload one bit away.
            distances = [
                bin(int.from_bytes(payload, "big") ^ int.from_bytes(p, "big")).count("1") for p in traffic.sent
            ]
            assert min(distances) == 1
            flipped += 1
    assert flipped == traffic.record.counters["to_server"].corrupted > 10
    events = traffic.record.corruptions["to_server"]
    assert len(events) == flipped and all(0 <= event.bit < 64 * 8 for event in events)


def test_duplication_delivers_some_datagrams_twice(tmp_path):
    traffic = send_through(tmp_path, PathConfig(seed=3, to_client=DirectionConfig(duplicate=0.2)), 150)
    assert_counters_agree_with_the_captures(traffic)
    duplicated = traffic.record.counters["to_client"].duplicated
    assert len(traffic.answers) == 150 + duplicated and duplicated > 10
    assert len(set(traffic.answers)) == 150


def test_reordering_lets_later_datagrams_overtake(tmp_path):
    path = PathConfig(seed=4, to_server=DirectionConfig(reorder=0.2, reorder_ms=15.0))
    traffic = send_through(tmp_path, path, 150, spacing=0.003)
    assert_counters_agree_with_the_captures(traffic)
    order = [_index(d.payload) for d in traffic.near_and_far("to_server")[1]]
    assert sorted(order) == list(range(150)) and order != sorted(order)
    overtaken = sum(index < max(order[:position], default=-1) for position, index in enumerate(order))
    assert overtaken == traffic.record.counters["to_server"].reordered > 10


def test_delay_and_jitter_are_what_the_capture_measures(tmp_path):
    path = PathConfig(seed=5, to_server=DirectionConfig(delay_ms=40.0, jitter_ms=10.0))
    traffic = send_through(tmp_path, path, 60, spacing=0.02)
    assert_counters_agree_with_the_captures(traffic)
    near, far = traffic.near_and_far("to_server")
    entered = {d.payload: d.time for d in near}
    delays = [d.time - entered[d.payload] for d in far]
    # Never less than delay - jitter; the relay's own lateness, read from its record, bounds the rest.
    late = traffic.record.relay.max_lateness_ms / 1e3
    assert min(delays) >= 0.030 - 1e-6
    assert max(delays) <= 0.050 + late + 0.002
    assert max(delays) - min(delays) > 0.005  # jitter varies it
    assert traffic.record.counters["to_server"].delayed == 60
    back_near, back_far = traffic.near_and_far("to_client")
    assert all(f.time - n.time < 0.030 for n, f in zip(back_near, back_far, strict=True))  # the other way is direct


def test_the_rate_limit_spaces_datagrams_and_its_full_queue_drops(tmp_path):
    # 1 Mbit/s: a 1028-byte IP packet (1000 bytes of payload) takes 8.224 ms on the link.
    path = PathConfig(seed=6, to_server=DirectionConfig(rate_mbit=1.0, queue_datagrams=10))
    traffic = send_through(tmp_path, path, 40, spacing=0.0, size=1000, linger=0.6)
    assert_counters_agree_with_the_captures(traffic)
    counters = traffic.record.counters["to_server"]
    assert counters.dropped.get("queue_full", 0) >= 20 and counters.forwarded <= 20
    far = traffic.near_and_far("to_server")[1]
    # The link never goes faster than its rate: k datagrams after any one leave at least k
    # link times later, give or take how late the relay sent (its record says).
    late = traffic.record.relay.max_lateness_ms / 1e3
    for j, first in enumerate(far):
        for k, later in enumerate(far[j + 1 :], start=1):
            assert later.time - first.time >= k * 0.008224 - late - 1e-6, (j, k)
    near = {d.payload: d.time for d in traffic.near_and_far("to_server")[0]}
    assert all(d.time - near[d.payload] >= 0.008224 - 1e-6 for d in far)  # each took its link time
    assert counters.queued >= 1


def test_a_blackhole_drops_exactly_its_window(tmp_path):
    path = PathConfig(seed=7, blackholes=[Blackhole(start=0.3, duration=0.3, direction="to_server")])
    traffic = send_through(tmp_path, path, 90, spacing=0.01)
    assert_counters_agree_with_the_captures(traffic)
    origin = traffic.record.origin
    assert origin is not None
    near, far = traffic.near_and_far("to_server")
    arrived = {d.payload for d in far}
    inside = [d for d in near if 0.3 <= d.time - origin < 0.6]
    assert inside and all(d.payload not in arrived for d in inside)
    assert all(d.payload in arrived for d in near if not 0.299 <= d.time - origin < 0.601)
    assert traffic.record.counters["to_server"].dropped["blackhole"] == len(near) - len(far)


def test_port_rebinding_shows_as_a_new_source_port_on_the_servers_leg(tmp_path):
    traffic = send_through(tmp_path, PathConfig(rebind=[Rebind(at=0.2)]), 60, spacing=0.01)
    assert_counters_agree_with_the_captures(traffic)
    [event] = traffic.record.rebinds
    near, far = traffic.near_and_far("to_server")
    sources = [d.source for d in far]
    assert sources[0] == event.old and sources[-1] == event.new
    assert event.old[0] == event.new[0] and event.old[1] != event.new[1]
    switch = sources.index(event.new)
    assert set(sources[:switch]) == {event.old} and set(sources[switch:]) == {event.new}
    assert far[switch - 1].time <= event.time <= far[switch].time
    # The client noticed nothing: one address on its leg, and every answer came back.
    assert {d.source for d in near} == {traffic.client_leg[0].source}
    # Answers the server sent to the old port after the rebinding are lost, as behind a NAT.
    assert len(traffic.answers) == 60 - traffic.record.counters["to_client"].dropped.get("rebound", 0)
    assert [address for _, address in traffic.server.received][switch:] == [event.new] * (60 - switch)


def test_address_rebinding_moves_the_client_to_another_loopback_address(tmp_path):
    traffic = send_through(tmp_path, PathConfig(rebind=[Rebind(at=0.1, change="address")]), 30, spacing=0.01)
    assert_counters_agree_with_the_captures(traffic)
    [event] = traffic.record.rebinds
    assert (event.old[0], event.new[0]) == ("127.0.0.1", "127.0.0.2")
    assert traffic.near_and_far("to_server")[1][-1].source == event.new
    assert traffic.server.received[-1][1] == event.new
    assert len(traffic.answers) == 30 - traffic.record.counters["to_client"].dropped.get("rebound", 0)


def test_what_the_server_sends_to_a_retired_address_is_dropped(tmp_path):
    """A server that answers late, after the rebinding, to the address it was sent from."""
    import time

    def slow_echo(data: bytes) -> bytes:
        time.sleep(0.25)
        return data

    traffic = send_through(tmp_path, PathConfig(rebind=[Rebind(at=0.1)]), 1, answer=slow_echo, linger=0.6)
    assert_counters_agree_with_the_captures(traffic)
    assert traffic.answers == []
    assert traffic.record.counters["to_client"].dropped == {"rebound": 1}


def test_one_seed_gives_the_same_drops_twice_and_another_seed_other_drops(tmp_path):
    def drops(seed: int, run: str) -> tuple[list[int], list[int]]:
        path = PathConfig(seed=seed, loss=0.2, corrupt=0.05, duplicate=0.05)
        traffic = send_through(tmp_path / run, path, 100, spacing=0.002)
        assert_counters_agree_with_the_captures(traffic)
        far = traffic.near_and_far("to_server")[1]
        return [event.index for event in traffic.record.drops["to_server"]], [_index(d.payload) for d in far]

    for run in ("a", "b", "c"):
        (tmp_path / run).mkdir()
    first, second, other = drops(11, "a"), drops(11, "b"), drops(12, "c")
    assert first == second
    assert first[0] != other[0]


def test_settings_and_seed_are_recorded(tmp_path):
    path = PathConfig(seed=99, delay_ms=1.0, to_client=DirectionConfig(loss=0.5))
    traffic = send_through(tmp_path, path, 5)
    record = traffic.record
    assert record.seed == 99
    assert record.settings == msgspec.to_builtins(path) == {"delay_ms": 1.0, "seed": 99, "to_client": {"loss": 0.5}}
    assert record.impairments["to_server"]["loss"] == 0.0 and record.impairments["to_client"]["loss"] == 0.5
    assert record.impairments["to_client"]["delay_ms"] == 1.0
