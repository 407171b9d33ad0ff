"""``RustQUICServiceManager``: a Rust QUIC implementation (extra ``[quic]``)."""

from __future__ import annotations

from panther_base_quic import BaseQUICServiceManager

from panther_base_rust.mixin import RustServiceMixin


class RustQUICServiceManager(RustServiceMixin, BaseQUICServiceManager):
    """Rust's build and runtime settings, QUIC's arguments, key log and readiness."""
