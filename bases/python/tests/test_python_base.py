"""PythonServiceMixin and its protocol combinations: commands, interpreter, environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from panther.plugins.manifest import register_plugin
from panther.services.context import ServiceContext
from panther_base_python import PythonServiceMixin
from panther_base_python.http import PythonHTTPServiceManager
from panther_base_python.minip import PythonMinipServiceManager
from panther_base_python.quic import PythonQUICServiceManager


class GuidePythonQuic(PythonQUICServiceManager):
    """The guide's Python example: only the two language methods."""

    def _get_python_module(self) -> str:
        return "your_package.server"

    def _get_async_patterns(self) -> dict[str, str]:
        return {"event_loop": "asyncio", "concurrency_model": "async/await"}


@register_plugin(plugin_type="iut", name="registered_minip")
class RegisteredMinip(PythonMinipServiceManager):
    def _get_python_module(self) -> str:
        return "pinger.main"

    def _get_server_specific_args(self, **kwargs: object) -> list[str]:
        return ["--listen", f"{kwargs['host']}:{kwargs['port']}"]


def _context(tmp_path: Path, environment: str, role: str = "server") -> ServiceContext:
    return ServiceContext(
        name="svc",
        role=role,
        test_name="t",
        host_output_dir=tmp_path,
        output_dir=tmp_path,
        host="127.0.0.1",
        port=5000,
        environment=environment,
    )


def test_guide_subclass_runs_its_module_with_this_interpreter_locally() -> None:
    manager = GuidePythonQuic()
    assert manager.generate_run_argv(role="server") == [sys.executable, "-m", "your_package.server"]
    assert manager.generate_run_argv(role="client") == [sys.executable, "-m", "your_package.server"]
    assert manager.implementation_name == "your_package"
    assert manager._get_async_patterns()["event_loop"] == "asyncio"


def test_in_docker_the_image_interpreter_runs(tmp_path: Path) -> None:
    manager = GuidePythonQuic(context=_context(tmp_path, "docker_compose"))
    assert manager.generate_run_argv(role="server")[:3] == ["python3", "-m", "your_package.server"]


def test_binary_path_names_the_interpreter(tmp_path: Path) -> None:
    config = GuidePythonQuic.config_class(binary_path="/opt/venv/bin/python")
    assert GuidePythonQuic(config).generate_run_argv(role="server")[0] == "/opt/venv/bin/python"


def test_environment_is_unbuffered_and_keeps_the_protocol_part(tmp_path: Path) -> None:
    context = _context(tmp_path, "local")
    context.arguments["keylog_file"] = "/out/keys.log"
    environment = GuidePythonQuic(context=context).get_run_environment("server")
    assert environment == {"PYTHONUNBUFFERED": "1", "SSLKEYLOGFILE": "/out/keys.log"}


def test_protocol_part_stays_with_the_protocol_base(tmp_path: Path) -> None:
    manager = RegisteredMinip(context=_context(tmp_path, "local"))
    assert manager.implementation_name == "registered_minip"
    assert manager.generate_run_argv(role="server") == [
        sys.executable,
        "-m",
        "pinger.main",
        "--listen",
        "127.0.0.1:5000",
    ]
    assert manager.get_readiness_probe("127.0.0.1", 5000) is not None
    assert GuidePythonQuic().get_supported_features()["rfc9000"] is True


def test_http_combination(tmp_path: Path) -> None:
    class Server(PythonHTTPServiceManager):
        def _get_python_module(self) -> str:
            return "http.server"

    manager = Server()
    assert manager.generate_run_argv(role="server") == [sys.executable, "-m", "http.server"]
    assert manager.run_arguments("client")["url"] == "http://127.0.0.1:8080/"


def test_the_generated_command_really_runs(tmp_path: Path) -> None:
    class Json(PythonServiceMixin):
        def _get_python_module(self) -> str:
            return "json.tool"

        def _get_server_specific_args(self, **kwargs: object) -> list[str]:
            return ["--compact"]

    argv = Json().generate_run_argv(role="server")
    done = subprocess.run(argv, input='{ "a" : 1 }', capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == '{"a":1}'
