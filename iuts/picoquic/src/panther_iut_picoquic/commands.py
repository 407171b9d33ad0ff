"""picoquicdemo's command lines: the arguments after the program name, per role.

picoquicdemo is one program for both roles: without positional arguments it is a
server, with ``SERVER PORT [SCENARIO]`` it is a client (picoquicfirst/picoquicdemo.c).
Options come from picoquic/config.c's option table; every one used here was run
against the real program (see the README). A request picoquicdemo cannot honour
raises :class:`UnsupportedFeatureError` instead of being left out.
"""

from __future__ import annotations

import ipaddress
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from panther.services.manager import ServiceManagerError, UnsupportedFeatureError
from panther_base_quic.versions import supported_wire_version

from panther_iut_picoquic.options import FEATURES, SUPPORTED_ALPNS, SUPPORTED_VERSIONS

NAME = "picoquic"
DEFAULT_HANDSHAKE_TIMEOUT = 10.0
# picoquicdemo -C's identifiers of TLS 1.3 suites (picoquic's cipher_suite_id).
CIPHER_SUITE_IDS = {"CHACHA20_POLY1305_SHA256": "20"}
# picoquicdemo -u: the client updates its keys after receiving this many packets.
KEY_UPDATE_AFTER_PACKETS = 16
# Scenario syntax: "[stream_id:[previous:]]path[:post_size][#range];..." (picohttp/democlient.c).
_SCENARIO_SPECIALS = frozenset(";:#")


def _unsupported(feature: str, asked: str) -> UnsupportedFeatureError:
    return UnsupportedFeatureError(f"{NAME}: {asked} is not supported: {FEATURES[feature].how}")


def _output_file(kwargs: dict[str, Any], name: str) -> str | None:
    folder = kwargs.get("output_dir")
    return str(PurePosixPath(folder) / name) if folder else None


def common_args(kwargs: dict[str, Any]) -> list[str]:
    """Options both roles take: timeouts, congestion control, log detail, qlog, key log."""
    handshake_timeout = kwargs.get("handshake_timeout", DEFAULT_HANDSHAKE_TIMEOUT)
    if handshake_timeout != DEFAULT_HANDSHAKE_TIMEOUT:
        raise _unsupported("handshake_timeout", f"handshake_timeout {handshake_timeout}")
    args: list[str] = []
    idle_timeout = kwargs.get("idle_timeout")
    if idle_timeout is not None:
        args += ["-d", str(round(float(idle_timeout) * 1000))]
    if kwargs.get("congestion_control"):
        args += ["-G", str(kwargs["congestion_control"])]
    if kwargs.get("qlog_dir"):
        args += ["-q", str(kwargs["qlog_dir"])]
    if kwargs.get("keylog_file"):
        # picoquic writes SSLKEYLOGFILE only when -8 asks for it (picosocks.c).
        args.append("-8")
    if kwargs.get("log_level") == "debug":
        # Without -L picoquic logs (qlog included) stop after a connection's first 100 packets.
        args.append("-L")
    if kwargs.get("cipher_suites"):
        args += ["-C", cipher_suite_id(list(kwargs["cipher_suites"]))]
    return args


def cipher_suite_id(suites: list[str]) -> str:
    """picoquicdemo's -C for ``suites``: it takes one suite, and only ChaCha20 is mapped (and verified)."""
    names = [suite.upper().removeprefix("TLS_") for suite in suites]
    if len(names) != 1 or names[0] not in CIPHER_SUITE_IDS:
        known = ", ".join(CIPHER_SUITE_IDS)
        raise UnsupportedFeatureError(
            f"{NAME}: cipher_suites {suites} is not supported (picoquicdemo -C takes one of: {known})"
        )
    return CIPHER_SUITE_IDS[names[0]]


def _check_alpn(kwargs: dict[str, Any]) -> str | None:
    alpn = kwargs.get("alpn")
    if alpn and alpn not in SUPPORTED_ALPNS:
        raise UnsupportedFeatureError(
            f"{NAME}: ALPN {alpn!r} is not supported (picoquicdemo speaks {', '.join(sorted(SUPPORTED_ALPNS))})"
        )
    return str(alpn) if alpn else None


