"""Plugins named by the IUT development guide's YAML examples (test use only)."""

from panther_test_guide_plugins.__about__ import __version__

__all__ = ["__version__"]
