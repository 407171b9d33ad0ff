"""A UDP echo server and client in containers whose image builds in seconds.

The server answers every datagram with ``echo:`` and the datagram; the client sends
``count`` pings and exits 0 when every answer came back right. Both are baked into
the image by the manager's own Dockerfile, on whatever image the environment gives
for ``PANTHER_RUNTIME_IMAGE`` (the base image: the default named here does not exist).
"""

from __future__ import annotations

import json
from typing import Any

from panther import BaseProtocol, BaseServiceManager, ImplementationConfig, register_plugin
from panther.services.docker_build import RUNTIME_IMAGE_ARG

from panther_test_docker_echo.__about__ import __version__

SERVER = """
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((host, port))
print("listening", host, port, flush=True)
while True:
    data, peer = sock.recvfrom(2048)
    sock.sendto(b"echo:" + data, peer)
"""

CLIENT = """
import socket, sys
host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(5)
for i in range(count):
    sock.sendto(f"ping {i}".encode(), (host, port))
    answer = sock.recvfrom(2048)[0].decode()
    if answer != f"echo:ping {i}":
        sys.exit(f"ping {i}: got {answer!r}")
print(f"{count} echoes", flush=True)
"""


class DockerEchoConfig(ImplementationConfig, kw_only=True, forbid_unknown_fields=True):
    marker: str = ""
    build_seconds: int = 0
    count: int = 3


@register_plugin(plugin_type="protocol", name="udp_echo")
class UdpEchoProtocol(BaseProtocol):
    name = "udp_echo"
    transport = "udp"
    default_port = 7007


@register_plugin(plugin_type="iut", name="docker_echo", supported_protocols=["udp_echo"])
class DockerEchoServiceManager(BaseServiceManager):
    config_class = DockerEchoConfig

    def _get_implementation_name(self) -> str:
        return "docker_echo"

    def _get_binary_name(self) -> str:
        return "python3"

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return ["/opt/echo/server.py", kwargs["host"], str(kwargs["port"])]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return ["/opt/echo/client.py", kwargs["host"], str(kwargs["port"]), str(kwargs["count"])]

    def generate_dockerfile_content(self) -> str | None:
        assert isinstance(self.config, DockerEchoConfig)
        write = (
            "import pathlib; folder = pathlib.Path('/opt/echo'); folder.mkdir();"
            f" (folder / 'server.py').write_text({SERVER!r}); (folder / 'client.py').write_text({CLIENT!r})"
        )
        lines = [
            f"ARG {RUNTIME_IMAGE_ARG}=example.invalid/absent:1",
            f"FROM ${{{RUNTIME_IMAGE_ARG}}}",
            f"LABEL org.panther.test-marker={json.dumps(self.config.marker)}",
        ]
        if self.config.build_seconds:
            lines.append(f'RUN ["sleep", "{self.config.build_seconds}"]')
        lines.append(f"RUN {json.dumps(['python3', '-c', write])}")
        return "\n".join(lines) + "\n"


__all__ = ["__version__", "DockerEchoConfig", "DockerEchoServiceManager", "UdpEchoProtocol"]
