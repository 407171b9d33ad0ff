"""Hypercorn in Docker: the plugin's wheels in its image serve HTTPX (its wheels in
its image) over h2, each in a container of its own; the client's container gets
the CA certificate, never the server's private key."""

from __future__ import annotations

from pathlib import Path

from panther_base_http.testing import assert_http_transfer_passes
from panther_env_docker_compose.environment import CONTAINER_OUTPUT_DIR
from panther_env_docker_compose.testing import container_listing, require_docker


def test_transfer_in_docker(tmp_path: Path) -> None:
    require_docker()
    run = assert_http_transfer_passes(tmp_path, "hypercorn", "httpx", "h2", tls=True, environment="docker_compose")
    test = run.test()
    assert container_listing(test.output_dir, "client", f"{CONTAINER_OUTPUT_DIR}/tls") == ["ca.pem"]
    assert sorted(container_listing(test.output_dir, "server", f"{CONTAINER_OUTPUT_DIR}/tls")) == [
        "ca.pem",
        "cert.pem",
        "key.pem",
    ]
