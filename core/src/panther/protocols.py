"""Protocol plugins (entry-point group ``panther.protocol``).

A protocol plugin owns what a test of that protocol needs beyond its services:
the protocol's extra ``protocol:`` keys, material made once per test (certificates,
files to transfer), per-service command arguments, and the protocol-level checks of
the verdict (did every file arrive whole?). Service managers own how one
implementation runs; protocol plugins own what the test exchanges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from panther.config.models import ProtocolConfig
from panther.netpath.files import NetworkPath
from panther.services.context import ServiceContext
from panther.services.outcome import Check, ServiceOutcome

if TYPE_CHECKING:
    from panther.config.resolved import ResolvedTest


@dataclass
class TestContext:
    """One iteration of one test, as protocol plugins see it."""

    name: str
    iteration: int
    output_dir: Path
    services: dict[str, ServiceContext]
    # Each service's decoded ``protocol:`` block (the protocol plugin's config_class).
    protocol_configs: dict[str, ProtocolConfig]
    # Each service's decoded ``implementation:`` block.
    implementation_configs: dict[str, Any] = field(default_factory=dict)
    # The path between clients and servers, when the network environment put one there:
    # its captures and record (complete when evaluate_test runs). None: no path, no capture.
    network_path: NetworkPath | None = None
    # Numbers measured from the evidence (``goodput_mbps``: 94.2); copied into the result.
    measurements: dict[str, float] = field(default_factory=dict)

    def services_with_role(self, role: str) -> list[ServiceContext]:
        return [service for service in self.services.values() if service.role == role]


class BaseProtocol:
    """Base of protocol plugins; every hook has a harmless default."""

    name: ClassVar[str] = ""
    transport: ClassVar[Literal["udp", "tcp"]] = "udp"
    default_port: ClassVar[int] = 0
    config_class: ClassVar[type[ProtocolConfig]] = ProtocolConfig
    #: Version names this protocol accepts in ``protocol.version`` (empty: any).
    versions: ClassVar[Mapping[str, int]] = {}

    def prepare_experiment(self, tests: Sequence[ResolvedTest], folder: Path) -> None:
        """Once per experiment, before any test's clock starts: make what the tests of
        this protocol can share (a CA, files to serve) in ``folder``.

        What this sets on ``self`` is set on the instance each test gets, so
        :meth:`prepare_test` finds it there. Must be safe to share between tests
        that run side by side: tests only read it.
        """

    def prepare_test(self, test: TestContext) -> None:
        """Make what the test needs before any service starts; fill ``ServiceContext.arguments``."""

    def evaluate_test(self, test: TestContext, outcomes: Mapping[str, ServiceOutcome]) -> list[Check]:
        """Protocol-level checks once every service has ended."""
        return []
