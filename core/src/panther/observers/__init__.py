"""Observers: subscribers of the event bus (console progress, JSON-lines event log, metrics).

Each is a callable taking one event, with ``close()`` called once the run ends.
"""

from __future__ import annotations

from typing import Protocol

from panther.events import Event


class Observer(Protocol):
    def __call__(self, event: Event) -> None: ...

    def close(self) -> None: ...
