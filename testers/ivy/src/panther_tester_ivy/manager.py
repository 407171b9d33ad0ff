"""``IvyTesterServiceManager``: the ``panther_ivy`` tester, a service that plays a role.

Deployed opposite the implementation under test, like an implementation: a test of a
server (``minip_server_test``, ``quic_server_test_*``) makes it the client whose
``target`` is that server; a test of a client makes it the server the client targets.

- prepare: the Ivy tool environment (made once, cached) compiles the test into a
  tester program, cached by the digest of the model and the compiler (a second run
  does not compile); a model that does not compile gives the verdict ``error`` with
  the compiler's first error. On ``docker_compose`` the QUIC tests compile in their
  image instead.
- run: the program with the addresses, ports and seed of this run as ``name=value``
  parameters. The harness's timeouts bound every run.
- verdict: from the tester's trace, never its exit status (see :mod:`.verdict`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from panther import BaseServiceManager, ImplementationConfig, ProtocolConfig, ServiceConfigError, register_plugin
from panther.services.manager import ServiceManagerError, UnsupportedFeatureError
from panther.services.outcome import Check, ServiceOutcome
from panther.services.readiness import LogLineProbe, ReadinessProbe

from panther_tester_ivy import minip, quic
from panther_tester_ivy.__about__ import __version__
from panther_tester_ivy.catalog import IvyTest, lookup
from panther_tester_ivy.compiler import CompileError, CompileRequest, compile_test
from panther_tester_ivy.config_schema import IvyTesterConfig
from panther_tester_ivy.models import MINIP, ModelSource
from panther_tester_ivy.toolchain import ToolchainError, cache_root, ensure_toolchain
from panther_tester_ivy.verdict import TesterReport, read_report

COMPILE_LOG = "ivy-compile.log"


@register_plugin(
    plugin_type="tester",
    name="panther_ivy",
    version=__version__,
    description="Formal specification-based tester (Ivy): MINIP models, upstream QUIC models",
    supported_protocols=["minip", "quic"],
    capabilities=["formal_verification", "minip_server_test", "minip_client_test", "quic_upstream_tests"],
)
class IvyTesterServiceManager(BaseServiceManager):
    """Compiles an Ivy test, runs it against the implementation and judges its trace."""

    config_class: ClassVar[type[IvyTesterConfig]] = IvyTesterConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.binary: Path | None = None
        self._seed: int | None = None

    @property
    def settings(self) -> IvyTesterConfig:
        assert isinstance(self.config, IvyTesterConfig)
        return self.config

    @property
    def test(self) -> IvyTest:
        return lookup(self.settings.test)

    @property
    def in_container(self) -> bool:
        return self.context is not None and self.context.environment != "local"

    @classmethod
    def validate_service(cls, implementation: ImplementationConfig, protocol: ProtocolConfig) -> None:
        """The test decides the protocol and the role the tester plays: a file that says
        otherwise is a configuration error at ``protocol.name`` or ``protocol.role``."""
        assert isinstance(implementation, IvyTesterConfig)
        test = lookup(implementation.test)
        if protocol.name != test.protocol:
            raise ServiceConfigError(
                f"panther_ivy: {test.name} is a test of {test.protocol}: set this service's protocol.name to "
                f"{test.protocol}",
                key="protocol.name",
                expected=test.protocol,
                found=protocol.name,
            )
        if protocol.role != test.tester_role:
            then = (
                " and its target to the server under test"
                if test.tester_role == "client"
                else " and name this service in the client's protocol.target"
            )
            raise ServiceConfigError(
                f"panther_ivy: {test.name} tests a {test.tested_role}, so the tester plays the "
                f"{test.tester_role}: set this service's protocol.role to {test.tester_role}{then}",
                key="protocol.role",
                expected=test.tester_role,
                found=protocol.role,
            )

    # ------------------------------------------------------------------ names
    def _get_implementation_name(self) -> str:
        return "panther_ivy"

    def _get_binary_name(self) -> str:
        return self.settings.test

    # ------------------------------------------------------------------ prepare
    def model(self) -> ModelSource:
        return MINIP if self.test.protocol == "minip" else quic.local_model(self.settings)

    def compile_request(self) -> CompileRequest:
        model = self.model()
        extra = quic.local_compile_env(self.settings) if self.test.protocol == "quic" else ()
        return CompileRequest(self.test.name, model, extra, self.settings.compile_timeout)

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        if self.in_container:
            if self.test.protocol == "minip":
                raise UnsupportedFeatureError(
                    "panther_ivy: the MINIP testers run on the `local` network environment only"
                )
            return  # the QUIC image compiles the test (generate_dockerfile_content)
        log = self.context.host_output_dir / COMPILE_LOG if self.context is not None else None
        try:
            request = self.compile_request()
            root = cache_root()
            build = compile_test(request, ensure_toolchain(root, log=log), root)
        except ToolchainError as exc:
            raise ServiceManagerError(f"panther_ivy: {exc}") from None
        except CompileError as exc:
            if log is not None and exc.log.exists():
                log.write_text(exc.log.read_text(errors="replace"))
                raise ServiceManagerError(
                    f"Ivy could not compile {exc.test}: {exc.first_error} (compiler output: {log})"
                ) from None
            raise ServiceManagerError(str(exc)) from None
        self.binary = build.binary
        if log is not None:
            how = "found in the cache" if build.cached else f"compiled in {build.seconds:.1f}s"
            with log.open("a") as stream:
                stream.write(f"{build.test}: {how}: {build.binary}\n")

    # ------------------------------------------------------------------ command
    def seed(self) -> int:
        """This run's seed: ``seed + iteration - 1`` when set, else one drawn once per run."""
        if self._seed is None:
            iteration = self.context.iteration if self.context is not None else 1
            if self.settings.seed is not None:
                self._seed = (self.settings.seed + iteration - 1) % 2**31
            else:
                self._seed = int.from_bytes(os.urandom(4), "big") % 2**31
        return self._seed

    def _get_executable(self, **kwargs: Any) -> list[str]:
        if self.settings.binary_path:
            return [self.settings.binary_path]
        if self.test.protocol == "quic" and self.in_container:
            return []  # the image's launcher is part of the parameters (_parameters)
        # Before prepare() compiled it (a command shown outside a test): the test's name.
        return [str(self.binary) if self.binary is not None else self.settings.test]

    def _parameters(self, **kwargs: Any) -> list[str]:
        test = self.test
        if test.protocol == "minip":
            return minip.minip_parameters(test, self.settings, kwargs, self.seed())
        parameters = quic.quic_parameters(test, kwargs, self.seed(), in_container=self.in_container)
        return quic.image_command(test, parameters) if self.in_container else parameters

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return self._parameters(**kwargs)

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return self._parameters(**kwargs)

    def _get_peer_specific_args(self, **kwargs: Any) -> list[str]:
        raise UnsupportedFeatureError("panther_ivy: an Ivy test plays a server or a client, not a peer")

    def get_run_environment(self, role: str, **kwargs: Any) -> dict[str, str]:
        if self.test.protocol != "quic":
            return {}
        arguments = {**self.run_arguments(role), **kwargs}
        if self.in_container:
            root: str | None = str(quic.IMAGE_MODELS)
        else:
            root = str(Path(self.settings.quic_models).expanduser().parent) if self.settings.quic_models else None
        return quic.quic_environment(self.test, arguments, root)

    def generate_dockerfile_content(self) -> str | None:
        return quic.dockerfile(self.test, self.settings) if self.test.protocol == "quic" else None

    def get_readiness_probe(self, host: str, port: int) -> ReadinessProbe | None:
        if self.test.protocol == "minip" and self.context is not None:
            return LogLineProbe(self.context.host_output_dir / "stderr.log", minip.LISTENING)
        return None  # the environment's own probe (a bound UDP port, locally)

    def ends_by_itself(self, role: str) -> bool:
        # The tester judges the whole exchange and prints its verdict when done, in
        # either role: the test waits for it instead of stopping it with the client.
        return True

    def get_supported_features(self) -> dict[str, bool]:
        return {"minip_v1": True, "quic_upstream_models": True, "peer_role": False, "ipv6": False}

    # ------------------------------------------------------------------ verdict
    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        """One check, ``<service> <test>``, from the trace; the exit status is not used."""
        if outcome.start_error:
            return super().evaluate(outcome)
        model = MINIP if self.test.protocol == "minip" else self._quic_model_for_lines()
        report = read_report(outcome.stdout, model)
        return [self._check(outcome, report)]

    def _quic_model_for_lines(self) -> ModelSource:
        try:
            return quic.local_model(self.settings)
        except ServiceManagerError:
            return ModelSource(())  # in a container: the failure names file and line only

    def _check(self, outcome: ServiceOutcome, report: TesterReport) -> Check:
        name = f"{outcome.name} {self.test.name}"
        evidence = [str(outcome.stdout), str(outcome.stderr)]
        seed = f"seed {self._seed}" if self._seed is not None else "its seed"
        if report.violation is not None:
            event = f"; the event that violated it: {report.culprit}" if report.culprit else ""
            if report.model_error:
                return Check(
                    name=name,
                    status="error",
                    reason=f"the model's own assertion failed at {report.violation.describe()}{event}",
                    evidence=evidence,
                )
            return Check(
                name=name,
                status="failed",
                reason=f"requirement violated: {report.violation.describe()}{event} ({seed})",
                evidence=evidence,
            )
        if report.completed:
            return Check(
                name=name,
                status="passed",
                reason=f"every requirement held over {report.events} events, and the test ran to its end ({seed})",
                evidence=[str(outcome.stdout)],
            )
        last = f"; its last event: {report.last_event}" if report.last_event else "; it printed no event"
        if outcome.timed_out:
            return Check(
                name=name,
                status="failed",
                reason=f"the tester did not complete before its timeout and was stopped after {outcome.duration:.1f}s "
                f"({report.events} events{last})",
                evidence=evidence,
            )
        if outcome.stopped_by_harness:
            return Check(
                name=name,
                status="failed",
                reason=f"the test ended before the tester completed ({report.events} events{last})",
                evidence=evidence,
            )
        how = f"exited with {outcome.exit_code}" if outcome.exit_code is not None else "ended"
        return Check(
            name=name,
            status="error",
            reason=f"the tester {how} without a verdict{last}: {_last_line(outcome.stderr)}",
            evidence=evidence,
        )


def _last_line(path: Path) -> str:
    try:
        lines = [line.strip() for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no error output"
    return lines[-1][:300] if lines else "no error output"
