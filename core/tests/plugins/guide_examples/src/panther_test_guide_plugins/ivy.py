"""``panther_ivy``: the formal tester the guide's "Integration with Testers" example names."""

from __future__ import annotations

from typing import Any

from panther import BaseServiceManager, ImplementationConfig, register_plugin


class IvyTesterConfig(ImplementationConfig, kw_only=True):
    #: The Ivy test to run, e.g. ``quic_client_test_max``; each test is its own program.
    test: str


@register_plugin(
    plugin_type="tester",
    name="panther_ivy",
    version="1.0.0",
    description="Formal specification tester (Ivy)",
    supported_protocols=["quic"],
    capabilities=["formal_verification"],
)
class PantherIvyTester(BaseServiceManager):
    config_class = IvyTesterConfig

    def _get_implementation_name(self) -> str:
        return "panther_ivy"

    def _get_binary_name(self) -> str:
        assert isinstance(self.config, IvyTesterConfig)
        return self.config.test

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return [f"server_addr={kwargs.get('host', '127.0.0.1')}", f"server_port={kwargs.get('port', 4443)}"]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return [f"client_addr={kwargs.get('host', '127.0.0.1')}", f"client_port={kwargs.get('port', 4443)}"]
