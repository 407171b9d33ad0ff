"""A static file server on Hypercorn: ``python -m panther_iut_hypercorn.server``.

Serves ``--root`` over HTTP/1.1 (cleartext, or TLS with ``--certfile``/``--keyfile``),
h2 (``--h2``, offered by ALPN next to HTTP/1.1) and h3 (``--h3``, over QUIC on the same
port number, through aioquic). Every response is recorded in ``--exchange-log`` as one
JSON line (path, status, HTTP version as the ASGI scope gives it, bytes sent). SIGTERM
ends it cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config

CHUNK = 1 << 16
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class StaticFiles:
    """An ASGI application serving the files of one folder, recording every exchange."""

    def __init__(self, root: Path, exchange_log: Path) -> None:
        self.root = root.resolve()
        self.log = exchange_log.open("a", buffering=1)

    def _file(self, path: str) -> Path | None:
        candidate = (self.root / path.lstrip("/")).resolve()
        inside = candidate == self.root or self.root in candidate.parents
        return candidate if inside and candidate.is_file() else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = (await receive())["type"]
                if event == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path = scope["path"]
        file = self._file(path) if scope["method"] in ("GET", "HEAD") else None
        sent = 0
        if file is None:
            body = b"not found\n"
            await self._start(send, 404, len(body), "text/plain")
            await send({"type": "http.response.body", "body": body})
            sent = len(body)
        else:
            size = file.stat().st_size
            await self._start(send, 200, size, "application/octet-stream")
            if scope["method"] == "GET":
                with file.open("rb") as stream:
                    while chunk := stream.read(CHUNK):
                        sent += len(chunk)
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        status = 404 if file is None else 200
        record = {"path": path, "status": status, "http_version": scope["http_version"], "bytes": sent}
        self.log.write(json.dumps(record) + "\n")

    @staticmethod
    async def _start(send: Send, status: int, length: int, content_type: str) -> None:
        headers = [(b"content-length", str(length).encode()), (b"content-type", content_type.encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def configure(arguments: argparse.Namespace) -> Config:
    config = Config()
    address = _address(arguments.host, arguments.port)
    config.bind = [address]
    config.accesslog = None
    config.errorlog = "-"
    config.graceful_timeout = 1.0
    if arguments.certfile:
        config.certfile, config.keyfile = arguments.certfile, arguments.keyfile
        config.alpn_protocols = ["h2", "http/1.1"] if arguments.h2 else ["http/1.1"]
    if arguments.h3:
        config.quic_bind = [address]
    return config


async def run(arguments: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    application = StaticFiles(Path(arguments.root), Path(arguments.exchange_log))
    await serve(application, configure(arguments), shutdown_trigger=stop.wait, mode="asgi")  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="panther_iut_hypercorn.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True, help="the folder to serve")
    parser.add_argument("--exchange-log", required=True, help="one JSON line per response")
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    parser.add_argument("--h2", action="store_true", help="offer h2 (needs TLS)")
    parser.add_argument("--h3", action="store_true", help="serve h3 over QUIC (needs TLS)")
    arguments = parser.parse_args(argv)
    if (arguments.h2 or arguments.h3) and not arguments.certfile:
        parser.error("h2 and h3 need --certfile and --keyfile")
    if bool(arguments.certfile) != bool(arguments.keyfile):
        parser.error("--certfile and --keyfile go together")
    asyncio.run(run(arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
