"""``--debug`` (or ``logging.level: DEBUG``): every event on standard error as it happens.

One line per event, with its time, test and fields, so that a person watching a run
sees each command line, readiness probe and exit without opening ``events.jsonl``.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

import msgspec

from panther.events import Event

_SKIPPED_FIELDS = {"timestamp", "test", "iteration"}


class DebugLog:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def __call__(self, event: Event) -> None:
        milliseconds = int(event.timestamp * 1000) % 1000
        clock = f"{time.strftime('%H:%M:%S', time.localtime(event.timestamp))}.{milliseconds:03d}"
        where = f" {event.test}" + (f"[{event.iteration}]" if event.iteration and event.iteration > 1 else "")
        fields = " ".join(
            f"{name}={value!r}"
            for name, value in msgspec.structs.asdict(event).items()
            if name not in _SKIPPED_FIELDS and value not in (None, "", [], {})
        )
        print(f"{clock}{where if event.test else ''} {type(event).__name__} {fields}", file=self.stream, flush=True)

    def close(self) -> None:
        """Nothing is held open."""
