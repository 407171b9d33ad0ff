"""Writing a one-test experiment and running it through the real ``panther`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TRANSFER = [1024, 65536, 1048576]


def service(
    implementation: str,
    role: str,
    alpn: str,
    version: str = "rfc9000",
    protocol: dict[str, Any] | None = None,
    service_keys: dict[str, Any] | None = None,
    **implementation_keys: Any,
) -> dict[str, Any]:
    """One service of a QUIC test: ``protocol`` and ``service_keys`` add to its blocks."""
    protocol_block = {"name": "quic", "version": version, "role": role, "alpn": alpn, "transfer": TRANSFER}
    if role == "client":
        protocol_block["target"] = "server"
    protocol_block.update(protocol or {})
    return {
        "implementation": {"name": implementation, "type": "iut", **implementation_keys},
        "protocol": protocol_block,
        **(service_keys or {}),
    }


@dataclass
class Run:
    exit_code: int
    verdict: str
    reason: str
    checks: dict[str, dict[str, Any]]
    test_dir: Path
    output: str

    def check(self, name: str) -> dict[str, Any]:
        return self.checks[name]


def run_experiment(tmp_path: Path, services: dict[str, dict[str, Any]], timeout: int = 60) -> Run:
    document = {
        "tests": [
            {
                "name": "t",
                "network_environment": {"type": "local"},
                "services": services,
                "timeout": timeout,
            }
        ]
    }
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "panther", "run", str(path), "--output-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=timeout + 120,
    )
    results_files = list(out.glob("*/results.json"))
    assert len(results_files) == 1, f"no results.json:\n{result.stdout}\n{result.stderr}"
    test = json.loads(results_files[0].read_text())["tests"][0]
    return Run(
        exit_code=result.returncode,
        verdict=test["verdict"],
        reason=test["reason"],
        checks={check["name"]: check for check in test["checks"]},
        test_dir=Path(test["output_dir"])
        if Path(test["output_dir"]).is_absolute()
        else results_files[0].parent / test["output_dir"],
        output=result.stdout + result.stderr,
    )
