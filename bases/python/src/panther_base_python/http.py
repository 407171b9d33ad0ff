"""``PythonHTTPServiceManager``: a Python HTTP implementation (extra ``[http]``)."""

from __future__ import annotations

from panther_base_http import BaseHTTPServiceManager

from panther_base_python.mixin import PythonServiceMixin


class PythonHTTPServiceManager(PythonServiceMixin, BaseHTTPServiceManager):
    """Python's way of running, HTTP's port, document root and readiness."""
