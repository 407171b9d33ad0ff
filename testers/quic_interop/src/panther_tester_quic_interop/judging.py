"""Which checks judge which case.

Every case checks its handshakes (one connection for all files, two for the
resumption cases) and the QUIC version on the wire; the others add what the case
is about. The files themselves are checked byte for byte by the ``quic`` protocol
plugin in every test, so they are not checked twice here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from panther_base_quic.capture_slice import ShortHeaders

from panther_tester_quic_interop import checks, path_checks
from panther_tester_quic_interop.checks import WireCheck

HANDSHAKES = WireCheck("wire: handshakes", checks.handshakes)
VERSION = WireCheck("wire: QUIC version", checks.quic_version)
NO_RETRY = WireCheck("wire: no Retry", checks.no_retry)
RETRY_SENT = WireCheck("wire: Retry sent", checks.retry_sent)
RETRY_TOKEN = WireCheck("wire: Retry token carried", checks.retry_token_used)
CIPHER_SUITE = WireCheck("wire: cipher suite", checks.cipher_suite)
ALPN = WireCheck("wire: ALPN", checks.alpn_h3)
RESUMED = WireCheck("wire: session resumed", checks.session_resumed)
ZERO_RTT_REQUESTS = WireCheck("wire: 0-RTT requests", checks.zero_rtt_requests)
ZERO_RTT_ACCEPTED = WireCheck("wire: 0-RTT accepted", checks.zero_rtt_accepted)
CLIENT_KEY_PHASE = WireCheck("wire: client key phase 1", checks.client_key_phase)
SERVER_KEY_PHASE = WireCheck("wire: server key phase 1", checks.server_key_phase)
STREAM_LIMIT = WireCheck("wire: stream limit", checks.stream_limit)
IPV6 = WireCheck("wire: IPv6 only", checks.ipv6_only)
IMPAIRED = WireCheck("path: impairments applied", path_checks.impairments_applied, reads="record")
CLIENT_HELLO_AGAIN = WireCheck("wire: ClientHello sent again", path_checks.client_hello_repeated)
AMPLIFICATION = WireCheck("wire: amplification limit", path_checks.amplification_limit)
SERVER_FOLLOWS = WireCheck("wire: server follows the client", path_checks.server_follows)
PATH_VALIDATION = WireCheck("wire: path validation", path_checks.path_validated)
MIGRATION = WireCheck("wire: active migration", path_checks.active_migration)

CASE_CHECKS: Mapping[str, tuple[WireCheck, ...]] = MappingProxyType(
    {
        "handshake": (HANDSHAKES, VERSION, NO_RETRY),
        "transfer": (HANDSHAKES, VERSION),
        "multiplexing": (HANDSHAKES, VERSION, STREAM_LIMIT),
        "http3": (HANDSHAKES, VERSION, ALPN),
        "chacha20": (HANDSHAKES, VERSION, CIPHER_SUITE),
        "retry": (HANDSHAKES, VERSION, RETRY_SENT, RETRY_TOKEN),
        "resumption": (HANDSHAKES, VERSION, RESUMED),
        "zerortt": (HANDSHAKES, VERSION, ZERO_RTT_REQUESTS, ZERO_RTT_ACCEPTED),
        "keyupdate": (HANDSHAKES, VERSION, CLIENT_KEY_PHASE, SERVER_KEY_PHASE),
        "v2": (HANDSHAKES, VERSION),
        "ipv6": (HANDSHAKES, VERSION, IPV6),
        "goodput": (HANDSHAKES, VERSION),
        "goodput-10mbit": (HANDSHAKES, VERSION),
        "longrtt": (HANDSHAKES, VERSION, IMPAIRED, CLIENT_HELLO_AGAIN),
        "handshakeloss": (HANDSHAKES, VERSION, IMPAIRED),
        "transferloss": (HANDSHAKES, VERSION, IMPAIRED),
        "handshakecorruption": (HANDSHAKES, VERSION, IMPAIRED),
        "transfercorruption": (HANDSHAKES, VERSION, IMPAIRED),
        "blackhole": (HANDSHAKES, VERSION, IMPAIRED),
        "amplificationlimit": (HANDSHAKES, VERSION, AMPLIFICATION),
        "rebind-port": (HANDSHAKES, VERSION, IMPAIRED, SERVER_FOLLOWS, PATH_VALIDATION),
        "rebind-addr": (HANDSHAKES, VERSION, IMPAIRED, SERVER_FOLLOWS, PATH_VALIDATION),
        "connectionmigration": (HANDSHAKES, VERSION, MIGRATION, PATH_VALIDATION),
    }
)
"""Case name -> the checks that judge it, in the order reports list them."""

#: The check a measurement case adds: its figure, or why it could not be measured.
MEASUREMENT_CHECK = "wire: goodput"

#: Which datagrams holding only 1-RTT packets a case's checks read (tshark's cost grows
#: with each datagram it dissects): the key phases need all of them; every other check
#: reads long-header packets only (goodput times the rest without dissecting them),
#: except the new paths' PATH_CHALLENGE, PATH_RESPONSE and connection IDs.
SHORT_HEADERS: Mapping[str, ShortHeaders] = MappingProxyType(
    {"keyupdate": "all", "rebind-port": "all", "rebind-addr": "all", "connectionmigration": "all"}
)
