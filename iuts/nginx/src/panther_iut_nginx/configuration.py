"""The nginx configuration of one test's server, from the ``http`` protocol's arguments.

One process in the foreground (``master_process off``: no workers to switch user or
outlive it), every file it writes inside the service's folder, the test's document
root served as is, and an access log in the HTTP base's exchange format.
"""

from __future__ import annotations

import json
from typing import Any

CONFIG_FILE = "nginx.conf"

# The HTTP base's exchange record; nginx escapes the values as JSON.
_EXCHANGE_FORMAT = '{"path":"$uri","status":$status,"http_version":"$server_protocol","bytes":$body_bytes_sent}'


def _quoted(value: object) -> str:
    # A JSON string is a valid nginx quoted string: the value cannot end the directive.
    return json.dumps(str(value))


def nginx_configuration(arguments: dict[str, Any]) -> str:
    host, port = str(arguments["host"]), int(arguments["port"])
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    listen = [address]
    tls = bool(arguments["tls"])
    if tls:
        listen.append("ssl")
    if "h2" in arguments["http_versions"]:
        listen.append("http2")
    lines = [
        "daemon off;",
        "master_process off;",
        "pid nginx.pid;",
        "events { worker_connections 64; }",
        "http {",
        "    default_type application/octet-stream;",
        f"    log_format panther escape=json '{_EXCHANGE_FORMAT}';",
        f"    access_log {_quoted(arguments['exchange_log'])} panther;",
        "    client_body_temp_path temp/client_body;",
        "    proxy_temp_path temp/proxy;",
        "    fastcgi_temp_path temp/fastcgi;",
        "    uwsgi_temp_path temp/uwsgi;",
        "    scgi_temp_path temp/scgi;",
        "    server {",
        f"        listen {' '.join(listen)};",
        f"        root {_quoted(arguments['document_root'])};",
    ]
    if tls:
        lines += [
            f"        ssl_certificate {_quoted(arguments['cert_file'])};",
            f"        ssl_certificate_key {_quoted(arguments['key_file'])};",
            "        ssl_protocols TLSv1.2 TLSv1.3;",
        ]
    lines += ["    }", "}"]
    return "\n".join(lines) + "\n"
