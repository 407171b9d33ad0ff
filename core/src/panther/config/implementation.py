"""The base every plugin's configuration Struct extends.

A service's ``implementation:`` block holds ``name`` and ``type`` (read by the
harness) and the plugin's own keys; the whole block is decoded into the plugin's
``config_class``, a subclass of :class:`ImplementationConfig`, so unknown keys and
wrong types are reported against the plugin's schema.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class ImplementationConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Keys every implementation accepts."""

    # The plugin's name (its entry point in panther.iut or panther.tester).
    name: str | None = None
    # iut, or tester (testers is the original guide's spelling).
    type: Literal["iut", "tester", "testers"] = "iut"
    # Arguments appended verbatim (as argv items) after the generated ones.
    extra_args: list[str] = []
    # A binary to run instead of the one found on PATH (local environment).
    binary_path: str | None = None


# The IUT development guide also calls this base ``IUTConfig``.
IUTConfig = ImplementationConfig
