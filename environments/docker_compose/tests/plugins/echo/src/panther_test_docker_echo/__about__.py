"""The version of panther-test-docker-echo (its only definition)."""

__version__ = "0.1.0"
