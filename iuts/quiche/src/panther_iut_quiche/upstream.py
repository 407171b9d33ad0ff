"""quiche's own apps, ``quiche-server`` and ``quiche-client`` (``programs: upstream``):
their command lines and environment, per role.

The options are those of quiche's ``apps`` (apps/src/args.rs, docopt usage strings);
the key log and qlog folder are read from ``SSLKEYLOGFILE`` and ``QLOGDIR``
(apps/src/client.rs, apps/src/bin/quiche-server.rs). Every option used here was run
against the real programs (see the README). A request they cannot honour raises
:class:`UnsupportedFeatureError` instead of being left out.
"""

from __future__ import annotations

from typing import Any

from panther.services.manager import ServiceManagerError, UnsupportedFeatureError
from panther_base_quic.versions import supported_wire_version

from panther_iut_quiche.commands import NAME, ca_file, refuse_other_role_keys, server_head, urls
from panther_iut_quiche.options import FEATURES, HTTP_VERSIONS, SUPPORTED_VERSIONS, UPSTREAM_FEATURES

SERVER_PROGRAM, CLIENT_PROGRAM = "quiche-server", "quiche-client"
DEFAULT_HANDSHAKE_TIMEOUT = 10.0


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
            f"{NAME}: handshake_timeout {handshake_timeout} is not supported: "
            f"{UPSTREAM_FEATURES['handshake_timeout'].how}"
        )
    if kwargs.get("resumption"):
        raise UnsupportedFeatureError(f"{NAME}: resumption is not supported by quiche's apps (programs: upstream)")
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
    args = server_head(kwargs)
    if kwargs.get("max_streams_bidi") is not None:
        args += ["--max-streams-bidi", str(int(kwargs["max_streams_bidi"]))]
    args += common_args(kwargs)
    if not kwargs.get("retry"):
        args.append("--no-retry")
    return args


def client_args(kwargs: dict[str, Any]) -> list[str]:
    """``quiche-client``: options, then the URLs to fetch."""
    refuse_other_role_keys("client", kwargs)
    if kwargs.get("early_data") and not kwargs.get("session_file"):
        raise ServiceManagerError(
            f"{NAME}: early_data needs session_file (the TLS session of an earlier connection to resume)"
        )
    wire = supported_wire_version(NAME, kwargs, SUPPORTED_VERSIONS, FEATURES["v2"].how)
    args = ["--wire-version", f"{wire:08x}", *common_args(kwargs)]
    if kwargs.get("download_dir"):
        args += ["--dump-responses", str(kwargs["download_dir"])]
    if kwargs.get("verify_peer", True):
        # The CA goes through SSL_CERT_FILE (run_environment), not --trust-origin-ca-pem:
        # with that option quiche-client loads the CA but never turns verification on.
        ca_file(kwargs)
    else:
        args.append("--no-verify")
    if kwargs.get("session_file"):
        args += ["--session-file", str(kwargs["session_file"])]
    return args + urls(kwargs)


def run_environment(role: str, kwargs: dict[str, Any]) -> dict[str, str]:
    """What quiche's apps read from the environment: qlog folder, trusted CA."""
    environment = {}
    if kwargs.get("qlog_dir"):
        environment["QLOGDIR"] = str(kwargs["qlog_dir"])
    if role == "client" and kwargs.get("verify_peer", True) and kwargs.get("ca_file"):
        # BoringSSL's default verify paths (which quiche-client loads) honour SSL_CERT_FILE.
        environment["SSL_CERT_FILE"] = str(kwargs["ca_file"])
    return environment
