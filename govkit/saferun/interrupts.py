"""Ctrl-C, SIGTERM and SIGHUP to a safe-run: remembered, and a pipe that wakes its loop."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from types import FrameType
from typing import Any


class Interrupts:
    """Ctrl-C, SIGTERM or SIGHUP to govkit: remembered, and wakes the watch loop."""

    _SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.signum: int | None = None
        self.rfd, self.wfd = os.pipe()
        os.set_blocking(self.rfd, False)
        os.set_blocking(self.wfd, False)
        self._old: dict[int, Any] = {}

    def __enter__(self) -> Interrupts:
        # Handlers can only be installed from the main thread; elsewhere the caller
        # (e.g. a gate runner's own handler) is responsible for stopping us.
        if threading.current_thread() is threading.main_thread():
            for sig in self._SIGNALS:
                with contextlib.suppress(ValueError, OSError):
                    self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        with contextlib.suppress(OSError):
            os.write(self.wfd, b"x")

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        os.close(self.rfd)
        os.close(self.wfd)

    @property
    def stopped(self) -> bool:
        return self.signum is not None

    def wait(self, seconds: float) -> None:
        """Sleep, but wake at once when a signal arrives."""
        if not self.stopped:
            select.select([self.rfd], [], [], seconds)

    def drain(self) -> None:
        with contextlib.suppress(OSError):
            while os.read(self.rfd, 64):
                pass
