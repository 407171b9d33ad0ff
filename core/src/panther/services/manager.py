"""``BaseServiceManager``: the workflow every implementation plugin inherits.

Template method: a plugin supplies what is unique to it (its name, its binary, its
role-specific arguments); this class turns that into an argv list, renders optional
Jinja2 command templates safely, validates the plugin's configuration, emits events
and gives the default verdict on how the service ended. Method names follow the
IUT development guide, which is the public API plugin authors write against.
"""

from __future__ import annotations

import functools
import inspect
import shlex
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from panther.config.implementation import ImplementationConfig
from panther.config.models import ProtocolConfig
from panther.events import CommandGenerationEvent, Event, EventBus, ServicePreparationEvent
from panther.services.context import ServiceContext
from panther.services.outcome import EXIT_UNSUPPORTED, Check, ServiceOutcome

if TYPE_CHECKING:
    from panther.services.readiness import ReadinessProbe

ROLES = ("server", "client", "peer")


class ServiceManagerError(Exception):
    """A plugin could not do what was asked (its message is shown to the user)."""


class UnsupportedFeatureError(ServiceManagerError):
    """The configuration asks for something this implementation cannot do."""


PrepareHook = Callable[["BaseServiceManager", Any], None]


def _reporting_preparation(prepare: PrepareHook) -> PrepareHook:
    """Wrap a ``_do_prepare`` so that it reports itself through ``emit_event``.

    Every ``_do_prepare`` (the base's and each subclass's override) is wrapped when its
    class is made, so a plugin's preparation is reported whether or not the plugin
    calls ``super()._do_prepare()`` or emits anything itself: a ``started``
    :class:`~panther.events.ServicePreparationEvent`, then ``finished`` (with its
    duration) or ``error`` (with the reason, and the exception goes on). An override
    that calls ``super()`` is reported once, by its outermost call.
    """
    if getattr(prepare, "_reports_preparation", False):
        return prepare

    @functools.wraps(prepare)
    def reported(self: BaseServiceManager, plugin_manager: Any = None) -> None:
        if self.__dict__.get("_preparation_reported"):
            prepare(self, plugin_manager)
            return
        self.__dict__["_preparation_reported"] = True
        name = self.context.name if self.context is not None else self._get_implementation_name()
        self.emit_event(ServicePreparationEvent(service_name=name, preparation_type="prepare", status="started"))
        started = time.monotonic()
        try:
            prepare(self, plugin_manager)
        except BaseException as exc:
            self.emit_event(
                ServicePreparationEvent(
                    service_name=name,
                    preparation_type="prepare",
                    status="error",
                    detail=str(exc) or type(exc).__name__,
                    duration=time.monotonic() - started,
                )
            )
            raise
        finally:
            self.__dict__.pop("_preparation_reported", None)
        self.emit_event(
            ServicePreparationEvent(
                service_name=name, preparation_type="prepare", status="finished", duration=time.monotonic() - started
            )
        )

    reported._reports_preparation = True  # type: ignore[attr-defined]
    return reported


