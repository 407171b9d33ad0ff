"""Helpers of the runner's tests: run an experiment written as YAML, read its reports,
and look for processes a run left behind (read from /proc, independently of the harness)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from panther.config.loader import load_experiment_text
from panther.plugins.registry import PluginRegistry
from panther.runner.experiment import ExperimentResult, run_experiment


def load(text: str, tmp_path: Path) -> Any:
    source = tmp_path / "experiment.yaml"
    source.write_text(text)
    return load_experiment_text(text, source, PluginRegistry.discover())


def run_yaml(text: str, tmp_path: Path, **options: Any) -> ExperimentResult:
    options.setdefault("console", False)
    options.setdefault("output_root", tmp_path / "outputs")
    return run_experiment(load(text, tmp_path), **options)


def results_by_label(result: ExperimentResult) -> dict[str, dict[str, Any]]:
    document = json.loads((result.output_dir / "results.json").read_text())
    return {
        (f"{t['name']} [{t['iteration']}/{t['iterations']}]" if t["iterations"] > 1 else t["name"]): t
        for t in document["tests"]
    }


def processes_of_run(run_id: str) -> list[str]:
    """Command lines of live processes whose environment carries the run's marker."""
    needle = f"PANTHER_RUN_ID={run_id}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if needle in environ and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(f"{entry}: {cmdline}")
    return found


def _flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{key}: {json.dumps(value)}" for key, value in mapping.items()) + "}"


def service(
    name: str, role: str, *, target: str | None = None, protocol: dict[str, Any] | None = None, **implementation: Any
) -> str:
    """One service block of an experiment file, for the demo plugins."""
    protocol_keys = {"name": "demo", "role": role, **({"target": target} if target else {}), **(protocol or {})}
    return (
        f"      {json.dumps(name)}:\n"
        f"        implementation: {_flow({'name': 'demo_echo', **implementation})}\n"
        f"        protocol: {_flow(protocol_keys)}\n"
    )


def echo_test(
    name: str,
    *,
    server: dict[str, Any] | None = None,
    client: dict[str, Any] | None = None,
    protocol: dict[str, Any] | None = None,
    extra: str = "",
) -> str:
    """A test with one demo server and one client targeting it; ``extra``: more test keys."""
    return (
        f"  - name: {json.dumps(name)}\n{extra}"
        "    services:\n"
        + service("server", "server", protocol=protocol, **(server or {}))
        + service("client", "client", target="server", protocol=protocol, **(client or {}))
    )