def server_args(kwargs: dict[str, Any]) -> list[str]:
    """``picoquicdemo`` as a server: certificate, port, folder to serve."""
    cert_file, key_file = kwargs.get("cert_file"), kwargs.get("key_file")
    if not cert_file or not key_file:
        raise ServiceManagerError(
            f"{NAME}: a server needs cert_file and key_file (the quic protocol makes them in a test; "
            "set both under implementation: otherwise)"
        )
    for key in ("session_ticket_file", "sni", "key_update"):
        if kwargs.get(key):
            raise ServiceManagerError(f"{NAME}: {key} is a client option; this service is a server")
    if kwargs.get("early_data") is False:
        raise _unsupported("server_early_data_off", "early_data: false on a server")
    _check_alpn(kwargs)
    args = ["-c", str(cert_file), "-k", str(key_file), "-p", str(kwargs["port"])]
    if kwargs.get("www_dir"):
        args += ["-w", str(kwargs["www_dir"])]
    if kwargs.get("retry"):
        args.append("-r")
    return args + common_args(kwargs)


def _version_hex(kwargs: dict[str, Any]) -> str:
    known = ", ".join(f"{version:#010x}" for version in sorted(SUPPORTED_VERSIONS))
    return f"{supported_wire_version(NAME, kwargs, SUPPORTED_VERSIONS, f'picoquic knows {known}'):08x}"


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def scenario(urls: list[str], host: str, port: int) -> str:
    """picoquicdemo's scenario for ``urls``: their paths, fetched one after the other.

    Every URL must name the server the client connects to: picoquicdemo opens one
    connection. A path with ';', ':' or '#' cannot be written in a scenario.
    """
    paths = []
    for url in urls:
        parts = urlsplit(url)
        url_host = parts.hostname or ""
        if url_host not in (host, host.strip("[]")) or (parts.port or 443) != int(port):
            raise ServiceManagerError(
                f"{NAME}: {url} is not on {host}:{port}; a picoquicdemo client fetches from one server"
            )
        path = parts.path or "/"
        if _SCENARIO_SPECIALS & set(path) or parts.query:
            raise UnsupportedFeatureError(f"{NAME}: {url} cannot be written in a picoquicdemo scenario")
        paths.append(path)
    return ";".join(paths)


def client_args(kwargs: dict[str, Any]) -> list[str]:
    """``picoquicdemo`` as a client: options, then server, port and scenario."""
    if kwargs.get("retry"):
        raise ServiceManagerError(f"{NAME}: retry is a server option; this service is a client")
    host, port = str(kwargs["host"]), int(kwargs["port"])
    args: list[str] = []
    sni = kwargs.get("sni") or ("localhost" if _is_address(host) else host)
    args += ["-n", str(sni)]
    alpn = _check_alpn(kwargs)
    if alpn:
        args += ["-a", alpn]
    args += ["-v", _version_hex(kwargs)]
    if kwargs.get("download_dir"):
        args += ["-o", str(kwargs["download_dir"])]
    if kwargs.get("verify_peer", True):
        if not kwargs.get("ca_file"):
            raise ServiceManagerError(
                f"{NAME}: verifying the server needs ca_file (picoquicdemo verifies nothing without -t); "
                "set ca_file, or verify_peer: false in the protocol block"
            )
        args += ["-t", str(kwargs["ca_file"])]
    early_data = kwargs.get("early_data")
    if early_data and not kwargs.get("session_ticket_file"):
        raise ServiceManagerError(
            f"{NAME}: early_data needs session_ticket_file (the tickets of an earlier connection to resume)"
        )
    if early_data is False and kwargs.get("session_ticket_file"):
        raise _unsupported("early_data_off_when_resuming", "resuming with early_data: false")
    args += common_args(kwargs)
    if kwargs.get("key_update"):
        args += ["-u", str(KEY_UPDATE_AFTER_PACKETS)]
    # A client keeps tickets and tokens in files of the current folder unless told
    # otherwise; the service's own folder keeps runs from sharing them by accident.
    ticket_file = kwargs.get("session_ticket_file") or _output_file(kwargs, "picoquic-tickets.bin")
    if ticket_file:
        args += ["-T", str(ticket_file)]
    token_file = _output_file(kwargs, "picoquic-tokens.bin")
    if token_file:
        args += ["-N", token_file]
    args += [host, str(port)]
    urls = kwargs.get("urls")
    if urls:
        args.append(scenario(list(urls), host, port))
    return args
