"""``your_implementation``: the guide's Example 1 service manager."""

from __future__ import annotations

from typing import Any

from panther import BaseServiceManager, ServicePreparationEvent, register_plugin

from panther_test_guide_plugins.config_schema import YourImplementationConfig


@register_plugin(
    plugin_type="iut",
    name="your_implementation",
    version="1.0.0",
    description="Your protocol implementation",
    supported_protocols=["your_protocol", "quic"],
    capabilities=["basic_features"],
)
class YourServiceManager(BaseServiceManager):
    """Service manager for the guide's protocol implementation."""

    config_class = YourImplementationConfig

    def _get_implementation_name(self) -> str:
        return "your_implementation"

    def _get_binary_name(self) -> str:
        return "your_binary"

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        port = kwargs.get("port") or kwargs.get("default_port", 8080)
        address = kwargs.get("bind_address", "127.0.0.1")
        args = ["--listen", f"{address}:{port}"]
        if kwargs.get("config_file"):
            args.extend(["--config", str(kwargs["config_file"])])
        if kwargs.get("performance_mode") == "high":
            args.append("--high-performance")
        return args

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        host = kwargs.get("host", "localhost")
        port = kwargs.get("port") or kwargs.get("default_port", 8080)
        args = ["--connect", f"{host}:{port}"]
        if kwargs.get("persistent", False):
            args.append("--keep-alive")
        return args

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        self.emit_event(
            ServicePreparationEvent(service_name=self._get_implementation_name(), preparation_type="custom_setup")
        )

    def get_supported_features(self) -> dict[str, bool]:
        return {"basic_protocol": True, "advanced_features": False}
