"""The one place the version of panther-tester-quic-interop is written."""

__version__ = "0.1.0"
