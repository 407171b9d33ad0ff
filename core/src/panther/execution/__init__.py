"""Execution environments: wrappers around a service's command (profilers, tracers).

The contract is :mod:`panther.execution.base`; each environment is a plugin of the
``panther.execution_environment`` entry-point group (``strace``, ``perf``,
``valgrind`` and ``gperf_cpu`` come from the ``panther-exec-profilers`` distribution).
"""
