"""panther-tester-quic-interop: the QUIC interop test cases as a PANTHER test-case suite.

The entry point ``quic_interop`` in the group ``panther.tester`` names
``QuicInteropSuite``: a ``matrix:`` test with ``tester: quic_interop`` runs every
(case, server, client) cell and judges it from the capture of the path.
"""

from panther_tester_quic_interop.__about__ import __version__
from panther_tester_quic_interop.suite import QuicInteropOptions, QuicInteropSuite

__all__ = ["QuicInteropOptions", "QuicInteropSuite", "__version__"]
