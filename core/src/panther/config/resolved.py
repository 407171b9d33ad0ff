"""An experiment after loading: every plugin found and every plugin block decoded.

The loader (:mod:`panther.config.loader`) produces these; the runner consumes them
and never sees raw YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from panther.config.implementation import ImplementationConfig
from panther.config.models import ExperimentConfig, ProtocolConfig, ServiceConfig, TestConfig

if TYPE_CHECKING:
    from panther.protocols import BaseProtocol
    from panther.services.manager import BaseServiceManager


@dataclass
class ResolvedService:
    name: str
    config: ServiceConfig
    implementation: ImplementationConfig  # decoded into the plugin's config_class
    manager_class: type[BaseServiceManager]
    protocol: ProtocolConfig  # decoded into the protocol plugin's config_class
    protocol_class: type[BaseProtocol] | None


@dataclass
class ResolvedTest:
    index: int
    config: TestConfig
    services: dict[str, ResolvedService]
    network_environment_class: type[Any]
    network_environment_config: Any
    execution_environments: list[tuple[type[Any], dict[str, Any]]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.config.name


@dataclass
class ResolvedExperiment:
    source: Path
    config: ExperimentConfig
    tests: list[ResolvedTest]

    @property
    def name(self) -> str:
        return self.config.name or self.source.stem
