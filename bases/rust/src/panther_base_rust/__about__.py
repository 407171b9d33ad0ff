"""The one place the version of panther-base-rust is written."""

__version__ = "0.1.0"
