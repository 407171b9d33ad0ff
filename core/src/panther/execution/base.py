"""The contract of execution environments: turn a service's argv into a wrapped one.

An execution environment (``strace``, ``perf``, ...) never starts anything itself: it
returns the argv and environment variables that run the service under it, writing
its output into the service's own folder. Several wrap one another in the order the
test lists them.
"""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import msgspec

from panther.services.context import ServiceContext


class ExecutionEnvironmentError(Exception):
    """The wrapper cannot run (its program is missing ...); the message is the reason shown."""


class ExecutionOptions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Options every execution environment accepts (its ``config:`` block)."""

    # Stop the wrapped services after this many seconds: the profile covers at most this long.
    duration: float | None = None


@dataclass
class WrappedCommand:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


class ExecutionEnvironment(ABC):
    """Base of execution environment plugins."""

    #: The name used in ``execution_environment[].type``.
    name: ClassVar[str] = ""
    #: The program the wrapper runs (looked up on PATH for local services).
    program: ClassVar[str] = ""
    config_class: ClassVar[type[ExecutionOptions]] = ExecutionOptions

    def __init__(self, config: ExecutionOptions | dict[str, Any] | None = None) -> None:
        if config is None:
            config = self.config_class()
        elif isinstance(config, dict):
            try:
                config = msgspec.convert(config, self.config_class)
            except msgspec.ValidationError as exc:
                raise ExecutionEnvironmentError(f"{self.name}: invalid config: {exc}") from None
        self.config = config

    def program_path(self, context: ServiceContext) -> str:
        """The wrapper's program; on ``local`` it must exist on PATH."""
        if context.environment != "local":
            return self.program  # it runs inside the service's container
        found = shutil.which(self.program)
        if found is None:
            raise ExecutionEnvironmentError(f"{self.name}: profiler binary not found on PATH: {self.program}")
        return found

    @abstractmethod
    def wrap(self, command: WrappedCommand, context: ServiceContext) -> WrappedCommand:
        """The command that runs ``command`` under this environment."""
