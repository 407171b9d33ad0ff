"""The checks of the cases over an impaired path, each read from the wire and the path's record.

What the path did is in its record (``path.json``: the datagrams it lost, corrupted,
held in a blackhole, and the client addresses it rebound); what the endpoints did
about it is in the captures: the client sending its ClientHello again, the server
keeping within three times what it received before the client's address is
validated, the server answering a client at its new address and validating it with
PATH_CHALLENGE. A case whose impairment never met the traffic (a transfer that ended
before the blackhole) tested nothing: its check is ``unsupported``, never ``passed``.
"""

from __future__ import annotations

from panther_base_quic.capture import CLIENT_HELLO, Datagram
from panther_base_quic.cases import QuicTestCase

from panther_tester_quic_interop.checks import Verdict, _failed, _passed, _plural
from panther_tester_quic_interop.evidence import MissingEvidence, Wire

#: RFC 9000 section 8.1: before validating the client's address, a server sends at
#: most three times the bytes it received.
AMPLIFICATION_FACTOR = 3


# ---------------------------------------------------------------------- the path itself
#: Path key -> (the counter of path.json that shows it happened, the noun it counts, what happened).
_IMPAIRMENTS = {
    "loss": ("loss", "datagram", "lost"),
    "corrupt": ("corrupted", "datagram", "corrupted"),
    "blackholes": ("blackhole", "datagram", "dropped in the blackhole"),
    "rebind": ("rebind", "rebinding", "of the client's address"),
    "delay_ms": ("delayed", "datagram", "delayed"),
}


def impairments_applied(wire: Wire, case: QuicTestCase) -> Verdict:
    """The path did to the traffic what the case asks (``path.json``): else nothing was tested."""
    record = wire.path_record()
    counters = record.counters.values()
    seen = {
        "loss": sum(c.dropped.get("loss", 0) for c in counters),
        "corrupted": sum(c.corrupted for c in counters),
        "blackhole": sum(c.dropped.get("blackhole", 0) for c in counters),
        "rebind": len(record.rebinds),
        "delayed": sum(c.delayed for c in counters),
    }
    done, missing = [], []
    for key, (counter, noun, what) in _IMPAIRMENTS.items():
        if not case.path.get(key):
            continue
        if seen[counter]:
            done.append(f"{_plural(seen[counter], noun)} {what}")
        else:
            missing.append(f"no {noun} {what}")
    if missing:
        raise MissingEvidence(
            f"the path's record shows {' and '.join(missing)}: the traffic ended before the "
            f"impairment met it, so the case tested nothing ({wire.folder / 'path.json'})"
        )
    return _passed(f"the path did what the case asks: {', '.join(done)}")


# ---------------------------------------------------------------------- longrtt
def client_hello_repeated(wire: Wire, case: QuicTestCase) -> Verdict:
    """The client sent its ClientHello more than once: its first Initial timed out (the runner's longrtt check).

    tshark names the TLS message once, where it first reads it; a ClientHello sent
    again is a CRYPTO frame at offset 0 in a datagram of the client's Initial packets only.
    """
    sent = wire.sent_by_client()
    if not any(CLIENT_HELLO in d.handshake_messages for d in sent):
        raise MissingEvidence("no ClientHello could be read in the client's Initial packets")
    hellos = [
        d for d in sent if d.long_packets and all(p.kind == "initial" for p in d.long_packets) and 0 in d.crypto_offsets
    ]
    if len(hellos) >= 2:
        numbers = ", ".join(str(d.number) for d in hellos[:5])
        return _passed(f"the client sent its ClientHello {len(hellos)} times (datagrams {numbers})")
    first_answer = next((d.time for d in wire.client_leg.sent_by_server() if d.has("initial")), None)
    waited = (
        ""
        if first_answer is None
        else f", and the server's first Initial reached it {first_answer - sent[0].time:.2f} s later"
    )
    return _failed(f"the client sent its ClientHello once{waited}: its first Initial never timed out")


# ---------------------------------------------------------------------- amplification
def amplification_limit(wire: Wire, case: QuicTestCase) -> Verdict:
    """Until a client Handshake packet arrives, the server sends at most 3x the bytes it received.

    Read on the server's leg: what the server received and sent, in its order. The
    server's first flight must be more than three times the client's first Initial,
    or the limit was never reached and the case tested nothing.
    """
    connections = wire.connections()
    if not connections:
        return _failed("no connection: the server sent no Initial packet")
    connection = connections[0]
    datagrams = [d for d in wire.server_leg.datagrams if d.connection == connection]
    server = wire.server_leg.server
    received = sent = 0
    worst: tuple[float, Datagram] | None = None
    for datagram in datagrams:
        if datagram.source != server:
            if datagram.has("handshake"):
                break  # the client's address is validated from here on
            received += datagram.payload
            continue
        sent += datagram.payload
        ratio = sent / received if received else float("inf")
        if worst is None or ratio > worst[0]:
            worst = (ratio, datagram)
        if sent > AMPLIFICATION_FACTOR * received:
            return _failed(
                f"the server had sent {sent} bytes for {received} received (x{ratio:.1f}) at datagram "
                f"{datagram.number}, before the client's address was validated"
            )
    first = next((d for d in datagrams if d.source != server), None)
    flight = sum(d.payload for d in datagrams if d.source == server and (d.has("initial") or d.has("handshake")))
    if first is None:
        return _failed("the server's leg holds no datagram from the client")
    if flight <= AMPLIFICATION_FACTOR * first.payload:
        return _failed(
            f"the server's handshake flight ({flight} bytes) fits within three times the client's first "
            f"Initial ({first.payload} bytes): the limit was never reached (is the large certificate used?)"
        )
    most = f", at most x{worst[0]:.2f}" if worst is not None else ""
    return _passed(
        f"before the client's address was validated the server sent {sent} bytes for {received} received"
        f"{most}; its handshake flight is {flight} bytes"
    )


