"""Workers: results, errors (no traceback for bad input) and cancellation, through signals."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui.conftest import ShownBox
from verifier.errors import UserError
from verifier.gui.errors import UNEXPECTED_TITLE, ExceptionHook, describe
from verifier.gui.main_window import MainWindow
from verifier.gui.workers import Worker
from verifier.progress import CancelToken, Progress

pytestmark = pytest.mark.gui


def counting(progress: Progress, cancel: CancelToken) -> int:
    progress.start(3, "Counting")
    for _ in range(3):
        cancel.check()
        progress.advance()
    return 42


def bad_input(progress: Progress, cancel: CancelToken) -> None:
    raise UserError(Path("clip.mp4"), "not a video (text/plain)")


def a_bug(progress: Progress, cancel: CancelToken) -> None:
    raise RuntimeError("index out of whack")


def until_cancelled(progress: Progress, cancel: CancelToken) -> None:
    progress.start(None, "Waiting to be cancelled")
    pause = threading.Event()
    while True:
        cancel.check()
        progress.advance()
        pause.wait(0.002)


def test_worker_emits_progress_message_and_result(qtbot: QtBot) -> None:
    worker = Worker(counting, "count")
    progress: list[tuple[int, int]] = []
    messages: list[str] = []
    worker.signals.progress.connect(lambda d, t: progress.append((d, t)))
    worker.signals.message.connect(messages.append)
    with qtbot.waitSignal(worker.signals.result, timeout=5_000) as blocker:
        worker.start()
    assert blocker.args == [42]
    qtbot.waitUntil(lambda: (3, 3) in progress, timeout=5_000)
    assert messages[0] == "Counting"
    assert progress[0] == (0, 3)


def test_worker_user_error_is_reported_without_traceback(qtbot: QtBot, window: MainWindow,
                                                         message_boxes: list[ShownBox]) -> None:
    # The window's own handlers are connected before the worker starts; a blocker connected
    # afterwards could miss a worker that fails at once.
    with qtbot.waitSignal(window.job_done, timeout=5_000):
        window.start_job(bad_input, "Checking the clip")
    assert len(message_boxes) == 1
    box = message_boxes[0]
    assert box.icon == QMessageBox.Icon.Warning
    assert box.informative == "clip.mp4: not a video (text/plain)"
    assert "Traceback" not in box.everything
    assert box.detailed == ""
    assert window.job is None and not window.job_bar.isVisible()


def test_worker_bug_shows_unexpected_error_with_details(qtbot: QtBot, window: MainWindow,
                                                        message_boxes: list[ShownBox]) -> None:
    with qtbot.waitSignal(window.job_done, timeout=5_000):
        window.start_job(a_bug, "Doing something")
    assert len(message_boxes) == 1
    box = message_boxes[0]
    assert box.icon == QMessageBox.Icon.Critical
    assert box.text == UNEXPECTED_TITLE
    assert "RuntimeError: index out of whack" in box.informative
    assert "Traceback" in box.detailed and "a_bug" in box.detailed


def test_worker_can_be_cancelled(qtbot: QtBot) -> None:
    pool = QThreadPool()
    worker = Worker(until_cancelled, "wait")
    results: list[object] = []
    errors: list[tuple[str, str]] = []
    worker.signals.result.connect(results.append)
    worker.signals.error.connect(lambda t, d: errors.append((t, d)))
    with qtbot.waitSignal(worker.signals.message, timeout=5_000):
        worker.start(pool)
    with qtbot.waitSignals([worker.signals.cancelled, worker.signals.finished],
                           order="strict", timeout=5_000):
        worker.cancel()
    assert worker.cancelled
    assert results == [] and errors == []
    assert pool.waitForDone(5_000)


def test_cancel_button_cancels_the_window_job(qtbot: QtBot, window: MainWindow,
                                              message_boxes: list[ShownBox]) -> None:
    worker = window.start_job(until_cancelled, "Endless job")
    qtbot.waitUntil(lambda: window.job_bar.label.text() == "Waiting to be cancelled",
                    timeout=5_000)
    assert window.job_bar.cancel_button.isEnabled()
    with qtbot.waitSignals([worker.signals.cancelled, window.job_done], timeout=5_000):
        window.job_bar.cancel_button.click()
    assert message_boxes == []
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.job is None


def test_only_one_foreground_job(qtbot: QtBot, window: MainWindow) -> None:
    worker = window.start_job(until_cancelled, "First")
    with pytest.raises(UserError):
        window.start_job(counting, "Second")
    with qtbot.waitSignal(window.job_done, timeout=5_000):
        worker.cancel()


def test_describe_maps_exceptions() -> None:
    assert describe(UserError("x.jpg", "broken")) == ("x.jpg: broken", "")
    try:
        raise ValueError("boom")
    except ValueError as exc:
        title, details = describe(exc)
    assert title == UNEXPECTED_TITLE and "ValueError: boom" in details


def test_exception_hook_shows_a_box_not_a_traceback(window: MainWindow,
                                                    message_boxes: list[ShownBox]) -> None:
    hook = ExceptionHook(lambda: window)
    try:
        raise KeyError("missing")
    except KeyError as exc:
        hook(type(exc), exc, exc.__traceback__)
    assert len(message_boxes) == 1
    assert message_boxes[0].text == UNEXPECTED_TITLE
    assert "KeyError" in message_boxes[0].detailed
