"""The version of panther-tester-ivy (its only definition)."""

__version__ = "0.1.0"
