"""``HttpxServiceManager``: runs this package's HTTPX download client."""

from __future__ import annotations

from typing import Any, ClassVar

from panther import UnsupportedFeatureError, register_plugin
from panther_base_python.http import PythonHTTPServiceManager

from panther_iut_httpx.__about__ import __version__


@register_plugin(
    plugin_type="iut",
    name="httpx",
    version=__version__,
    description="HTTPX (Python): download client over HTTP/1.1 and h2",
    supported_protocols=["http"],
    capabilities=["http/1.1", "h2"],
)
class HttpxServiceManager(PythonHTTPServiceManager):
    http_versions: ClassVar[tuple[str, ...]] = ("http/1.1", "h2")

    def _get_python_module(self) -> str:
        return "panther_iut_httpx.client"

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["--http-version", str(kwargs["http_version"]), "--exchange-log", str(kwargs["exchange_log"])]
        if kwargs.get("download_dir"):
            args += ["--download-dir", str(kwargs["download_dir"])]
        if kwargs.get("ca_file"):
            args += ["--ca-file", str(kwargs["ca_file"])]
        return [*args, *(str(url) for url in kwargs["urls"] or [kwargs["url"]])]

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        raise UnsupportedFeatureError("httpx is a client: use it with role client")
