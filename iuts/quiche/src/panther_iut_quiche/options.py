"""The option table: every key quiche's plugin accepts and what quiche-server/-client get.

Two tables, one truth. ``OPTIONS`` lists each configuration key and protocol
argument with the option (or environment variable) it becomes for a server and for
a client (``None``: the key has no meaning in that role). ``FEATURES`` lists the
QUIC features of the IUT development guide with whether this plugin can drive them
and how; ``get_supported_features()`` is derived from it, and the README shows both.
``TEST_CASES`` says how quiche's apps do each QUIC test case (panther_base_quic.cases).
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
    Option("port", "implementation", "--listen HOST:PORT", "URL", "the test's port wins when it decides one"),
    Option("host", "implementation", "--listen HOST:PORT", "URL", "the test's address wins when it decides one"),
    Option("cert_file", "implementation", "--cert FILE", None),
    Option("key_file", "implementation", "--key FILE", None),
    Option("ca_file", "implementation", None, "SSL_CERT_FILE", "--trust-origin-ca-pem would not verify"),
    Option("idle_timeout", "implementation", "--idle-timeout MS", "--idle-timeout MS", "seconds in the config"),
    Option(
        "handshake_timeout", "implementation", None, None, "quiche's apps have no such option: only 10.0 is accepted"
    ),
    Option("http_version", "implementation", "--http-version V", "--http-version V", "default: from the ALPN"),
    Option("congestion_control", "implementation", "--cc-algorithm NAME", "--cc-algorithm NAME"),
    Option("log_level", "implementation", "RUST_LOG", "RUST_LOG"),
    Option("session_file", "implementation", None, "--session-file FILE"),
    Option("early_data", "implementation", "--early-data", "--early-data", "a client needs session_file"),
    Option("retry", "implementation", "--no-retry unless true", None, "quiche-server sends Retry unless told not to"),
    Option("max_streams_bidi", "implementation", "--max-streams-bidi N", None, "default: quiche's 100"),
    Option("quiche_ref", "implementation", None, None, "Docker image: the quiche tag or commit to build"),
    Option("binary_path", "implementation", None, None, "quiche-server or quiche-client, or their folder"),
    Option("extra_args", "implementation", "appended", "appended"),
    Option("www_dir", "protocol", "--root DIR", None),
    Option("urls", "protocol", None, "URL...", "all on the server the client connects to"),
    Option("download_dir", "protocol", None, "--dump-responses DIR"),
    Option("alpn", "protocol", "--http-version V", "--http-version V", "hq-interop: HTTP/0.9, h3: HTTP/3"),
    Option("quic_version", "protocol", None, "--wire-version HEX", "quiche speaks QUIC v1 only"),
    Option("verify_peer", "protocol", None, "--no-verify when false"),
    Option("qlog_dir", "protocol", "QLOGDIR", "QLOGDIR"),
    Option("keylog_file", "protocol", "SSLKEYLOGFILE", "SSLKEYLOGFILE"),
    Option("test_case", "protocol", None, None, "applied through the case table (TEST_CASES)"),
)


FEATURES = MappingProxyType(
    {
        "rfc9000": Feature(True, "--wire-version 00000001"),
        "version_negotiation": Feature(True, "the server answers versions it does not know"),
        "key_updates": Feature(True, "quiche answers key updates"),
        "retry": Feature(True, "retry: true (server; --no-retry otherwise)"),
        "0rtt": Feature(True, "early_data: true (server --early-data; client --early-data with session_file)"),
        "session_resumption": Feature(True, "session_file (client, --session-file)"),
        "connection_migration": Feature(False, "quiche-client --perform-migration is not driven by this plugin"),
        "multipath": Feature(False, "quiche's apps have no multipath option"),
        "draft29": Feature(False, "quiche speaks QUIC v1 only (version_is_supported)"),
        "v2": Feature(False, "quiche speaks QUIC v1 only (version_is_supported)"),
        "h3": Feature(True, "alpn h3 (--http-version HTTP/3)"),
        "hq-interop": Feature(True, "alpn hq-interop (--http-version HTTP/0.9)"),
        "keylog": Feature(True, "SSLKEYLOGFILE"),
        "qlog": Feature(True, "QLOGDIR"),
        "congestion_control": Feature(True, "congestion_control (--cc-algorithm)"),
        "bind_address": Feature(True, "--listen HOST:PORT"),
        "handshake_timeout": Feature(False, "quiche's apps have no handshake timeout option"),
    }
)

SUPPORTED_VERSIONS = frozenset({0x00000001})
# ALPN -> --http-version (quiche apps' alpns::HTTP_09 and HTTP_3).
HTTP_VERSIONS = MappingProxyType({"hq-interop": "HTTP/0.9", "http/0.9": "HTTP/0.9", "h3": "HTTP/3"})


def _session_file(case: QuicTestCase, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The TLS session both runs of the client share: the second resumes (and sends 0-RTT) from it."""
    session = str(PurePosixPath(str(arguments["output_dir"])) / "quiche-session.bin")
    return {"session_file": session, "early_data": case.name == "zerortt"}


TEST_CASES = case_table(
    multiplexing=CaseSupport(
        "quiche-server --max-streams-bidi", server={"max_streams_bidi": MULTIPLEXING_STREAM_LIMIT}
    ),
    chacha20=CaseSupport.unsupported("quiche-client has no option to choose TLS cipher suites", roles=("client",)),
    retry=CaseSupport("quiche-server without --no-retry", server={"retry": True}),
    resumption=CaseSupport("quiche-client runs twice, sharing --session-file", client=_session_file, client_runs=2),
    zerortt=CaseSupport(
        "quiche-client runs twice, sharing --session-file, with --early-data; quiche-server --early-data",
        server={"early_data": True},
        client=_session_file,
        client_runs=2,
    ),
    keyupdate=CaseSupport.unsupported("quiche-client has no option to update the keys", roles=("client",)),
)
