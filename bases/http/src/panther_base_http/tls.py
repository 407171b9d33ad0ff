"""TLS material for HTTP tests, made by the QUIC base's certificate helper.

Certificates are written once, in ``panther-base-quic``; HTTP borrows them only when
a test needs TLS (h2, h3 or ``tls: true``), through the ``[tls]``/``[h3]`` extras.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from panther.config.errors import ConfigError

if TYPE_CHECKING:
    from panther_base_quic.certificates import CertificateSet


def make_test_certificates(folder: Path, names: Iterable[str], service: str) -> CertificateSet:
    try:
        from panther_base_quic.certificates import make_certificates
    except ImportError:
        raise ConfigError(
            "HTTP over TLS needs certificates, and the certificate helper is not installed",
            path=f"services.{service}",
            expected="panther-base-http[tls] installed (or cert_file and key_file given)",
            found="panther-base-quic missing",
        ) from None
    return make_certificates(folder, names)
