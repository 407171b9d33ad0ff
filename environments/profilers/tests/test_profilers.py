"""Each profiler for real: it wraps both services of a MINIP ping-pong test run by the
real ``panther run``, and leaves its report in each service's folder (the programs
ship with Debian, and CI installs them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from panther.testing import ExperimentRun, require_peer, run_panther
from panther_exec_profilers import find_libprofiler


def ping_pong(profilers: list[dict[str, Any]], *, count: int = 3) -> dict[str, Any]:
    """A local MINIP test whose two services run under ``profilers``."""
    return {
        "tests": [
            {
                "name": "profiled",
                "execution_environment": profilers,
                "services": {
                    "server": {
                        "implementation": {"name": "ping_pong"},
                        "protocol": {"name": "minip", "role": "server"},
                    },
                    "client": {
                        "implementation": {"name": "ping_pong", "reply_timeout": 10.0},
                        "protocol": {"name": "minip", "role": "client", "target": "server", "count": count},
                    },
                },
                "timeout": 300,
            }
        ]
    }


def profiled(tmp_path: Path, profiler: dict[str, Any]) -> Path:
    """Run the test under ``profiler``; the test's folder."""
    run = run_panther(ping_pong([profiler]), tmp_path)
    assert run.exit_code == 0, describe(run)
    return run.test("profiled").output_dir


def describe(run: ExperimentRun) -> str:
    return "\n".join(line for test in run.tests for line in test.not_passed()) + "\n" + run.output


def test_strace_wraps_every_service_and_writes_into_its_folder(tmp_path: Path) -> None:
    require_peer("strace", shutil.which("strace") is not None, "install Debian's strace")
    test = profiled(tmp_path, {"type": "strace"})
    for name in ("server", "client"):
        folder = test / name
        argv = json.loads((folder / "argv.json").read_text())
        assert argv[0].endswith("strace") and argv[1:4] == ["-f", "-o", str(folder / "strace.log")]
        # The MINIP exchange went through the traced process: its datagrams are system calls.
        assert "execve(" in (folder / "strace.log").read_text()
        assert "sendto(" in (folder / "strace.log").read_text()


def test_perf_records_a_profile_per_service(tmp_path: Path) -> None:
    require_peer("perf", shutil.which("perf") is not None, "install Debian's linux-perf")
    test = profiled(tmp_path, {"type": "perf", "config": {"frequency": 999, "call_graph": False}})
    for name in ("server", "client"):
        argv = json.loads((test / name / "argv.json").read_text())
        assert argv[:6] == [argv[0], "record", "-F", "999", "-o", str(test / name / "perf.data")]
        # perf's own file format begins with this magic.
        assert (test / name / "perf.data").read_bytes()[:8] == b"PERFILE2"


def test_valgrind_runs_each_service_under_the_chosen_tool(tmp_path: Path) -> None:
    require_peer("valgrind", shutil.which("valgrind") is not None, "install Debian's valgrind")
    # The null tool: the program runs on valgrind's core without checking, so the
    # Python programs stay quick enough.
    test = profiled(tmp_path, {"type": "valgrind", "config": {"tool": "none"}})
    for name in ("server", "client"):
        logs = list((test / name).glob("valgrind.*.log"))
        assert logs, f"no valgrind log for {name}"
        assert any("Nulgrind" in log.read_text() for log in logs)


def test_gperf_cpu_preloads_the_profiler_and_profiles_the_client(tmp_path: Path) -> None:
    require_peer("gperf_cpu", find_libprofiler() is not None, "install Debian's libgoogle-perftools4")
    test = profiled(tmp_path, {"type": "gperf_cpu", "config": {"frequency": 1000}})
    # gperftools writes the profile when the program exits by itself: the client does;
    # the server is stopped by a signal at the end of the test.
    assert (test / "client" / "cpu.prof").is_file()
    assert "PROFILE: interrupts/evictions/bytes" in (test / "client" / "stderr.log").read_text()


def test_profilers_wrap_one_another_in_the_order_listed(tmp_path: Path) -> None:
    require_peer("strace", shutil.which("strace") is not None, "install Debian's strace")
    require_peer("valgrind", shutil.which("valgrind") is not None, "install Debian's valgrind")
    run = run_panther(ping_pong([{"type": "valgrind", "config": {"tool": "none"}}, {"type": "strace"}]), tmp_path)
    assert run.exit_code == 0, describe(run)
    argv = json.loads((run.test("profiled").output_dir / "client" / "argv.json").read_text())
    # The last listed wraps the others: strace traces valgrind, which runs the client.
    assert argv[0].endswith("strace")
    assert any(word.endswith("valgrind") for word in argv[argv.index("--") + 1 :][:1])


def test_a_profiler_missing_from_path_is_an_error_naming_it(tmp_path: Path, monkeypatch: Any) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    # The harness and the implementation run from the venv's interpreter, found by
    # its full path; only the profiler is looked up on PATH.
    monkeypatch.setenv("PATH", str(empty))
    run = run_panther(ping_pong([{"type": "strace"}]), tmp_path)
    assert run.exit_code == 1
    test = run.test("profiled")
    assert test.verdict == "error"
    assert "profiler binary not found on PATH: strace" in test.reason
