"""``PingPongServiceManager``: how PANTHER runs and judges the ping-pong implementation.

It turns the ``implementation:`` keys into the server's and the client's command
lines, and adds to the default exit-code verdict a check read from the client's
report, whose reason names the exact fault (which sequence number was wrong, how
many PONGs were missing, which arrived late, how many datagrams were malformed).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import msgspec
from panther.plugins.manifest import register_plugin
from panther.services.manager import UnsupportedFeatureError
from panther.services.outcome import Check, ServiceOutcome
from panther_base_python.minip import PythonMinipServiceManager

from panther_iut_ping_pong.__about__ import __version__
from panther_iut_ping_pong.config_schema import PingPongConfig
from panther_iut_ping_pong.report import REPORT_NAME, ReportError, describe_recovery, read_summary

SERVER_MODULE = "panther_iut_ping_pong.server"
CLIENT_MODULE = "panther_iut_ping_pong.client"
_MODULES = {"server": SERVER_MODULE, "client": CLIENT_MODULE}


@register_plugin(
    plugin_type="iut",
    name="ping_pong",
    version=__version__,
    description="MINIP ping-pong server and client in Python, with faulty variants",
    supported_protocols=["minip"],
    capabilities=["minip_v1", "fault_variants"],
)
class PingPongServiceManager(PythonMinipServiceManager):
    """The MINIP implementation of this repository (asyncio, UDP)."""

    config_class: ClassVar[type[PingPongConfig]] = PingPongConfig

    def _get_python_module(self) -> str:
        return SERVER_MODULE

    def _get_executable(self, **kwargs: Any) -> list[str]:
        # One distribution, two programs: the role decides which module runs.
        module = _MODULES.get(kwargs.get("role", "server"), SERVER_MODULE)
        return [self.python_interpreter(), "-m", module]

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["--host", kwargs["host"], "--port", kwargs["port"], "--variant", kwargs["variant"]]
        variant = kwargs["variant"]
        if variant == "flaky":
            args += ["--drop-rate", kwargs["drop_rate"]]
            if kwargs.get("seed") is not None:
                args += ["--seed", kwargs["seed"]]
        elif variant == "slow":
            args += ["--delay", kwargs["delay"]]
        elif variant == "crash":
            args += ["--crash-after", kwargs["crash_after"]]
        return [str(arg) for arg in args]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["--host", kwargs["host"], "--port", kwargs["port"]]
        args += ["--interval", kwargs["interval"], "--deadline", kwargs["reply_timeout"]]
        if kwargs.get("retransmissions"):
            args += ["--retransmissions", kwargs["retransmissions"]]
        # Set by the minip protocol plugin from the test's ``protocol:`` block; a command
        # generated outside a test keeps the client's own defaults.
        for key in ("count", "payload_size"):
            if kwargs.get(key) is not None:
                args += [f"--{key.replace('_', '-')}", kwargs[key]]
        args += ["--report", self._report_path(kwargs.get("output_dir"))]
        return [str(arg) for arg in args]

    def _report_path(self, output_dir: str | None) -> str:
        if not output_dir:
            return REPORT_NAME
        if self.context is None or self.context.environment == "local":
            # A local program runs in a folder of its own: a relative output folder
            # would be resolved against that folder instead of the harness's.
            return str(Path(output_dir).resolve() / REPORT_NAME)
        return str(PurePosixPath(output_dir) / REPORT_NAME)

    def _get_peer_specific_args(self, **kwargs: Any) -> list[str]:
        raise UnsupportedFeatureError("ping_pong: MINIP has a server and a client, no peer role")

    def get_supported_features(self) -> dict[str, bool]:
        return {**super().get_supported_features(), "ipv6": True, "fault_variants": True, "peer_role": False}

    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        """The exit-code checks; a client's are preceded by what its report shows, and a
        server that ended by itself has its last words added to the reason."""
        checks = super().evaluate(outcome)
        if outcome.start_error:
            return checks
        if outcome.role == "client":
            return [self._exchange_check(outcome), *checks]
        last_words = _last_line(outcome.stderr)
        if outcome.stopped_by_harness or last_words is None:
            return checks
        return [
            msgspec.structs.replace(check, reason=f"{check.reason} ({last_words})")
            if check.status == "failed"
            else check
            for check in checks
        ]

    def _exchange_check(self, outcome: ServiceOutcome) -> Check:
        report = outcome.output_dir / REPORT_NAME
        name = f"{outcome.name} minip exchange"
        try:
            summary = read_summary(report)
        except ReportError as exc:
            return Check(name=name, status="failed", reason=str(exc), evidence=[str(report), str(outcome.stderr)])
        if summary.passed:
            reason = f"all {summary.count} pongs came back right within {summary.deadline:g} s"
            recovery = describe_recovery(summary)
            if recovery:
                reason += f", {recovery}"
            return Check(name=name, status="passed", reason=reason, evidence=[str(report)])
        return Check(name=name, status="failed", reason="; ".join(summary.faults), evidence=[str(report)])


def _last_line(path: Path, limit: int = 300) -> str | None:
    """The last non-empty line of a log: why a program that ended by itself ended."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if line.strip():
            return line.strip()[:limit]
    return None
