"""PANTHER IUT plugin for nginx (Debian's ``nginx`` package), as a static file server."""

from panther_iut_nginx.__about__ import __version__
from panther_iut_nginx.manager import NginxServiceManager

__all__ = ["NginxServiceManager", "__version__"]
