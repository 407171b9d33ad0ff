"""The experiment file schema (msgspec Structs).

Plugin-owned blocks (a service's ``implementation`` and ``protocol`` keys beyond
the common ones, a network environment's options) are kept as raw mappings here
and decoded against the owning plugin's own Struct once the plugin is known; see
:mod:`panther.config.loader`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec

if TYPE_CHECKING:
    from panther.netpath.config import PathConfig, Problem

Role = Literal["server", "client", "peer"]


class _Strict(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # msgspec does not inherit ``kw_only``: a subclass that puts a required field
    # after an optional one repeats it (``class X(_Strict, kw_only=True)``).
    pass


class ProtocolConfig(_Strict, kw_only=True):
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

    def path_problem(self, path: PathConfig) -> Problem | None:
        """What of ``path`` (this environment's ``path:`` block, valid in itself) this
        environment cannot do: (where in ``path``, what, expected, found), which the loader
        reports with the file and the line; None when it can do all of it."""
        return None


class ExecutionEnvironmentConfig(_Strict):
    type: str
    config: dict[str, Any] = {}


class StepsConfig(_Strict):
    # Seconds to let the services run when no client ends the test by itself.
    wait: float | None = None


class MatrixConfig(_Strict, kw_only=True):
    """A test's ``matrix:`` block: servers x clients x cases, each cell a test of its own."""

    #: The test-case suite (a ``panther.tester`` plugin) that says what each case runs.
    tester: str
    servers: list[str]
    clients: list[str]
    #: Case names of the suite; every case of the suite when left out.
    cases: list[str] | None = None
    #: The suite's own options (its ``options_class``).
    options: dict[str, Any] = {}


class TestConfig(_Strict, kw_only=True):
    name: str
    description: str = ""
    network_environment: dict[str, Any] = msgspec.field(default_factory=lambda: {"type": "local"})
    execution_environment: list[ExecutionEnvironmentConfig] = []
    # A test has ``services`` or a ``matrix`` that expands into tests, never both
    # (checked by the loader, which sees which keys the file wrote).
    services: dict[str, ServiceConfig] = {}
    matrix: MatrixConfig | None = None
    steps: StepsConfig = msgspec.field(default_factory=StepsConfig)
    timeout: float = 120.0
    iterations: int = 1


class LoggingConfig(_Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"] = "INFO"
    format: str | None = None


class ObserverConfig(_Strict):
    enabled: bool = True


class ObserversConfig(_Strict):
    logger: ObserverConfig = msgspec.field(default_factory=ObserverConfig)
    metrics: ObserverConfig = msgspec.field(default_factory=ObserverConfig)
    console: ObserverConfig = msgspec.field(default_factory=ObserverConfig)


class PathsConfig(_Strict):
    output_dir: str = "outputs"


class DockerConfig(_Strict):
    base_image: str = "panther/debian:bookworm"
    build: bool = True


class ExperimentConfig(_Strict, kw_only=True):
    name: str | None = None
    logging: LoggingConfig = msgspec.field(default_factory=LoggingConfig)
    observers: ObserversConfig = msgspec.field(default_factory=ObserversConfig)
    paths: PathsConfig = msgspec.field(default_factory=PathsConfig)
    docker: DockerConfig = msgspec.field(default_factory=DockerConfig)
    tests: list[TestConfig]