# ---------------------------------------------------------------------- new client addresses
def _addresses(count: int) -> str:
    return f"{count} new address{'' if count == 1 else 'es'}"


def _endpoint(host: str, port: int) -> str:
    """An address as the capture's datagrams write it."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _new_addresses(datagrams: list[Datagram], address_of: str) -> list[tuple[str, Datagram]]:
    """Each address after the first that ``address_of`` ("source" or "destination") takes, with
    the first datagram that has it."""
    seen: set[str] = set()
    found = []
    for datagram in datagrams:
        address = getattr(datagram, address_of)
        if address not in seen:
            if seen:
                found.append((address, datagram))
            seen.add(address)
    return found


def server_follows(wire: Wire, case: QuicTestCase) -> Verdict:
    """After each rebinding (``path.json``), the server sent to the client's new address."""
    rebinds = wire.path_record().rebinds
    if not rebinds:
        raise MissingEvidence(f"the path's record shows no rebinding ({wire.folder / 'path.json'})")
    destinations = {d.destination for d in wire.sent_by_server()}
    new = [_endpoint(*event.new) for event in rebinds]
    missing = [address for address in new if address not in destinations]
    if missing:
        return _failed(
            f"the client's address changed {_plural(len(new), 'time')}; the server never sent to {', '.join(missing)}"
        )
    return _passed(f"the server sent to each of the client's {_addresses(len(new))}: {', '.join(new)}")


def path_validated(wire: Wire, case: QuicTestCase) -> Verdict:
    """The server sent a PATH_CHALLENGE to each new client address, and the client answered one
    of them with a PATH_RESPONSE of the same data (RFC 9000 sections 8.2 and 9.3).

    The runner asks for the challenge in the server's very first datagram there; a
    server may first acknowledge the client's probe (ngtcp2 does), so this check
    asks for a challenge to the new address, answered.
    """
    sent = wire.sent_by_server()
    wire.require_keys("PATH_CHALLENGE and PATH_RESPONSE frames")
    moves = _new_addresses(sent, "destination")
    if not moves:
        destination = next((d.destination for d in sent), "nowhere")
        return _failed(f"the server sent only to {destination}: it never took a new path to the client")
    responses = {data for d in wire.sent_by_client() for data in d.path_responses}
    validated = []
    for address, first in moves:
        there = [d for d in sent if d.destination == address]
        if not any(d.frame_types for d in there):
            raise MissingEvidence(
                f"the server's datagrams to {address} (from datagram {first.number}) could not be decrypted "
                f"with {wire.keylog}"
            )
        challenges = [d for d in there if d.path_challenges]
        if not challenges:
            return _failed(
                f"the server sent {_plural(len(there), 'datagram')} to the new address {address} "
                f"(from datagram {first.number}), none with a PATH_CHALLENGE"
            )
        if not {data for d in challenges for data in d.path_challenges} & responses:
            return _failed(f"no PATH_RESPONSE from the client answered the server's PATH_CHALLENGE to {address}")
        validated.append(f"{address} (datagram {challenges[0].number})")
    return _passed(
        f"the server challenged the client's {_addresses(len(moves))} and the client answered: {', '.join(validated)}"
    )


def active_migration(wire: Wire, case: QuicTestCase) -> Verdict:
    """The client moved to a new address, and its first packet there used a new connection ID."""
    sent = wire.sent_by_client()
    moves = _new_addresses(sent, "source")
    if not moves:
        source = next((d.source for d in sent), "nowhere")
        return _failed(f"the client sent every datagram from {source}: it never migrated")
    for address, first in moves:
        before = [d for d in sent if d.number < first.number and d.short_dcids]
        if not first.short_dcids or not before:
            raise MissingEvidence(
                f"the connection IDs of the client's 1-RTT packets around datagram {first.number} could not be read"
            )
        old, new = before[-1].short_dcids[-1], first.short_dcids[0]
        if old == new:
            return _failed(
                f"the client's first packet from {address} (datagram {first.number}) used the connection ID "
                f"{new} of its old address"
            )
    return _passed(f"the client moved to {_addresses(len(moves))}, with a new connection ID on each")
