"""Graceful stop on SIGINT / SIGTERM (docs/architecture.md).

Inside ``with GracefulStop() as stop:`` the first signal only sets ``stop.requested``; the
training loop checks it at a safe point, writes its checkpoint and returns. A second SIGINT
raises ``KeyboardInterrupt`` as usual.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class GracefulStop:
    """Context manager that turns SIGINT/SIGTERM into a flag the training loop polls."""

    def __init__(self) -> None:
        self.requested = False
        self.signal_name: str | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
