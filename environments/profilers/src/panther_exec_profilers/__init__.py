"""panther-exec-profilers: profilers around a service's command, as PANTHER execution environments.

Entry points of ``panther.execution_environment``: ``strace``
(:class:`StraceExecutionEnvironment`), ``perf`` (:class:`PerfExecutionEnvironment`),
``valgrind`` (:class:`ValgrindExecutionEnvironment`) and ``gperf_cpu``
(:class:`GperfCpuExecutionEnvironment`). Each writes its report into the service's
folder, next to the service's own logs.
"""

from panther_exec_profilers.__about__ import __version__
from panther_exec_profilers.gperf_cpu import GperfCpuExecutionEnvironment, find_libprofiler
from panther_exec_profilers.perf import PerfExecutionEnvironment
from panther_exec_profilers.strace import StraceExecutionEnvironment
from panther_exec_profilers.valgrind import ValgrindExecutionEnvironment

__all__ = [
    "__version__",
    "GperfCpuExecutionEnvironment",
    "PerfExecutionEnvironment",
    "StraceExecutionEnvironment",
    "ValgrindExecutionEnvironment",
    "find_libprofiler",
]
