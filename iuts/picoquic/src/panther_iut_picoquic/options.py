"""The option table: every key picoquic's plugin accepts and the picoquicdemo option it becomes.

Two tables, one truth. ``OPTIONS`` lists each configuration key and protocol
argument with the picoquicdemo flag it turns into for a server and for a client
(``None``: the key has no meaning in that role). ``FEATURES`` lists the QUIC
features of the IUT development guide with whether this plugin can drive them and
how; ``get_supported_features()`` is derived from it, and the README shows both.
``TEST_CASES`` says how picoquicdemo does each QUIC test case (panther_base_quic.cases).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any

from panther_base_quic.case_support import CaseSupport, case_table
from panther_base_quic.cases import CHACHA20_SUITE, QuicTestCase
from panther_base_quic.option_table import Feature, Option

OPTIONS: tuple[Option, ...] = (
    Option("port", "implementation", "-p PORT", "positional PORT", "the test's port wins when it decides one"),
    Option("host", "implementation", None, "positional SERVER", "a server listens on every address"),
    Option("cert_file", "implementation", "-c FILE", None),
    Option("key_file", "implementation", "-k FILE", None),
    Option("ca_file", "implementation", None, "-t FILE", "the client verifies the server against it"),
    Option("idle_timeout", "implementation", "-d MS", "-d MS", "seconds in the config, milliseconds on the line"),
    Option("handshake_timeout", "implementation", None, None, "picoquicdemo has no such option: only 10.0 is accepted"),
    Option("sni", "implementation", None, "-n SNI"),
    Option("congestion_control", "implementation", "-G NAME", "-G NAME"),
    Option("log_level", "implementation", "[-L]", "[-L]", "debug: -L (log every packet, not the first 100)"),
    Option("session_ticket_file", "implementation", None, "-T FILE", "default: a file in the service's folder"),
    Option("early_data", "implementation", None, "-T FILE", "true needs a ticket file; see the feature table"),
    Option("retry", "implementation", "-r", None),
    Option("cipher_suites", "implementation", "-C ID", "-C ID", "one suite; only CHACHA20_POLY1305_SHA256 (-C 20)"),
    Option("key_update", "implementation", None, "-u 16", "a key update after 16 packets received"),
    Option("picoquic_ref", "implementation", None, None, "Docker image: the picoquic commit to build"),
    Option("picotls_ref", "implementation", None, None, "Docker image: the picotls commit to build"),
    Option("binary_path", "implementation", None, None, "the picoquicdemo to run"),
    Option("extra_args", "implementation", "appended", "appended"),
    Option("www_dir", "protocol", "-w DIR", None),
    Option("urls", "protocol", None, "positional SCENARIO", "paths joined with ';' (picoquicdemo's scenario)"),
    Option("download_dir", "protocol", None, "-o DIR"),
    Option("alpn", "protocol", None, "-a ALPN", "a server picks h3 or hq-interop from the client's offer"),
    Option("quic_version", "protocol", None, "-v HEX", "a server answers every version it knows"),
    Option("verify_peer", "protocol", None, "-t FILE", "false: no -t, picoquic then verifies nothing"),
    Option("qlog_dir", "protocol", "-q DIR", "-q DIR"),
    Option("keylog_file", "protocol", "-8", "-8", "and SSLKEYLOGFILE in the environment"),
    Option("test_case", "protocol", None, None, "applied through the case table (TEST_CASES)"),
)


FEATURES = MappingProxyType(
    {
        "rfc9000": Feature(True, "-v 00000001"),
        "version_negotiation": Feature(True, "the server answers versions it does not know"),
        "key_updates": Feature(True, "picoquic answers key updates"),
        "retry": Feature(True, "retry: true (server, -r)"),
        "0rtt": Feature(True, "early_data: true with a session_ticket_file (client, -T); servers always accept"),
        "session_resumption": Feature(True, "session_ticket_file (client, -T)"),
        "connection_migration": Feature(False, "picoquicdemo -f is not driven by this plugin"),
        "multipath": Feature(False, "picoquicdemo -M is not driven by this plugin"),
        "draft29": Feature(True, "quic_version draft29 (-v ff00001d)"),
        "v2": Feature(True, "quic_version v2 (-v 6b3343cf)"),
        "h3": Feature(True, "alpn h3"),
        "hq-interop": Feature(True, "alpn hq-interop"),
        "keylog": Feature(True, "-8 and SSLKEYLOGFILE"),
        "qlog": Feature(True, "-q DIR"),
        "congestion_control": Feature(True, "congestion_control (-G)"),
        "bind_address": Feature(False, "a picoquicdemo server listens on every local address"),
        "handshake_timeout": Feature(False, "picoquicdemo has no handshake timeout option"),
        "early_data_off_when_resuming": Feature(
            False, "picoquicdemo sends 0-RTT data whenever its ticket store allows it"
        ),
        "server_early_data_off": Feature(False, "a picoquicdemo server always accepts 0-RTT"),
    }
)

# Wire versions picoquic knows (picoquic_supported_versions) among those PANTHER names.
SUPPORTED_VERSIONS = frozenset({0x00000001, 0x6B3343CF, 0xFF00001D})
# ALPNs picoquicdemo's client and server both speak (picohttp's alpn_list).
SUPPORTED_ALPNS = frozenset({"h3", "hq-interop", "h3-29", "hq-29"})


def _ticket_file(case: QuicTestCase, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The ticket store both runs of the client share: the second resumes (and sends 0-RTT) from it."""
    tickets = str(PurePosixPath(str(arguments["output_dir"])) / "picoquic-tickets.bin")
    return {"session_ticket_file": tickets, "early_data": True if case.name == "zerortt" else None}


TEST_CASES = case_table(
    multiplexing=CaseSupport(
        "no option: a picoquicdemo server allows 512 bidirectional streams at first and raises the limit", server={}
    ),
    chacha20=CaseSupport("client -C 20", client={"cipher_suites": [CHACHA20_SUITE]}),
    retry=CaseSupport("server -r", server={"retry": True}),
    resumption=CaseSupport("the client runs twice, sharing its ticket store (-T)", client=_ticket_file, client_runs=2),
    zerortt=CaseSupport(
        "the client runs twice, sharing its ticket store (-T), and sends 0-RTT from it; servers always accept",
        server={},
        client=_ticket_file,
        client_runs=2,
    ),
    keyupdate=CaseSupport("client -u 16", client={"key_update": True}),
    handshakeloss=CaseSupport("the client runs once per file (one connection each)", client={}, client_runs="per_file"),
    handshakecorruption=CaseSupport(
        "the client runs once per file (one connection each)", client={}, client_runs="per_file"
    ),
)
