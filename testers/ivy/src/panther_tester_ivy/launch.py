"""Start a compiled tester inside a container, where peers are known by name only.

``python3 launch.py BINARY name=value ...`` runs BINARY with the same arguments,
except that a value ``@host`` becomes the IPv4 address of ``host`` in Ivy's
hexadecimal form, and ``@self`` the container's own address. It uses nothing but the
standard library, because it is copied into the tester's image as it is.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

SELF = "@self"


def resolve(value: str) -> str:
    """``@name`` -> ``0x0a000002``; any other value is returned unchanged."""
    if not value.startswith("@"):
        return value
    host = socket.gethostname() if value == SELF else value[1:]
    address = ipaddress.IPv4Address(socket.gethostbyname(host))
    return f"0x{int(address):08x}"


def arguments(argv: list[str]) -> list[str]:
    resolved = []
    for item in argv:
        name, sep, value = item.partition("=")
        resolved.append(f"{name}={resolve(value)}" if sep else item)
    return resolved


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: launch.py BINARY [name=value|name=@host ...]")
    binary, rest = argv[0], arguments(argv[1:])
    os.execv(binary, [binary, *rest])  # noqa: S606 - an argv, as the harness built it


if __name__ == "__main__":
    main(sys.argv[1:])
