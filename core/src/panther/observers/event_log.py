"""The JSON-lines event log: every event of the run, one JSON object per line."""

from __future__ import annotations

from pathlib import Path

import msgspec

from panther.events import Event


class EventLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream = path.open("wb")
        self._encoder = msgspec.json.Encoder()

    def __call__(self, event: Event) -> None:
        self._stream.write(self._encoder.encode(event) + b"\n")
        # A crash or kill of the harness must still leave every event seen so far.
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()
