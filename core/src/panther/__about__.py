"""The one place the version of panther-harness is written."""

__version__ = "0.1.0"
