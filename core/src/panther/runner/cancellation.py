"""Stopping a run from outside: SIGINT (Ctrl-C) or SIGTERM to the harness.

A signal only sets a flag; every wait of the runner watches it, so running tests
stop their services, and the reports are still written. Work that blocks outside
the runner's loops (an image build, a compiler a plugin started) registers a
callback with :meth:`Cancellation.on_cancel` that makes it return at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class Cancellation:
    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []
        self.reason = ""
        #: The signal that cancelled the run, when one did.
        self.signal: signal.Signals | None = None

    def cancel(self, reason: str, signum: int | None = None) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self.reason = reason
            self.signal = signal.Signals(signum) if signum is not None else None
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            # A callback that fails must not keep the others from running.
            with contextlib.suppress(Exception):
                callback()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    @property
    def exit_code(self) -> int | None:
        """What a shell expects of a program ended by the signal: 128 + its number."""
        return 128 + int(self.signal) if self.signal is not None else None

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, returning early (True) once the run is cancelled."""
        return self._event.wait(max(seconds, 0.0))

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (from any thread) once the run is cancelled; at once when it
        already is. Returns a function that unregisters it: call it when the work is done.

        The callback should only make the blocked work return (close a connection,
        kill a process), quickly: it runs in the thread that cancels.
        """
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._unregister(callback)
        callback()
        return lambda: None

    def _unregister(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

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
            # The callbacks run in a thread of their own: a signal handler runs between
            # two bytecodes of the main thread, which may hold a lock they need.
            threading.Thread(
                target=self.cancel,
                args=(f"interrupted by {signal.Signals(signum).name}", signum),
                name="panther-cancel",
                daemon=True,
            ).start()

        previous = {signum: signal.signal(signum, handle) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
