"""The version of panther-iut-ping-pong (its only definition)."""

__version__ = "0.1.0"
