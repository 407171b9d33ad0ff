"""A manager's ``docker_build_context``: the files its Dockerfile copies, written only
when the image is built, the image built inside the block; and ``container_listing``,
with which plugin tests see a folder as a service's container saw it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from panther.services.manager import BaseServiceManager, ServiceManagerError
from panther_env_docker_compose.cleanup import SERVICE_LABEL
from panther_env_docker_compose.engine import DockerBuildError
from panther_env_docker_compose.implementation_images import implementation_image
from panther_env_docker_compose.testing import container_listing


class ContextManager(BaseServiceManager):
    base_image = ""
    marker = ""
    written: list[Path] = []

    def _get_implementation_name(self) -> str:
        return "context_probe"

    def _get_binary_name(self) -> str:
        return "cat"

    def generate_dockerfile_content(self) -> str:
        return f"FROM {self.base_image}\nLABEL org.panther.test-marker={self.marker}\nCOPY payload /payload\n"

    @contextmanager
    def _context(self, folder: Path) -> Iterator[None]:
        (folder / "payload").write_text(self.marker + "\n")
        self.written.append(folder)
        yield

    def docker_build_context(self, folder: Path) -> Any:
        return self._context(folder)


class RefusingManager(ContextManager):
    def docker_build_context(self, folder: Path) -> Any:
        raise ServiceManagerError("context_probe: no toolchain here")


def test_the_build_context_reaches_the_image_and_is_written_once(
    docker_client: Any, base_image: str, tmp_path: Path
) -> None:
    ContextManager.base_image = base_image
    ContextManager.marker = uuid.uuid4().hex
    ContextManager.written = []
    manager = ContextManager()
    tag = implementation_image(manager, base_image=base_image, build=True, log_path=tmp_path / "build.log")
    try:
        assert (
            docker_client.containers.run(tag, ["cat", "/payload"], remove=True).decode().strip()
            == ContextManager.marker
        )
        # The image exists: a second call builds nothing and writes no context.
        assert implementation_image(manager, base_image=base_image, build=True, log_path=tmp_path / "again.log") == tag
        assert len(ContextManager.written) == 1
    finally:
        docker_client.images.remove(tag, force=True)


def test_a_build_context_that_cannot_be_written_fails_the_build(base_image: str, tmp_path: Path) -> None:
    RefusingManager.base_image = base_image
    RefusingManager.marker = uuid.uuid4().hex
    with pytest.raises(DockerBuildError, match=r"building image panther/context_probe:\w+ failed: .*no toolchain here"):
        implementation_image(RefusingManager(), base_image=base_image, build=True, log_path=tmp_path / "build.log")


def test_container_listing_sees_what_the_container_saw(docker_client: Any, base_image: str, tmp_path: Path) -> None:
    client_dir = tmp_path / "client"
    (client_dir / "tls").mkdir(parents=True)
    (client_dir / "tls" / "ca.pem").write_text("certificate")
    compose = {
        "services": {
            "panther-client": {
                "image": base_image,
                "volumes": [f"{client_dir}:/panther/output"],
                "labels": {SERVICE_LABEL: "client"},
            }
        }
    }
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(compose))
    assert container_listing(tmp_path, "client", "/panther/output/tls") == ["ca.pem"]
    # A key that reached the client's folder is in the listing: the Docker tests' check sees it.
    (client_dir / "tls" / "key.pem").write_text("-----BEGIN PRIVATE KEY-----")
    assert container_listing(tmp_path, "client", "/panther/output/tls") == ["ca.pem", "key.pem"]
