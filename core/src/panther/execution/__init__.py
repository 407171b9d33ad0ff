"""Execution environments: wrappers around a service's command (profilers, tracers).

The contract is :mod:`panther.execution.base`; the built-in profilers are in
:mod:`panther.execution.profilers`, each a plugin of the
``panther.execution_environment`` entry-point group.
"""
