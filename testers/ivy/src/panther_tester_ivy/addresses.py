"""Addresses as Ivy's testers take them: an IPv4 address as one hexadecimal number."""

from __future__ import annotations

import ipaddress
import socket

from panther.services.manager import UnsupportedFeatureError


def ivy_address(host: str) -> str:
    """``127.0.0.1`` -> ``0x7f000001``; a name is resolved to its first IPv4 address."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.gethostbyname(host))
        except OSError as exc:
            raise UnsupportedFeatureError(f"panther_ivy: cannot resolve {host!r} to an IPv4 address: {exc}") from None
    if address.version != 4:
        raise UnsupportedFeatureError(f"panther_ivy: Ivy's UDP speaks IPv4 only, and {host} is an IPv6 address")
    return f"0x{int(address):08x}"
