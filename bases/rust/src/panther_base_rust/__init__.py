"""panther-base-rust: the Rust language base of PANTHER.

``RustServiceMixin`` adds cargo features, the cargo build command and the Rust
runtime environment. ``panther_base_rust.quic.RustQUICServiceManager`` (extra
``[quic]``) combines it with the QUIC base.
"""

from panther_base_rust.__about__ import __version__
from panther_base_rust.mixin import RustServiceMixin

__all__ = ["__version__", "RustServiceMixin"]
