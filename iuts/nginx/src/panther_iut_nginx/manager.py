"""``NginxServiceManager``: nginx serving the test's files, from a configuration
written into the service's folder before it starts (``write_service_files``)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, ClassVar

from panther import ServiceContext, ServiceManagerError, UnsupportedFeatureError, register_plugin
from panther.services.docker_build import packaged_dockerfile
from panther_base_http import BaseHTTPServiceManager

from panther_iut_nginx.__about__ import __version__
from panther_iut_nginx.configuration import CONFIG_FILE, nginx_configuration


@register_plugin(
    plugin_type="iut",
    name="nginx",
    version=__version__,
    description="nginx: static file server over HTTP/1.1 and h2",
    supported_protocols=["http"],
    capabilities=["http/1.1", "h2"],
)
class NginxServiceManager(BaseHTTPServiceManager):
    http_versions: ClassVar[tuple[str, ...]] = ("http/1.1", "h2")

    def _get_implementation_name(self) -> str:
        return "nginx"

    def _get_binary_name(self) -> str:
        return "nginx"

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        if self.context is not None and self.context.environment != "local":
            return  # the image of generate_dockerfile_content() holds Debian's nginx
        if self.find_binary() is None:
            raise ServiceManagerError("nginx is not installed: install Debian's nginx package (or set binary_path)")

    def generate_dockerfile_content(self) -> str:
        """Debian bookworm's nginx package (1.22: HTTP/1.1 and h2, no h3)."""
        return packaged_dockerfile("nginx", ["nginx-light"])

    def write_service_files(self, context: ServiceContext) -> None:
        arguments = self.run_arguments(context.role)
        if context.role == "server":
            (context.host_output_dir / "temp").mkdir(exist_ok=True)
            (context.host_output_dir / CONFIG_FILE).write_text(nginx_configuration(arguments))

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        folder = PurePosixPath(str(kwargs["output_dir"]))
        # -p: every relative path of nginx's is inside the service's folder; -e: errors to stderr.
        return ["-c", str(folder / CONFIG_FILE), "-p", f"{folder}/", "-e", "stderr"]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        raise UnsupportedFeatureError("nginx is a server: use it with role server")
