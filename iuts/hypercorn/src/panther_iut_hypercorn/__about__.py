"""The one place the version of panther-iut-hypercorn is written."""

__version__ = "0.1.0"
