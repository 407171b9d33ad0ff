"""The ``goodput`` measurement, read from the wire.

Goodput is the files' bytes over the time the connection took to deliver them:
from the client's first Initial packet to the last server datagram that carried
stream data, both as the capture timed them. Reading it from the capture leaves
out what a client's own clock would add (its start-up, its closing), and needs no
trust in the client. One figure per iteration; the reports show the mean and the
standard deviation over the cell's iterations.
"""

from __future__ import annotations

from panther_base_quic.cases import QuicTestCase

from panther_tester_quic_interop.checks import Verdict
from panther_tester_quic_interop.evidence import MissingEvidence, Wire

MEASUREMENT = "goodput_mbps"


def goodput_mbps(wire: Wire, case: QuicTestCase) -> float:
    connections = wire.connections()
    if not connections:
        raise MissingEvidence("no connection on the wire to time")
    connection = connections[-1]
    start = next(
        (d.time for d in wire.sent_by_client() if d.connection == connection and d.has("initial")),
        None,
    )
    wire.require_keys("the stream data the server sent")
    ends = [d.time for d in wire.sent_by_server() if d.connection == connection and d.carries_stream_data]
    if start is None or not ends:
        raise MissingEvidence("the capture shows no stream data sent by the server (could it be decrypted?)")
    seconds = max(ends) - start
    if seconds <= 0:
        raise MissingEvidence("the transfer took no measurable time on the capture's clock")
    return case.files.total * 8 / seconds / 1e6


def measured(wire: Wire, case: QuicTestCase) -> tuple[Verdict, float]:
    """The goodput and a verdict saying what it was measured from."""
    value = goodput_mbps(wire, case)
    return Verdict("passed", f"{case.files.describe()} at {value:.1f} Mbit/s, timed on the capture"), value
