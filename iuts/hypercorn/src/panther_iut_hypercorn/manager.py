"""``HypercornServiceManager``: runs this package's static file server on Hypercorn."""

from __future__ import annotations

from typing import Any, ClassVar

from panther import UnsupportedFeatureError, register_plugin
from panther_base_python.http import PythonHTTPServiceManager

from panther_iut_hypercorn.__about__ import __version__


@register_plugin(
    plugin_type="iut",
    name="hypercorn",
    version=__version__,
    description="Hypercorn (Python): static file server over HTTP/1.1, h2 and h3 (aioquic)",
    supported_protocols=["http"],
    capabilities=["http/1.1", "h2", "h3"],
)
class HypercornServiceManager(PythonHTTPServiceManager):
    http_versions: ClassVar[tuple[str, ...]] = ("http/1.1", "h2", "h3")

    def _get_python_module(self) -> str:
        return "panther_iut_hypercorn.server"

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["--host", str(kwargs["host"]), "--port", str(kwargs["port"])]
        args += ["--root", str(kwargs["document_root"]), "--exchange-log", str(kwargs["exchange_log"])]
        if kwargs["tls"]:
            args += ["--certfile", str(kwargs["cert_file"]), "--keyfile", str(kwargs["key_file"])]
        versions = kwargs["http_versions"]
        if "h2" in versions:
            args.append("--h2")
        if "h3" in versions:
            args.append("--h3")
        return args

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        raise UnsupportedFeatureError("hypercorn is a server: use it with role server")
