"""``faulty_http``: Python's HTTP server with one fault, chosen by ``fault``."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from panther import register_plugin
from panther_base_http import HTTPConfig
from panther_base_python.http import PythonHTTPServiceManager


class FaultyHttpConfig(HTTPConfig, kw_only=True, forbid_unknown_fields=True):
    fault: Literal["not_found", "truncated", "http1_only"]


@register_plugin(
    plugin_type="iut",
    name="faulty_http",
    version="0.1.0",
    description="An HTTP server with a fault: 404s, truncated files, or HTTP/1.1 only",
    supported_protocols=["http"],
)
class FaultyHttpServiceManager(PythonHTTPServiceManager):
    config_class = FaultyHttpConfig
    # It claims h2 too, so that a test asking h2 runs and the fault shows.
    http_versions: ClassVar[tuple[str, ...]] = ("http/1.1", "h2")

    def _get_python_module(self) -> str:
        return "panther_test_faulty_http.server"

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["--host", str(kwargs["host"]), "--port", str(kwargs["port"]), "--fault", str(kwargs["fault"])]
        args += ["--root", str(kwargs["document_root"]), "--exchange-log", str(kwargs["exchange_log"])]
        if kwargs["tls"]:
            args += ["--certfile", str(kwargs["cert_file"]), "--keyfile", str(kwargs["key_file"])]
        return args
