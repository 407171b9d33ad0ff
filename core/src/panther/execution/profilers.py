"""The built-in profilers: strace, perf, valgrind and gperftools' CPU profiler.

Each writes its report into the service's folder (as the service sees it), next to
the service's own logs.
"""

from __future__ import annotations

import ctypes.util
import glob
from typing import ClassVar

from panther.execution.base import ExecutionEnvironment, ExecutionEnvironmentError, ExecutionOptions, WrappedCommand
from panther.plugins.manifest import register_plugin
from panther.services.context import ServiceContext


class WrapperOptions(ExecutionOptions, kw_only=True, forbid_unknown_fields=True):
    # Arguments given to the wrapping program itself, as argv items.
    extra_args: list[str] = []


def _in_service_folder(context: ServiceContext, name: str) -> str:
    return str(context.output_dir / name)


@register_plugin(plugin_type="execution_environment", name="strace", description="System calls of every process")
class StraceExecutionEnvironment(ExecutionEnvironment):
    name = "strace"
    program = "strace"
    config_class = WrapperOptions

    def wrap(self, command: WrappedCommand, context: ServiceContext) -> WrappedCommand:
        assert isinstance(self.config, WrapperOptions)
        argv = [
            self.program_path(context), "-f", "-o", _in_service_folder(context, "strace.log"),
            *self.config.extra_args, "--", *command.argv,
        ]  # fmt: skip
        return WrappedCommand(argv, command.env)


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
        argv += ["-o", _in_service_folder(context, "perf.data"), *self.config.extra_args, "--", *command.argv]
        return WrappedCommand(argv, command.env)


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
            f"--log-file={_in_service_folder(context, 'valgrind.%p.log')}",
        ]
        if self.config.error_exitcode is not None:
            argv.append(f"--error-exitcode={self.config.error_exitcode}")
        return WrappedCommand([*argv, *self.config.extra_args, *command.argv], command.env)


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
        env = {**command.env, "CPUPROFILE": _in_service_folder(context, "cpu.prof"), "LD_PRELOAD": library}
        if self.config.frequency is not None:
            env["CPUPROFILE_FREQUENCY"] = str(self.config.frequency)
        return WrappedCommand(command.argv, env)
