"""The one place where exceptions become message boxes.

A UserError is the user's to fix, so its one-line message is shown as it is. Anything else is a
bug: the box says "Unexpected error", the traceback goes under "Show Details" and into the log.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from verifier.errors import Cancelled, UserError

log = logging.getLogger(__name__)

UNEXPECTED_TITLE = "Unexpected error"
CANCELLED_TITLE = "Cancelled"


def describe(exc: BaseException) -> tuple[str, str]:
    """(title, details) of an exception, as a worker's error signal carries them.

    For bad input the title is the readable message and details are empty; for a bug the title is
    UNEXPECTED_TITLE and the details hold the traceback.
    """
    if isinstance(exc, UserError):
        return str(exc), ""
    if isinstance(exc, Cancelled):
        return CANCELLED_TITLE, ""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return UNEXPECTED_TITLE, details


def show_error(parent: QWidget | None, title: str, details: str = "",
               context: str = "") -> None:
    """Show (title, details) from describe() or a worker's error signal in a message box.

    context names what was being done, e.g. "Could not open the case".
    """
    box = QMessageBox(parent)
    app_name = QApplication.applicationName() or "Verifier workbench"
    if title == UNEXPECTED_TITLE:
        log.error("%s%s\n%s", f"{context}: " if context else "", UNEXPECTED_TITLE, details)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle(f"{app_name} — {UNEXPECTED_TITLE}")
        box.setText(UNEXPECTED_TITLE)
        last = details.strip().splitlines()[-1] if details.strip() else ""
        lines = [context + "." if context else "Something went wrong inside the workbench."]
        if last:
            lines.append(last)
        lines.append("Work already saved in the case is kept. The details below were also "
                     "written to the log; please include them when you report the problem.")
        box.setInformativeText("\n\n".join(lines))
        box.setDetailedText(details)
    else:
        log.info("%s%s", f"{context}: " if context else "", title)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(app_name)
        box.setText(context or title)
        if context:
            box.setInformativeText(title + (f"\n\n{details}" if details else ""))
        elif details:
            box.setInformativeText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def show_exception(parent: QWidget | None, exc: BaseException, context: str = "") -> None:
    title, details = describe(exc)
    show_error(parent, title, details, context)


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


class ExceptionHook:
    """sys.excepthook while the window runs: an exception escaping a slot becomes the
    "Unexpected error" box instead of a traceback on stderr."""

    def __init__(self, parent: Callable[[], QWidget | None]) -> None:
        self._parent = parent
        self._previous: ExceptHook | None = None
        self._showing = False

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous
            self._previous = None

    def __call__(self, exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        if self._showing:  # an error while showing an error: log it, never loop
            log.error("error while reporting an error", exc_info=(exc_type, exc, tb))
            return
        self._showing = True
        try:
            show_exception(self._parent(), exc)
        finally:
            self._showing = False
