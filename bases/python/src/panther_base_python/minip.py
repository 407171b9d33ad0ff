"""``PythonMinipServiceManager``: a Python MINIP implementation (extra ``[minip]``)."""

from __future__ import annotations

from panther_base_minip import BaseMinipServiceManager

from panther_base_python.mixin import PythonServiceMixin


class PythonMinipServiceManager(PythonServiceMixin, BaseMinipServiceManager):
    """Python's way of running, MINIP's port and readiness."""
