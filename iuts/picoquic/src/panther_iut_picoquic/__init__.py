"""panther-iut-picoquic: the PANTHER plugin for picoquic (QUIC, C).

``PicoquicServiceManager`` runs ``picoquicdemo`` as a server or a client;
``PicoquicConfig`` is its ``implementation:`` schema.
"""

from panther_iut_picoquic.__about__ import __version__
from panther_iut_picoquic.config_schema import PicoquicConfig
from panther_iut_picoquic.manager import PicoquicServiceManager

__all__ = ["__version__", "PicoquicConfig", "PicoquicServiceManager"]
