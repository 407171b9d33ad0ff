"""Speed of the QUIC interop matrix: wall time, harness overhead per cell, cost of the capture.

Printed, not asserted (run by ``nox -s bench``; the machine's load moves the figures):

- wall time of the aioquic x ngtcp2 matrix (every case, both roles) through the real
  ``panther run`` with ``--jobs 1`` and ``--jobs 2``, and their ratio;
- harness overhead per cell: a cell's wall time minus its longest service run time
  (what the harness adds: preparing, starting, stopping, the capture analysis), its
  median and worst over the cells, with the verdict phase (tshark) on its own; goal:
  under 0.3 s per cell. The longest service is the server, which also runs while the
  client waits for the path's relay to be up: that wait, and the server's stop, are
  printed too (the run phase outside the client's run), with the cells' wall time;
- the capture's cost: the same aioquic transfer with the path recorded (``path: {}``)
  and without, several times each, as the ratio of the client's run times; both must
  reach the same verdict.

``--quick`` runs the matrix with ``--jobs 2`` only, and fewer transfers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

IMPLEMENTATIONS = ["aioquic", "ngtcp2"]
TRANSFER = {"sizes": [1048576, 2097152], "rounds": 5}


def panther_run(experiment: dict[str, Any], folder: Path, *args: str) -> tuple[float, dict[str, Any]]:
    """Wall time of ``panther run`` and the results it wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "experiment.yaml"
    path.write_text(json.dumps(experiment))
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "panther", "run", str(path), "--output-dir", str(folder / "out"), "-q", *args],
        check=False,
        capture_output=True,
    )
    elapsed = time.perf_counter() - began
    (results,) = (folder / "out").glob("*/results.json")
    return elapsed, json.loads(results.read_text())


def matrix() -> dict[str, Any]:
    block = {"tester": "quic_interop", "servers": IMPLEMENTATIONS, "clients": IMPLEMENTATIONS}
    return {"tests": [{"name": "interop", "matrix": block}]}


def overheads(results: dict[str, Any]) -> dict[str, list[float]]:
    """Per cell run that started its services: wall time minus the longest service, its verdict
    phase, its run phase outside the client's run, and its wall time."""
    figures: dict[str, list[float]] = {"overhead": [], "verdict": [], "outside client": [], "wall": []}
    for test in results["tests"]:
        durations = [service["duration"] for service in test["services"] if service["duration"] > 0]
        if len(durations) < 2:
            continue  # unsupported before anything started
        client = max(service["duration"] for service in test["services"] if service["role"] == "client")
        figures["overhead"].append(test["duration"] - max(durations))
        figures["verdict"].append(test["phases"].get("verdict", 0.0))
        figures["outside client"].append(test["phases"].get("run", 0.0) - client)
        figures["wall"].append(test["duration"])
    return figures


def transfer(recorded: bool) -> dict[str, Any]:
    def service(role: str) -> dict[str, Any]:
        protocol: dict[str, Any] = {"name": "quic", "role": role, "alpn": "hq-interop", "transfer": TRANSFER["sizes"]}
        if role == "client":
            protocol["target"] = "server"
        return {"implementation": {"name": "aioquic", "type": "iut"}, "protocol": protocol}

    network: dict[str, Any] = {"type": "local", **({"path": {}} if recorded else {})}
    return {
        "tests": [
            {
                "name": "transfer",
                "network_environment": network,
                "services": {"server": service("server"), "client": service("client")},
                "iterations": TRANSFER["rounds"],
            }
        ]
    }


def client_times(results: dict[str, Any]) -> tuple[list[float], set[str]]:
    times = [s["duration"] for t in results["tests"] for s in t["services"] if s["role"] == "client"]
    return times, {test["verdict"] for test in results["tests"]}


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    options, _ = parser.parse_known_args()
    if shutil.which("gtlsserver") is None or shutil.which("tshark") is None:
        print("interop matrix bench: skipped (needs Debian's ngtcp2-server, ngtcp2-client and tshark)")
        return {}
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="panther-interop-bench-") as scratch:
        root = Path(scratch)
        jobs = [2] if options.quick else [1, 2]
        walls: dict[int, float] = {}
        cells: dict[str, Any] = {}
        for count in jobs:
            walls[count], cells = panther_run(matrix(), root / f"jobs-{count}", "--jobs", str(count))
            figures[f"aioquic x ngtcp2 matrix, --jobs {count} (s)"] = walls[count]
        if len(walls) == 2:
            figures["matrix wall time ratio (--jobs 2 / --jobs 1)"] = walls[2] / walls[1]
        per_cell = overheads(cells)
        overhead = per_cell["overhead"]
        figures["cell runs judged"] = len(overhead)
        figures["harness overhead per cell, median (s)"] = statistics.median(overhead)
        figures["harness overhead per cell, worst (s)"] = max(overhead)
        figures["of which the verdict (tshark), median (s)"] = statistics.median(per_cell["verdict"])
        figures["cells over the 0.3 s goal"] = sum(1 for value in overhead if value > 0.3)
        figures["run phase outside the client's run, median (s)"] = statistics.median(per_cell["outside client"])
        figures["cell wall time, median (s)"] = statistics.median(per_cell["wall"])
        if options.quick:
            TRANSFER["rounds"] = 2
        _, plain = panther_run(transfer(recorded=False), root / "plain")
        _, recorded = panther_run(transfer(recorded=True), root / "recorded")
        plain_times, plain_verdicts = client_times(plain)
        recorded_times, recorded_verdicts = client_times(recorded)
        figures["transfer without capture, client median (s)"] = statistics.median(plain_times)
        figures["transfer with capture, client median (s)"] = statistics.median(recorded_times)
        figures["capture cost ratio (with / without)"] = statistics.median(recorded_times) / statistics.median(
            plain_times
        )
        figures["same verdicts with and without capture (1 yes, 0 no)"] = float(plain_verdicts == recorded_verdicts)
    for name, value in figures.items():
        print(f"{name:<55} {value:10.3f}")
    return figures


if __name__ == "__main__":
    main()
