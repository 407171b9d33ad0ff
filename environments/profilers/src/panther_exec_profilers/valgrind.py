"""``valgrind``: a service under one of valgrind's tools (``valgrind.<pid>.log`` per process)."""

from __future__ import annotations

from panther.execution.base import ExecutionEnvironment, WrappedCommand
from panther.plugins.manifest import register_plugin
from panther.services.context import ServiceContext

from panther_exec_profilers.options import WrapperOptions, in_service_folder


class ValgrindOptions(WrapperOptions, kw_only=True, forbid_unknown_fields=True):
    tool: str = "memcheck"
    # Exit code valgrind uses when it found errors (memcheck); None keeps the program's.
    error_exitcode: int | None = None


@register_plugin(plugin_type="execution_environment", name="valgrind", description="Memory errors with valgrind")
class ValgrindExecutionEnvironment(ExecutionEnvironment):
    name = "valgrind"
    program = "valgrind"
    config_class = ValgrindOptions

    def wrap(self, command: WrappedCommand, context: ServiceContext) -> WrappedCommand:
        assert isinstance(self.config, ValgrindOptions)
        argv = [
            self.program_path(context),
            f"--tool={self.config.tool}",
            "--trace-children=yes",
            f"--log-file={in_service_folder(context, 'valgrind.%p.log')}",
        ]
        if self.config.error_exitcode is not None:
            argv.append(f"--error-exitcode={self.config.error_exitcode}")
        return WrappedCommand([*argv, *self.config.extra_args, *command.argv], command.env)
