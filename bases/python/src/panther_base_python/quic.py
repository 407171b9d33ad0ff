"""``PythonQUICServiceManager``: a Python QUIC implementation (extra ``[quic]``)."""

from __future__ import annotations

from panther_base_quic import BaseQUICServiceManager

from panther_base_python.mixin import PythonServiceMixin


class PythonQUICServiceManager(PythonServiceMixin, BaseQUICServiceManager):
    """Python's way of running, QUIC's arguments, key log and readiness."""
