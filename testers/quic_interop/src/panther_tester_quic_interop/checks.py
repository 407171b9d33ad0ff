"""The checks of the QUIC interop cases, each read from the wire.

A check is a function of the test's :class:`~panther_tester_quic_interop.evidence.Wire`
and its case that returns a verdict on one property, with the reason and the files
it read. Nothing here trusts what an endpoint says about itself: the capture of the
datagrams the endpoints exchanged, decrypted with their key logs, is the evidence.
A check whose evidence is missing (no capture, nothing decryptable) is
``unsupported`` with why, never ``passed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from panther.services.outcome import Check, CheckStatus
from panther_base_quic.capture import (
    CERTIFICATE,
    EARLY_DATA_EXTENSION,
    ENCRYPTED_EXTENSIONS,
    FINISHED,
    QUIC_V1,
    QUIC_V2,
    SERVER_HELLO,
    Datagram,
)
from panther_base_quic.cases import QuicTestCase

from panther_tester_quic_interop.evidence import MissingEvidence, Wire

TLS_CHACHA20_POLY1305_SHA256 = 0x1303
_SUITE_NAMES = {
    0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
}
# Handshake messages only readable once the Handshake packets are decrypted.
_ENCRYPTED_MESSAGES = {ENCRYPTED_EXTENSIONS, CERTIFICATE, 15, FINISHED}


@dataclass(frozen=True)
class Verdict:
    status: CheckStatus
    reason: str


CheckFunction = Callable[[Wire, QuicTestCase], Verdict]


@dataclass(frozen=True)
class WireCheck:
    """A named check and the function that judges it."""

    name: str
    judge: CheckFunction
    # What the check reads: the captures, or only the path's record (path.json).
    reads: Literal["capture", "record"] = "capture"

    def run(self, wire: Wire, case: QuicTestCase) -> Check:
        try:
            verdict = self.judge(wire, case)
        except MissingEvidence as missing:
            return Check(name=self.name, status="unsupported", reason=f"no evidence: {missing}", evidence=wire.files)
        source = wire.record_source() if self.reads == "record" else wire.source()
        return Check(name=self.name, status=verdict.status, reason=f"{verdict.reason} ({source})", evidence=wire.files)


def _passed(reason: str) -> Verdict:
    return Verdict("passed", reason)


def _failed(reason: str) -> Verdict:
    return Verdict("failed", reason)


def _version(wire: int) -> str:
    return {QUIC_V1: "v1 (0x00000001)", QUIC_V2: "v2 (0x6b3343cf)"}.get(wire, f"{wire:#010x}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------------- connections
def handshakes(wire: Wire, case: QuicTestCase) -> Verdict:
    """As many handshakes as the case makes connections (the server's Initial packets, per connection)."""
    count = len(wire.connections())
    wanted = case.connections
    if count == wanted:
        what = "all files over one connection" if wanted == 1 else f"{wanted} connections"
        return _passed(f"{_plural(count, 'handshake')}: {what}")
    if count == 0:
        return _failed("no handshake: the server sent no Initial packet")
    return _failed(f"expected {_plural(wanted, 'handshake')}, the server answered {count} connections")


def quic_version(wire: Wire, case: QuicTestCase) -> Verdict:
    """Every long-header packet of both endpoints is in the case's version."""
    wanted = QUIC_V2 if case.version in ("v2", "rfc9369") else QUIC_V1
    server = set().union(*(d.versions for d in wire.sent_by_server())) if wire.sent_by_server() else set()
    client_handshake = {
        packet.version for d in wire.sent_by_client() for packet in d.long_packets if packet.kind == "handshake"
    }
    if not server:
        return _failed("the server sent no long-header packet")
    if case.version in ("v2", "rfc9369"):
        # The client may start in v1 and be moved to v2 (compatible version
        # negotiation): its Handshake packets and the server's show the outcome.
        server_handshake = {
            packet.version for d in wire.sent_by_server() for packet in d.long_packets if packet.kind == "handshake"
        }
        seen = server_handshake | client_handshake
        if seen == {wanted}:
            return _passed(f"every Handshake packet of both endpoints is {_version(wanted)}")
        listed = ", ".join(_version(version) for version in sorted(seen)) or "no Handshake packet"
        return _failed(f"expected the handshake in {_version(wanted)}, the Handshake packets show {listed}")
    seen = server | client_handshake
    if seen == {wanted}:
        return _passed(f"every long-header packet of the server is {_version(wanted)}")
    listed = ", ".join(_version(version) for version in sorted(seen))
    return _failed(f"expected only {_version(wanted)}, the long headers show {listed}")


def no_retry(wire: Wire, case: QuicTestCase) -> Verdict:
    retries = [d for d in wire.sent_by_server() if d.has("retry")]
    if retries:
        return _failed(f"the server sent a Retry (datagram {retries[0].number}), which this case does not ask for")
    return _passed("the server sent no Retry")


# ---------------------------------------------------------------------- retry
def retry_sent(wire: Wire, case: QuicTestCase) -> Verdict:
    tokens = [p.retry_token for d in wire.sent_by_server() for p in d.long_packets if p.kind == "retry"]
    if not tokens:
        return _failed("the server sent no Retry packet")
    if not all(tokens):
        return _failed("the server sent a Retry packet without a token")
    return _passed(f"the server sent {_plural(len(tokens), 'Retry packet')} with a token")


def retry_token_used(wire: Wire, case: QuicTestCase) -> Verdict:
    """After the first Retry, the client's next Initial carries the Retry's token."""
    retry = next((d for d in wire.sent_by_server() if d.has("retry")), None)
    if retry is None:
        return _failed("no Retry packet, so no token to carry")
    token = next(p.retry_token for p in retry.long_packets if p.kind == "retry")
    following = [d for d in wire.sent_by_client() if d.number > retry.number and d.has("initial")]
    if not following:
        return _failed(f"the client sent no Initial after the Retry (datagram {retry.number})")
    sent = next(p.token for p in following[0].long_packets if p.kind == "initial")
    if sent == token:
        return _passed(f"the client's next Initial (datagram {following[0].number}) carried the Retry's token")
    what = "no token" if not sent else "another token"
    return _failed(f"the client's next Initial (datagram {following[0].number}) carried {what}, not the Retry's")


# ---------------------------------------------------------------------- TLS
def _decrypted_server_flight(wire: Wire, connection: int, what: str) -> list[int]:
    """The handshake messages the server sent in ``connection``; raises when none could be decrypted."""
    wire.require_keys(what)
    messages = [m for d in wire.sent_by_server() if d.connection == connection for m in d.handshake_messages]
    if not _ENCRYPTED_MESSAGES & set(messages):
        raise MissingEvidence(
            f"{what}: the server's Handshake packets of connection {connection} could not be decrypted "
            f"with {wire.keylog}"
        )
    return messages


def cipher_suite(wire: Wire, case: QuicTestCase) -> Verdict:
    """The server's ServerHello chose TLS_CHACHA20_POLY1305_SHA256 (readable without key log)."""
    chosen = {suite for d in wire.sent_by_server() if SERVER_HELLO in d.handshake_messages for suite in d.cipher_suites}
    if not chosen:
        raise MissingEvidence("no ServerHello could be read in the server's Initial packets")
    names = ", ".join(_SUITE_NAMES.get(suite, f"{suite:#06x}") for suite in sorted(chosen))
    if chosen == {TLS_CHACHA20_POLY1305_SHA256}:
        return _passed(f"the ServerHello chose {names}")
    return _failed(f"expected TLS_CHACHA20_POLY1305_SHA256, the ServerHello chose {names}")


def alpn_h3(wire: Wire, case: QuicTestCase) -> Verdict:
    connections = wire.connections()
    if not connections:
        return _failed("no connection")
    _decrypted_server_flight(wire, connections[0], "the server's ALPN (in EncryptedExtensions)")
    chosen = {
        alpn
        for d in wire.sent_by_server()
        if d.connection == connections[0] and ENCRYPTED_EXTENSIONS in d.handshake_messages
        for alpn in d.alpns
    }
    wanted = case.alpn or "h3"
    if chosen == {wanted}:
        return _passed(f"the server's EncryptedExtensions chose ALPN {wanted!r}")
    listed = ", ".join(repr(alpn) for alpn in sorted(chosen)) or "no ALPN"
    return _failed(f"expected ALPN {wanted!r}, the server's EncryptedExtensions chose {listed}")


def session_resumed(wire: Wire, case: QuicTestCase) -> Verdict:
    """The first connection's server sent a certificate, the last one's did not (it resumed)."""
    connections = wire.connections()
    if len(connections) < 2:
        return _failed(f"{_plural(len(connections), 'connection')}: nothing to resume")
    first = _decrypted_server_flight(wire, connections[0], "the first connection's certificate")
    last = _decrypted_server_flight(wire, connections[-1], "the second connection's certificate")
    if CERTIFICATE not in first:
        raise MissingEvidence(f"the server's Certificate of connection {connections[0]} could not be read")
    if CERTIFICATE in last:
        return _failed(
            f"the server sent its certificate again in connection {connections[-1]}: a full handshake, not a resumption"
        )
    return _passed(f"connection {connections[-1]} completed without a server certificate: the session was resumed")


# ---------------------------------------------------------------------- 0-RTT
def _zero_rtt(wire: Wire) -> list[Datagram]:
    return [d for d in wire.sent_by_client() if d.has("0rtt")]


def zero_rtt_requests(wire: Wire, case: QuicTestCase) -> Verdict:
    """The client sent 0-RTT packets, and they carried STREAM frames (the requests)."""
    early = _zero_rtt(wire)
    if not early:
        return _failed("the client sent no 0-RTT packet")
    wire.require_keys("the content of 0-RTT packets")
    # A client datagram may hold an Initial and 0-RTT packets, but never a 1-RTT one
    # with them: its STREAM frames are in the 0-RTT packets.
    carrying = [d for d in early if d.carries_stream_data and not d.short_packets]
    if carrying:
        return _passed(f"{_plural(len(early), 'datagram')} of 0-RTT packets, {len(carrying)} with STREAM frames")
    if not any(d.frame_types for d in early):
        raise MissingEvidence(f"the client's 0-RTT packets could not be decrypted with {wire.keylog}")
    return _failed(f"the client's {_plural(len(early), '0-RTT datagram')} carried no STREAM frame")


def zero_rtt_accepted(wire: Wire, case: QuicTestCase) -> Verdict:
    """The server's EncryptedExtensions of the 0-RTT connection carry early_data: it accepted them."""
    early = _zero_rtt(wire)
    if not early:
        return _failed("the client sent no 0-RTT packet, so the server accepted none")
    connection = early[0].connection
    if connection is None:
        raise MissingEvidence("the 0-RTT packets belong to no connection tshark could follow")
    _decrypted_server_flight(wire, connection, "the server's answer to 0-RTT (in EncryptedExtensions)")
    accepted = any(
        EARLY_DATA_EXTENSION in d.extensions
        for d in wire.sent_by_server()
        if d.connection == connection and ENCRYPTED_EXTENSIONS in d.handshake_messages
    )
    if accepted:
        return _passed(f"the server's EncryptedExtensions in connection {connection} accepted early data")
    return _failed(f"the server's EncryptedExtensions in connection {connection} did not accept early data")


# ---------------------------------------------------------------------- key update
def _key_phase_one(datagrams: list[Datagram], side: str, wire: Wire) -> Verdict:
    wire.require_keys("the key phase bit (under header protection)")
    short = [d for d in datagrams if d.short_packets]
    if not short:
        return _failed(f"the {side} sent no 1-RTT packet")
    phases = [phase for d in short for phase in d.key_phases]
    if not phases:
        raise MissingEvidence(f"the header protection of the {side}'s 1-RTT packets could not be removed")
    ones = phases.count(1)
    if ones:
        return _passed(f"the {side} sent {ones} of {len(phases)} 1-RTT packets in key phase 1")
    return _failed(f"the {side} sent {_plural(len(phases), '1-RTT packet')}, none in key phase 1")


def client_key_phase(wire: Wire, case: QuicTestCase) -> Verdict:
    return _key_phase_one(wire.sent_by_client(), "client", wire)


def server_key_phase(wire: Wire, case: QuicTestCase) -> Verdict:
    return _key_phase_one(wire.sent_by_server(), "server", wire)


# ---------------------------------------------------------------------- streams, addresses
def stream_limit(wire: Wire, case: QuicTestCase) -> Verdict:
    """The server allowed fewer bidirectional streams than the client needed, and raised the limit."""
    connections = wire.connections()
    if not connections:
        return _failed("no connection")
    _decrypted_server_flight(wire, connections[0], "the server's transport parameters")
    limits = [
        limit
        for d in wire.sent_by_server()
        if d.connection == connections[0] and ENCRYPTED_EXTENSIONS in d.handshake_messages
        for limit in d.max_streams_bidi
    ]
    requests = case.files.count or len(case.files.sizes)
    if not limits:
        return _failed("the server's transport parameters set no initial_max_streams_bidi")
    if limits[0] >= requests:
        return _failed(
            f"the server allowed {limits[0]} streams at once (initial_max_streams_bidi) for {requests} requests: "
            "it did not limit the client"
        )
    # Every file arrived over one connection (the other checks): the limit was raised.
    return _passed(f"the server allowed {limits[0]} streams at once (initial_max_streams_bidi) for {requests} requests")


def ipv6_only(wire: Wire, case: QuicTestCase) -> Verdict:
    versions = wire.server_leg.ip_versions
    total = sum(versions.values())
    if not total:
        return _failed("no UDP datagram on the wire")
    if versions[4]:
        return _failed(f"{_plural(versions[4], 'datagram')} of {total} went over IPv4")
    return _passed(f"all {total} UDP datagrams went over IPv6")
