"""The version of panther-exec-profilers (its only definition)."""

__version__ = "0.1.0"
