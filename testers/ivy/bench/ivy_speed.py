"""Speed of the Ivy tester: cold compile, a cached run's overhead, one formal test end to end.

Figures, each against a baseline measured in the same run:

- cold compile of ``minip_server_test`` (into a fresh build folder; the tool
  environment is made first, unmeasured, if the cache has none), against the time
  ``python -c pass`` takes;
- the cached lookup that replaces it on every later run;
- one ``panther run`` of ``minip_server_test`` against the functional ping-pong server
  (tester cached), against the same experiment with the ping-pong client in the
  tester's place. The goal: the formal test itself under 2 s.

    python testers/ivy/bench/ivy_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from panther_tester_ivy.compiler import CompileRequest, compile_test
from panther_tester_ivy.models import MINIP
from panther_tester_ivy.toolchain import cache_root, ensure_toolchain

GOAL_SECONDS = 2.0


def experiment(client: dict[str, object]) -> dict[str, object]:
    return {
        "name": "bench",
        "observers": {"console": {"enabled": False}},
        "tests": [
            {
                "name": "minip",
                "services": {
                    "server": {
                        "implementation": {"name": "ping_pong", "type": "iut"},
                        "protocol": {"name": "minip", "role": "server"},
                    },
                    "client": {
                        **client,
                        "protocol": {"name": "minip", "role": "client", "target": "server", "count": 10},
                    },
                },
            }
        ],
    }


IVY = {"implementation": {"name": "panther_ivy", "type": "testers", "test": "minip_server_test", "seed": 1}}
PING_PONG = {"implementation": {"name": "ping_pong", "type": "iut", "interval": 0.0}}


def run(document: dict[str, object], folder: Path) -> tuple[float, float]:
    """(wall seconds of ``panther run``, seconds the test itself took)."""
    path = folder / "experiment.yaml"
    path.write_text(json.dumps(document))
    out = folder / "out"
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "panther", "run", str(path), "--output-dir", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - began
    results = json.loads(max(out.glob("*/results.json"), key=lambda p: p.stat().st_mtime).read_text())
    return wall, results["tests"][0]["duration"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each experiment (default: 5)")
    runs = parser.parse_args().runs
    root = cache_root()
    toolchain = ensure_toolchain(root)

    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    python_start = time.perf_counter() - started

    with tempfile.TemporaryDirectory(prefix="ivy-bench-") as scratch:
        request = CompileRequest("minip_server_test", MINIP)
        cold = compile_test(request, toolchain, Path(scratch))
        cached = compile_test(request, toolchain, Path(scratch))
    assert not cold.cached and cached.cached
    print(
        f"cold compile of minip_server_test: {cold.seconds:.2f}s = {cold.seconds / python_start:.0f}x python start-up"
    )
    print(
        f"cached lookup instead:             {cached.seconds * 1000:.2f}ms = "
        f"{cached.seconds / python_start:.3f}x python start-up"
    )

    compile_test(CompileRequest("minip_server_test", MINIP), toolchain, root)  # the cache `panther run` uses
    walls: dict[str, list[float]] = {"ivy": [], "ping_pong": []}
    tests: dict[str, list[float]] = {"ivy": [], "ping_pong": []}
    with tempfile.TemporaryDirectory(prefix="ivy-bench-") as scratch:
        for index in range(runs):
            for name, client in (("ivy", IVY), ("ping_pong", PING_PONG)):
                folder = Path(scratch) / f"{name}-{index}"
                folder.mkdir()
                wall, test = run(experiment(client), folder)
                walls[name].append(wall)
                tests[name].append(test)
    ivy_wall, base_wall = statistics.median(walls["ivy"]), statistics.median(walls["ping_pong"])
    ivy_test, base_test = statistics.median(tests["ivy"]), statistics.median(tests["ping_pong"])
    print(
        f"panther run, Ivy tester vs ping-pong server: {ivy_wall:.2f}s = {ivy_wall / base_wall:.2f}x "
        f"the ping-pong client's {base_wall:.2f}s (medians of {runs})"
    )
    print(
        f"the test itself: {ivy_test:.2f}s = {ivy_test / base_test:.2f}x the ping-pong client's {base_test:.2f}s; "
        f"goal under {GOAL_SECONDS:.0f}s: {'met' if ivy_test < GOAL_SECONDS else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
