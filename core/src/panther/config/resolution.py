"""Finding the plugin each block of an experiment names, and decoding the block with it.

A service's ``implementation:`` and ``protocol:`` blocks, a test's
``network_environment:`` and each ``execution_environment[].config`` belong to a
plugin: the plugin is looked up in the registry (imported on first use) and the
block is decoded into the plugin's ``config_class``, so that the plugin's own keys
are checked as strictly as the harness's. Registry failures become
:class:`ConfigError`s that point at the name in the file.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import msgspec

from panther.config.decoding import decode, describe_value
from panther.config.errors import ConfigError, ServiceConfigError
from panther.config.implementation import ImplementationConfig
from panther.config.models import ExecutionEnvironmentConfig, NetworkEnvironmentConfig, ProtocolConfig, TestConfig
from panther.config.resolved import ResolvedService, ResolvedTest
from panther.config.rules import check_test, check_topology
from panther.config.yaml_source import DocPath, SourceDocument
from panther.netpath.config import PathConfig, path_problem
from panther.plugins.known import provider, providers_of
from panther.plugins.manifest import manifest_of
from panther.plugins.registry import PluginError, PluginNotFoundError

if TYPE_CHECKING:
    from panther.plugins.registry import PluginRegistry
    from panther.protocols import BaseProtocol
    from panther.services.manager import BaseServiceManager

# ``type:`` of an implementation -> registry kind; the guide also writes ``testers``.
IMPLEMENTATION_KINDS = {"iut": "iut", "tester": "tester", "testers": "tester"}

_KIND_WORDS = {
    "iut": "implementation (iut)",
    "tester": "tester",
    "protocol": "protocol",
    "network_environment": "network environment",
    "execution_environment": "execution environment",
}


class PluginResolver:
    """Resolves the plugin blocks of one document against one registry."""

    def __init__(self, document: SourceDocument, registry: PluginRegistry) -> None:
        self.document = document
        self.registry = registry

    def test(self, index: int, test: TestConfig) -> ResolvedTest:
        """Check ``tests[index]`` (a test with ``services``) and resolve every plugin it names."""
        check_test(self.document, index, test)
        path: DocPath = ("tests", index)
        services: dict[str, ResolvedService] = {}
        protocols: dict[str, ProtocolConfig] = {}
        for name, service in test.services.items():
            service_path = (*path, "services", name)
            manager_class, implementation = self.implementation(
                service.implementation, (*service_path, "implementation")
            )
            protocol_class, protocol = self.protocol(service.protocol, (*service_path, "protocol"))
            self.validate_service(manager_class, implementation, protocol, service_path)
            protocols[name] = protocol
            services[name] = ResolvedService(
                name=name,
                config=service,
                implementation=implementation,
                manager_class=manager_class,
                protocol=protocol,
                protocol_class=protocol_class,
            )
        check_topology(self.document, index, protocols)
        network_class, network_config = self.network_environment(
            test.network_environment, (*path, "network_environment")
        )
        self.check_path(network_config, test.timeout, (*path, "network_environment", "path"))
        execution = [
            self.execution_environment(entry, (*path, "execution_environment", position))
            for position, entry in enumerate(test.execution_environment)
        ]
        return ResolvedTest(
            index=index,
            config=test,
            services=services,
            network_environment_class=network_class,
            network_environment_config=network_config,
            execution_environments=execution,
        )

    def check_path(self, network_config: object, timeout: float, path: DocPath) -> None:
        """A network path's settings must agree with each other and with the test's time."""
        config = getattr(network_config, "path", None)
        if not isinstance(config, PathConfig):
            return
        problem = path_problem(config, timeout)
        if problem is None and isinstance(network_config, NetworkEnvironmentConfig):
            problem = network_config.path_problem(config)
        if problem is not None:
            where, message, expected, found = problem
            raise self.document.error(message, (*path, *where), expected=expected, found=found)

    def validate_service(
        self,
        manager_class: type[BaseServiceManager],
        implementation: ImplementationConfig,
        protocol: ProtocolConfig,
        path: DocPath,
    ) -> None:
        """The plugin's own check of a service's blocks together (``validate_service``)."""
        block: DocPath = (*path, "implementation")
        try:
            manager_class.validate_service(implementation, protocol)
        except ServiceConfigError as error:
            where = (*path, *error.key.split(".")) if error.key else block
            raise self.document.error(str(error), where, expected=error.expected, found=error.found) from None
        except ConfigError as error:
            raise self.document.error(error.message, block, expected=error.expected, found=error.found) from None
        except ValueError as error:
            raise self.document.error(str(error), block) from None
        except Exception as error:
            # A bug of the plugin, not a mistake in the file: say which plugin.
            raise self.document.error(
                f"the plugin {manager_class.__module__}.{manager_class.__qualname__} failed to check this "
                f"service (validate_service): {type(error).__name__}: {error}",
                block,
            ) from None

    def implementation(
        self, block: dict[str, Any], path: DocPath
    ) -> tuple[type[BaseServiceManager], ImplementationConfig]:
        name = self._required_name(block, "name", path, "the implementation plugin to run")
        kind_word = block.get("type", "iut")
        if not isinstance(kind_word, str) or kind_word not in IMPLEMENTATION_KINDS:
            raise self.document.error(
                "invalid value for `type`",
                (*path, "type"),
                expected="one of iut, tester (the guide's spelling `testers` means tester)",
                found=describe_value(kind_word),
            )
        kind = IMPLEMENTATION_KINDS[kind_word]
        other = "tester" if kind == "iut" else "iut"
        if name not in self.registry.names(kind) and name in self.registry.names(other):
            where = (*path, "type") if "type" in block else (*path, "name")
            article = {"iut": "an iut", "tester": "a tester"}
            raise self.document.error(
                f"`{name}` is {article[other]} plugin, not {article[kind]}",
                where,
                expected=f"type: {other}",
                found=f"type: {kind_word}" if "type" in block else "no `type` key (which means iut)",
            )
        manager_class = self.load_plugin(kind, name, (*path, "name"))
        if manifest_of(manager_class) is not None and not _is_service_manager(manager_class):
            raise self.document.error(
                f"`{name}` is a test-case suite: it is the `tester` of a `matrix:` test, not a service",
                (*path, "name"),
                expected="a service implementation (iut, or a tester that plays a role)",
                found=describe_value(name),
            )
        config_class: type[ImplementationConfig] = getattr(manager_class, "config_class", ImplementationConfig)
        implementation: ImplementationConfig = self._decode(manager_class, block, config_class, path)
        return manager_class, implementation

    def protocol(self, block: dict[str, Any], path: DocPath) -> tuple[type[BaseProtocol], ProtocolConfig]:
        name = self._required_name(block, "name", path, "the protocol the service speaks")
        protocol_class = self.load_plugin("protocol", name, (*path, "name"))
        config_class: type[ProtocolConfig] = getattr(protocol_class, "config_class", ProtocolConfig)
        config: ProtocolConfig = self._decode(protocol_class, block, config_class, path)
        versions = list(getattr(protocol_class, "versions", {}) or {})
        if config.version is not None and versions and config.version not in versions:
            raise self.document.error(
                f"protocol `{name}` has no version `{config.version}`",
                (*path, "version"),
                expected="one of " + ", ".join(versions),
                found=describe_value(config.version),
            )
        return protocol_class, config

    def network_environment(self, block: dict[str, Any], path: DocPath) -> tuple[type[Any], Any]:
        kind_name = block.get("type", "local")
        if not isinstance(kind_name, str):
            raise self.document.error(
                "wrong type for `type`",
                (*path, "type"),
                expected="the name of a network environment (text)",
                found=describe_value(kind_name),
            )
        environment_class = self.load_plugin("network_environment", kind_name, (*path, "type"))
        config_class = getattr(environment_class, "config_class", NetworkEnvironmentConfig)
        return environment_class, self._decode(environment_class, block, config_class, path)

    def execution_environment(
        self, entry: ExecutionEnvironmentConfig, path: DocPath
    ) -> tuple[type[Any], dict[str, Any]]:
        environment_class = self.load_plugin("execution_environment", entry.type, (*path, "type"))
        config_class = getattr(environment_class, "config_class", None)
        if config_class is None:
            return environment_class, dict(entry.config)
        decoded = self._decode(environment_class, entry.config, config_class, (*path, "config"))
        # Kept as a mapping (the resolved model's contract), with the plugin's defaults filled in.
        options: dict[str, Any] = msgspec.to_builtins(decoded)
        return environment_class, options

    def _decode(self, plugin: type, block: dict[str, Any], config_class: Any, path: DocPath) -> Any:
        try:
            return decode(self.document, block, config_class, path)
        except TypeError as error:
            # The plugin's config_class is not something msgspec can decode into: the
            # plugin is broken, not the file; say which plugin.
            raise self.document.error(
                f"the plugin {plugin.__module__}.{plugin.__qualname__} declares a config_class "
                f"that cannot be used ({config_class!r}): {error}",
                path,
            ) from None

    def _required_name(self, block: dict[str, Any], key: str, path: DocPath, meaning: str) -> str:
        if key not in block:
            raise self.document.error(
                f"missing required key `{key}`", path, expected=f"`{key}`: {meaning}", found=f"no `{key}` key"
            )
        value = block[key]
        if not isinstance(value, str) or not value:
            raise self.document.error(
                f"wrong type for `{key}`", (*path, key), expected=f"text: {meaning}", found=describe_value(value)
            )
        return value

    def load_plugin(self, kind: str, name: str, path: DocPath) -> Any:
        """The plugin ``kind``/``name``, or a :class:`ConfigError` pointing at ``path``."""
        try:
            return self.registry.load(kind, name)
        except PluginNotFoundError as error:
            raise self._not_found(error, path) from None
        except PluginError as error:
            # Broken or conflicting plugin: its own message names the distribution.
            raise self.document.error(str(error), path, found=describe_value(name)) from None

    def _not_found(self, error: PluginNotFoundError, path: DocPath) -> ConfigError:
        words = _KIND_WORDS.get(error.kind, error.kind)
        if error.disabled:
            return self.document.error(str(error), path, found=describe_value(error.name))
        installed = ", ".join(error.available) if error.available else "none is installed"
        expected = f"an installed {error.kind} plugin: {installed}"
        distribution = provider(error.kind, error.name)
        if distribution is not None:
            return self.document.error(
                f"{words} `{error.name}` is not installed: it comes from the distribution {distribution}"
                f" (pip install {distribution})",
                path,
                expected=expected,
                found=describe_value(error.name),
            )
        message = f"unknown {words} `{error.name}`"
        close = difflib.get_close_matches(error.name, error.available, n=1)
        if close:
            message += f"; did you mean `{close[0]}`?"
        others = providers_of(error.kind, error.available)
        if others:
            expected += "; more come from " + ", ".join(
                f"{distribution} ({', '.join(names)})" for distribution, names in others.items()
            )
        return self.document.error(message, path, expected=expected, found=describe_value(error.name))


def _is_service_manager(cls: type) -> bool:
    from panther.services.manager import BaseServiceManager

    return issubclass(cls, BaseServiceManager)
