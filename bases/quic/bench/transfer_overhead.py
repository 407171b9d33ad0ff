"""Harness overhead of a QUIC transfer test on ``local``, per implementation serving itself.

Overhead is the test's wall time minus the client's run time: everything the harness
adds around the protocol exchange (the server's start and readiness included, the
verdict, the teardown). The client's run time is the baseline, measured in the same
run; figures are medians over several iterations. Goals: under 0.15 s for ngtcp2 and
picoquic, under 0.3 s for aioquic. An implementation whose programs are absent is
left out, saying so. Printed, never asserted.

    python bases/quic/bench/transfer_overhead.py [--iterations N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from pathlib import Path
from typing import Any

from panther.config.loader import load_experiment_text
from panther.plugins.registry import PluginRegistry
from panther.runner.experiment import run_experiment

# implementation -> (ALPN it speaks with itself, program that must be installed, goal in seconds)
PAIRS: dict[str, tuple[str, str | None, float]] = {
    "ngtcp2": ("h3", "gtlsserver", 0.15),
    "picoquic": ("hq-interop", "picoquicdemo", 0.15),
    "aioquic": ("hq-interop", None, 0.3),
}


def _experiment(implementation: str, alpn: str, iterations: int) -> dict[str, Any]:
    def service(role: str) -> dict[str, Any]:
        protocol: dict[str, Any] = {"name": "quic", "role": role, "alpn": alpn}
        if role == "client":
            # gtlsclient verifies no certificate: the test must say so.
            protocol.update(target="server", verify_peer=implementation != "ngtcp2")
        return {"implementation": {"name": implementation}, "protocol": protocol}

    return {
        "name": f"overhead-{implementation}",
        "tests": [
            {
                "name": f"{implementation}-serving-{implementation}",
                "services": {"server": service("server"), "client": service("client")},
                "iterations": iterations,
                "timeout": 60,
            }
        ],
    }


def measure(implementation: str, alpn: str, iterations: int, root: Path) -> dict[str, float]:
    text = json.dumps(_experiment(implementation, alpn, iterations))
    source = root / f"{implementation}.yaml"
    experiment = load_experiment_text(text, source, PluginRegistry.discover())
    result = run_experiment(experiment, output_root=root, console=False)
    if result.exit_code != 0:
        raise SystemExit(f"{implementation}: the transfer did not pass, see {result.output_dir / 'summary.md'}")
    walls, clients, phases = [], [], {}
    for test in result.results[1:]:  # the first iteration warms the caches of the process
        client = next(service for service in test.services if service.role == "client")
        walls.append(test.duration)
        clients.append(client.duration)
        for phase, seconds in test.phases.items():
            phases.setdefault(phase, []).append(seconds)
    figures = {"test": statistics.median(walls), "client": statistics.median(clients)}
    figures["overhead"] = statistics.median(wall - client for wall, client in zip(walls, clients, strict=True))
    figures.update({f"phase {name}": statistics.median(values) for name, values in phases.items()})
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=6, help="iterations per pair (default: 6)")
    iterations = max(2, parser.parse_args().iterations)
    print(f"QUIC transfer overhead on local, median of {iterations - 1} iterations")
    with tempfile.TemporaryDirectory() as folder:
        for implementation, (alpn, program, goal) in PAIRS.items():
            if program is not None and shutil.which(program) is None:
                print(f"  {implementation:<9} left out: {program} is not installed")
                continue
            figures = measure(implementation, alpn, iterations, Path(folder))
            ratio = figures["overhead"] / figures["client"]
            print(
                f"  {implementation:<9} test {figures['test']:6.3f}s  client {figures['client']:6.3f}s  "
                f"overhead {figures['overhead']:6.3f}s ({ratio:4.2f} x the client's run; goal < {goal}s)"
            )
            phases = "  ".join(
                f"{name.removeprefix('phase ')} {value:.3f}"
                for name, value in figures.items()
                if name.startswith("phase")
            )
            print(f"  {'':<9} phases: {phases}")


if __name__ == "__main__":
    main()
