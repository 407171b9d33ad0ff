"""The one place the version of panther-base-http is written."""

__version__ = "0.1.0"
