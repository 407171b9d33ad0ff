"""quiche-server's and quiche-client's command lines and environment, per role.

The options are those of quiche's ``apps`` (apps/src/args.rs, docopt usage strings);
the key log and qlog folder are read from ``SSLKEYLOGFILE`` and ``QLOGDIR``
(apps/src/client.rs, apps/src/bin/quiche-server.rs). Every option used here was run
against the real programs (see the README). A request quiche cannot honour raises
:class:`UnsupportedFeatureError` instead of being left out.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from panther.services.manager import ServiceManagerError, UnsupportedFeatureError
from panther_base_quic.versions import supported_wire_version

from panther_iut_quiche.options import FEATURES, HTTP_VERSIONS, SUPPORTED_VERSIONS

NAME = "quiche"
DEFAULT_HANDSHAKE_TIMEOUT = 10.0


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def http_version(kwargs: dict[str, Any]) -> str:
    """--http-version: the configured one, else the one the test's ALPN names."""
    alpn = kwargs.get("alpn")
    from_alpn = HTTP_VERSIONS.get(str(alpn)) if alpn else None
    if alpn and from_alpn is None:
        raise UnsupportedFeatureError(
            f"{NAME}: ALPN {alpn!r} is not supported (quiche's apps speak {', '.join(sorted(HTTP_VERSIONS))})"
        )
    configured = kwargs.get("http_version")
    if configured and from_alpn and configured not in (from_alpn, "all"):
        raise ServiceManagerError(
            f"{NAME}: http_version {configured!r} contradicts the test's ALPN {alpn!r} (which is {from_alpn})"
        )
    return str(configured or from_alpn or "all")


def common_args(kwargs: dict[str, Any]) -> list[str]:
    """Options both programs take: HTTP version, idle timeout, congestion control."""
    handshake_timeout = kwargs.get("handshake_timeout", DEFAULT_HANDSHAKE_TIMEOUT)
    if handshake_timeout != DEFAULT_HANDSHAKE_TIMEOUT:
        raise UnsupportedFeatureError(
            f"{NAME}: handshake_timeout {handshake_timeout} is not supported: {FEATURES['handshake_timeout'].how}"
        )
    args = ["--http-version", http_version(kwargs)]
    if kwargs.get("idle_timeout") is not None:
        args += ["--idle-timeout", str(round(float(kwargs["idle_timeout"]) * 1000))]
    if kwargs.get("congestion_control"):
        args += ["--cc-algorithm", str(kwargs["congestion_control"])]
    if kwargs.get("early_data"):
        args.append("--early-data")
    return args


def server_args(kwargs: dict[str, Any]) -> list[str]:
    """``quiche-server``: listen address, certificate, folder to serve."""
    cert_file, key_file = kwargs.get("cert_file"), kwargs.get("key_file")
    if not cert_file or not key_file:
        raise ServiceManagerError(
            f"{NAME}: a server needs cert_file and key_file (the quic protocol makes them in a test; "
            "set both under implementation: otherwise)"
        )
    if kwargs.get("session_file"):
        raise ServiceManagerError(f"{NAME}: session_file is a client option; this service is a server")
    args = ["--listen", _address(str(kwargs["host"]), int(kwargs["port"])), "--cert", str(cert_file)]
    args += ["--key", str(key_file)]
    if kwargs.get("www_dir"):
        args += ["--root", str(kwargs["www_dir"])]
    if kwargs.get("max_streams_bidi") is not None:
        args += ["--max-streams-bidi", str(int(kwargs["max_streams_bidi"]))]
    args += common_args(kwargs)
    if not kwargs.get("retry"):
        args.append("--no-retry")
    return args


def _wire_version(kwargs: dict[str, Any]) -> str:
    return f"{supported_wire_version(NAME, kwargs, SUPPORTED_VERSIONS, FEATURES['v2'].how):08x}"


def _urls(kwargs: dict[str, Any]) -> list[str]:
    host, port = str(kwargs["host"]), int(kwargs["port"])
    urls = [str(url) for url in kwargs.get("urls") or []]
    if not urls:
        return [f"https://{_address(host, port)}/"]
    for url in urls:
        parts = urlsplit(url)
        if parts.hostname != host.strip("[]") or (parts.port or 443) != port:
            raise ServiceManagerError(f"{NAME}: {url} is not on {host}:{port}; quiche-client connects to one server")
    return urls


def client_args(kwargs: dict[str, Any]) -> list[str]:
    """``quiche-client``: options, then the URLs to fetch."""
    for key in ("retry", "max_streams_bidi"):
        if kwargs.get(key):
            raise ServiceManagerError(f"{NAME}: {key} is a server option; this service is a client")
    if kwargs.get("early_data") and not kwargs.get("session_file"):
        raise ServiceManagerError(
            f"{NAME}: early_data needs session_file (the TLS session of an earlier connection to resume)"
        )
    args = ["--wire-version", _wire_version(kwargs), *common_args(kwargs)]
    if kwargs.get("download_dir"):
        args += ["--dump-responses", str(kwargs["download_dir"])]
    if kwargs.get("verify_peer", True):
        if not kwargs.get("ca_file"):
            raise ServiceManagerError(
                f"{NAME}: verifying the server needs ca_file; set ca_file, or verify_peer: false in the protocol block"
            )
        # The CA goes through SSL_CERT_FILE (run_environment), not --trust-origin-ca-pem:
        # with that option quiche-client loads the CA but never turns verification on.
    else:
        args.append("--no-verify")
    if kwargs.get("session_file"):
        args += ["--session-file", str(kwargs["session_file"])]
    return args + _urls(kwargs)


def run_environment(role: str, kwargs: dict[str, Any]) -> dict[str, str]:
    """What quiche's apps read from the environment: log level, qlog folder, trusted CA."""
    environment = {"RUST_LOG": str(kwargs.get("log_level") or "info")}
    if kwargs.get("qlog_dir"):
        environment["QLOGDIR"] = str(kwargs["qlog_dir"])
    if role == "client" and kwargs.get("verify_peer", True) and kwargs.get("ca_file"):
        # BoringSSL's default verify paths (which quiche-client loads) honour SSL_CERT_FILE.
        environment["SSL_CERT_FILE"] = str(kwargs["ca_file"])
    return environment
