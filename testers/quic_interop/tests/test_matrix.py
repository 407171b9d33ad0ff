"""The interop matrix for real: aioquic x ngtcp2 in both roles, every case over a perfect
path; quiche (its plugin's own programs, built with cargo) with them wherever cargo is,
and picoquic where picoquicdemo is installed.

Every cell must end as the README's matrix says: passed, or unsupported for the
reason its plugin gives (an implementation's limit). A failed or error cell, or a
non-pass for another reason, is a regression of an implementation, a plugin or the
harness.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cells import matrix, run_matrix
from panther.testing import ExperimentRun, require_peer
from panther_base_quic.cases import QUIC_TEST_CASES
from panther_base_quic.testing import require_ngtcp2
from panther_base_rust import cargo

pytestmark = pytest.mark.timeout(3600)

# Implementations' limits, as the README's matrix explains them: what each cannot be asked.
CANNOT = {
    ("v2", "server"): ("ngtcp2", "quiche"),
    ("v2", "client"): ("ngtcp2", "quiche"),
    ("chacha20", "client"): ("quiche",),
    ("keyupdate", "client"): ("quiche",),
}
# Pairs that disagree now and then (see the README; seen with quiche's apps): the other verdict they may end with.
INTERMITTENT = {("zerortt", "ngtcp2", "quiche"): ("failed", "did not accept early data")}
# How each peer is found, and how to get it when it is missing.
PEERS = {
    "picoquic": (lambda: shutil.which("picoquicdemo") is not None, "put picoquicdemo on PATH (see iuts/picoquic)"),
    "quiche": (lambda: cargo.find_cargo() is not None, "install Rust 1.88 or newer (cargo), cmake, g++ and libclang"),
}
# The cases over an unimpaired path: every pair runs them all. The impaired cases (a
# path that delays, loses, corrupts, blackholes or rebinds) run one cell each in
# test_impaired.py.
PERFECT_PATH = [name for name, case in QUIC_TEST_CASES.items() if not case.path]


def expected(case: str, server: str, client: str) -> list[tuple[str, str]]:
    """The verdicts (and a fragment of their reason) a cell may end with."""
    # The server is prepared first: when neither can, the server's reason is the cell's.
    for role, implementation in (("server", server), ("client", client)):
        if implementation in CANNOT.get((case, role), ()):
            return [("unsupported", f"{implementation} cannot do test case {case!r} as a {role}")]
    other = INTERMITTENT.get((case, server, client))
    return [("passed", ""), *([other] if other else [])]


def assert_cells_as_expected(run: ExperimentRun, expected_cells: int) -> None:
    names = {test.name for test in run.tests}
    assert len(names) == expected_cells, sorted(names)
    wrong = []
    for test in run.tests:
        assert test.matrix is not None
        allowed = expected(test.matrix["case"], test.matrix["server"], test.matrix["client"])
        if not any(test.verdict == verdict and reason in test.reason for verdict, reason in allowed):
            wrong.append(f"{test.name}: {test.verdict} ({test.reason}); expected one of {allowed}")
    assert not wrong, "\n".join(wrong)


def test_aioquic_and_ngtcp2_every_case_both_roles(tmp_path: Path) -> None:
    require_ngtcp2()
    run = run_matrix(tmp_path, matrix(["aioquic", "ngtcp2"], ["aioquic", "ngtcp2"], PERFECT_PATH))
    assert_cells_as_expected(run, 4 * len(PERFECT_PATH))
    goodput = [test for test in run.tests if test.matrix and test.matrix["case"] == "goodput"]
    assert len(goodput) == 4 * QUIC_TEST_CASES["goodput"].iterations
    assert all(test.measurements["goodput_mbps"] > 0 for test in goodput)
    for cell in ("summary.md", "report.html", "results.json", "junit.xml"):
        assert (run.output_dir / cell).is_file()


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_picoquic_and_quiche_with_every_other_implementation(peer: str, tmp_path: Path) -> None:
    available, how_to_get = PEERS[peer]
    require_peer(peer, available(), how_to_get)
    require_ngtcp2()
    others = ["aioquic", "ngtcp2"]
    experiment = matrix([*others, peer], [*others, peer], PERFECT_PATH)
    run = run_matrix(tmp_path, experiment, filters=[f"interop/*/{peer}/*", f"interop/*/*/{peer}"])
    assert_cells_as_expected(run, 5 * len(PERFECT_PATH))
