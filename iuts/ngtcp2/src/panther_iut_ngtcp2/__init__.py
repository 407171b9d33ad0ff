"""PANTHER IUT plugin for ngtcp2's example programs ``gtlsserver`` and ``gtlsclient``.

A worked example of a plugin for a C implementation that the user installs
themselves (Debian: ``apt-get install ngtcp2-server ngtcp2-client``).
"""

from panther_iut_ngtcp2.__about__ import __version__
from panther_iut_ngtcp2.config_schema import Ngtcp2Config
from panther_iut_ngtcp2.manager import Ngtcp2ServiceManager

__all__ = ["Ngtcp2Config", "Ngtcp2ServiceManager", "__version__"]
