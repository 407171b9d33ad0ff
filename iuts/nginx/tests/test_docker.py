"""nginx in Docker: Debian's nginx package in its image serves curl (Debian's curl
package in its image) over h2, each in a container of its own; the client's
container gets the CA certificate, never the server's private key."""

from __future__ import annotations

from pathlib import Path

import pytest
from panther.services.context import ServiceContext
from panther.services.manager import ServiceManagerError
from panther_base_http.testing import assert_http_transfer_passes
from panther_env_docker_compose.testing import assert_tls_least_privilege, require_docker
from panther_iut_nginx import NginxServiceManager


def test_transfer_in_docker(tmp_path: Path) -> None:
    require_docker()
    run = assert_http_transfer_passes(tmp_path, "nginx", "curl", "h2", tls=True, environment="docker_compose")
    test = run.test()
    assert_tls_least_privilege(test.output_dir)


def _container_context(tmp_path: Path) -> ServiceContext:
    return ServiceContext(
        name="server", role="server", test_name="t", host_output_dir=tmp_path, output_dir=tmp_path,
        environment="docker_compose",
    )  # fmt: skip


def test_in_a_container_the_image_holds_nginx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no nginx on this host
    NginxServiceManager(context=_container_context(tmp_path)).prepare()
    text = NginxServiceManager().generate_dockerfile_content()
    assert "apt-get install -y --no-install-recommends nginx-light" in text
    # On this host, the missing program is still named.
    with pytest.raises(ServiceManagerError, match="nginx is not installed"):
        NginxServiceManager().prepare()
