"""PANTHER: a plugin-based harness for testing network protocol implementations.

The names plugin authors use are exported here. They are imported on first use,
so that ``panther --help`` stays fast and imports no plugin.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from panther.__about__ import __version__

_EXPORTS = {
    "BaseServiceManager": "panther.services.manager",
    "ServiceManagerError": "panther.services.manager",
    "UnsupportedFeatureError": "panther.services.manager",
    "ServiceConfigError": "panther.config.errors",
    "ServiceContext": "panther.services.context",
    "ServiceOutcome": "panther.services.outcome",
    "Check": "panther.services.outcome",
    "EXIT_UNSUPPORTED": "panther.services.outcome",
    "ReadinessProbe": "panther.services.readiness",
    "TcpConnectProbe": "panther.services.readiness",
    "UdpProbe": "panther.services.readiness",
    "LogLineProbe": "panther.services.readiness",
    "register_plugin": "panther.plugins.manifest",
    "PluginManifest": "panther.plugins.manifest",
    "ImplementationConfig": "panther.config.implementation",
    "IUTConfig": "panther.config.implementation",
    "ProtocolConfig": "panther.config.models",
    "BaseProtocol": "panther.protocols",
    "TestContext": "panther.protocols",
    "TestSuite": "panther.suites",
    "SuiteCell": "panther.suites",
    "SuiteOptions": "panther.suites",
    "DockerBuilderFactory": "panther.services.docker_build",
    "EventBus": "panther.events",
    "Event": "panther.events",
    "CommandGenerationEvent": "panther.events",
    "ServiceInitializationEvent": "panther.events",
    "ServicePreparationEvent": "panther.events",
    "ServiceReadyEvent": "panther.events",
    "ServiceErrorEvent": "panther.events",
    "ServiceStartedEvent": "panther.events",
    "ServiceExitedEvent": "panther.events",
    "TestStartedEvent": "panther.events",
    "TestPhaseEvent": "panther.events",
    "TestFinishedEvent": "panther.events",
    "ExperimentStartedEvent": "panther.events",
    "ExperimentFinishedEvent": "panther.events",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'panther' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from panther.config.errors import ServiceConfigError as ServiceConfigError
    from panther.config.implementation import ImplementationConfig as ImplementationConfig
    from panther.config.implementation import IUTConfig as IUTConfig
    from panther.config.models import ProtocolConfig as ProtocolConfig
    from panther.events import CommandGenerationEvent as CommandGenerationEvent
    from panther.events import Event as Event
    from panther.events import EventBus as EventBus
    from panther.events import ExperimentFinishedEvent as ExperimentFinishedEvent
    from panther.events import ExperimentStartedEvent as ExperimentStartedEvent
    from panther.events import ServiceErrorEvent as ServiceErrorEvent
    from panther.events import ServiceExitedEvent as ServiceExitedEvent
    from panther.events import ServiceInitializationEvent as ServiceInitializationEvent
    from panther.events import ServicePreparationEvent as ServicePreparationEvent
    from panther.events import ServiceReadyEvent as ServiceReadyEvent
    from panther.events import ServiceStartedEvent as ServiceStartedEvent
    from panther.events import TestFinishedEvent as TestFinishedEvent
    from panther.events import TestPhaseEvent as TestPhaseEvent
    from panther.events import TestStartedEvent as TestStartedEvent
    from panther.plugins.manifest import PluginManifest as PluginManifest
    from panther.plugins.manifest import register_plugin as register_plugin
    from panther.protocols import BaseProtocol as BaseProtocol
    from panther.protocols import TestContext as TestContext
    from panther.services.context import ServiceContext as ServiceContext
    from panther.services.docker_build import DockerBuilderFactory as DockerBuilderFactory
    from panther.services.manager import BaseServiceManager as BaseServiceManager
    from panther.services.manager import ServiceManagerError as ServiceManagerError
    from panther.services.manager import UnsupportedFeatureError as UnsupportedFeatureError
    from panther.services.outcome import EXIT_UNSUPPORTED as EXIT_UNSUPPORTED
    from panther.services.outcome import Check as Check
    from panther.services.outcome import ServiceOutcome as ServiceOutcome
    from panther.services.readiness import LogLineProbe as LogLineProbe
    from panther.services.readiness import ReadinessProbe as ReadinessProbe
    from panther.services.readiness import TcpConnectProbe as TcpConnectProbe
    from panther.services.readiness import UdpProbe as UdpProbe
    from panther.suites import SuiteCell as SuiteCell
    from panther.suites import SuiteOptions as SuiteOptions
    from panther.suites import TestSuite as TestSuite
