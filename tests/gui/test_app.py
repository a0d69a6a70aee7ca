"""run_gui: the application object and a bad case path shown as a message, not a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from verifier.gui.app import create_application, run_gui

pytestmark = pytest.mark.gui


def test_application_names(qtbot: QtBot) -> None:
    app = create_application()
    assert app is QCoreApplication.instance()
    assert app.applicationName() == "Verifier workbench"
    assert app.organizationName() == "verifier"


def test_run_gui_with_a_bad_case_path_shows_a_message_and_exits_cleanly(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    # The application's event loop, stood in for by a local one: really quitting the
    # QApplication under pytest-qt would leave a quit pending for the next test's loops.
    loop = QEventLoop()

    def fake_app_exec(*_: object) -> int:
        return loop.exec()

    def fake_box_exec(box: QMessageBox) -> int:
        shown.append("\n".join((box.text(), box.informativeText(), box.detailedText())))
        QTimer.singleShot(0, loop.quit)  # the user closes the window after reading
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QApplication, "exec", fake_app_exec)
    monkeypatch.setattr(QMessageBox, "exec", fake_box_exec)
    hook_before = sys.excepthook
    code = run_gui(tmp_path / "no-such.vcase", demo=False)
    assert code == 0
    assert len(shown) == 1
    assert "no-such.vcase" in shown[0] and "no such case file" in shown[0]
    assert "Traceback" not in shown[0]
    assert sys.excepthook is hook_before
