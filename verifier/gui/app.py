"""Entry point of the window: `verifier gui [CASE] [--demo]`."""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

from verifier import APP_NAME, __version__
from verifier.gui.errors import ExceptionHook
from verifier.gui.gc_guard import MainThreadCollector
from verifier.gui.main_window import MainWindow

log = logging.getLogger(__name__)

ORGANIZATION = "verifier"
DEFAULT_SIZE = (1400, 900)


def create_application() -> QApplication:
    """The QApplication (reused when one exists, as under pytest-qt), named for QSettings."""
    existing = QCoreApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName(APP_NAME)
    if app.findChild(MainThreadCollector) is None:
        MainThreadCollector(app)
    return app


def run_gui(case_path: Path | None, demo: bool) -> int:
    """Show the workbench, open case_path (or build and open the demo), run until quit."""
    app = create_application()
    window = MainWindow()
    hook = ExceptionHook(lambda: window)
    hook.install()
    try:
        screen = app.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        width, height = DEFAULT_SIZE
        if room is not None:  # a laptop screen: fill it rather than spill over its edges
            width, height = min(width, room.width()), min(height, room.height())
            window.move(room.topLeft())
        window.resize(width, height)
        window.show()
        # Opened from the event loop, so a bad path shows its message box over the window.
        if demo:
            QTimer.singleShot(0, window.open_demo)
        elif case_path is not None:
            QTimer.singleShot(0, functools.partial(window.open_case, Path(case_path)))
        code = app.exec()
        window.shutdown()
        log.info("workbench closed with exit code %d", code)
        return int(code)
    finally:
        hook.uninstall()
        window.deleteLater()
