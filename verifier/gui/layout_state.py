"""The window's layout kept between sessions in QSettings: geometry, dock/toolbar state, the
splitters' sizes and the inspector tab last shown."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter, QTabWidget

GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"
SPLITTER_KEY = "window/splitter/"
TAB_KEY = "window/inspector_tab"


def _splitters(window: QMainWindow) -> dict[str, QSplitter]:
    found = {name: getattr(window, name, None) for name in ("main_splitter", "centre_splitter")}
    return {name: s for name, s in found.items() if isinstance(s, QSplitter)}


def _tabs(window: QMainWindow) -> QTabWidget | None:
    tabs = getattr(window, "inspector", None)
    return tabs if isinstance(tabs, QTabWidget) else None


def save_layout(window: QMainWindow, settings: QSettings | None = None) -> None:
    settings = settings or QSettings()
    settings.setValue(GEOMETRY_KEY, window.saveGeometry())
    settings.setValue(STATE_KEY, window.saveState())
    for name, splitter in _splitters(window).items():
        settings.setValue(SPLITTER_KEY + name, splitter.saveState())
    tabs = _tabs(window)
    if tabs is not None and tabs.count():
        settings.setValue(TAB_KEY, tabs.tabText(tabs.currentIndex()).replace("&", ""))


def restore_layout(window: QMainWindow, settings: QSettings | None = None) -> bool:
    """Apply the saved layout; False when there was no saved geometry (first run)."""
    settings = settings or QSettings()
    geometry = settings.value(GEOMETRY_KEY)
    restored = isinstance(geometry, QByteArray | bytes) and window.restoreGeometry(
        QByteArray(geometry))
    state = settings.value(STATE_KEY)
    if isinstance(state, QByteArray | bytes):
        window.restoreState(QByteArray(state))
    for name, splitter in _splitters(window).items():
        sizes = settings.value(SPLITTER_KEY + name)
        if isinstance(sizes, QByteArray | bytes):
            splitter.restoreState(QByteArray(sizes))
    tabs = _tabs(window)
    tab = settings.value(TAB_KEY)
    if tabs is not None and isinstance(tab, str):
        for n in range(tabs.count()):
            if tabs.tabText(n).replace("&", "") == tab:
                tabs.setCurrentIndex(n)
                break
    return bool(restored)
