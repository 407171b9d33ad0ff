"""What the aioquic server and client share: their command-line options, the exit
codes they speak, and the translation of those options into a ``QuicConfiguration``.

Only aioquic and the standard library are imported here, so that starting an
endpoint costs no more than starting aioquic itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn, TextIO

from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.packet import QuicProtocolVersion
from aioquic.tls import CipherSuite

from panther_iut_aioquic.options import VERSION_NAMES

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
# The harness reads this code as "a requested feature is not supported".
EXIT_UNSUPPORTED = 127

ALPN_HQ = "hq-interop"
ALPN_H3 = "h3"
SUPPORTED_ALPNS = (ALPN_HQ, ALPN_H3)

SUPPORTED_VERSIONS = tuple(int(v) for v in QuicProtocolVersion if v != QuicProtocolVersion.NEGOTIATION)

CIPHER_SUITES: dict[str, CipherSuite] = {
    "AES_128_GCM_SHA256": CipherSuite.AES_128_GCM_SHA256,
    "AES_256_GCM_SHA384": CipherSuite.AES_256_GCM_SHA384,
    "CHACHA20_POLY1305_SHA256": CipherSuite.CHACHA20_POLY1305_SHA256,
}
# TLS 1.3 suites that exist but that aioquic cannot negotiate.
UNSUPPORTED_CIPHER_SUITES = ("AES_128_CCM_SHA256", "AES_128_CCM_8_SHA256")


class Unsupported(Exception):
    """A requested feature that aioquic (or this endpoint) cannot provide."""


class TransferFailed(Exception):
    """The endpoint ran, but what it was asked to do did not happen."""


def fail(code: int, message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def version_label(wire: int) -> str:
    names = [name for name, value in VERSION_NAMES.items() if value == wire]
    return f"{names[0]} (0x{wire:08x})" if names else f"0x{wire:08x}"


@dataclass
class ConfigurationFiles:
    """Files a configuration keeps open; closed when the endpoint ends."""

    keylog: TextIO | None = None

    def close(self) -> None:
        if self.keylog is not None:
            self.keylog.close()


def alpn_list(requested: Sequence[str] | None, *, is_client: bool) -> list[str]:
    if not requested:
        # A server speaks both; a client asks for HTTP/0.9 first, as interop runners do.
        return [ALPN_H3, ALPN_HQ] if not is_client else [ALPN_HQ]
    unknown = [alpn for alpn in requested if alpn not in SUPPORTED_ALPNS]
    if unknown:
        raise Unsupported(
            f"ALPN {', '.join(unknown)} is not spoken by this endpoint (it speaks {', '.join(SUPPORTED_ALPNS)})"
        )
    return list(requested)


def cipher_suites(names: Sequence[str] | None) -> list[CipherSuite] | None:
    if not names:
        return None
    chosen = []
    for name in names:
        key = name.upper().removeprefix("TLS_")
        if key in CIPHER_SUITES:
            chosen.append(CIPHER_SUITES[key])
        elif key in UNSUPPORTED_CIPHER_SUITES:
            raise Unsupported(f"cipher suite {name} is not supported by aioquic")
        else:
            known = ", ".join(CIPHER_SUITES)
            fail(EXIT_USAGE, f"--cipher-suites: {name!r} is not a TLS 1.3 cipher suite (known: {known})")
    return chosen


def build_configuration(
    args: argparse.Namespace, *, is_client: bool, quic_logger: object | None
) -> tuple[QuicConfiguration, ConfigurationFiles]:
    """The ``QuicConfiguration`` the options ask for; ``Unsupported`` when aioquic cannot."""
    configuration = QuicConfiguration(
        is_client=is_client,
        alpn_protocols=alpn_list(args.alpn, is_client=is_client),
        congestion_control_algorithm=args.congestion_control,
        idle_timeout=args.idle_timeout,
        max_data=args.max_data,
        max_stream_data=args.max_stream_data,
        quic_logger=quic_logger,  # type: ignore[arg-type]
    )
    suites = cipher_suites(args.cipher_suites)
    if suites is not None and "ignore-cipher-suites" not in args.faults:
        configuration.cipher_suites = suites
    if args.quic_version is not None:
        if args.quic_version not in SUPPORTED_VERSIONS:
            spoken = ", ".join(version_label(v) for v in SUPPORTED_VERSIONS)
            raise Unsupported(
                f"QUIC version {version_label(args.quic_version)} is not supported by aioquic (it speaks {spoken})"
            )
        # Only the requested version: a peer that cannot speak it makes the handshake
        # fail, instead of the endpoints quietly agreeing on another one.
        configuration.supported_versions = [args.quic_version]
        if is_client:
            configuration.original_version = args.quic_version
    files = ConfigurationFiles()
    if args.keylog_file:
        files.keylog = open(args.keylog_file, "a")  # noqa: SIM115 - kept open for the whole run
        configuration.secrets_log_file = files.keylog
    return configuration, files
