"""The one place the version of panther-iut-httpx is written."""

__version__ = "0.1.0"
