"""Configuration errors: what was wrong, where (file, document path, line), what was expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class ConfigError(Exception):
    """A user's mistake in an experiment file; shown as a message, exit code 2."""

    message: str
    file: Path | None = None
    path: str | None = None  # e.g. tests[0].services.client.protocol.role
    line: int | None = None
    expected: str | None = None
    found: str | None = None

    def __str__(self) -> str:
        where = str(self.file) if self.file else "<config>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [f"{where}: {self.message}"]
        if self.path:
            parts.append(f"  at: {self.path}")
        if self.expected is not None:
            parts.append(f"  expected: {self.expected}")
        if self.found is not None:
            parts.append(f"  found: {self.found}")
        return "\n".join(parts)


class ServiceConfigError(ValueError):
    """A service's blocks that do not go together, found by its plugin's ``validate_service``.

    ``key`` is where the mistake is, inside the service: ``protocol.role``,
    ``implementation.test``; the message points at that key's line.
    """

    def __init__(
        self, message: str, *, key: str | None = None, expected: str | None = None, found: str | None = None
    ) -> None:
        super().__init__(message)
        self.key = key
        self.expected = expected
        self.found = found
