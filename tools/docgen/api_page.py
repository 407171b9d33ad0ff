"""The plugin API reference: the classes a plugin extends and every object it receives.

Each section is made from the class itself: its docstring, its fields (with the
comments the source gives them), its class attributes and its methods, grouped the
way the source groups them. A class that moves or disappears fails the build.
"""

from __future__ import annotations

import importlib
import inspect

from render import field_table, method_entry
from source_docs import class_attributes, fields_of, markdown, methods_of, own_doc, signature_text

# (title, introduction, [dotted names]) in the order a plugin author meets them.
SECTIONS = [
    (
        "Service managers",
        "An IUT or a tester plugin is a subclass of `BaseServiceManager` (or of a protocol or "
        "language base that extends it). It implements the two required hooks and whichever "
        "optional ones it needs; the provided methods are the workflow, not to be overridden.",
        ["panther.services.manager.BaseServiceManager"],
    ),
    (
        "What a service manager receives",
        "`self.config` is the service's `implementation:` block decoded into the plugin's "
        "`config_class`; `self.context` is what the deployment decided for the service (absent "
        "when a manager is made by hand, in a unit test); `evaluate(outcome)` receives how the "
        "service ended and returns checks. Every command hook receives `**kwargs`: every field "
        "of the configuration, then `service_name`, `host`, `port`, `target`, `output_dir` and "
        "the protocol's `ServiceContext.arguments`, then the keyword arguments of the call.",
        [
            "panther.config.implementation.ImplementationConfig",
            "panther.services.context.ServiceContext",
            "panther.services.outcome.ServiceOutcome",
            "panther.services.outcome.Check",
            "panther.services.manager.ServiceManagerError",
            "panther.services.manager.UnsupportedFeatureError",
        ],
    ),
    (
        "Readiness probes",
        "A server is ready when its probe succeeds (never after a fixed sleep): "
        "`get_readiness_probe(host, port)` returns one of these, or None for the network "
        "environment's default.",
        [
            "panther.services.readiness.ReadinessProbe",
            "panther.services.readiness.TcpConnectProbe",
            "panther.services.readiness.UdpProbe",
            "panther.services.readiness.LogLineProbe",
        ],
    ),
    (
        "Registration",
        "The class an entry point names carries a manifest from `@register_plugin`; the registry "
        "checks that its kind and name agree with the entry point.",
        ["panther.plugins.manifest.register_plugin", "panther.plugins.manifest.PluginManifest"],
    ),
    (
        "Protocol plugins",
        "Entry-point group `panther.protocol`: what a test of a protocol needs beyond its services.",
        ["panther.protocols.BaseProtocol", "panther.protocols.TestContext", "panther.config.models.ProtocolConfig"],
    ),
    (
        "Network environments",
        "Entry-point group `panther.network_environment`: where and how services run.",
        [
            "panther.environments.base.NetworkEnvironment",
            "panther.environments.base.ServiceLaunch",
            "panther.environments.base.RunningService",
        ],
    ),
    (
        "Execution environments",
        "Entry-point group `panther.execution_environment`: what wraps a service's command.",
        [
            "panther.execution.base.ExecutionEnvironment",
            "panther.execution.base.ExecutionOptions",
            "panther.execution.base.WrappedCommand",
        ],
    ),
    (
        "Events",
        "See [Events](events.md) for every event class.",
        ["panther.events.EventBus"],
    ),
    (
        "Testing helpers",
        "For the tests of a plugin distribution (`panther.testing`).",
        [
            "panther.testing.run_panther",
            "panther.testing.merge_panther",
            "panther.testing.ExperimentRun",
            "panther.testing.RecordedTest",
            "panther.testing.require_peer",
            "panther.testing.UdpResponder",
            "panther.testing.silent_udp_port",
        ],
    ),
]


def _resolve(dotted: str) -> object:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _public_name(obj: object, dotted: str) -> str:
    import panther

    name = dotted.rpartition(".")[2]
    return f"panther.{name}" if name in panther.__all__ and getattr(panther, name) is obj else dotted


def _function_section(function: object, dotted: str) -> str:
    signature = signature_text(function)
    doc = markdown(inspect.getdoc(function) or "")
    return f"### `{_public_name(function, dotted)}{signature}`\n\n{doc}\n\n"


def _class_section(cls: type, dotted: str) -> str:
    text = f"### `{_public_name(cls, dotted)}`\n\n"
    doc = own_doc(cls)
    bases = [base.__name__ for base in cls.__bases__ if base is not object]
    if bases:
        text += f"Extends {', '.join(f'`{base}`' for base in bases)}.\n\n"
    if doc:
        text += doc + "\n\n"
    fields = fields_of(cls)
    if fields:
        text += field_table(fields, key_column="field") + "\n"
    settings = class_attributes(cls)
    if settings:
        text += "Class attributes a subclass sets:\n\n" + field_table(settings, key_column="attribute") + "\n"
    methods = list(methods_of(cls))
    if not fields and "__init__" in cls.__dict__:
        signature = signature_text(cls.__init__).replace("(self, ", "(").replace("(self)", "()")
        text += f"Constructor: `{cls.__name__}{signature}`\n\n"
    current = None
    for method in methods:
        if method.section != current and method.section:
            text += f"**{method.section.capitalize()}**\n\n"
        current = method.section
        text += method_entry(method) + "\n"
    return text


def page() -> str:
    text = (
        "# Plugin API\n\n"
        "The classes plugins extend and the objects they receive, generated from the code. The\n"
        "names a plugin imports are exported by `panther` (`from panther import BaseServiceManager,\n"
        "ServiceContext, ...`); the other names are shown with their module.\n\n"
    )
    for title, introduction, names in SECTIONS:
        text += f"## {title}\n\n{introduction}\n\n"
        for dotted in names:
            obj = _resolve(dotted)
            text += _class_section(obj, dotted) if isinstance(obj, type) else _function_section(obj, dotted)
    return text
