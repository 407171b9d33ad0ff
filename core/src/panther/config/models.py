"""The experiment file schema (msgspec Structs).

Plugin-owned blocks (a service's ``implementation`` and ``protocol`` keys beyond
the common ones, a network environment's options) are kept as raw mappings here
and decoded against the owning plugin's own Struct once the plugin is known; see
:mod:`panther.config.loader`.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

Role = Literal["server", "client", "peer"]


class _Strict(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


class ProtocolConfig(_Strict):
    """A service's ``protocol:`` block; protocol plugins may extend it."""

    name: str
    version: str | None = None
    role: Role
    target: str | None = None


class ServiceConfig(_Strict):
    implementation: dict[str, Any]
    protocol: dict[str, Any]
    timeout: float | None = None
    ports: list[str] = []
    environment: dict[str, str] = {}


class NetworkEnvironmentConfig(msgspec.Struct, kw_only=True):
    """``type`` picks the plugin; the other keys are the plugin's own options."""

    type: str = "local"


class ExecutionEnvironmentConfig(_Strict):
    type: str
    config: dict[str, Any] = {}


class StepsConfig(_Strict):
    # Seconds to let the services run when no client ends the test by itself.
    wait: float | None = None


class TestConfig(_Strict):
    name: str
    description: str = ""
    network_environment: dict[str, Any] = {"type": "local"}
    execution_environment: list[ExecutionEnvironmentConfig] = []
    services: dict[str, ServiceConfig]
    steps: StepsConfig = StepsConfig()
    timeout: float = 120.0
    iterations: int = 1


class LoggingConfig(_Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"] = "INFO"
    format: str | None = None


class ObserverConfig(_Strict):
    enabled: bool = True


class ObserversConfig(_Strict):
    logger: ObserverConfig = ObserverConfig()
    metrics: ObserverConfig = ObserverConfig()
    console: ObserverConfig = ObserverConfig()


class PathsConfig(_Strict):
    output_dir: str = "outputs"


class DockerConfig(_Strict):
    base_image: str = "panther/debian:bookworm"
    build: bool = True


class ExperimentConfig(_Strict):
    name: str | None = None
    logging: LoggingConfig = LoggingConfig()
    observers: ObserversConfig = ObserversConfig()
    paths: PathsConfig = PathsConfig()
    docker: DockerConfig = DockerConfig()
    tests: list[TestConfig]
