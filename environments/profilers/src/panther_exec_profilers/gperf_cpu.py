"""``gperf_cpu``: gperftools' CPU profiler, preloaded into a service (``cpu.prof``)."""

from __future__ import annotations

import ctypes.util
import glob
from typing import ClassVar

from panther.execution.base import ExecutionEnvironment, ExecutionEnvironmentError, ExecutionOptions, WrappedCommand
from panther.plugins.manifest import register_plugin
from panther.services.context import ServiceContext

from panther_exec_profilers.options import in_service_folder


class GperfCpuOptions(ExecutionOptions, kw_only=True, forbid_unknown_fields=True):
    # Path of libprofiler; found in the usual library folders when not given.
    library: str | None = None
    # Samples per second (CPUPROFILE_FREQUENCY).
    frequency: int | None = None


_PROFILER_GLOBS = ("/usr/lib/*/libprofiler.so*", "/usr/lib/libprofiler.so*", "/usr/local/lib/libprofiler.so*")


def find_libprofiler() -> str | None:
    for pattern in _PROFILER_GLOBS:
        matches = sorted(glob.glob(pattern))
        if matches:
            return matches[0]
    return ctypes.util.find_library("profiler")


@register_plugin(plugin_type="execution_environment", name="gperf_cpu", description="gperftools CPU profile")
class GperfCpuExecutionEnvironment(ExecutionEnvironment):
    """Preloads gperftools' libprofiler; the profile is written when the program exits."""

    name = "gperf_cpu"
    program = "libprofiler"
    config_class = GperfCpuOptions
    container_library: ClassVar[str] = "libprofiler.so.0"

    def wrap(self, command: WrappedCommand, context: ServiceContext) -> WrappedCommand:
        assert isinstance(self.config, GperfCpuOptions)
        library = self.config.library
        if library is None:
            library = find_libprofiler() if context.environment == "local" else self.container_library
        if library is None:
            raise ExecutionEnvironmentError(
                "gperf_cpu: libprofiler not found (install gperftools, e.g. the libgoogle-perftools-dev package,"
                " or set config.library)"
            )
        env = {**command.env, "CPUPROFILE": in_service_folder(context, "cpu.prof"), "LD_PRELOAD": library}
        if self.config.frequency is not None:
            env["CPUPROFILE_FREQUENCY"] = str(self.config.frequency)
        return WrappedCommand(command.argv, env)
