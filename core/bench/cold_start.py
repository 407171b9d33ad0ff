"""Cold start of ``panther --help`` and ``panther plugins list``, as ratios against ``python -c pass``.

Each command runs in a fresh interpreter several times; the median wall time is
compared with the median of an empty interpreter measured in the same run, so the
figures mean the same on a fast and on a slow machine. The commands take turns
(one run of each, then again), so a change of load on a shared machine weighs on
every command alike.

    python core/bench/cold_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "panther --help": [sys.executable, "-m", "panther", "--help"],
    "panther plugins list": [sys.executable, "-m", "panther", "plugins", "list"],
}


def wall_seconds(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per command (default: 7)")
    runs = parser.parse_args().runs
    # One unmeasured run of each fills the OS file cache, so the first command measured is not penalised.
    for argv in COMMANDS.values():
        wall_seconds(argv)
    samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, argv in COMMANDS.items():
            samples[name].append(wall_seconds(argv))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    baseline = medians["python -c pass"]
    print(f"cold start, median of {runs} runs")
    for name, seconds in medians.items():
        print(f"  {name:<22} {seconds * 1000:7.1f} ms  {seconds / baseline:5.1f} x python -c pass")


if __name__ == "__main__":
    main()
