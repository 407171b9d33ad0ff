"""The console of ``panther run`` for matrices: on a terminal (a real pseudo-terminal), in
a log (a pipe), and with ``--debug``; and the run's progress it is drawn from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from panther import events
from panther.config.resolved import CellCoordinates
from panther.observers.progress import RunProgress
from terminal_support import run_on_terminal

MATRIX = """\
name: demo
tests:
  - name: echoes
    matrix:
      tester: demo_cases
      servers: [demo_echo, demo_echo_tcp]
      clients: [demo_echo]
      cases: [tcp, long_lines]
  - name: smoke
    services:
      server:
        implementation: {name: demo_echo}
        protocol: {name: demo, role: server}
      client:
        implementation: {name: demo_echo}
        protocol: {name: demo, role: client, target: server}
"""
FAILED_CELL = "echoes/long_lines/demo_echo_tcp/demo_echo"
PASSED_CELLS = [
    "echoes/tcp/demo_echo/demo_echo",
    "echoes/tcp/demo_echo_tcp/demo_echo",
    "echoes/long_lines/demo_echo/demo_echo",
]


def _panther(*args: str) -> list[str]:
    return [sys.executable, "-m", "panther", *args]


def _experiment(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.yaml"
    path.write_text(MATRIX)
    return path


def test_a_matrix_on_a_terminal_shows_a_line_per_case_and_the_failures_not_a_row_per_cell(tmp_path) -> None:
    run = run_on_terminal(_panther("run", str(_experiment(tmp_path)), "-o", "out"), tmp_path)
    assert run.returncode == 1, run.raw
    (output,) = (tmp_path / "out").iterdir()
    shown = run.screen
    text = "\n".join(shown)

    # Passed cells are counted, never listed one by one.
    for name in PASSED_CELLS:
        assert name not in text
    # A case is one line when it ends, with its counts per verdict.
    assert "done echoes/tcp: 2 cell(s)  ✓ 2" in shown
    assert "done echoes/long_lines: 2 cell(s)  ✓ 1  ✗ 1" in shown
    # A failed cell is listed when it ends, with the checks that failed it, their
    # evidence (inside the cell's folder) and the folder.
    failed = next(index for index, line in enumerate(shown) if line.startswith(f"✗ {FAILED_CELL}  "))
    folder = output / "echoes" / "long_lines" / "demo_echo_tcp" / "demo_echo"
    assert shown[failed + 1 : failed + 4] == [
        "    client exit: client exited with 1 (client/stderr.log, client/stdout.log)",
        "    long_lines: every echo came back unchanged: 3 of 3 echoes differ (client/client.log)",
        f"    in {folder}",
    ]
    assert shown.index("done echoes/long_lines: 2 cell(s)  ✓ 1  ✗ 1") > failed
    # A test that is not a cell has its line, whatever its verdict.
    assert any(line.startswith("✓ smoke  ") for line in shown)
    # The live lines are gone once the run ends; the summary and the tables stay.
    assert not any(line.startswith("echoes ") and "━" in line for line in shown)
    assert "done in " in text and f"report: {output}/summary.md" in shown
    assert "echoes (tester demo_cases): 4 cell(s): 1 failed, 3 passed" in shown
    assert f"report: {output}/report.html" in shown

    # While it ran, the live lines counted the matrix's cells and named those running.
    frames = run.frames
    assert "echoes" in frames and "0/4" in frames and "2/4" in frames
    assert "demo_echo→demo_echo" in frames
    assert "tests " in frames and "0/1" in frames
    assert "0/5 done" in frames


def test_a_matrix_in_a_log_is_a_line_per_finished_cell(tmp_path) -> None:
    done = subprocess.run(
        _panther("run", str(_experiment(tmp_path)), "-o", "out"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    # No start line for a cell; its end says where the run is.
    assert not any(line.startswith("[ RUN      ] echoes/") for line in lines)
    assert "[ RUN      ] smoke" in lines
    ends = [
        line for line in lines if line.startswith("[ PASSED   ] echoes/") or line.startswith("[ FAILED   ] echoes/")
    ]
    assert len(ends) == 4
    assert ends[0].startswith("[ PASSED   ] echoes/tcp/demo_echo/demo_echo (") and ends[0].endswith(") [1/5]")
    failed = lines.index(next(line for line in lines if line.startswith(f"[ FAILED   ] {FAILED_CELL} (")))
    assert lines[failed + 2].strip() == (
        "long_lines: every echo came back unchanged: 3 of 3 echoes differ (client/client.log)"
    )
    assert "[ CASE     ] echoes/tcp: 2 cell(s): 2 passed" in lines
    assert "[ CASE     ] echoes/long_lines: 2 cell(s): 1 passed, 1 failed" in lines


def test_debug_on_a_terminal_prints_every_event_above_the_live_lines(tmp_path) -> None:
    run = run_on_terminal(
        _panther("run", str(_experiment(tmp_path)), "-o", "out", "--debug", "-k", "echoes/tcp"), tmp_path
    )
    assert run.returncode == 0, run.raw
    shown = run.screen
    started = [line for line in shown if " TestStartedEvent" in line]
    assert [line.split()[1] for line in started] == [
        "echoes/tcp/demo_echo/demo_echo",
        "echoes/tcp/demo_echo_tcp/demo_echo",
    ]
    assert any("CommandGenerationEvent service_name='client'" in line for line in shown)
    assert "done echoes/tcp: 2 cell(s)  ✓ 2" in shown


def _cell(case: str, server: str) -> CellCoordinates:
    return CellCoordinates(group="m", case=case, server=server, client="c")


def test_progress_counts_a_cell_once_every_iteration_ended_with_the_worst_verdict() -> None:
    progress = RunProgress()
    cells = {"m/rate/a/c": _cell("rate", "a"), "m/rate/b/c": _cell("rate", "b")}
    progress.update(
        events.ExperimentStartedEvent(
            experiment="e",
            output_dir="/o",
            tests=[*cells, "plain"],
            iterations={"m/rate/a/c": 2},
            cells=cells,
            timestamp=100.0,
        )
    )
    assert progress.runs_total == 4
    (case,) = progress.cases.values()
    assert (case.name, case.tally.total, progress.others.total) == ("m/rate", 2, 1)

    progress.update(events.TestStartedEvent(test="m/rate/a/c", iteration=1, timestamp=100.0))
    progress.update(events.TestStartedEvent(test="m/rate/a/c", iteration=2, timestamp=101.0))
    progress.update(events.TestPhaseEvent(test="m/rate/a/c", iteration=2, phase="run", status="started"))
    assert [(r.label, r.phase) for r in progress.running_in(case)] == [
        ("m/rate/a/c [1/2]", "start"),
        ("m/rate/a/c [2/2]", "run"),
    ]
    assert progress.update(events.TestFinishedEvent(test="m/rate/a/c", iteration=2, verdict="failed")) is None
    assert progress.left(now=104.0) == 4.0 * 3  # 4 s for one run, three to go
    done = progress.update(events.TestFinishedEvent(test="m/rate/a/c", iteration=1, verdict="passed"))
    assert done is not None and (done.verdict, done.case_done) == ("failed", None)
    progress.update(events.TestStartedEvent(test="m/rate/b/c", iteration=1))
    done = progress.update(events.TestFinishedEvent(test="m/rate/b/c", iteration=1, verdict="unsupported"))
    assert done is not None and done.case_done is case
    assert case.tally.counts() == [("unsupported", 1), ("failed", 1)]
    assert progress.tally.done == 2 and progress.tally.total == 3 and not progress.running
