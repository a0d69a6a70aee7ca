"""Light and dark palettes that follow the system's colour scheme (Qt 6.5+ style hints), and
the contrast arithmetic the tests use to check that text stays readable in both."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

log = logging.getLogger(__name__)

_DARK = {
    QPalette.ColorRole.Window: "#26292e",
    QPalette.ColorRole.WindowText: "#e6e8eb",
    QPalette.ColorRole.Base: "#1d1f23",
    QPalette.ColorRole.AlternateBase: "#2a2d33",
    QPalette.ColorRole.ToolTipBase: "#32363d",
    QPalette.ColorRole.ToolTipText: "#e6e8eb",
    QPalette.ColorRole.PlaceholderText: "#9aa1ab",
    QPalette.ColorRole.Text: "#e6e8eb",
    QPalette.ColorRole.Button: "#30343a",
    QPalette.ColorRole.ButtonText: "#e6e8eb",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#3b4048",
    QPalette.ColorRole.Midlight: "#33373e",
    QPalette.ColorRole.Mid: "#23262b",
    QPalette.ColorRole.Dark: "#15171a",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#7fb2ff",
    QPalette.ColorRole.LinkVisited: "#c29cff",
}
_DISABLED = {
    QPalette.ColorRole.WindowText: "#7d848f",
    QPalette.ColorRole.Text: "#7d848f",
    QPalette.ColorRole.ButtonText: "#7d848f",
    QPalette.ColorRole.Highlight: "#4a4f57",
}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in _DARK.items():
        palette.setColor(role, QColor(color))
    for role, color in _DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return palette


def light_palette() -> QPalette:
    style = QApplication.style()
    return style.standardPalette() if style is not None else QPalette()


def paper_palette(base: QPalette) -> QPalette:
    """A report is a document: shown dark on white in either scheme, as a PDF viewer shows
    a page (its own styles assume a white page)."""
    palette = QPalette(base)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Base, QColor("#ffffff"))
        palette.setColor(group, QPalette.ColorRole.Text, QColor("#111827"))
        palette.setColor(group, QPalette.ColorRole.Link, QColor("#1d4ed8"))
        palette.setColor(group, QPalette.ColorRole.LinkVisited, QColor("#6d28d9"))
    return palette


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether text is drawn light on dark (whatever set the palette: us, the system, a test)."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightnessF() < 0.5


def system_scheme() -> Qt.ColorScheme:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() if hints is not None else Qt.ColorScheme.Unknown


def apply_scheme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> bool:
    """Use the dark palette when the scheme (default: the system's) is dark, else the style's
    light one. Fusion draws both palettes faithfully on every platform. Returns dark or not."""
    scheme = system_scheme() if scheme is None else scheme
    dark = scheme == Qt.ColorScheme.Dark
    if app.style().name().lower() != "fusion":
        fusion = QStyleFactory.create("Fusion")
        if fusion is not None:
            app.setStyle(fusion)
    app.setPalette(dark_palette() if dark else light_palette())
    log.info("colour scheme: %s", "dark" if dark else "light")
    return dark


def follow_system(app: QApplication) -> None:
    """Apply the system's scheme now and again whenever it changes."""
    apply_scheme(app)
    hints = QGuiApplication.styleHints()
    if hints is not None:
        hints.colorSchemeChanged.connect(lambda scheme: apply_scheme(app, scheme))


# ------------------------------------------------------------------ contrast (WCAG 2)

def relative_luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF())
            + 0.0722 * channel(color.blueF()))


def contrast_ratio(a: QColor, b: QColor) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
