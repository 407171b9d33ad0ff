"""qlog for the aioquic endpoints: one JSON-SEQ file per connection, plus what aioquic leaves out.

aioquic's own traces record the versions a client offers and the ALPNs it asks for,
but not what the handshake settled on. The endpoints add both to each trace
(``transport:version_information`` with ``chosen_version``,
``transport:alpn_information`` with ``chosen_alpn``), so that whoever judges a test
reads the outcome of the handshake from the trace instead of guessing it. Traces
also count key updates, which the client checks when one was requested.
"""

from __future__ import annotations

import os
from typing import Any

import msgspec
from aioquic.quic.connection import QuicConnection, QuicConnectionState
from aioquic.quic.logger import QLOG_VERSION, QuicLogger, QuicLoggerTrace

# JSON-SEQ (RFC 7464): each record starts with this character.
RECORD_SEPARATOR = b"\x1e"
# Triggers of a 1-RTT key update, as opposed to keys installed by the handshake.
KEY_UPDATE_TRIGGERS = ("local_update", "remote_update")


class EndpointTrace(QuicLoggerTrace):
    """A trace that keeps its events only when they will be written somewhere."""

    def __init__(self, *, is_client: bool, odcid: bytes, keep_events: bool) -> None:
        super().__init__(is_client=is_client, odcid=odcid)
        self.keep_events = keep_events
        self.key_updates: list[str] = []

    def log_event(self, *, category: str, event: str, data: dict[str, Any]) -> None:
        if category == "security" and event == "key_updated" and data.get("trigger") in KEY_UPDATE_TRIGGERS:
            self.key_updates.append(f"{data.get('key_type')}:{data['trigger']}")
        if self.keep_events:
            super().log_event(category=category, event=event, data=data)

    def write(self, folder: str) -> None:
        """Write the trace as JSON-SEQ (``<ODCID>.sqlog``): a header record, then one
        record per event. Encoded with msgspec, megabytes of events take milliseconds,
        which a server that was asked to stop would otherwise spend before exiting."""
        trace = self.to_dict()
        events = trace.pop("events")
        encode = msgspec.json.encode
        with open(os.path.join(folder, trace["common_fields"]["ODCID"] + ".sqlog"), "wb") as file:
            file.write(
                RECORD_SEPARATOR
                + encode({"qlog_format": "JSON-SEQ", "qlog_version": QLOG_VERSION, "trace": trace})
                + b"\n"
            )
            for event in events:
                file.write(RECORD_SEPARATOR + encode(event) + b"\n")


class EndpointQlog(QuicLogger):
    """Starts an :class:`EndpointTrace` per connection; writes it when the connection ends."""

    def __init__(self, folder: str | None) -> None:
        if folder is not None and not os.path.isdir(folder):
            raise ValueError(f"qlog folder {folder!r} does not exist")
        super().__init__()
        self.folder = folder

    def start_trace(self, is_client: bool, odcid: bytes) -> QuicLoggerTrace:
        trace = EndpointTrace(is_client=is_client, odcid=odcid, keep_events=self.folder is not None)
        self._traces.append(trace)
        return trace

    def end_trace(self, trace: QuicLoggerTrace) -> None:
        if trace not in self._traces:
            return
        self._traces.remove(trace)
        if self.folder is not None and isinstance(trace, EndpointTrace):
            trace.write(self.folder)


# aioquic keeps a connection's trace and its negotiated version on private
# attributes and offers no accessor; without them the handshake's outcome could
# not be written down. Both exist in every aioquic release this package allows.
def trace_of(connection: QuicConnection) -> EndpointTrace | None:
    trace = getattr(connection, "_quic_logger", None)
    return trace if isinstance(trace, EndpointTrace) else None


def closed_by_peer(connection: QuicConnection) -> bool:
    """The peer closed the connection: it drains, and will send nothing more.

    aioquic reports that (ConnectionTerminated) only when the draining period
    ends, three probe timeouts later.
    """
    return getattr(connection, "_state", None) == QuicConnectionState.DRAINING


def negotiated_version(connection: QuicConnection) -> int:
    return int(getattr(connection, "_version", 0) or 0)


def record_handshake(connection: QuicConnection, alpn: str | None) -> None:
    """Write what the handshake chose into the connection's trace."""
    trace = trace_of(connection)
    if trace is None:
        return
    version = negotiated_version(connection)
    trace.log_event(category="transport", event="version_information", data={"chosen_version": f"{version:08x}"})
    trace.log_event(category="transport", event="alpn_information", data={"chosen_alpn": alpn})
