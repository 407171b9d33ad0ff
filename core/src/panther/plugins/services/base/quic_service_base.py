"""``BaseQUICServiceManager`` at the import path of the IUT development guide.

It lives in ``panther_base_quic`` (distribution panther-base-quic) and is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from panther.plugins.reexport import forward

if TYPE_CHECKING:
    from panther_base_quic import BaseQUICServiceManager, QUICConfig

__all__ = ["BaseQUICServiceManager", "QUICConfig"]


def __getattr__(name: str) -> Any:
    return forward(__name__, name, __all__, "panther_base_quic", "panther-base-quic")
