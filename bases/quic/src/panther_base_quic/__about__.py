"""The one place the version of panther-base-quic is written."""

__version__ = "0.1.0"
