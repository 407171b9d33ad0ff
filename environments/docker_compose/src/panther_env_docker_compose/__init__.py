"""panther-env-docker-compose: the ``docker_compose`` network environment of PANTHER.

``DockerComposeNetworkEnvironment`` (entry point ``docker_compose`` in
``panther.network_environment``) runs each service of a test in a container of its
own, on a Docker network made for the test; ``DockerComposeConfig`` holds its
``network_environment:`` keys. The images come from
:mod:`panther_env_docker_compose.base_image` (a Debian base made locally) and
:mod:`panther_env_docker_compose.implementation_images` (one per implementation);
``panther docker ...`` is :mod:`panther_env_docker_compose.cli`.
"""

from panther_env_docker_compose.__about__ import __version__
from panther_env_docker_compose.environment import DockerComposeConfig, DockerComposeNetworkEnvironment

__all__ = ["__version__", "DockerComposeConfig", "DockerComposeNetworkEnvironment"]
