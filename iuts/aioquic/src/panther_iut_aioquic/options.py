"""The command-line options of the aioquic endpoints.

Only the standard library is imported here: the server parses its options and opens
its socket (:mod:`panther_iut_aioquic.doorman`) before it imports aioquic.
"""

from __future__ import annotations

import argparse

from panther_iut_aioquic.faults import FAULTS

# QUIC versions by every name the harness and users give them.
VERSION_NAMES: dict[str, int] = {
    "v1": 0x00000001,
    "rfc9000": 0x00000001,
    "draft29": 0xFF00001D,
    "v2": 0x6B3343CF,
    "rfc9369": 0x6B3343CF,
}


def parse_version(text: str) -> int:
    """A QUIC version given by name (``v1``, ``draft29``...) or as hex (``0x00000001``)."""
    if text.lower() in VERSION_NAMES:
        return VERSION_NAMES[text.lower()]
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        names = ", ".join(VERSION_NAMES)
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a QUIC version (a name: {names}; or hex: 0x00000001)"
        ) from None


def _csv(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="server: address to listen on; client: server address")
    parser.add_argument("--port", type=int, default=4443, help="server: port to listen on; client: server port")
    parser.add_argument("--alpn", type=_csv, default=None, help="ALPN protocols, comma-separated (hq-interop, h3)")
    parser.add_argument("--quic-version", type=parse_version, default=None, help="QUIC version: v1, v2 or hex")
    parser.add_argument("--cipher-suites", type=_csv, default=None, help="TLS 1.3 cipher suites, comma-separated")
    parser.add_argument("--keylog-file", default=None, help="append TLS secrets here (NSS key log format)")
    parser.add_argument("--qlog-dir", default=None, help="write one qlog file per connection into this folder")
    parser.add_argument("--congestion-control", choices=("reno", "cubic"), default="reno")
    parser.add_argument("--idle-timeout", type=float, default=30.0, help="seconds without traffic before giving up")
    parser.add_argument("--max-data", type=int, default=16 * 1024 * 1024, help="connection flow-control window")
    parser.add_argument("--max-stream-data", type=int, default=8 * 1024 * 1024, help="stream flow-control window")
    parser.add_argument("--quiet", action="store_true", help="print only errors and the final summary")
    parser.add_argument(
        "--fault",
        dest="faults",
        action="append",
        choices=FAULTS,
        default=[],
        help="misbehave on purpose, to test a tester (see panther_iut_aioquic.faults); repeatable",
    )


def add_server_options(parser: argparse.ArgumentParser) -> None:
    add_common_options(parser)
    parser.add_argument("--certificate", required=True, help="PEM certificate (chain) to present")
    parser.add_argument("--private-key", required=True, help="PEM private key of the certificate")
    parser.add_argument("--www", required=True, help="folder whose files are served")
    parser.add_argument("--retry", action="store_true", help="validate client addresses with a Retry packet")
    parser.add_argument(
        "--max-streams-bidi",
        type=int,
        default=None,
        help="bidirectional streams a client may open at first (aioquic's default: 128); raised as they close",
    )


def add_client_options(parser: argparse.ArgumentParser) -> None:
    add_common_options(parser)
    parser.add_argument(
        "--url", dest="urls", action="append", required=True, help="an https:// URL to fetch (repeat for several)"
    )
    parser.add_argument("--download-dir", required=True, help="folder the files are saved into")
    parser.add_argument("--ca-file", default=None, help="PEM certificates to verify the server against")
    parser.add_argument(
        "--verify-peer", action=argparse.BooleanOptionalAction, default=True, help="verify the server's certificate"
    )
    parser.add_argument("--server-name", default=None, help="name to verify and send as SNI (default: --host)")
    parser.add_argument("--handshake-timeout", type=float, default=10.0, help="seconds to wait for the handshake")
    parser.add_argument("--resume", action="store_true", help="reconnect once, resuming the TLS session")
    parser.add_argument("--zero-rtt", action="store_true", help="send the resumed connection's requests as 0-RTT")
    parser.add_argument("--key-update", action="store_true", help="update the 1-RTT keys after the handshake")
    parser.add_argument(
        "--connection-per-file", action="store_true", help="fetch each file over a connection of its own, in turn"
    )
    parser.add_argument(
        "--migrate-after",
        type=float,
        default=None,
        help="seconds after the handshake to move the connection to a new local port (an active migration)",
    )
