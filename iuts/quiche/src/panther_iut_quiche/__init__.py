"""panther-iut-quiche: the PANTHER plugin for quiche (QUIC, Rust).

``QuicheServiceManager`` runs PANTHER's own quiche programs
(``panther-quiche-server``, ``panther-quiche-client``, built with cargo on first use)
or quiche's apps (``quiche-server``, ``quiche-client``); ``QuicheConfig`` is its
``implementation:`` schema.
"""

from panther_iut_quiche.__about__ import __version__
from panther_iut_quiche.config_schema import QuicheConfig
from panther_iut_quiche.manager import QuicheServiceManager

__all__ = ["__version__", "QuicheConfig", "QuicheServiceManager"]
