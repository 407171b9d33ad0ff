"""The server's socket, open before aioquic is imported.

Importing aioquic (and with it cryptography, pyOpenSSL and service_identity) takes a
Python process a third of a second of CPU, more on a loaded machine; a server that
binds only afterwards keeps whoever waits for it (a test harness probing with a
reserved QUIC version) waiting that long. So the server binds its socket first and a
:class:`Doorman` thread watches it while the main thread imports aioquic:

- a long-header packet of a reserved version (``0x?a?a?a?a``, RFC 9000 section 15:
  never supported) that aioquic would parse is answered with the Version Negotiation
  packet aioquic would send (aioquic answers every version it does not support, so
  these are answered the same way now or later);
- every other datagram is kept, in order, and handed to aioquic with the socket
  (:meth:`Doorman.hand_over`), which reads it as if it had just arrived.

The doorman is opened only when the server's options pass the checks the server
makes before it listens (folder, certificate and key, ALPN, cipher suites, version):
a server that will refuse to start keeps refusing before anyone sees it listening.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import socket
import ssl
import struct
import threading
from pathlib import Path

#: aioquic's ``QuicConfiguration.supported_versions`` when no version is asked for
#: (QUIC v1, then v2), and every version it can speak.
DEFAULT_VERSIONS = (0x00000001, 0x6B3343CF)
SPOKEN_VERSIONS = frozenset(DEFAULT_VERSIONS)
SPOKEN_ALPNS = frozenset({"hq-interop", "h3"})
SPOKEN_CIPHER_SUITES = frozenset({"AES_128_GCM_SHA256", "AES_256_GCM_SHA384", "CHACHA20_POLY1305_SHA256"})

_LONG_HEADER, _FIXED_BIT = 0x80, 0x40
_MAX_CID = 20  # aioquic's CONNECTION_ID_MAX_SIZE
_RETRY_INTEGRITY_TAG = 16
_RECEIVE_SIZE = 65536


def is_reserved_version(version: int) -> bool:
    """Versions of the form 0x?a?a?a?a, reserved to exercise version negotiation."""
    return version & 0x0F0F0F0F == 0x0A0A0A0A


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise ValueError("truncated")
    length = 1 << (data[offset] >> 6)
    if offset + length > len(data):
        raise ValueError("truncated")
    value = data[offset] & 0x3F
    for byte in data[offset + 1 : offset + length]:
        value = (value << 8) | byte
    return value, offset + length


def negotiation_request(data: bytes) -> tuple[bytes, bytes] | None:
    """The (destination, source) connection IDs of a reserved-version packet aioquic would answer.

    None for anything else. The parse is aioquic's (``pull_quic_header``): a long
    header with the fixed bit, connection IDs of at most 20 bytes, and a packet laid
    out as a v1 packet of its type whose length fits in the datagram.
    """
    if len(data) < 7 or not data[0] & _LONG_HEADER:
        return None
    version = struct.unpack_from("!I", data, 1)[0]
    if not is_reserved_version(version) or not data[0] & _FIXED_BIT:
        return None
    try:
        offset = 5
        destination_length = data[offset]
        destination = data[offset + 1 : offset + 1 + destination_length]
        offset += 1 + destination_length
        source_length = data[offset]
        source = data[offset + 1 : offset + 1 + source_length]
        offset += 1 + source_length
        if destination_length > _MAX_CID or source_length > _MAX_CID or offset > len(data):
            return None
        kind = (data[0] & 0x30) >> 4
        if kind == 0:  # Initial: token, then the length of the rest
            token_length, offset = _varint(data, offset)
            offset += token_length
            if offset > len(data):
                return None
        if kind in (0, 1, 2):
            rest, offset = _varint(data, offset)
            if offset + rest > len(data):
                return None
        elif len(data) - offset < _RETRY_INTEGRITY_TAG:
            return None
    except (IndexError, ValueError):
        return None
    return destination, source


def version_negotiation(destination: bytes, source: bytes, versions: tuple[int, ...]) -> bytes:
    """aioquic's answer (``encode_quic_version_negotiation``) to a packet sent with these IDs."""
    return (
        bytes([os.urandom(1)[0] | _LONG_HEADER])
        + struct.pack("!I", 0)
        + bytes([len(source)])
        + source
        + bytes([len(destination)])
        + destination
        + b"".join(struct.pack("!I", version) for version in versions)
    )


def may_open(args: argparse.Namespace) -> bool:
    """True when the server's own checks will pass, so that it will listen for real."""
    if not Path(args.www).is_dir():
        return False
    if args.qlog_dir is not None and not os.path.isdir(args.qlog_dir):
        return False
    if args.alpn and not set(args.alpn) <= SPOKEN_ALPNS:
        return False
    if args.cipher_suites and not {name.upper().removeprefix("TLS_") for name in args.cipher_suites} <= (
        SPOKEN_CIPHER_SUITES
    ):
        return False
    if args.quic_version is not None and args.quic_version not in SPOKEN_VERSIONS:
        return False
    try:
        # Loads both files and checks that the key belongs to the certificate.
        ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(args.certificate, args.private_key)
    except (OSError, ssl.SSLError):
        return False
    return True


def bind(host: str, port: int) -> socket.socket:
    """A UDP socket bound as asyncio's ``create_datagram_endpoint(local_addr=...)`` binds one."""
    problem: OSError | None = None
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM):
        sock = socket.socket(family, kind, proto)
        try:
            sock.bind(address)
        except OSError as exc:
            sock.close()
            problem = exc
            continue
        return sock
    raise problem or OSError(f"getaddrinfo({host!r}) returned nothing")


class Doorman:
    """Answers version negotiation on the server's socket until aioquic takes it over."""

    def __init__(self, sock: socket.socket, versions: tuple[int, ...]) -> None:
        self.socket = sock
        self.versions = versions
        self.kept: list[tuple[bytes, tuple[str, int]]] = []
        self._wake_read, self._wake_write = socket.socketpair()
        self._thread = threading.Thread(target=self._watch, name="doorman", daemon=True)
        self._thread.start()

    @classmethod
    def open_for(cls, args: argparse.Namespace) -> Doorman | None:
        """The doorman of a server started with ``args``; None when the server is to fail on its own."""
        if not may_open(args):
            return None
        try:
            sock = bind(args.host, args.port)
        except OSError:
            return None  # the server says why when it tries to listen itself
        return cls(sock, (args.quic_version,) if args.quic_version is not None else DEFAULT_VERSIONS)

    def _watch(self) -> None:
        while True:
            ready, _, _ = select.select([self.socket, self._wake_read], [], [])
            if self._wake_read in ready:
                return
            try:
                data, address = self.socket.recvfrom(_RECEIVE_SIZE)
            except OSError:
                continue  # an ICMP error reported on the socket: aioquic ignores those too
            request = negotiation_request(data)
            if request is None:
                self.kept.append((data, address))
                continue
            # As aioquic does, without waiting to learn whether it arrived.
            with contextlib.suppress(OSError):
                self.socket.sendto(version_negotiation(*request, self.versions), address)

    def hand_over(self) -> tuple[socket.socket, list[tuple[bytes, tuple[str, int]]]]:
        """Stop watching: the socket, and the datagrams kept for aioquic in the order they came."""
        self._wake_write.send(b"\0")
        self._thread.join()
        self._wake_read.close()
        self._wake_write.close()
        return self.socket, self.kept
