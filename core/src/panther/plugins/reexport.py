"""Lazy re-exports for the import paths the IUT development guide uses.

The guide imports base classes from ``panther.plugins.services.base.<module>``;
those classes live in separate distributions (``panther-base-quic`` ...). A
compatibility module forwards the names on first use (so the core never depends
on a base distribution), and when the distribution is missing the ImportError
says which one to ``pip install``.
"""

from __future__ import annotations

import importlib
from typing import Any


def forward(module: str, name: str, names: list[str], target_module: str, distribution: str) -> Any:
    """The value of ``name`` from ``target_module``, for ``module.__getattr__``."""
    if name not in names:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    try:
        target = importlib.import_module(target_module)
    except ModuleNotFoundError as error:
        raise ImportError(
            f"{module}.{name} is provided by the distribution {distribution}: pip install '{distribution}' ({error})",
            name=target_module,
        ) from error
    return getattr(target, name)
