"""``relay.json``: what the environment asks one relay process to do.

The environment that owns the path (``local``, ``docker_compose``) writes it;
``python -m panther.netpath relay.json`` reads it. File descriptors are given when the
environment has already bound the relay's sockets (``local`` does, so that the clients'
address exists before anything starts); otherwise the relay binds ``listen`` itself.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from panther.netpath.config import PathConfig

Endpoint = tuple[str, int]


class RouteSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    server: str
    clients: list[str]
    # Where the clients send (the relay's side of the client leg) ...
    listen: Endpoint
    # ... and where the server listens.
    target: Endpoint
    listen_fd: int | None = None


class RelaySpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    folder: str
    seed: int
    settings: PathConfig
    routes: list[RouteSpec]
    # Written to (one byte) once the relay forwards; then closed.
    ready_fd: int | None = None
    # The read end of a pipe the harness holds open: end of file means the harness is
    # gone (or done), and the relay finishes.
    lifeline_fd: int | None = None


def read_spec(path: Path) -> RelaySpec:
    return msgspec.json.decode(Path(path).read_bytes(), type=RelaySpec)


def write_spec(path: Path, spec: RelaySpec) -> None:
    path.write_bytes(msgspec.json.format(msgspec.json.encode(spec), indent=2) + b"\n")
