"""Progress reporting and cancellation for long jobs, shared by the CLI and the GUI."""

from __future__ import annotations

import threading
from typing import Protocol

from verifier.errors import Cancelled


class Progress(Protocol):
    def start(self, total: int | None, message: str) -> None:
        """A new phase begins; total is None when unknown."""

    def advance(self, step: int = 1) -> None: ...

    def message(self, text: str) -> None: ...


class NullProgress:
    def start(self, total: int | None, message: str) -> None:
        pass

    def advance(self, step: int = 1) -> None:
        pass

    def message(self, text: str) -> None:
        pass


NULL_PROGRESS: Progress = NullProgress()


class CancelToken:
    """Set from any thread; long jobs poll it between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


NEVER_CANCELLED = CancelToken()
