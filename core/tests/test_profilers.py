"""Execution environments for real: each profiler wraps both services of a test and
leaves its output in each service's folder (the programs ship with this machine
image, and CI installs them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from panther.execution.profilers import find_libprofiler
from panther.testing import require_peer
from runner_support import echo_test, processes_of_run, run_yaml


def _profiled(tmp_path: Path, profiler: str, config: str) -> Path:
    extra = f"    execution_environment:\n      - type: {profiler}\n        config: {config}\n"
    result = run_yaml("tests:\n" + echo_test("profiled", extra=extra), tmp_path)
    assert result.exit_code == 0, (result.output_dir / "summary.md").read_text()
    assert processes_of_run(result.run_id) == []
    return result.output_dir / "profiled"


def test_perf_records_a_profile_per_service(tmp_path: Path) -> None:
    require_peer("perf", shutil.which("perf") is not None, "install Debian's linux-perf")
    test = _profiled(tmp_path, "perf", "{frequency: 999, call_graph: false}")
    for name in ("server", "client"):
        argv = json.loads((test / name / "argv.json").read_text())
        assert argv[:6] == [argv[0], "record", "-F", "999", "-o", str(test / name / "perf.data")]
        # perf's own file format begins with this magic.
        assert (test / name / "perf.data").read_bytes()[:8] == b"PERFILE2"


def test_valgrind_runs_each_service_under_the_chosen_tool(tmp_path: Path) -> None:
    require_peer("valgrind", shutil.which("valgrind") is not None, "install Debian's valgrind")
    # The null tool: the program runs on valgrind's core without checking, so the
    # Python programs of the demo stay quick enough.
    test = _profiled(tmp_path, "valgrind", "{tool: none}")
    for name in ("server", "client"):
        logs = list((test / name).glob("valgrind.*.log"))
        assert logs, f"no valgrind log for {name}"
        assert any("Nulgrind" in log.read_text() for log in logs)


def test_gperf_cpu_preloads_the_profiler_and_profiles_the_client(tmp_path: Path) -> None:
    require_peer("gperf_cpu", find_libprofiler() is not None, "install Debian's libgoogle-perftools4")
    test = _profiled(tmp_path, "gperf_cpu", "{frequency: 1000}")
    env_profile = test / "client" / "cpu.prof"
    # gperftools writes the profile when the program exits by itself: the client does;
    # the server is stopped by a signal at the end of the test.
    assert env_profile.is_file()
    assert "PROFILE: interrupts/evictions/bytes" in (test / "client" / "stderr.log").read_text()
