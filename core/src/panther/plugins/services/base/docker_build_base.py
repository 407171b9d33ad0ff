"""``DockerBuilderFactory`` at the import path of the IUT development guide."""

from panther.services.docker_build import DockerBuilderFactory

__all__ = ["DockerBuilderFactory"]
