"""The option table: every key quiche's plugin accepts and what the programs get.

Two tables, one truth. ``OPTIONS`` lists each configuration key and protocol
argument with the option (or environment variable) it becomes for a server and for
a client of PANTHER's own programs (``None``: the key has no meaning in that role),
and in its note what quiche's apps get instead (``programs: upstream``).
``FEATURES`` lists the QUIC features of the IUT development guide with whether the
own programs can drive them and how; ``UPSTREAM_FEATURES`` is the same for quiche's
apps. ``get_supported_features()`` is derived from them, and the README shows them.
``TEST_CASES`` and ``UPSTREAM_TEST_CASES`` say how each kind of programs does the
QUIC test cases (panther_base_quic.cases).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Any

from panther_base_quic.case_support import CaseSupport, case_table
from panther_base_quic.cases import MULTIPLEXING_STREAM_LIMIT, QuicTestCase
from panther_base_quic.option_table import Feature, Option

OPTIONS: tuple[Option, ...] = (
    Option("programs", "implementation", None, None, "panther (default): PANTHER's own; upstream: quiche's apps"),
    Option("port", "implementation", "--listen HOST:PORT", "URL", "the test's port wins when it decides one"),
    Option("host", "implementation", "--listen HOST:PORT", "URL", "the test's address wins when it decides one"),
    Option("cert_file", "implementation", "--cert FILE", None),
    Option("key_file", "implementation", "--key FILE", None),
    Option("ca_file", "implementation", None, "--ca-file FILE", "upstream: SSL_CERT_FILE"),
    Option("idle_timeout", "implementation", "--idle-timeout MS", "--idle-timeout MS", "seconds in the config"),
    Option(
        "handshake_timeout",
        "implementation",
        "--handshake-timeout MS",
        "--handshake-timeout MS",
        "upstream: no such option, only 10.0 is accepted",
    ),
    Option(
        "http_version",
        "implementation",
        "--alpn",
        "--alpn",
        "default: from the ALPN; all: a server accepts both (upstream: --http-version V)",
    ),
    Option("congestion_control", "implementation", "--cc NAME", "--cc NAME", "upstream: --cc-algorithm NAME"),
    Option("log_level", "implementation", "RUST_LOG", "RUST_LOG"),
    Option("session_file", "implementation", None, "--session-file FILE", "resumption across runs"),
    Option(
        "early_data",
        "implementation",
        "--early-data",
        "--early-data",
        "a client needs resumption (upstream: session_file)",
    ),
    Option("resumption", "implementation", None, "--resumption", "two connections in one run; upstream: refused"),
    Option("retry", "implementation", "--retry", None, "upstream: --no-retry unless true"),
    Option("max_streams_bidi", "implementation", "--max-streams-bidi N", None, "default: quiche's 100"),
    Option("quiche_ref", "implementation", None, None, "upstream's Docker image: the quiche tag or commit to build"),
    Option("binary_path", "implementation", None, None, "the programs' folder or one of them; nothing is built"),
    Option("extra_args", "implementation", "appended", "appended"),
    Option("www_dir", "protocol", "--root DIR", None),
    Option("urls", "protocol", None, "URL...", "all on the server the client connects to"),
    Option("download_dir", "protocol", None, "--download-dir DIR", "upstream: --dump-responses DIR"),
    Option("alpn", "protocol", "--alpn NAME", "--alpn NAME", "hq-interop or h3 (upstream: --http-version V)"),
    Option("quic_version", "protocol", None, "--version HEX", "quiche speaks QUIC v1 only (upstream: --wire-version)"),
    Option("verify_peer", "protocol", None, "--no-verify when false"),
    Option("qlog_dir", "protocol", "--qlog-dir DIR", "--qlog-dir DIR", "upstream: QLOGDIR"),
    Option("keylog_file", "protocol", "--keylog-file FILE", "--keylog-file FILE", "and SSLKEYLOGFILE (upstream)"),
    Option("test_case", "protocol", None, None, "applied through the case tables (TEST_CASES, UPSTREAM_TEST_CASES)"),
)

_QUIC_V1_ONLY = "quiche 0.29 speaks QUIC v1 only (version_is_supported)"

FEATURES = MappingProxyType(
    {
        "rfc9000": Feature(True, "--version 00000001"),
        "version_negotiation": Feature(True, "the server answers versions it does not know"),
        "key_updates": Feature(True, "quiche answers the peer's key updates; it cannot start one (no API)"),
        "retry": Feature(True, "retry: true (server --retry)"),
        "0rtt": Feature(True, "early_data: true (server --early-data; client --early-data with resumption)"),
        "session_resumption": Feature(True, "resumption: true (client --resumption), or session_file across runs"),
        "connection_migration": Feature(False, "the programs do not migrate"),
        "multipath": Feature(False, "the programs have no multipath option"),
        "draft29": Feature(False, _QUIC_V1_ONLY),
        "v2": Feature(False, _QUIC_V1_ONLY),
        "h3": Feature(True, "alpn h3 (--alpn h3)"),
        "hq-interop": Feature(True, "alpn hq-interop (--alpn hq-interop)"),
        "keylog": Feature(True, "--keylog-file (NSS key log format)"),
        "qlog": Feature(True, "--qlog-dir (built with the cargo feature qlog)"),
        "congestion_control": Feature(True, "congestion_control (--cc)"),
        "bind_address": Feature(True, "--listen HOST:PORT"),
        "handshake_timeout": Feature(True, "handshake_timeout (--handshake-timeout MS)"),
    }
)

UPSTREAM_FEATURES = MappingProxyType(
    {
        **FEATURES,
        "rfc9000": Feature(True, "--wire-version 00000001"),
        "retry": Feature(True, "retry: true (quiche-server; --no-retry otherwise)"),
        "0rtt": Feature(True, "early_data: true (quiche-server --early-data; quiche-client with session_file)"),
        "session_resumption": Feature(True, "session_file (quiche-client --session-file), across runs"),
        "connection_migration": Feature(False, "quiche-client --perform-migration is not driven by this plugin"),
        "multipath": Feature(False, "quiche's apps have no multipath option"),
        "h3": Feature(True, "alpn h3 (--http-version HTTP/3)"),
        "hq-interop": Feature(True, "alpn hq-interop (--http-version HTTP/0.9)"),
        "keylog": Feature(True, "SSLKEYLOGFILE"),
        "qlog": Feature(True, "QLOGDIR"),
        "congestion_control": Feature(True, "congestion_control (--cc-algorithm)"),
        "handshake_timeout": Feature(False, "quiche's apps have no handshake timeout option"),
    }
)

SUPPORTED_VERSIONS = frozenset({0x00000001})
ALPNS = ("hq-interop", "h3")
# ALPN -> HTTP version (quiche apps' --http-version values).
HTTP_VERSIONS = MappingProxyType({"hq-interop": "HTTP/0.9", "http/0.9": "HTTP/0.9", "h3": "HTTP/3"})


_NO_KEY_UPDATE = "quiche 0.29 has no API to start a key update (a quiche server answers the client's)"
_NO_CHACHA20_ALONE = (
    "BoringSSL has no setting for TLS 1.3 cipher suites, so the client cannot offer ChaCha20 alone "
    "(a quiche server agrees to a client that does)"
)
_LIMIT_STREAMS = CaseSupport("server --max-streams-bidi", server={"max_streams_bidi": MULTIPLEXING_STREAM_LIMIT})

# PANTHER's own programs: a client resumes in the same run (--resumption).
# The client runs once per file: one connection each.
_CONNECTION_PER_RUN = CaseSupport(
    "the client runs once per file (one connection each)", client={}, client_runs="per_file"
)
# Under 30 % loss the probe timeouts double from about 3 s: a handshake that loses its
# flights twice takes over the programs' usual 10 s (seen: a server closing with
# "handshake timeout" while the client was still trying).
_LOSSY_HANDSHAKES = CaseSupport(
    "the client runs once per file (one connection each); --handshake-timeout 60000 on both sides",
    server={"handshake_timeout": 60.0},
    client={"handshake_timeout": 60.0},
    client_runs="per_file",
)

TEST_CASES = case_table(
    multiplexing=_LIMIT_STREAMS,
    chacha20=CaseSupport.unsupported(_NO_CHACHA20_ALONE, roles=("client",)),
    retry=CaseSupport("server --retry", server={"retry": True}),
    resumption=CaseSupport("client --resumption (two connections in one run)", client={"resumption": True}),
    zerortt=CaseSupport(
        "client --resumption --early-data; server --early-data",
        server={"early_data": True},
        client={"resumption": True, "early_data": True},
    ),
    keyupdate=CaseSupport.unsupported(_NO_KEY_UPDATE, roles=("client",)),
    handshakeloss=_LOSSY_HANDSHAKES,
    handshakecorruption=_LOSSY_HANDSHAKES,
)


def _session_file(case: QuicTestCase, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The TLS session both runs of quiche-client share: the second resumes (and sends 0-RTT) from it."""
    session = str(PurePosixPath(str(arguments["output_dir"])) / "quiche-session.bin")
    return {"session_file": session, "early_data": case.name == "zerortt"}


# quiche's apps (programs: upstream): quiche-client connects once per run.
UPSTREAM_TEST_CASES = case_table(
    multiplexing=_LIMIT_STREAMS,
    chacha20=CaseSupport.unsupported(_NO_CHACHA20_ALONE, roles=("client",)),
    retry=CaseSupport("quiche-server without --no-retry", server={"retry": True}),
    resumption=CaseSupport("quiche-client runs twice, sharing --session-file", client=_session_file, client_runs=2),
    zerortt=CaseSupport(
        "quiche-client runs twice, sharing --session-file, with --early-data; quiche-server --early-data",
        server={"early_data": True},
        client=_session_file,
        client_runs=2,
    ),
    keyupdate=CaseSupport.unsupported(_NO_KEY_UPDATE, roles=("client",)),
    handshakeloss=_CONNECTION_PER_RUN,
    handshakecorruption=_CONNECTION_PER_RUN,
)
