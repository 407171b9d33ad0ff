"""``CurlServiceManager``: curl fetching the test's URLs into its download folder.

curl prints one exchange record per transfer (``--write-out``) on its standard
output, which the harness keeps: that is its exchange log. It does not fail on an
HTTP error status (no ``--fail``): the status is the harness's to judge.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from panther import ServiceManagerError, ServiceOutcome, UnsupportedFeatureError, register_plugin
from panther.services.docker_build import packaged_dockerfile
from panther_base_http import BaseHTTPServiceManager

from panther_iut_curl.__about__ import __version__

# The HTTP base's exchange record, one line per transfer.
WRITE_OUT = (
    '{"url":"%{url_effective}","status":%{response_code},"http_version":"%{http_version}","bytes":%{size_download}}\\n'
)
VERSION_FLAGS = {"http/1.1": "--http1.1", "h2": "--http2", "h3": "--http3-only"}
# `curl --version` feature names of the versions beyond HTTP/1.1.
FEATURES = {"h2": "HTTP2", "h3": "HTTP3"}
# What the image's curl speaks: Debian bookworm's package (7.88, built with nghttp2, without HTTP/3).
IMAGE_HTTP_VERSIONS = ("http/1.1", "h2")


@cache
def curl_http_versions(curl: str) -> tuple[str, ...]:
    """The HTTP versions the installed curl was built with, from ``curl --version``."""
    try:
        output = subprocess.run([curl, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return ("http/1.1",)
    features = next((line.split()[1:] for line in output.splitlines() if line.startswith("Features:")), [])
    return ("http/1.1", *(version for version, feature in FEATURES.items() if feature in features))


@register_plugin(
    plugin_type="iut",
    name="curl",
    version=__version__,
    description="curl: download client over HTTP/1.1, h2, and h3 when built with it",
    supported_protocols=["http"],
    capabilities=["http/1.1", "h2"],
)
class CurlServiceManager(BaseHTTPServiceManager):
    def _get_implementation_name(self) -> str:
        return "curl"

    def _get_binary_name(self) -> str:
        return "curl"

    @property
    def _in_container(self) -> bool:
        return self.context is not None and self.context.environment != "local"

    def supported_http_versions(self) -> tuple[str, ...]:
        # What this curl speaks, not what curl can be built with.
        if self._in_container:
            return IMAGE_HTTP_VERSIONS
        curl = self.find_binary()
        return curl_http_versions(curl) if curl else ("http/1.1",)

    def generate_dockerfile_content(self) -> str:
        """Debian bookworm's curl package (its versions: ``IMAGE_HTTP_VERSIONS``)."""
        return packaged_dockerfile("curl", ["curl", "ca-certificates"])

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        if self._in_container:
            return  # the image of generate_dockerfile_content() holds Debian's curl
        if self.find_binary() is None:
            raise ServiceManagerError("curl is not installed: install Debian's curl package (or set binary_path)")

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["--silent", "--show-error", VERSION_FLAGS[kwargs["http_version"]], "--write-out", WRITE_OUT]
        if kwargs.get("ca_file"):
            args += ["--cacert", str(kwargs["ca_file"])]
        if kwargs.get("download_dir"):
            args += ["--output-dir", str(kwargs["download_dir"]), "--remote-name-all"]
        else:
            args += ["--output", "/dev/null"]
        return [*args, *(str(url) for url in kwargs["urls"] or [kwargs["url"]])]

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        raise UnsupportedFeatureError("curl is a client: use it with role client")

    def exchange_log(self, outcome: ServiceOutcome) -> Path | None:
        return outcome.stdout
