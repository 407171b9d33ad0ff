"""The one place the version of panther-base-python is written."""

__version__ = "0.1.0"
