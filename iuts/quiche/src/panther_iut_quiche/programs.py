"""PANTHER's own quiche programs (``programs: panther``, the default):
``panther-quiche-server`` and ``panther-quiche-client``, and their command lines.

They are Rust source in ``programs/`` (a cargo package over the quiche crate from
crates.io), built by the Rust base on first use and kept in the user's cache. Every
option here is one of their options (``--help`` of either program); the key log and
the qlog folder are given as options too, so that ``command.txt`` shows them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panther.services.manager import ServiceManagerError, UnsupportedFeatureError
from panther_base_quic.versions import supported_wire_version
from panther_base_rust.cargo import CargoProject

from panther_iut_quiche.commands import NAME, ca_file, refuse_other_role_keys, server_head, urls
from panther_iut_quiche.options import ALPNS, FEATURES, HTTP_VERSIONS, SUPPORTED_VERSIONS

SERVER_PROGRAM, CLIENT_PROGRAM = "panther-quiche-server", "panther-quiche-client"

PROJECT = CargoProject(
    path=Path(__file__).parent / "programs",
    package="panther-quiche",
    version="0.1.0",
    binaries=(SERVER_PROGRAM, CLIENT_PROGRAM),
    rust_version="1.88",
    requirements="Rust 1.88 or newer, plus cmake, a C/C++ compiler and libclang, with which the boring crate builds "
    "BoringSSL",
)


def _alpns(kwargs: dict[str, Any], role: str) -> str:
    """--alpn: the test's ALPN; ``http_version: all`` lets a server accept both."""
    alpn = str(kwargs.get("alpn") or "hq-interop")
    if alpn not in ALPNS:
        raise UnsupportedFeatureError(f"{NAME}: ALPN {alpn!r} is not supported (quiche speaks {', '.join(ALPNS)})")
    configured = kwargs.get("http_version")
    if configured == "all" and role == "server":
        return ",".join(ALPNS)
    if configured and configured not in ("all", HTTP_VERSIONS[alpn]):
        raise ServiceManagerError(
            f"{NAME}: http_version {configured!r} contradicts the test's ALPN {alpn!r} (which is {HTTP_VERSIONS[alpn]})"
        )
    return alpn


def _milliseconds(seconds: Any) -> str:
    return str(round(float(seconds) * 1000))


def common_args(kwargs: dict[str, Any], role: str) -> list[str]:
    """Options both programs take."""
    args = ["--alpn", _alpns(kwargs, role)]
    args += ["--handshake-timeout", _milliseconds(kwargs.get("handshake_timeout", 10.0))]
    if kwargs.get("idle_timeout") is not None:
        args += ["--idle-timeout", _milliseconds(kwargs["idle_timeout"])]
    if kwargs.get("congestion_control"):
        args += ["--cc", str(kwargs["congestion_control"])]
    if kwargs.get("early_data"):
        args.append("--early-data")
    if kwargs.get("keylog_file"):
        args += ["--keylog-file", str(kwargs["keylog_file"])]
    if kwargs.get("qlog_dir"):
        args += ["--qlog-dir", str(kwargs["qlog_dir"])]
    return args


def server_args(kwargs: dict[str, Any]) -> list[str]:
    """``panther-quiche-server``: where to listen, the certificate, the folder to serve."""
    args = server_head(kwargs)
    args += common_args(kwargs, "server")
    if kwargs.get("max_streams_bidi") is not None:
        args += ["--max-streams-bidi", str(int(kwargs["max_streams_bidi"]))]
    if kwargs.get("retry"):
        args.append("--retry")
    return args


def client_args(kwargs: dict[str, Any]) -> list[str]:
    """``panther-quiche-client``: the options, then the URLs to fetch."""
    refuse_other_role_keys("client", kwargs)
    if kwargs.get("early_data") and not (kwargs.get("resumption") or kwargs.get("session_file")):
        raise ServiceManagerError(
            f"{NAME}: early_data needs a session to resume: resumption: true (a first connection in the same run) "
            "or session_file"
        )
    wire = supported_wire_version(NAME, kwargs, SUPPORTED_VERSIONS, FEATURES["v2"].how)
    args = ["--version", f"{wire:08x}", *common_args(kwargs, "client")]
    if kwargs.get("download_dir"):
        args += ["--download-dir", str(kwargs["download_dir"])]
    if kwargs.get("verify_peer", True):
        args += ["--ca-file", ca_file(kwargs)]
    else:
        args.append("--no-verify")
    if kwargs.get("session_file"):
        args += ["--session-file", str(kwargs["session_file"])]
    if kwargs.get("resumption"):
        args.append("--resumption")
    return args + urls(kwargs)
