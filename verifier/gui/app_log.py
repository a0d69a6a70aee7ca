"""The application log: a rotating file in the user's log folder, and Help ▸ Show log."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from platformdirs import user_log_dir
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

LOG_NAME = "verifier.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
SHOWN_BYTES = 400_000  # the tail shown in the viewer: enough for a day, quick to read
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"


def log_path() -> Path:
    return Path(user_log_dir("verifier", appauthor=False)) / LOG_NAME


class _AppFileHandler(logging.handlers.RotatingFileHandler):
    """Marks the handler this module installed, so setup_logging runs once per file."""


def setup_logging(path: Path | None = None, level: int = logging.INFO) -> Path:
    """Send records of `level` and above to a rotating file (1 MB, 3 backups); what already
    went to the console keeps its own threshold. Returns the log file's path."""
    path = path or log_path()
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, _AppFileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = _AppFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                       encoding="utf-8")
    except OSError as exc:  # a read-only home: the window still works, without a log file
        logging.getLogger(__name__).warning("no log file at %s: %s", path, exc)
        return path
    file_handler.setLevel(level)
    file_handler.setFormatter(logging.Formatter(FORMAT))
    if root.level > level or root.level == logging.NOTSET:
        # Lowering the root's threshold must not make the console chattier.
        for handler in root.handlers:
            if handler.level == logging.NOTSET:
                handler.setLevel(root.level or logging.WARNING)
        root.setLevel(level)
    root.addHandler(file_handler)
    return path


def remove_logging(path: Path) -> None:
    """Close and detach the handler setup_logging added for path (tests, a second window)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _AppFileHandler) and Path(handler.baseFilename) == path:
            root.removeHandler(handler)
            handler.close()


def read_tail(path: Path, limit: int = SHOWN_BYTES) -> str:
    """The last `limit` bytes of the log, starting at a whole line."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - limit))
            data = f.read()
    except FileNotFoundError:
        return ""
    if len(data) == limit and b"\n" in data:
        data = data[data.index(b"\n") + 1:]
    return data.decode("utf-8", errors="replace")


class LogDialog(QDialog):
    """The newest part of the application log, read-only, with Reload and the folder."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle("Application log")
        self.resize(900, 560)
        self.where = QLabel(f"<code>{_esc(str(path))}</code> (rotated at 1 MB; 3 older files "
                            "are kept beside it)")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.reload_button = QPushButton("Reload")
        self.reload_button.setToolTip("Read the log file again")
        self.reload_button.clicked.connect(self.reload)
        self.copy_button = QPushButton("Copy all")
        self.copy_button.setToolTip("Copy the text shown, to paste into a bug report")
        self.copy_button.clicked.connect(self.copy_all)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.setToolTip("Show the log folder in the file manager")
        self.folder_button.clicked.connect(self.open_folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        for button in (self.reload_button, self.copy_button, self.folder_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.text, 1)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        text = read_tail(self.path)
        self.text.setPlainText(text or "The log is empty: nothing has been recorded yet.")
        self.text.moveCursor(QTextCursor.MoveOperation.End)  # the newest lines

    def copy_all(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())

    def open_folder(self) -> bool:
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent)))


def _esc(text: str) -> str:
    import html

    return html.escape(text)
