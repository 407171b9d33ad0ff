"""Stopping a run from outside: SIGINT (Ctrl-C) or SIGTERM to the harness.

A signal only sets a flag; every wait of the runner watches it, so running tests
stop their services, and the reports are still written.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Cancellation:
    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def cancel(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, returning early (True) once the run is cancelled."""
        return self._event.wait(max(seconds, 0.0))

    @contextmanager
    def on_signals(self) -> Iterator[None]:
        """Turn SIGINT and SIGTERM into a cancellation while the block runs.

        Signal handlers can only be installed from the main thread; elsewhere the
        process keeps its own handling.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handle(signum: int, frame: FrameType | None) -> None:
            self.cancel(f"interrupted by {signal.Signals(signum).name}")

        previous = {signum: signal.signal(signum, handle) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