class BaseServiceManager(ABC):
    """Base of every IUT and tester service manager."""

    #: The plugin's configuration Struct; the ``implementation:`` block is decoded into it.
    config_class: ClassVar[type[ImplementationConfig]] = ImplementationConfig

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The events the guide promises come from the base, even for an override
        # that neither calls super() nor emits anything itself.
        hook = cls.__dict__.get("_do_prepare")
        if hook is not None:
            cls._do_prepare = _reporting_preparation(hook)  # type: ignore[method-assign]

    def __init__(
        self,
        config: ImplementationConfig | None = None,
        *,
        context: ServiceContext | None = None,
        event_bus: EventBus | None = None,
    ) -> None:
        self.config = config if config is not None else self.config_class()
        self.context = context
        self.event_bus = event_bus
        self.prepared = False

    # ----------------------------------------------------------- required hooks
    @abstractmethod
    def _get_implementation_name(self) -> str:
        """The implementation's name, as in the experiment file."""

    @abstractmethod
    def _get_binary_name(self) -> str:
        """The program to run (found on PATH unless ``binary_path`` is set)."""

    # ----------------------------------------------------------- optional hooks
    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        """Arguments after the executable when the service is a server (listen on ``host``:``port``)."""
        return []

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        """Arguments after the executable when the service is a client (connect to ``host``:``port``,
        its target's address). A server-only implementation raises ``UnsupportedFeatureError``."""
        return []

    def _get_peer_specific_args(self, **kwargs: Any) -> list[str]:
        """Arguments for the role ``peer``, which both listens and connects; by default the server's."""
        return self._get_server_specific_args(**kwargs)

    def _get_executable(self, **kwargs: Any) -> list[str]:
        """The argv prefix that starts the program; language bases replace it."""
        binary = kwargs.get("binary_path") or self._get_binary_name()
        return [str(binary)]

    @_reporting_preparation
    def _do_prepare(self, plugin_manager: Any = None) -> None:
        """Implementation-specific preparation (check the binary, build, ...).

        Whatever an override does, the base reports it: see :func:`_reporting_preparation`.
        """

    def write_service_files(self, context: ServiceContext) -> None:
        """Write the files the program needs before it starts (a configuration file ...).

        Called once per service of a test, after the protocol prepared the test (so
        ``self.run_arguments(context.role)`` holds every argument: ports, certificates,
        folders) and before the service starts. Write into the service's own folder,
        ``context.host_output_dir`` (it is what a container mounts); a path written
        *into* a file must be the service's view of it, ``context.service_path(path)``,
        which is right on every network environment. The command reaches the file
        through ``output_dir``, the same folder as the service sees it.
        """

    def get_supported_features(self) -> dict[str, bool]:
        """Feature name -> whether this implementation supports it (shown in reports; a
        protocol base may refuse a test that needs a feature marked False)."""
        return {}

    @classmethod
    def validate_service(cls, implementation: ImplementationConfig, protocol: ProtocolConfig) -> None:
        """Check a service's ``implementation:`` block against its ``protocol:`` block when
        the experiment file is loaded, before anything runs.

        Called for every service (matrix cells included) with the ``implementation:``
        block decoded into ``config_class`` and the ``protocol:`` block decoded by its
        protocol plugin. Raise :class:`panther.ServiceConfigError` naming the ``key``
        at fault (``protocol.role``), with what was expected and found, or ``ValueError``
        (reported at the ``implementation:`` block): ``panther run`` and ``panther
        validate`` stop with the file, the line and exit code 2. Default: nothing to check.
        """

    def generate_dockerfile_content(self) -> str | None:
        """A Dockerfile for the docker_compose environment, or None when there is none."""
        return None

    def docker_build_context(self, folder: Path) -> AbstractContextManager[None]:
        """Write the files the Dockerfile's ``COPY`` steps read into ``folder``, the build
        context, when the image is about to be built (never when it exists already).

        The image is built inside the ``with`` block; raise :class:`ServiceManagerError`
        when the files cannot be had. Default: the context holds only the Dockerfile.
        """
        return nullcontext()

    def generate_deployment_commands(self) -> str:
        """A human-readable command to start the server, for documentation and reports."""
        return self.generate_run_command(role="server")

    def get_run_environment(self, role: str, **kwargs: Any) -> dict[str, str]:
        """Environment variables the program needs (key log, log level ...)."""
        return {}

    def get_readiness_probe(self, host: str, port: int) -> ReadinessProbe | None:
        """How to tell that this service, as a server, is listening; None: no probe."""
        return None

    def ends_by_itself(self, role: str) -> bool:
        """Whether the test waits for this service to end, in ``role``.

        A client ends by itself once its work is done; a server serves until the
        test is over and is then stopped. A service that listens but judges a whole
        exchange (a tester playing the server) returns True: the test then waits
        for it as it waits for clients, up to its timeout, instead of stopping it
        the moment the clients end and cutting its verdict short.
        """
        return role == "client"

    # ----------------------------------------------------------- provided workflow
    @property
    def implementation_name(self) -> str:
        """``_get_implementation_name()``."""
        return self._get_implementation_name()

    def run_arguments(self, role: str) -> dict[str, Any]:
        """Keyword arguments every command gets: the plugin's configuration, then
        what the deployment decided (address, port, folders, protocol extras)."""
        arguments: dict[str, Any] = msgspec.structs.asdict(self.config)
        if self.context is not None:
            arguments.update(self.context.as_arguments())
        return arguments

    def generate_run_argv(self, role: str = "server", **kwargs: Any) -> list[str]:
        """The command for ``role`` as an argv list: what environments execute."""
        if role not in ROLES:
            raise ServiceManagerError(
                f"{self._get_implementation_name()}: unknown role {role!r} (expected one of {', '.join(ROLES)})"
            )
        arguments = {**self.run_arguments(role), **kwargs, "role": role}
        template = self._command_template(role)
        if template is not None:
            argv = self._render_template(template, arguments)
        else:
            role_args = {
                "server": self._get_server_specific_args,
                "client": self._get_client_specific_args,
                "peer": self._get_peer_specific_args,
            }[role](**arguments)
            argv = [*self._get_executable(**arguments), *role_args, *arguments.get("extra_args", [])]
        argv = [str(item) for item in argv]
        self.emit_event(
            CommandGenerationEvent(
                service_name=self.context.name if self.context else self._get_implementation_name(),
                role=role,
                argv=argv,
                command=shlex.join(argv),
            )
        )
        return argv

    def generate_run_command(self, role: str = "server", **kwargs: Any) -> str:
        """The same command as one shell-safe string (``shlex.join``)."""
        return shlex.join(self.generate_run_argv(role=role, **kwargs))

    def prepare(self, plugin_manager: Any = None) -> None:
        """Run the plugin's preparation once.

        The runner calls it once per experiment, before any test's clock starts, on
        one manager per distinct ``implementation:`` block, role and network
        environment; what ``_do_prepare`` sets on that manager (the path of a built
        binary) is set on every test's manager of the same kind (see
        :meth:`adopt_preparation`), whose own ``prepare()`` then does nothing.
        """
        if not self.prepared:
            self._do_prepare(plugin_manager)
            self.prepared = True

    def adopt_preparation(self, state: dict[str, Any]) -> None:
        """Take the attributes a preparation set on another manager of the same kind,
        and count as prepared."""
        for name, value in state.items():
            setattr(self, name, value)
        self.prepared = True

    def emit_event(self, event: Event) -> None:
        """Publish ``event`` on the run's bus (nothing without a bus), tagged with the test."""
        if self.event_bus is not None:
            # A manager prepared for the whole experiment belongs to no test (no test name).
            if self.context is not None and event.test is None and self.context.test_name:
                event.test = self.context.test_name
            self.event_bus.publish(event)

    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        """The default verdict on how a service ended; plugins add their own checks."""
        name = f"{outcome.name} exit"
        evidence = [str(outcome.stderr), str(outcome.stdout)]
        if outcome.start_error:
            return [Check(name=f"{outcome.name} start", status="error", reason=outcome.start_error, evidence=evidence)]
        if outcome.exit_code == EXIT_UNSUPPORTED:
            return [
                Check(
                    name=name,
                    status="unsupported",
                    reason=f"{outcome.name} exited with {EXIT_UNSUPPORTED}: a requested feature is not supported",
                    evidence=evidence,
                )
            ]
        if outcome.role == "server" and outcome.stopped_by_harness:
            return [Check(name=name, status="passed", reason="ran until the test ended")]
        if outcome.timed_out:
            return [
                Check(
                    name=name,
                    status="failed",
                    reason=f"{outcome.name} did not finish before the timeout and was stopped",
                    evidence=evidence,
                )
            ]
        if outcome.exit_code == 0:
            return [Check(name=name, status="passed", reason="exited with 0")]
        how = f"exited with {outcome.exit_code}" if outcome.exit_code is not None else "ended without an exit code"
        if outcome.exit_code is not None and outcome.exit_code < 0:
            how = f"was killed by signal {-outcome.exit_code}"
        if outcome.role == "server":
            how = f"{how} while clients still needed it"
        return [Check(name=name, status="failed", reason=f"{outcome.name} {how}", evidence=evidence)]

    # ----------------------------------------------------------- helpers for plugins
    def find_binary(self, name: str | None = None, env_var: str | None = None) -> str | None:
        """Locate a binary: ``binary_path`` from the config, then ``env_var``, then PATH."""
        import os

        if self.config.binary_path:
            return self.config.binary_path if Path(self.config.binary_path).exists() else None
        if env_var and os.environ.get(env_var):
            candidate = Path(os.environ[env_var]) / (name or self._get_binary_name())
            if candidate.exists():
                return str(candidate)
        return shutil.which(name or self._get_binary_name())

    def _template_dir(self) -> Path | None:
        for cls in type(self).__mro__:
            if cls is BaseServiceManager or not issubclass(cls, BaseServiceManager):
                continue
            try:
                folder = Path(inspect.getfile(cls)).parent / "templates"
            except (TypeError, OSError):
                continue  # defined interactively or in a built-in: no folder to look in
            if folder.is_dir():
                return folder
        return None

    def _command_template(self, role: str) -> Path | None:
        folder = self._template_dir()
        if folder is None:
            return None
        candidate = folder / f"{role}_command.jinja"
        return candidate if candidate.is_file() else None

    def _render_template(self, template: Path, arguments: dict[str, Any]) -> list[str]:
        from panther.services.templates import CommandTemplateError, render_command

        context = {
            "binary_name": self._get_binary_name(),
            "implementation_name": self._get_implementation_name(),
            "extra_args": [],
            **arguments,
        }
        try:
            return render_command(template, context)
        except CommandTemplateError as exc:
            raise ServiceManagerError(f"{self._get_implementation_name()}: command template {exc}") from exc
