"""``python -m panther_test_faulty_http.server``: an HTTP/1.1 file server with one fault."""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    for option in ("--host", "--root", "--exchange-log", "--certfile", "--keyfile"):
        parser.add_argument(option)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--fault", choices=("not_found", "truncated", "http1_only"), required=True)
    arguments = parser.parse_args()
    root, log = Path(arguments.root), Path(arguments.exchange_log)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            file = root / self.path.lstrip("/")
            status, body = 404, b"not found\n"
            if arguments.fault != "not_found" and file.is_file():
                status, body = 200, file.read_bytes()
                if arguments.fault == "truncated":
                    body = body[: len(body) // 2]
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            record = {"path": self.path, "status": status, "http_version": self.request_version, "bytes": len(body)}
            with log.open("a") as stream:
                stream.write(json.dumps(record) + "\n")

    ThreadingHTTPServer.address_family = socket.AF_INET6 if ":" in arguments.host else socket.AF_INET
    server = ThreadingHTTPServer((arguments.host, arguments.port), Handler)
    if arguments.certfile:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.certfile, arguments.keyfile)
        # Only HTTP/1.1 on offer, whatever the client would prefer.
        context.set_alpn_protocols(["http/1.1"])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
