"""The version of panther-env-docker-compose (its only definition)."""

__version__ = "0.1.0"
