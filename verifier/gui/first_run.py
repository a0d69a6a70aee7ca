"""The first-run screen: shown once (remembered in QSettings), it offers the demo case, says how
to add a corpus folder and where the workbench keeps its data."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_data_dir
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from verifier import APP_NAME, __version__

if TYPE_CHECKING:
    from verifier.gui.main_window import MainWindow

FIRST_RUN_KEY = "first_run/shown_in"  # the version that showed it; empty: not shown yet


@dataclass(frozen=True)
class DataLocations:
    """Where this user's settings, corpus, demo case and log live (platformdirs)."""

    data_dir: Path
    settings_file: Path
    default_corpus: Path
    log_file: Path


def data_locations() -> DataLocations:
    from verifier.corpus import default_corpus_path
    from verifier.gui.app_log import log_path
    from verifier.settings import settings_path

    return DataLocations(Path(user_data_dir("verifier", appauthor=False)), settings_path(),
                         default_corpus_path(), log_path())


def first_run_pending() -> bool:
    return not str(QSettings().value(FIRST_RUN_KEY, "") or "")


def mark_first_run_done() -> None:
    settings = QSettings()
    settings.setValue(FIRST_RUN_KEY, __version__)
    settings.sync()


class FirstRunDialog(QDialog):
    demo_requested = Signal()
    corpus_requested = Signal()

    def __init__(self, locations: DataLocations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self.setObjectName("first_run")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<h2>{html.escape(APP_NAME)} {html.escape(__version__)}</h2>"
            "<p>Check a photo or a video against the article that uses it: what its metadata "
            "says, its keyframes, earlier copies in your corpus, the article's hedged claims, "
            "your verdicts with an audit trail, and a report an editor can trust.</p>"
            "<p><b>Try the demo case first.</b> It is built on this computer (nothing is "
            "downloaded): a viral clip that turns out to be an excerpt of a 2017 archive "
            "video, with its report.</p>"
            "<p><b>Add a corpus folder</b> (the photos and videos your newsroom already knows) "
            "with <i>File ▸ Corpus manager… ▸ Add folder…</i>, or on the command line "
            "<code>verifier corpus add FOLDER</code>. Each file is fingerprinted once; "
            "a folder added again only reads what changed. New media is then matched against "
            "it to find where and when it appeared before.</p>")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        where = QLabel(
            "<p style='color:#4b5563'>Your data stays on this computer:<br>"
            f"data folder (corpus, demo case): <code>{html.escape(str(locations.data_dir))}"
            "</code><br>"
            f"default corpus: <code>{html.escape(str(locations.default_corpus))}</code><br>"
            f"settings: <code>{html.escape(str(locations.settings_file))}</code><br>"
            f"log: <code>{html.escape(str(locations.log_file))}</code></p>")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.where_label = where

        buttons = QDialogButtonBox()
        self.demo_button = QPushButton("Open the demo case")
        self.corpus_button = QPushButton("Add a corpus folder…")
        self.close_button = QPushButton("Start with an empty workbench")
        buttons.addButton(self.demo_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.corpus_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.demo_button.setDefault(True)
        self.demo_button.clicked.connect(self._demo)
        self.corpus_button.clicked.connect(self._corpus)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(620)

    def _demo(self) -> None:
        self.accept()
        self.demo_requested.emit()

    def _corpus(self) -> None:
        self.accept()
        self.corpus_requested.emit()


def show_first_run(window: MainWindow, *, force: bool = False) -> FirstRunDialog | None:
    """Open the first-run screen over the window unless it was shown before (force: anyway).
    It is remembered as shown at once, so a crash or a kill does not bring it back forever."""
    if not force and not first_run_pending():
        return None
    dialog = FirstRunDialog(data_locations(), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.demo_requested.connect(window.open_demo)
    extras = getattr(window, "extras", None)
    manager = getattr(extras, "corpus_manager", None)
    if manager is not None:
        dialog.corpus_requested.connect(manager.trigger)
    else:
        dialog.corpus_requested.connect(window.choose_corpus_dialog)
    mark_first_run_done()
    dialog.open()
    return dialog


def about_html() -> str:
    """Help ▸ About: the version (from the package metadata, as in every report), the libraries
    that matter for a bug report, and where this user's data lives."""
    import platform

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    locations = data_locations()
    return (f"<h3>{html.escape(APP_NAME)}</h3><p>Version {html.escape(__version__)}</p>"
            "<p>A workbench for fact-checkers: media metadata and red flags, keyframes, corpus "
            "matches, hedged claims, verdicts with an append-only audit trail, and reports.</p>"
            f"<p style='color:#4b5563'>Python {platform.python_version()}, Qt {qVersion()}, "
            f"PySide6 {pyside_version}<br>Data folder: "
            f"<code>{html.escape(str(locations.data_dir))}</code><br>"
            f"Log: <code>{html.escape(str(locations.log_file))}</code></p>"
            "<p>Licensed under the MIT licence.</p>")
