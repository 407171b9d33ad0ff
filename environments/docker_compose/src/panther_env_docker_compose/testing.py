"""Helpers for the Docker tests of plugin distributions.

``require_docker()`` skips the calling test when the Docker engine does not answer
(or fails it, when ``PANTHER_REQUIRE_PEERS`` names ``docker``), and makes the base
image when it is missing and can be made here. ``container_listing()`` lists a
folder as a service's container saw it; ``assert_tls_least_privilege()`` checks with it
that a client's container holds the CA certificate only, and the server's its key too.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from panther.testing import require_peer

from panther_env_docker_compose.base_image import DEFAULT_BASE_IMAGE, build_base_image
from panther_env_docker_compose.cleanup import SERVICE_LABEL
from panther_env_docker_compose.engine import DockerUnavailableError, connect, image_exists
from panther_env_docker_compose.environment import CONTAINER_OUTPUT_DIR


def require_docker(base_image: str = DEFAULT_BASE_IMAGE) -> None:
    """The engine answers and ``base_image`` exists (made with debootstrap when it can be)."""
    try:
        connect()
    except DockerUnavailableError as exc:
        require_peer("docker", False, str(exc))
    if not image_exists(base_image):
        can_make = shutil.which("debootstrap") is not None and os.geteuid() == 0
        require_peer("docker", can_make, f"make the base image with `panther docker base-image --tag {base_image}`")
        build_base_image(base_image)


def container_listing(test_dir: Path, service: str, folder: str) -> list[str]:
    """The names in ``folder`` (a path inside the container) as ``service``'s container
    of the test in ``test_dir`` sees it: a container of the same image, with the same
    mounts and user, as the test's ``docker-compose.yml`` records them."""
    import yaml

    document = yaml.safe_load((test_dir / "docker-compose.yml").read_text())
    entry = next(value for name, value in document["services"].items() if value["labels"].get(SERVICE_LABEL) == service)
    volumes = {}
    for volume in entry["volumes"]:
        host, container = volume.rsplit(":", 1)
        volumes[host] = {"bind": container, "mode": "ro"}
    output = connect().containers.run(
        entry["image"],
        ["ls", "-A", folder],
        volumes=volumes,
        user=entry.get("user") or "",
        remove=True,
        network_mode="none",
    )
    return sorted(output.decode().split())


def assert_tls_least_privilege(test_dir: Path, client: str = "client", server: str | None = "server") -> None:
    """The client's container of the test in ``test_dir`` sees the CA certificate in its
    TLS folder and nothing else (never the server's private key); the server's sees
    the CA certificate, its certificate and its key."""
    tls = f"{CONTAINER_OUTPUT_DIR}/tls"
    assert container_listing(test_dir, client, tls) == ["ca.pem"]
    if server is not None:
        assert container_listing(test_dir, server, tls) == ["ca.pem", "cert.pem", "key.pem"]
