"""``PythonServiceMixin``: how a Python implementation is started, for any protocol.

Placed before a protocol base (``class X(PythonServiceMixin, BaseQUICServiceManager)``),
it replaces only the argv prefix and adds to the environment; everything about the
protocol stays in the protocol base.
"""

from __future__ import annotations

import sys
from abc import abstractmethod
from typing import Any

from panther.plugins.manifest import manifest_of
from panther.services.manager import BaseServiceManager

# Inside a container the image's interpreter is the one on PATH; the harness's own
# interpreter path means nothing there.
CONTAINER_INTERPRETER = "python3"


class PythonServiceMixin(BaseServiceManager):
    """Runs ``<interpreter> -m <module>`` with unbuffered output."""

    @abstractmethod
    def _get_python_module(self) -> str:
        """The module to run with ``-m`` (for example ``"aioquic_server.main"``)."""

    def _get_async_patterns(self) -> dict[str, str]:
        """How the implementation is concurrent, for reports and Dockerfile choices."""
        return {"event_loop": "asyncio", "concurrency_model": "async/await"}

    def _get_implementation_name(self) -> str:
        # The registered plugin name when there is one, else the module's top package.
        manifest = manifest_of(type(self))
        return manifest.name if manifest is not None else self._get_python_module().split(".")[0]

    def _get_binary_name(self) -> str:
        return CONTAINER_INTERPRETER

    def python_interpreter(self) -> str:
        """The interpreter of the environment the service is deployed in.

        ``binary_path`` wins (a user's own venv); on ``local`` it is the harness's
        interpreter, so the implementation installed next to the harness is the one
        that runs; in a container it is the image's ``python3``.
        """
        if self.config.binary_path:
            return self.config.binary_path
        environment = self.context.environment if self.context is not None else "local"
        return sys.executable if environment == "local" else CONTAINER_INTERPRETER

    def _get_executable(self, **kwargs: Any) -> list[str]:
        return [self.python_interpreter(), "-m", self._get_python_module()]

    def get_run_environment(self, role: str, **kwargs: Any) -> dict[str, str]:
        # Unbuffered: a killed or hung implementation still leaves its last lines in the log.
        return {**super().get_run_environment(role, **kwargs), "PYTHONUNBUFFERED": "1"}
