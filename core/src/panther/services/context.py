"""What a deployment tells a service manager about one service of one test.

The runner and the network environment decide addresses, ports and folders; the
service manager turns them into a command. Paths are given twice because a
containerised service sees its folders at another place than the harness does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any


@dataclass
class ServiceContext:
    """One service of one test, as the deployment decided it."""

    # The service's name in the experiment file.
    name: str
    # server, client or peer.
    role: str
    # The test's name (empty while the experiment prepares, before any test).
    test_name: str
    # The service's folder as the harness sees it (artifacts are collected here).
    host_output_dir: Path
    # The same folder as the service itself sees it.
    output_dir: PurePosixPath | Path
    # Server: the address and port to listen on. Client: its target's address and port.
    host: str = "127.0.0.1"
    port: int = 0
    # A client's target: the name of the service it connects to.
    target: str | None = None
    # The network environment's name (local, docker_compose ...).
    environment: str = "local"
    # Extra keyword arguments for the command, supplied by the protocol plugin
    # (certificate paths, URLs, folders to serve or download into ...).
    arguments: dict[str, Any] = field(default_factory=dict)
    # Variables from the service's ``environment:`` block.
    env: dict[str, str] = field(default_factory=dict)
    # The service's ``timeout:`` in seconds, when the experiment gives one.
    timeout: float | None = None
    # Which iteration of the test this is (1-based): a seeded plugin varies its seed by it.
    iteration: int = 1

    def service_path(self, host_path: Path) -> str:
        """Where the service sees ``host_path``, a path inside its host output folder."""
        relative = Path(host_path).resolve().relative_to(self.host_output_dir.resolve())
        return str(self.output_dir / relative)

    def as_arguments(self) -> dict[str, Any]:
        """The keyword arguments every command hook receives from the deployment."""
        return {
            "service_name": self.name,
            "host": self.host,
            "port": self.port,
            "target": self.target,
            "output_dir": str(self.output_dir),
            **self.arguments,
        }
