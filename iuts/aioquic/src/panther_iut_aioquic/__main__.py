"""``python -m panther_iut_aioquic server|client ...``: the aioquic endpoints the plugin runs."""

from __future__ import annotations

import argparse
import os
import sys

from panther_iut_aioquic import client, server


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m panther_iut_aioquic", description=__doc__)
    roles = parser.add_subparsers(dest="role", required=True)
    server.add_server_options(roles.add_parser("server", help="serve a folder over QUIC (hq-interop and h3)"))
    client.add_client_options(roles.add_parser("client", help="download URLs over QUIC"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return server.main(args) if args.role == "server" else client.main(args)


def exit_now(code: int) -> None:
    """End the process without the interpreter's teardown.

    Everything the endpoint writes (downloads, key log, qlog traces) is closed by the
    time :func:`main` returns; what remains is freeing the objects of aioquic and
    cryptography, module by module, which takes a stopped server 0.1 to 0.4 s that the
    test waits for.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
