"""An experiment after loading: every plugin found and every plugin block decoded.

The loader (:mod:`panther.config.loader`) produces these; the runner consumes them
and never sees raw YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from panther.config.implementation import ImplementationConfig
from panther.config.models import ExperimentConfig, ProtocolConfig, ServiceConfig, TestConfig

if TYPE_CHECKING:
    from panther.plugins.registry import PluginRegistry
    from panther.protocols import BaseProtocol
    from panther.services.manager import BaseServiceManager
    from panther.suites import TestSuite


class MatrixAxes(msgspec.Struct, kw_only=True):
    """One ``matrix:`` test of the file: the axes its tables are drawn on."""

    #: The matrix test's ``name``; every cell's name starts with ``<group>/``.
    group: str
    tester: str
    protocol: str
    servers: list[str]
    clients: list[str]
    #: The cases the matrix runs, in order: name -> one-line description.
    cases: dict[str, str]


class CellCoordinates(msgspec.Struct, kw_only=True, frozen=True):
    """Where an expanded test sits: ``<group>/<case>/<server>/<client>``."""

    group: str
    case: str
    server: str
    client: str

    @property
    def name(self) -> str:
        return f"{self.group}/{self.case}/{self.server}/{self.client}"


@dataclass
class MatrixCell:
    """The matrix part of an expanded test: its coordinates and the suite that judges it."""

    axes: MatrixAxes
    coordinates: CellCoordinates
    suite_class: type[TestSuite]
    #: Why the suite cannot run this cell (its ``cell()`` raised UnsupportedFeatureError):
    #: the cell is ``unsupported`` and nothing is started.
    unsupported: str | None = None
    #: The registry the matrix was expanded with: the suite that judges the cell sees it too.
    registry: PluginRegistry | None = None


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
    #: The test's position in :attr:`ResolvedExperiment.tests` (after matrices are expanded).
    index: int
    config: TestConfig
    services: dict[str, ResolvedService]
    network_environment_class: type[Any]
    network_environment_config: Any
    execution_environments: list[tuple[type[Any], dict[str, Any]]] = field(default_factory=list)
    #: Set on a test expanded from a ``matrix:`` test.
    matrix: MatrixCell | None = None

    @property
    def name(self) -> str:
        return self.config.name


@dataclass
class ResolvedExperiment:
    source: Path
    config: ExperimentConfig
    #: Every test to run, each matrix expanded into its cells, in the file's order.
    tests: list[ResolvedTest]
    matrices: list[MatrixAxes] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.config.name or self.source.stem
