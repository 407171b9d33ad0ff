"""PANTHER IUT plugin for curl (Debian's ``curl`` package), as a download client."""

from panther_iut_curl.__about__ import __version__
from panther_iut_curl.manager import CurlServiceManager

__all__ = ["CurlServiceManager", "__version__"]
