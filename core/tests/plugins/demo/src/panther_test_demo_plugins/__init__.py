"""Demo plugins for the tests of the PANTHER core: the ``demo_echo`` implementation and the ``demo`` protocol."""

from panther_test_demo_plugins.__about__ import __version__

__all__ = ["__version__"]
