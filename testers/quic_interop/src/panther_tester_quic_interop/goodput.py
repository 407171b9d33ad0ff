"""The ``goodput`` measurement, read from the wire.

Goodput is the file's bytes over the time the connection took to deliver them: from
the client's first Initial packet to the last full-size datagram the server sent
(the last ones carrying the file; what follows is acknowledgements and the close),
both as the capture timed them. Reading it from the capture leaves out what a
client's own clock would add (its start-up, its closing) and needs no trust in the
client; it needs no decryption either, so tshark dissects only the handshake. One
figure per iteration; the reports show the mean and the standard deviation over the
cell's iterations.
"""

from __future__ import annotations

from panther_base_quic.cases import QuicTestCase

from panther_tester_quic_interop.checks import Verdict
from panther_tester_quic_interop.evidence import MissingEvidence, Wire

MEASUREMENT = "goodput_mbps"
#: UDP payload bytes from which a server datagram counts as carrying the file.
FULL_SIZE = 1000


def goodput_mbps(wire: Wire, case: QuicTestCase) -> float:
    capture = wire.server_leg
    if not capture.timeline or capture.server is None:
        raise MissingEvidence(f"the capture {capture.path} holds no timed QUIC exchange")
    start = next((s.time for s in capture.timeline if s.long_header and s.source != capture.server), None)
    ends = [s.time for s in capture.timeline if s.source == capture.server and s.size >= FULL_SIZE]
    if start is None or not ends:
        raise MissingEvidence("the capture shows no full-size datagram sent by the server")
    seconds = max(ends) - start
    if seconds <= 0:
        raise MissingEvidence("the transfer took no measurable time on the capture's clock")
    return case.files.total * 8 / seconds / 1e6


def measured(wire: Wire, case: QuicTestCase) -> tuple[Verdict, float]:
    """The goodput and a verdict saying what it was measured from."""
    value = goodput_mbps(wire, case)
    return Verdict("passed", f"{case.files.describe()} at {value:.1f} Mbit/s, timed on the capture"), value
