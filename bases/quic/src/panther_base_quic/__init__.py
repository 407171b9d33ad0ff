"""panther-base-quic: what every QUIC implementation plugin of PANTHER shares.

``BaseQUICServiceManager`` (default port, common parameters, key log, feature keys,
Version Negotiation readiness probe), ``QUICConfig``, the ``quic`` protocol plugin
``QUICProtocol``, version names, and per-run certificates.
"""

from panther_base_quic.__about__ import __version__
from panther_base_quic.certificates import CertificateSet, make_certificates
from panther_base_quic.config import QUICConfig
from panther_base_quic.manager import DEFAULT_PORT, QUIC_FEATURES, BaseQUICServiceManager
from panther_base_quic.probe import version_negotiation_probe
from panther_base_quic.protocol import QUICProtocol, QUICProtocolConfig
from panther_base_quic.versions import QUIC_VERSIONS, quic_version_wire

__all__ = [
    "__version__",
    "BaseQUICServiceManager",
    "CertificateSet",
    "DEFAULT_PORT",
    "QUICConfig",
    "QUICProtocol",
    "QUICProtocolConfig",
    "QUIC_FEATURES",
    "QUIC_VERSIONS",
    "make_certificates",
    "quic_version_wire",
    "version_negotiation_probe",
]
