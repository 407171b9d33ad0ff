"""``--filter`` patterns and ``--shard`` splits over an expanded experiment (nothing runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from panther.config.errors import ConfigError
from panther.runner.selection import Shard, matches, select_tests, shard_of
from runner_support import echo_test, load

EXPERIMENT = (
    "tests:\n"
    "  - name: echoes\n"
    "    matrix: {tester: demo_cases, servers: [demo_echo, demo_echo_tcp], clients: [demo_echo, demo_echo_tcp]}\n"
    + echo_test("plain")
    + echo_test("plain-udp", protocol={"transport": "udp"})
)


IMPLEMENTATIONS = ("demo_echo", "demo_echo_tcp")
CASES = ("tcp", "udp", "long_lines", "rate")


@pytest.mark.parametrize(
    ("pattern", "selected"),
    [
        ("plain", ["plain"]),
        ("plain*", ["plain", "plain-udp"]),
        ("echoes/rate/*", [f"echoes/rate/{s}/{c}" for s in IMPLEMENTATIONS for c in IMPLEMENTATIONS]),
        # A prefix of a cell's name selects the cells under it.
        ("echoes/udp/demo_echo_tcp", [f"echoes/udp/demo_echo_tcp/{c}" for c in IMPLEMENTATIONS]),
        ("echoes/*/*/demo_echo_tcp", [f"echoes/{case}/{s}/demo_echo_tcp" for case in CASES for s in IMPLEMENTATIONS]),
        ("echoes/long_lines/demo_echo/demo_echo", ["echoes/long_lines/demo_echo/demo_echo"]),
        ("echoes/[tu]*/demo_echo/demo_echo", ["echoes/tcp/demo_echo/demo_echo", "echoes/udp/demo_echo/demo_echo"]),
    ],
)
def test_a_pattern_selects_names_and_prefixes(tmp_path: Path, pattern: str, selected: list[str]) -> None:
    experiment = load(EXPERIMENT, tmp_path)
    assert [test.name for test in select_tests(experiment, [pattern])] == selected


def test_a_matrix_name_selects_every_cell_and_patterns_add_up_in_file_order(tmp_path: Path) -> None:
    experiment = load(EXPERIMENT, tmp_path)
    chosen = [test.name for test in select_tests(experiment, ["plain-udp", "echoes"])]
    assert chosen == [test.name for test in experiment.tests if test.name != "plain"]
    assert [test.name for test in select_tests(experiment, None)] == [test.name for test in experiment.tests]


def test_a_pattern_that_selects_nothing_is_a_mistake_that_shows_names(tmp_path: Path) -> None:
    experiment = load(EXPERIMENT, tmp_path)
    with pytest.raises(ConfigError) as caught:
        select_tests(experiment, ["echoes", "echoes/retry/*"])
    error = caught.value
    assert error.message == "--filter 'echoes/retry/*' matches no test of this experiment"
    assert error.file == experiment.source
    assert error.expected is not None and "'echoes', 'echoes/tcp/demo_echo/demo_echo'" in error.expected
    assert error.expected.endswith("and 11 more")


def test_matching_is_exact_about_parts() -> None:
    assert matches("a/b/c/d", "a") and matches("a/b/c/d", "a/b") and not matches("ab/b/c/d", "a")
    assert not matches("a/b/c/d", "b") and matches("a/b/c/d", "*/b") and matches("x[1]", "x[1]")


@pytest.mark.parametrize("count", [1, 2, 3, 5, 18, 40])
def test_every_test_is_in_exactly_one_shard_and_shards_are_balanced(count: int) -> None:
    tests = list(range(18))
    shares = [Shard(index, count).take(tests) for index in range(1, count + 1)]
    assert sorted(test for share in shares for test in share) == tests
    assert max(map(len, shares)) - min(map(len, shares)) <= 1
    for index, share in enumerate(shares, start=1):
        assert all(shard_of(test, count) == index for test in share)


@pytest.mark.parametrize(("text", "shard"), [("1/1", Shard(1, 1)), ("3/4", Shard(3, 4)), (" 2 / 3 ", Shard(2, 3))])
def test_shard_is_read_as_k_of_n(text: str, shard: Shard) -> None:
    assert Shard.parse(text) == shard and str(shard) == f"{shard.index}/{shard.count}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/3", "--shard 0/3: there is no shard 0 of 3"),
        ("4/3", "--shard 4/3: there is no shard 4 of 3"),
        ("1/0", "--shard 1/0: there is no shard 1 of 0"),
        ("3", "--shard '3' is not of the form K/N"),
        ("-1/2", "--shard '-1/2' is not of the form K/N"),
    ],
)
def test_a_shard_that_does_not_exist_is_a_mistake(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Shard.parse(text)
    assert caught.value.message == message


def _panther(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "panther", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_validate_lists_every_expanded_test_and_summarises_a_matrix(tmp_path: Path) -> None:
    (tmp_path / "experiment.yaml").write_text(EXPERIMENT)
    listed = _panther("validate", "--list", "experiment.yaml", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [test.name for test in load(EXPERIMENT, tmp_path).tests]
    summary = _panther("validate", "experiment.yaml", cwd=tmp_path)
    assert summary.stdout == (
        "experiment.yaml: valid (18 test(s): plain, plain-udp, "
        "echoes: 2 server(s) x 2 client(s) x 4 case(s) = 16 test(s) of demo_cases)\n"
    )


def test_run_filter_with_a_pattern_runs_only_those_cells(tmp_path: Path) -> None:
    (tmp_path / "experiment.yaml").write_text(EXPERIMENT)
    done = _panther("run", "experiment.yaml", "--filter", "echoes/tcp/demo_echo/*", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (results,) = (tmp_path / "outputs").glob("*/results.json")
    document = json.loads(results.read_text())
    assert [test["name"] for test in document["tests"]] == [
        "echoes/tcp/demo_echo/demo_echo",
        "echoes/tcp/demo_echo/demo_echo_tcp",
    ]
    assert document["planned"] == [test["name"] for test in document["tests"]]
    nothing = _panther("run", "experiment.yaml", "--filter", "echoes/retry", cwd=tmp_path)
    assert nothing.returncode == 2 and "--filter 'echoes/retry' matches no test" in nothing.stderr
