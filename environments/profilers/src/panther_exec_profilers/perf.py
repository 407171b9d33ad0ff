"""``perf``: CPU samples of a service with ``perf record`` (``perf.data``)."""

from __future__ import annotations

from panther.execution.base import ExecutionEnvironment, WrappedCommand
from panther.plugins.manifest import register_plugin
from panther.services.context import ServiceContext

from panther_exec_profilers.options import WrapperOptions, in_service_folder


class PerfOptions(WrapperOptions, kw_only=True, forbid_unknown_fields=True):
    frequency: int = 99
    call_graph: bool = True


@register_plugin(plugin_type="execution_environment", name="perf", description="CPU samples with perf record")
class PerfExecutionEnvironment(ExecutionEnvironment):
    name = "perf"
    program = "perf"
    config_class = PerfOptions

    def wrap(self, command: WrappedCommand, context: ServiceContext) -> WrappedCommand:
        assert isinstance(self.config, PerfOptions)
        argv = [self.program_path(context), "record", "-F", str(self.config.frequency)]
        if self.config.call_graph:
            argv.append("-g")
        argv += ["-o", in_service_folder(context, "perf.data"), *self.config.extra_args, "--", *command.argv]
        return WrappedCommand(argv, command.env)
