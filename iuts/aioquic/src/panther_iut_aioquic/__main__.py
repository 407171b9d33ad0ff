"""``python -m panther_iut_aioquic server|client ...``: the aioquic endpoints the plugin runs."""

from __future__ import annotations

import argparse
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


if __name__ == "__main__":
    sys.exit(main())
