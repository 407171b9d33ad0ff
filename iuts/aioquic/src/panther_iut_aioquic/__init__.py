"""PANTHER IUT plugin for aioquic: a file server and a download client written
against aioquic's API, run as ``python -m panther_iut_aioquic server|client``.

The service manager is imported on first use only, so that starting an endpoint
does not import the harness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panther_iut_aioquic.__about__ import __version__

__all__ = ["AioquicConfig", "AioquicServiceManager", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "AioquicServiceManager":
        from panther_iut_aioquic.manager import AioquicServiceManager

        return AioquicServiceManager
    if name == "AioquicConfig":
        from panther_iut_aioquic.config_schema import AioquicConfig

        return AioquicConfig
    raise AttributeError(f"module 'panther_iut_aioquic' has no attribute {name!r}")


if TYPE_CHECKING:
    from panther_iut_aioquic.config_schema import AioquicConfig
    from panther_iut_aioquic.manager import AioquicServiceManager
