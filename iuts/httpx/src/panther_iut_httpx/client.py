"""A download client on HTTPX: ``python -m panther_iut_httpx.client URL...``.

Fetches every URL on one connection, in order, and writes each body into
``--download-dir`` under the URL's last path segment, whatever the status (judging
the status is the harness's business). ``--http-version h2`` offers h2 and HTTP/1.1
by ALPN, as browsers do, and uses what the server picks; ``http/1.1`` offers HTTP/1.1
only. Every response is recorded in ``--exchange-log`` as one JSON line (URL, status,
HTTP version as HTTPX reports it, bytes received). Exit code 1 when a request fails
at the transport level (connection, TLS, protocol error), 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import httpx


def _tls(ca_file: str | None) -> ssl.SSLContext:
    # create_default_context honours SSLKEYLOGFILE, so the session keys are logged.
    return ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()


def fetch(client: httpx.Client, url: str, folder: Path, log: Path) -> None:
    target = folder / (PurePosixPath(urlsplit(url).path).name or "index.html")
    received = 0
    with client.stream("GET", url) as response, target.open("wb") as output:
        for chunk in response.iter_raw():
            output.write(chunk)
            received += len(chunk)
    record = {"url": url, "status": response.status_code, "http_version": response.http_version, "bytes": received}
    with log.open("a") as stream:
        stream.write(json.dumps(record) + "\n")
    print(f"{response.status_code} {response.http_version} {url} ({received} bytes)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="panther_iut_httpx.client", description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--http-version", choices=("http/1.1", "h2"), default="http/1.1")
    parser.add_argument("--download-dir", type=Path, default=Path("."))
    parser.add_argument("--exchange-log", type=Path, required=True)
    parser.add_argument("--ca-file")
    arguments = parser.parse_args(argv)
    arguments.download_dir.mkdir(parents=True, exist_ok=True)
    h2 = arguments.http_version == "h2"
    try:
        with httpx.Client(http1=True, http2=h2, verify=_tls(arguments.ca_file), timeout=30.0) as client:
            for url in arguments.urls:
                fetch(client, url, arguments.download_dir, arguments.exchange_log)
    except httpx.HTTPError as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
