"""What the command lines of both kinds of programs share: the address to listen on,
the one server a client's URLs may point at, and the role-only keys.

The programs themselves are :mod:`panther_iut_quiche.programs` (PANTHER's own,
the default) and :mod:`panther_iut_quiche.upstream` (quiche's apps).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from panther.services.manager import ServiceManagerError

NAME = "quiche"
# Keys that mean something in one role only: a mistake in the other.
SERVER_KEYS = ("retry", "max_streams_bidi")
CLIENT_KEYS = ("session_file", "resumption")


def address(host: str, port: int) -> str:
    """``HOST:PORT``, with brackets around an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def urls(kwargs: dict[str, Any]) -> list[str]:
    """The URLs a client fetches (the server's root when the test names none), all on
    the server it connects to."""
    host, port = str(kwargs["host"]), int(kwargs["port"])
    listed = [str(url) for url in kwargs.get("urls") or []]
    if not listed:
        return [f"https://{address(host, port)}/"]
    for url in listed:
        parts = urlsplit(url)
        if parts.hostname != host.strip("[]") or (parts.port or 443) != port:
            raise ServiceManagerError(f"{NAME}: {url} is not on {host}:{port}; a quiche client connects to one server")
    return listed


def refuse_other_role_keys(role: str, kwargs: dict[str, Any]) -> None:
    """A key only the other role understands is a mistake in the experiment file."""
    keys, other = (CLIENT_KEYS, "client") if role == "server" else (SERVER_KEYS, "server")
    for key in keys:
        if kwargs.get(key):
            raise ServiceManagerError(f"{NAME}: {key} is a {other} option; this service is a {role}")


def server_head(kwargs: dict[str, Any]) -> list[str]:
    """What both kinds of server take alike: ``--listen HOST:PORT --cert FILE --key FILE
    [--root DIR]``; the certificate and key are required."""
    cert_file, key_file = kwargs.get("cert_file"), kwargs.get("key_file")
    if not cert_file or not key_file:
        raise ServiceManagerError(
            f"{NAME}: a server needs cert_file and key_file (the quic protocol makes them in a test; "
            "set both under implementation: otherwise)"
        )
    refuse_other_role_keys("server", kwargs)
    args = ["--listen", address(str(kwargs["host"]), int(kwargs["port"])), "--cert", str(cert_file)]
    args += ["--key", str(key_file)]
    if kwargs.get("www_dir"):
        args += ["--root", str(kwargs["www_dir"])]
    return args


def ca_file(kwargs: dict[str, Any]) -> str:
    """The CA a verifying client trusts."""
    if not kwargs.get("ca_file"):
        raise ServiceManagerError(
            f"{NAME}: verifying the server needs ca_file; set ca_file, or verify_peer: false in the protocol block"
        )
    return str(kwargs["ca_file"])
