"""The fate of datagrams on an impaired direction, without sockets: each impairment does
what its setting says, in measure, and one seed always gives the same fates."""

from __future__ import annotations

import math
import random

import pytest
from panther.netpath.config import Blackhole, Impairments
from panther.netpath.impairment import BLACKHOLE, LOSS, QUEUE_FULL, DirectionImpairment, DirectionLine, flip_bit


def _impairment(seed: object = 1, blackholes: list[Blackhole] | None = None, **settings: float) -> DirectionImpairment:
    line = DirectionLine("to_server", Impairments(**settings), blackholes or [])  # type: ignore[arg-type]
    return DirectionImpairment(line, random.Random(seed))


def _fates(impairment: DirectionImpairment, count: int, spacing: float = 0.001, size: int = 100) -> list[object]:
    return [impairment.admit(index * spacing, index * spacing, size, size + 28) for index in range(count)]


def _within(observed: float, expected: float, sigma: float) -> None:
    assert abs(observed - expected) <= 5 * sigma, f"{observed} is not within 5 sigma ({sigma:.4g}) of {expected}"


def test_one_seed_gives_the_same_fates_and_another_seed_others():
    settings = {"loss": 0.2, "corrupt": 0.1, "duplicate": 0.1, "reorder": 0.1, "delay_ms": 5.0, "jitter_ms": 2.0}
    first, again = (
        _fates(_impairment("7/0/to_server", **settings), 500),
        _fates(_impairment("7/0/to_server", **settings), 500),
    )
    other = _fates(_impairment("8/0/to_server", **settings), 500)
    assert first == again
    assert first != other


def test_random_loss_drops_the_configured_share():
    count, loss = 20000, 0.1
    dropped = sum(cause == LOSS for cause, _ in _fates(_impairment(loss=loss), count))
    _within(dropped / count, loss, math.sqrt(loss * (1 - loss) / count))


def test_burst_loss_keeps_the_share_and_makes_runs_of_the_configured_mean_length():
    count, loss, burst = 60000, 0.1, 4.0
    lost = [cause == LOSS for cause, _ in _fates(_impairment(loss=loss, loss_burst=burst), count)]
    runs, length = [], 0
    for item in lost:
        if item:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    assert abs(sum(lost) / count - loss) < 0.02
    # Run lengths are geometric with mean 4 (standard deviation sqrt(12)): the mean of ~1500 runs.
    _within(sum(runs) / len(runs), burst, math.sqrt(burst * (burst - 1)) / math.sqrt(len(runs)))
    independent = [cause == LOSS for cause, _ in _fates(_impairment(loss=loss), count)]
    assert sum(runs) / len(runs) > 2 * _mean_run(independent)


def _mean_run(lost: list[bool]) -> float:
    runs = "".join("x" if item else " " for item in lost).split()
    return sum(map(len, runs)) / len(runs)


def test_the_rate_limit_spaces_datagrams_and_the_full_queue_drops():
    # 8 Mbit/s is one byte per microsecond: a 1000-byte packet takes 1 ms on the link.
    impairment = _impairment(rate_mbit=8.0, queue_datagrams=5)
    fates = [impairment.admit(0.0, 0.0, 972, 1000) for _ in range(7)]
    assert [cause for cause, _ in fates] == [None] * 5 + [QUEUE_FULL] * 2
    departures = [copies[0].due for _, copies in fates[:5]]
    assert departures == pytest.approx([0.001, 0.002, 0.003, 0.004, 0.005])
    assert [copies[0].queued for _, copies in fates[:5]] == [False, True, True, True, True]
    # Once two have left, two fit again.
    later = [impairment.admit(0.0021, 0.0021, 972, 1000)[0] for _ in range(3)]
    assert later == [None, None, QUEUE_FULL]


def test_delay_and_jitter_vary_the_delay_without_reordering():
    fates = _fates(_impairment(delay_ms=20.0, jitter_ms=5.0), 2000, spacing=0.0001)
    due = [copies[0].due for _, copies in fates]
    assert due == sorted(due)
    delays = [copy - index * 0.0001 for index, copy in enumerate(due)]
    assert min(delays) >= 0.015 - 1e-9
    assert max(delays) - min(delays) > 0.005  # it varies
    spaced = [
        copies[0].due - index * 0.05
        for index, (_, copies) in enumerate(_fates(_impairment(delay_ms=20.0, jitter_ms=5.0), 500, spacing=0.05))
    ]
    assert min(spaced) >= 0.015 - 1e-9 and max(spaced) <= 0.025 + 1e-9
    _within(sum(spaced) / len(spaced), 0.020, 0.005 / math.sqrt(3 * len(spaced)))


def test_reordering_holds_back_the_chosen_share():
    fates = _fates(_impairment(reorder=0.25, reorder_ms=10.0), 4000)
    held = [copies[0].due - index * 0.001 > 0.005 for index, (_, copies) in enumerate(fates)]
    _within(sum(held) / len(held), 0.25, math.sqrt(0.25 * 0.75 / len(held)))


def test_duplication_and_corruption_touch_the_chosen_share():
    fates = _fates(_impairment(duplicate=0.1, corrupt=0.2), 5000, size=50)
    copies = [copies for _, copies in fates]
    _within(sum(len(c) == 2 for c in copies) / 5000, 0.1, math.sqrt(0.09 / 5000))
    flipped = [c[0].flipped_bit for c in copies if c[0].flipped_bit >= 0]
    _within(len(flipped) / 5000, 0.2, math.sqrt(0.16 / 5000))
    assert all(0 <= bit < 400 for bit in flipped) and len(set(flipped)) > 100
    assert all(c[0] == c[-1] for c in copies)  # a duplicate is the same datagram


def test_flipping_a_bit_changes_that_bit_only():
    payload = bytes(range(10))
    for bit in (0, 7, 8, 79):
        corrupted = flip_bit(payload, bit)
        difference = int.from_bytes(payload, "big") ^ int.from_bytes(corrupted, "big")
        assert difference == 1 << (79 - bit)


def test_a_blackhole_drops_its_window_and_leaves_the_other_fates_unchanged():
    window = [Blackhole(start=0.2, duration=0.3)]
    with_hole = _fates(_impairment(loss=0.3, blackholes=window), 1000)
    without = _fates(_impairment(loss=0.3), 1000)
    for index, (hole_fate, plain_fate) in enumerate(zip(with_hole, without, strict=True)):
        if 0.2 <= index * 0.001 < 0.5:
            assert hole_fate[0] == BLACKHOLE
        else:
            assert hole_fate == plain_fate  # the random draws went on during the blackhole
