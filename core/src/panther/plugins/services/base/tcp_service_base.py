"""``BaseTCPServiceManager`` at the import path of the IUT development guide.

It lives in ``panther_base_tcp`` (distribution panther-base-tcp) and is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panther.plugins.reexport import forward

if TYPE_CHECKING:
    from panther_base_tcp import BaseTCPServiceManager, TCPConfig

__all__ = ["BaseTCPServiceManager", "TCPConfig"]


def __getattr__(name: str) -> Any:
    return forward(__name__, name, __all__, "panther_base_tcp", "panther-base-tcp")
