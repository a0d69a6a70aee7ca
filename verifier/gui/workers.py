"""Long jobs off the GUI thread.

A Worker runs a plain function fn(progress=..., cancel=...) in a QThreadPool and reports back
through signals; the signals object lives in the GUI thread, so every connection to a window's
slot is queued. The function must open its own CaseStore (SQLite connections are per thread).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from verifier.errors import Cancelled
from verifier.gui.errors import describe
from verifier.progress import CancelToken, Progress

log = logging.getLogger(__name__)

JobFunction = Callable[..., Any]  # called as fn(progress=Progress, cancel=CancelToken)

# Progress is forwarded at most this often (a frame loop would flood the event queue).
PROGRESS_INTERVAL = 0.05


class WorkerSignals(QObject):
    progress = Signal(int, int)  # done, total (total 0: unknown)
    message = Signal(str)
    result = Signal(object)
    error = Signal(str, str)  # title, details (see verifier.gui.errors.describe)
    cancelled = Signal()
    finished = Signal()  # always last, after result, error or cancelled


class SignalProgress:
    """verifier.progress.Progress that emits a worker's signals (from the worker thread)."""

    def __init__(self, signals: WorkerSignals) -> None:
        self._signals = signals
        self._done = 0
        self._total = 0
        self._last_emit = 0.0

    def start(self, total: int | None, message: str) -> None:
        self._done = 0
        self._total = max(int(total or 0), 0)
        self._last_emit = time.monotonic()
        self._signals.message.emit(message)
        self._signals.progress.emit(0, self._total)

    def advance(self, step: int = 1) -> None:
        self._done += step
        now = time.monotonic()
        if now - self._last_emit >= PROGRESS_INTERVAL or self._done == self._total:
            self._last_emit = now
            self._signals.progress.emit(self._done, self._total)

    def message(self, text: str) -> None:
        self._signals.message.emit(text)


_EVIDENCE_NAME = re.compile(r"\b[0-9a-f]{64}(?:\.[A-Za-z0-9]{1,10})?\b")


class OriginalNameProgress:
    """Progress whose messages name the original file where the core names its evidence copy
    (stored as <sha256>.<ext>): the user never chose that name and would not recognise it."""

    def __init__(self, inner: Progress, original_name: str) -> None:
        self._inner = inner
        self._name = original_name

    def _rename(self, text: str) -> str:
        return _EVIDENCE_NAME.sub(lambda _m: self._name, text)

    def start(self, total: int | None, message: str) -> None:
        self._inner.start(total, self._rename(message))

    def advance(self, step: int = 1) -> None:
        self._inner.advance(step)

    def message(self, text: str) -> None:
        self._inner.message(self._rename(text))


class Worker(QRunnable):
    """One job. Keep a reference until `finished` (the pool does not own it)."""

    def __init__(self, fn: JobFunction, description: str = "") -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.description = description
        self.signals = WorkerSignals()
        self.cancel_token = CancelToken()
        self.progress: Progress = SignalProgress(self.signals)

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.cancel_token.cancelled

    def start(self, pool: QThreadPool | None = None) -> None:
        (pool or QThreadPool.globalInstance()).start(self)

    def run(self) -> None:
        try:
            result = self.fn(progress=self.progress, cancel=self.cancel_token)
        except Cancelled:
            log.info("%s: cancelled", self.description or "job")
            self.signals.cancelled.emit()
        except BaseException as exc:  # reported through the error signal, never raised in Qt
            title, details = describe(exc)
            if details:
                log.error("%s failed:\n%s", self.description or "job", details)
            self.signals.error.emit(title, details)
        else:
            self.signals.result.emit(result)
        finally:
            self.signals.finished.emit()
