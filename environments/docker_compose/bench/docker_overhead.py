"""What a cached Docker test adds to the same test on ``local`` (goal: under 3 s).

The MINIP ping-pong example (``examples/minip_ping_pong.yaml``) runs through the real
``panther run``, alternately on ``local`` and on ``docker_compose`` (its images built
by a first, unmeasured run), several times each; the runs take turns, so a change of
load on a shared machine weighs on both alike. Printed, never asserted: the median
test duration on each, their difference and ratio, the median of each phase, and the
wall time of the whole command (which also holds the experiment's prepare phase).

Docker's own floor is measured in the same turns: what the engine takes to do the
least a test needs (make a network, start two containers side by side, let them
exit, remove them and the network), with nothing of the harness around it.

    python environments/docker_compose/bench/docker_overhead.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "minip_ping_pong.yaml"
PHASES = ("prepare", "deploy", "ready", "run", "collect", "verdict", "teardown")


def experiment(folder: Path, environment: str) -> Path:
    document = yaml.safe_load(EXAMPLE.read_text())
    for test in document["tests"]:
        test["network_environment"] = {"type": environment}
    path = folder / f"{environment}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def run(path: Path, output: Path) -> dict[str, Any]:
    """One ``panther run``: the test's duration and phases, and the command's wall time."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "panther", "run", str(path), "--output-dir", str(output), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - began
    results = sorted(output.glob("*/results.json"))
    if done.returncode != 0 or not results:
        raise SystemExit(f"{path.name}: panther run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    [test] = json.loads(results[-1].read_text())["tests"]
    return {"test": test["duration"], "wall": wall, **{phase: test["phases"].get(phase, 0.0) for phase in PHASES}}


def engine_floor() -> float:
    """Seconds the engine takes for a test's network and two containers that exit at once."""
    from docker.types import IPAMConfig, IPAMPool
    from panther_env_docker_compose.base_image import DEFAULT_BASE_IMAGE
    from panther_env_docker_compose.engine import connect
    from panther_env_docker_compose.subnets import free_subnets

    client = connect()
    began = time.perf_counter()
    subnet = str(next(free_subnets(client)))
    network = client.networks.create(
        f"panther-bench-{os.getpid()}", driver="bridge", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=subnet)])
    )
    containers = [
        client.containers.create(DEFAULT_BASE_IMAGE, ["true"], network=network.name, init=True) for _ in range(2)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda container: container.start(), containers))
    for container in containers:
        container.wait()
        container.remove(force=True)
    network.remove()
    return time.perf_counter() - began


def engine_missing() -> str | None:
    """Why Docker cannot be measured here, if it cannot."""
    from panther_env_docker_compose.base_image import DEFAULT_BASE_IMAGE
    from panther_env_docker_compose.engine import DockerUnavailableError, connect, image_exists

    try:
        connect()
    except DockerUnavailableError as exc:
        return str(exc)
    if not image_exists(DEFAULT_BASE_IMAGE):
        return f"no base image {DEFAULT_BASE_IMAGE}: make it with `panther docker base-image`"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs on each environment (default: 5)")
    runs = parser.parse_args().runs
    missing = engine_missing()
    if missing:
        print(f"docker overhead: not measured: {missing}")
        return
    with tempfile.TemporaryDirectory(prefix="panther-bench-") as folder:
        root = Path(folder)
        files = {environment: experiment(root, environment) for environment in ("local", "docker_compose")}
        for environment, path in files.items():  # unmeasured: images, caches
            run(path, root / f"warm-{environment}")
        samples: dict[str, list[dict[str, Any]]] = {environment: [] for environment in files}
        floors: list[float] = []
        for number in range(runs):
            for environment, path in files.items():
                samples[environment].append(run(path, root / f"{environment}-{number}"))
            floors.append(engine_floor())
    median = {
        environment: {key: statistics.median(sample[key] for sample in found) for key in found[0]}
        for environment, found in samples.items()
    }
    local, docker = median["local"], median["docker_compose"]
    print(f"MINIP ping-pong, median of {runs} runs each (seconds)")
    print(f"  {'':<22}{'local':>10}{'docker':>10}{'added':>10}")
    for key in ("test", *PHASES, "wall"):
        label = {"test": "test duration", "wall": "panther run (wall)"}.get(key, f"  {key}")
        print(f"  {label:<22}{local[key]:10.3f}{docker[key]:10.3f}{docker[key] - local[key]:+10.3f}")
    floor = statistics.median(floors)
    added = docker["test"] - local["test"]
    print(f"  Docker adds {added:.2f} s to the test (goal: under 3 s): {docker['test'] / local['test']:.2f} x local")
    print(f"  the engine alone, a network and two containers: {floor:.2f} s")
    print(f"  so the harness adds {added - floor:+.2f} s to what Docker itself costs")


if __name__ == "__main__":
    main()
