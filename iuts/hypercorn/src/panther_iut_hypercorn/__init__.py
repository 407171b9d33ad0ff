"""PANTHER IUT plugin for Hypercorn: a static file server run as
``python -m panther_iut_hypercorn.server``.

The service manager is imported on first use only, so that starting the server does
not import the harness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panther_iut_hypercorn.__about__ import __version__

__all__ = ["HypercornServiceManager", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "HypercornServiceManager":
        from panther_iut_hypercorn.manager import HypercornServiceManager

        return HypercornServiceManager
    raise AttributeError(f"module 'panther_iut_hypercorn' has no attribute {name!r}")


if TYPE_CHECKING:
    from panther_iut_hypercorn.manager import HypercornServiceManager
