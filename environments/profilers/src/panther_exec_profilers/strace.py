"""``strace``: the system calls of every process of a service (``strace.log``)."""

from __future__ import annotations

from panther.execution.base import ExecutionEnvironment, WrappedCommand
from panther.plugins.manifest import register_plugin
from panther.services.context import ServiceContext

from panther_exec_profilers.options import WrapperOptions, in_service_folder


@register_plugin(plugin_type="execution_environment", name="strace", description="System calls of every process")
class StraceExecutionEnvironment(ExecutionEnvironment):
    name = "strace"
    program = "strace"
    config_class = WrapperOptions

    def wrap(self, command: WrappedCommand, context: ServiceContext) -> WrappedCommand:
        assert isinstance(self.config, WrapperOptions)
        argv = [
            self.program_path(context), "-f", "-o", in_service_folder(context, "strace.log"),
            *self.config.extra_args, "--", *command.argv,
        ]  # fmt: skip
        return WrappedCommand(argv, command.env)
