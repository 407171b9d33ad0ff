"""The engine and the base image, for every test that runs containers."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from panther.testing import require_peer
from panther_env_docker_compose.base_image import DEFAULT_BASE_IMAGE, build_base_image
from panther_env_docker_compose.engine import DockerUnavailableError, connect, image_exists


@pytest.fixture(scope="session")
def docker_client() -> Any:
    try:
        return connect()
    except DockerUnavailableError as exc:
        require_peer("docker", False, str(exc))


@pytest.fixture(scope="session")
def base_image(docker_client: Any) -> str:
    """The base image, made once (debootstrap takes minutes) and reused while it exists."""
    tag = DEFAULT_BASE_IMAGE
    if not image_exists(tag) and (shutil.which("debootstrap") is None or os.geteuid() != 0):
        require_peer("docker", False, f"{tag} is absent and making it needs debootstrap, run as root")
    build_base_image(tag)
    return tag


@pytest.fixture
def image_marker(docker_client: Any, base_image: str) -> Iterator[str]:
    """A marker no image has yet; the images made with it are removed afterwards."""
    marker = uuid.uuid4().hex
    yield marker
    for image in docker_client.images.list(filters={"label": f"org.panther.test-marker={marker}"}):
        docker_client.images.remove(image.id, force=True)
