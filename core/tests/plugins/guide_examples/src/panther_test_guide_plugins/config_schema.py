"""``YourImplementationConfig``: the guide's configuration schema, as a msgspec Struct.

Every key the guide's YAML examples give an ``implementation: your_implementation``
block is a field here, so those examples decode as written and a misspelt key is
still an error.
"""

from __future__ import annotations

from typing import Literal

from panther import ImplementationConfig

# ``high`` is what the guide's test configuration and its Example 1 use.
PerformanceMode = Literal["balanced", "throughput", "latency", "high"]


class YourImplementationConfig(ImplementationConfig, kw_only=True):
    """Configuration schema for the guide's protocol implementation."""

    implementation_name: str = "your_implementation"
    binary_name: str = "your_binary"

    protocol_version: str = "1.0"
    supported_features: list[str] = []

    default_port: int = 8080
    # The guide binds 0.0.0.0; these plugins serve tests, which stay on loopback.
    bind_address: str = "127.0.0.1"

    performance_mode: PerformanceMode = "balanced"
    custom_crypto: bool = False
    debug_level: int = 0
    custom_options: dict[str, str] = {}

    certificate_config: dict[str, str] = {}
    # The guide's examples give both text ("64KB") and flags (verbose_logging: true).
    runtime_parameters: dict[str, str | int | float | bool] = {}

    dockerfile_template: str | None = None
    base_image_override: str | None = None
