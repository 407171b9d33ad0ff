"""What the profilers share: options of a wrapping program, and where reports go."""

from __future__ import annotations

from panther.execution.base import ExecutionOptions
from panther.services.context import ServiceContext


class WrapperOptions(ExecutionOptions, kw_only=True, forbid_unknown_fields=True):
    # Arguments given to the wrapping program itself, as argv items.
    extra_args: list[str] = []


def in_service_folder(context: ServiceContext, name: str) -> str:
    """``name`` in the service's folder, as the service sees it: reports sit next to its logs."""
    return str(context.output_dir / name)
