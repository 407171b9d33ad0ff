"""curl in Docker: Debian's curl package in its image downloads from Hypercorn (the
plugin's wheels in its image) over h2, each in a container of its own; the client's
container gets the CA certificate, never the server's private key."""

from __future__ import annotations

from pathlib import Path

import pytest
from panther.services.context import ServiceContext
from panther_base_http.testing import assert_http_transfer_passes
from panther_env_docker_compose.testing import assert_tls_least_privilege, require_docker
from panther_iut_curl import CurlServiceManager
from panther_iut_curl.manager import IMAGE_HTTP_VERSIONS


def test_transfer_in_docker(tmp_path: Path) -> None:
    require_docker()
    run = assert_http_transfer_passes(tmp_path, "hypercorn", "curl", "h2", tls=True, environment="docker_compose")
    test = run.test()
    assert_tls_least_privilege(test.output_dir)


def test_in_a_container_the_images_curl_decides_the_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no curl on this host
    context = ServiceContext(
        name="client", role="client", test_name="t", host_output_dir=tmp_path, output_dir=tmp_path,
        environment="docker_compose",
    )  # fmt: skip
    manager = CurlServiceManager(context=context)
    manager.prepare()
    assert manager.supported_http_versions() == IMAGE_HTTP_VERSIONS == ("http/1.1", "h2")
    assert "apt-get install -y --no-install-recommends curl ca-certificates" in manager.generate_dockerfile_content()
    assert CurlServiceManager().supported_http_versions() == ("http/1.1",)  # this host's: none
