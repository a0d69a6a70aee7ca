"""Entry point of the window: `verifier gui [CASE] [--demo] [--measure-startup]`."""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from verifier import APP_NAME, __version__
from verifier.gui.app_log import setup_logging
from verifier.gui.errors import ExceptionHook
from verifier.gui.first_run import show_first_run
from verifier.gui.gc_guard import MainThreadCollector
from verifier.gui.layout_state import restore_layout, save_layout
from verifier.gui.main_window import MainWindow
from verifier.gui.palette import follow_system
from verifier.gui.warmup import warm_up

log = logging.getLogger(__name__)

ORGANIZATION = "verifier"
DEFAULT_SIZE = (1400, 900)
SCHEME_NOTE = ("The system's colour scheme changed: the window follows it; restart the workbench "
               "for every pane to take the new colours.")
WARM_UP_DELAY_MS = 300  # after the first paint: the analysis modules load in the background
_IMPORTED_AT = time.monotonic()  # the fallback origin where the process start is unknown


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


def seconds_since_start() -> float:
    """Seconds since this process started (Linux: /proc, 10 ms resolution), else since this
    module was imported."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start time in ticks
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(uptime - started, 0.0)
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED_AT


def place_window(app: QApplication, window: MainWindow) -> None:
    """The layout saved last time, else the default size fitted to the screen."""
    if restore_layout(window):
        return
    screen = app.primaryScreen()
    room = screen.availableGeometry() if screen is not None else None
    width, height = DEFAULT_SIZE
    if room is not None:  # a laptop screen: fill it rather than spill over its edges
        width, height = min(width, room.width()), min(height, room.height())
        window.move(room.topLeft())
    window.resize(width, height)
    share_width(window, width)


def share_width(window: MainWindow, width: int) -> None:
    """First-run column widths for this window width: on a wide screen the navigator and the
    inspector grow too, not only the centre (their claim texts and tables are elided first)."""
    navigator = max(280, round(width * 0.17))
    inspector = max(530, round(width * 0.32))
    window.main_splitter.setSizes([navigator, max(width - navigator - inspector, 400),
                                   inspector])


def run_gui(case_path: Path | None, demo: bool, *, measure_startup: bool = False,
            quit_after: float | None = None) -> int:
    """Show the workbench, open case_path (or build and open the demo), run until quit.

    measure_startup prints the seconds from process start to a usable window (shown, painted,
    the case opened when one is given, the event loop idle), then quits. quit_after (seconds)
    ends the event loop by itself: a smoke test of an installed or frozen app."""
    setup_logging()
    app = create_application()
    follow_system(app)
    window = MainWindow()
    hints = QGuiApplication.styleHints()
    if hints is not None:  # the palette follows at once; colours set when a pane was made do not
        hints.colorSchemeChanged.connect(
            lambda _scheme: window.statusBar().showMessage(SCHEME_NOTE, 20_000))
    hook = ExceptionHook(lambda: window)
    hook.install()
    try:
        place_window(app, window)
        window.show()
        # Opened from the event loop, so a bad path shows its message box over the window.
        if demo:
            QTimer.singleShot(0, window.open_demo)
        elif case_path is not None:
            QTimer.singleShot(0, functools.partial(window.open_case, Path(case_path)))
        elif not measure_startup:
            QTimer.singleShot(0, functools.partial(show_first_run, window))
        if quit_after is not None:
            QTimer.singleShot(int(quit_after * 1000), app.quit)
        if measure_startup:
            QTimer.singleShot(0, functools.partial(_report_startup, app, window))
        else:
            QTimer.singleShot(WARM_UP_DELAY_MS, warm_up)
        code = app.exec()
        save_layout(window)
        window.shutdown()
        log.info("workbench closed with exit code %d", code)
        return int(code)
    finally:
        hook.uninstall()
        window.deleteLater()


def _report_startup(app: QApplication, window: MainWindow) -> None:
    """Called from the event loop once the window's first events are handled; a second
    zero timer lets the first paint go through before the clock is read."""
    def done() -> None:
        seconds = seconds_since_start()
        print(f"startup: {seconds:.3f} s from process start to a usable window "
              f"({window.windowTitle()})", flush=True)
        log.info("startup took %.3f s", seconds)
        window.close()
        app.quit()

    window.repaint()
    QTimer.singleShot(0, done)
