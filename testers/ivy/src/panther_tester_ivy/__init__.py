"""panther-tester-ivy: formal, specification-based testing with Ivy.

``IvyTesterServiceManager`` (entry point ``panther_ivy`` in ``panther.tester``)
compiles an Ivy test into a tester program, runs it opposite the implementation under
test and judges its trace; ``IvyTesterConfig`` holds its ``implementation:`` keys.
The MINIP models ship in ``panther_tester_ivy/models/minip``.
"""

from panther_tester_ivy.__about__ import __version__
from panther_tester_ivy.config_schema import IvyTesterConfig
from panther_tester_ivy.manager import IvyTesterServiceManager

__all__ = ["__version__", "IvyTesterConfig", "IvyTesterServiceManager"]
