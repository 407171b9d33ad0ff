"""The impaired-path cases for real: each one on one aioquic x ngtcp2 cell, the pairs
alternating so that both implementations take both roles.

A cell per case keeps the run short; the whole servers x clients matrix of these
cases runs through ``panther run examples/quic_interop_matrix.yaml`` like any other.
Every cell must pass: both implementations complete each case, and its checks find
on the wire, and in the path's record, what the case is about. A rate-limited cell may
end in error only because the relay fell behind the configured rate on a loaded
machine (its ``network path`` check says so), with every other check passed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cells import matrix, relay_fell_behind, run_matrix
from panther_base_quic.cases import QUIC_TEST_CASES
from panther_base_quic.testing import require_ngtcp2
from panther_tester_quic_interop.judging import CASE_CHECKS

pytestmark = pytest.mark.timeout(3600)

IMPAIRED = [name for name, case in QUIC_TEST_CASES.items() if case.path]
PAIRS = [("aioquic", "ngtcp2"), ("ngtcp2", "aioquic")]
CELLS = [(case, *PAIRS[index % 2]) for index, case in enumerate(IMPAIRED)]


def test_every_impaired_case_passes_between_aioquic_and_ngtcp2(tmp_path: Path) -> None:
    require_ngtcp2()
    implementations = ["aioquic", "ngtcp2"]
    filters = [f"interop/{case}/{server}/{client}" for case, server, client in CELLS]
    run = run_matrix(tmp_path, matrix(implementations, implementations, IMPAIRED), filters=filters)
    ran = [
        (test.matrix["case"], test.matrix["server"], test.matrix["client"], test) for test in run.tests if test.matrix
    ]
    assert {cell[:3] for cell in ran} == set(CELLS)
    for case, server, client in CELLS:
        # A measurement case runs one test per iteration.
        tests = [test for cell in ran if cell[:3] == (case, server, client) for test in cell[3:]]
        for test in tests:
            # On a loaded machine the relay may not keep a rate-limited link's pace: the
            # run says so (an error of the path, not of the endpoints); every other check passes.
            behind = test.verdict == "error" and relay_fell_behind(test)
            others = [line for line in test.not_passed() if not line.startswith("network path")]
            assert test.verdict == "passed" or (behind and not others), f"{test.name}: " + "\n".join(test.not_passed())
            # Every check of the case was judged, from evidence.
            assert {check.name for check in CASE_CHECKS[case]} <= set(test.checks)
    goodput = [cell[3] for cell in ran if cell[0] == "goodput-10mbit"]
    # The link is 10 Mbit/s: no transfer beats it (headers count on the link, not in goodput).
    assert goodput and all(0 < test.measurements["goodput_mbps"] <= 10 for test in goodput)
