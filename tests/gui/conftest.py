"""GUI fixtures: a real case built once per session (copied for each test, since tests record
verdicts), the window, and message boxes captured instead of shown."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import ARTICLE, shared_file
from tests.gui.case_builder import PHOTO, VIDEO, BuiltCase, build_case
from verifier.case import evidence_dir_for
from verifier.gui.app import create_application
from verifier.gui.main_window import MainWindow


@dataclass
class ShownBox:
    icon: QMessageBox.Icon
    title: str
    text: str
    informative: str
    detailed: str

    @property
    def everything(self) -> str:
        return "\n".join((self.title, self.text, self.informative, self.detailed))


@pytest.fixture
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> list[ShownBox]:
    """Every QMessageBox the code shows, recorded instead of blocking on exec()."""
    shown: list[ShownBox] = []

    def fake_exec(box: QMessageBox) -> int:
        shown.append(ShownBox(box.icon(), box.windowTitle(), box.text(), box.informativeText(),
                              box.detailedText()))
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    return shown


@pytest.fixture(scope="session")
def template_case(tmp_path_factory: pytest.TempPathFactory) -> BuiltCase:
    video, photo = shared_file(VIDEO), shared_file(PHOTO)
    if not ARTICLE.exists():
        pytest.skip(f"real article not available: {ARTICLE}")
    return build_case(tmp_path_factory.mktemp("template"), video, photo, ARTICLE)


@pytest.fixture
def built_case(template_case: BuiltCase, tmp_path: Path) -> BuiltCase:
    """A private copy of the session's case (case file and evidence folder)."""
    target = tmp_path / "case"
    target.mkdir()
    case_path = target / template_case.case_path.name
    shutil.copy2(template_case.case_path, case_path)
    shutil.copytree(evidence_dir_for(template_case.case_path), evidence_dir_for(case_path))
    return replace(template_case, case_path=case_path,
                   report_path=target / template_case.report_path.name)


@pytest.fixture
def window(qtbot: QtBot, message_boxes: list[ShownBox]) -> Iterator[MainWindow]:
    create_application()
    QSettings().remove("corpus/path")  # no corpus chosen by an earlier test
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    yield win
    win.shutdown()


@pytest.fixture(autouse=True)
def _empty_clipboard_after(qapp: object) -> Iterator[None]:
    """Qt crashes at exit (offscreen) when the clipboard still owns data a test put there."""
    yield
    from PySide6.QtGui import QGuiApplication

    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.clear()


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """Garbage from one test must not be collected by a worker thread of the next (Qt crashes
    when its objects die off the GUI thread); the app does the same with MainThreadCollector."""
    import gc

    gc.collect()
    gc.disable()
    yield
    gc.enable()
    gc.collect()
