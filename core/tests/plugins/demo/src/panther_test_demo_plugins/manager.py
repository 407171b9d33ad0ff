"""The ``demo_echo`` and ``demo_echo_tcp`` service managers and their configuration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from panther import (
    BaseServiceManager,
    Check,
    ImplementationConfig,
    ServiceContext,
    ServiceManagerError,
    ServiceOutcome,
    UnsupportedFeatureError,
    register_plugin,
)

SETTINGS = "settings.json"

Behaviour = Literal["normal", "crash", "hang", "never_ready", "unsupported", "argv_echo"]
Preparation = Literal["nothing", "build", "fail", "unsupported"]


class DemoEchoConfig(ImplementationConfig, kw_only=True, forbid_unknown_fields=True):
    behaviour: Behaviour = "normal"
    # Passed as one argv item and never used otherwise: shows literal argument passing.
    label: str = "demo"
    # The client's lines are "<message> <index>".
    message: str = "hello"
    spawn_orphan: bool = False
    # Write settings.json before the start (``write_service_files``); the program checks it.
    settings_file: bool = False
    # What _do_prepare does: "build" runs a real program for build_seconds, appends a
    # line to build_log and gives the services a label of its own making.
    prepare: Preparation = "nothing"
    build_seconds: float = 0.0
    build_log: str | None = None
    # A plugin bug that ends the process judging the test (a worker, with --jobs).
    exit_while_judging: bool = False
    # Server: judge the exchange after this many lines, taking judge_seconds, then exit
    # (a tester playing the server); with ends_by_itself the test waits for it.
    judge_after: int = 0
    judge_seconds: float = 0.0
    ends_by_itself: bool = False


@register_plugin(
    plugin_type="iut",
    name="demo_echo",
    version="0.1.0",
    description="Line echo server and checking client, optionally faulty",
    supported_protocols=["demo"],
)
class DemoEchoServiceManager(BaseServiceManager):
    config_class = DemoEchoConfig

    def _get_implementation_name(self) -> str:
        return "demo_echo"

    def _get_binary_name(self) -> str:
        return "demo-echo"

    def _get_executable(self, **kwargs: Any) -> list[str]:
        if kwargs.get("binary_path"):
            return [str(kwargs["binary_path"])]
        return [sys.executable, "-m", "panther_test_demo_plugins.echo"]

    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        if self.config.exit_while_judging:
            os._exit(9)
        return super().evaluate(outcome)

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        if self.config.prepare == "fail":
            raise ServiceManagerError("demo_echo: the build failed (as configured)")
        if self.config.prepare == "unsupported":
            raise UnsupportedFeatureError("demo_echo: cannot be built here (as configured)")
        if self.config.prepare == "build":
            sleep = "import sys, time; time.sleep(float(sys.argv[1]))"
            subprocess.run([sys.executable, "-c", sleep, str(self.config.build_seconds)], check=True)
            self.build_label = f"built-{uuid.uuid4().hex[:8]}"
            if self.config.build_log:
                with Path(self.config.build_log).open("a") as log:
                    log.write(f"{self.build_label} {self.context.role if self.context else ''}\n")

    def _common_args(self, subcommand: str, **kwargs: Any) -> list[str]:
        label = getattr(self, "build_label", None) or kwargs["label"]
        args = [
            subcommand,
            "--host", str(kwargs["host"]),
            "--port", str(kwargs["port"]),
            "--transport", str(kwargs.get("transport", "tcp")),
            "--behaviour", str(kwargs["behaviour"]),
            "--label", str(label),
        ]  # fmt: skip
        if kwargs.get("settings_file"):
            args += ["--settings", str(PurePosixPath(kwargs["output_dir"]) / SETTINGS)]
        return [*args, "--spawn-orphan"] if kwargs.get("spawn_orphan") else args

    def write_service_files(self, context: ServiceContext) -> None:
        if not getattr(self.config, "settings_file", False):
            return
        arguments = self.run_arguments(context.role)
        settings = {"port": arguments["port"], "lines": arguments.get("lines"), "folder": str(context.output_dir)}
        (context.host_output_dir / SETTINGS).write_text(json.dumps(settings))

    def ends_by_itself(self, role: str) -> bool:
        return bool(getattr(self.config, "ends_by_itself", False)) or super().ends_by_itself(role)

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        args = self._common_args("server", **kwargs)
        if kwargs.get("judge_after"):
            args += ["--judge-after", str(kwargs["judge_after"]), "--judge-seconds", str(kwargs["judge_seconds"])]
        return args

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return [
            *self._common_args("client", **kwargs),
            "--message", str(kwargs["message"]),
            "--lines", str(kwargs.get("lines", 3)),
        ]  # fmt: skip


@register_plugin(
    plugin_type="iut",
    name="demo_echo_tcp",
    version="0.1.0",
    description="A more limited echo: TCP only, and its server keeps 64 bytes of a line",
    supported_protocols=["demo"],
)
class DemoEchoTcpServiceManager(DemoEchoServiceManager):
    """A second implementation of the demo protocol, so that a matrix has cells that differ."""

    MAX_LINE = 64

    def _get_implementation_name(self) -> str:
        return "demo_echo_tcp"

    def _common_args(self, subcommand: str, **kwargs: Any) -> list[str]:
        if kwargs.get("transport", "tcp") != "tcp":
            raise UnsupportedFeatureError(f"demo_echo_tcp speaks TCP only, not {kwargs['transport']}")
        return super()._common_args(subcommand, **kwargs)

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return [*super()._get_server_specific_args(**kwargs), "--max-line", str(self.MAX_LINE)]
