"""PANTHER IUT plugin for HTTPX: a download client run as ``python -m panther_iut_httpx.client``.

The service manager is imported on first use only, so that starting the client does
not import the harness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panther_iut_httpx.__about__ import __version__

__all__ = ["HttpxServiceManager", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "HttpxServiceManager":
        from panther_iut_httpx.manager import HttpxServiceManager

        return HttpxServiceManager
    raise AttributeError(f"module 'panther_iut_httpx' has no attribute {name!r}")


if TYPE_CHECKING:
    from panther_iut_httpx.manager import HttpxServiceManager
