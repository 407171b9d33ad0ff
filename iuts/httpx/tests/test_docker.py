"""HTTPX in Docker: the plugin's wheels in its image download from nginx (Debian's
package in its image) over HTTP/1.1, each in a container of its own; the client's
container gets the CA certificate, never the server's private key."""

from __future__ import annotations

from pathlib import Path

from panther_base_http.testing import assert_http_transfer_passes
from panther_env_docker_compose.testing import assert_tls_least_privilege, require_docker


def test_transfer_in_docker(tmp_path: Path) -> None:
    require_docker()
    run = assert_http_transfer_passes(tmp_path, "nginx", "httpx", "http/1.1", tls=True, environment="docker_compose")
    test = run.test()
    assert_tls_least_privilege(test.output_dir)
