"""Turning how an endpoint ended into a reason a person can act on.

The endpoints print one ``error: ...`` line before exiting with a failure; the
default verdict only knows the exit code, so the line is added to its reason.
"""

from __future__ import annotations

from pathlib import Path

from panther import Check, ServiceOutcome

_PREFIX = "error: "


def last_error_line(stderr: Path) -> str | None:
    try:
        lines = stderr.read_text(errors="replace").splitlines()
    except OSError:
        return None
    errors = [line[len(_PREFIX) :] for line in lines if line.startswith(_PREFIX)]
    return errors[-1] if errors else None


def explain_failure(check: Check, outcome: ServiceOutcome) -> Check:
    if check.status not in ("failed", "unsupported"):
        return check
    message = last_error_line(outcome.stderr)
    if message is None:
        return check
    return Check(name=check.name, status=check.status, reason=f"{check.reason}: {message}", evidence=check.evidence)
