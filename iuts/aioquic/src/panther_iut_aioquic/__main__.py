"""``python -m panther_iut_aioquic server|client ...``: the aioquic endpoints the plugin runs.

Each role imports aioquic only once its options are parsed; the server opens its
socket first (:mod:`panther_iut_aioquic.doorman`).
"""

from __future__ import annotations

import argparse
import os
import sys

from panther_iut_aioquic.options import add_client_options, add_server_options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m panther_iut_aioquic", description=__doc__)
    roles = parser.add_subparsers(dest="role", required=True)
    add_server_options(roles.add_parser("server", help="serve a folder over QUIC (hq-interop and h3)"))
    add_client_options(roles.add_parser("client", help="download URLs over QUIC"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.role == "server":
        from panther_iut_aioquic.doorman import Doorman

        doorman = Doorman.open_for(args)
        from panther_iut_aioquic import server

        return server.main(args, doorman)
    from panther_iut_aioquic import client

    return client.main(args)


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
