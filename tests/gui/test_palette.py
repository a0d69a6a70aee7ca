"""Light and dark palettes: text on the window, the navigator, the article (its highlights and
the verdict badges in the margin), secondary text and dialogs must keep a readable contrast."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QStyleFactory, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.case_builder import BuiltCase
from verifier.gui.article_view import ClaimMargin
from verifier.gui.corpus_manager import CorpusManager
from verifier.gui.dialogs import ImportArticleDialog
from verifier.gui.main_window import MainWindow
from verifier.gui.palette import apply_scheme, contrast_ratio, is_dark
from verifier.gui.style import (
    KIND_COLORS,
    NO_VERDICT_COLOR,
    RATING_COLORS,
    error_hex,
    muted_hex,
    warning_hex,
)

pytestmark = pytest.mark.gui

BODY = 7.0  # WCAG AAA for body text
SECONDARY = 4.5  # WCAG AA: hints, captions, badges


@pytest.fixture(params=[Qt.ColorScheme.Light, Qt.ColorScheme.Dark], ids=["light", "dark"])
def scheme(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[Qt.ColorScheme]:
    style, palette = qapp.style().name(), QPalette(qapp.palette())
    apply_scheme(qapp, request.param)
    yield request.param
    restored = QStyleFactory.create(style)
    if restored is not None:
        qapp.setStyle(restored)
    qapp.setPalette(palette)


def color_of(widget: QWidget, role: QPalette.ColorRole) -> QColor:
    return widget.palette().color(role)


def muted_labels(root: QWidget) -> list[QLabel]:
    return [label for label in root.findChildren(QLabel)
            if label.foregroundRole() == QPalette.ColorRole.PlaceholderText]


def test_palette_follows_the_scheme(scheme: Qt.ColorScheme, qapp: QApplication) -> None:
    assert is_dark() == (scheme == Qt.ColorScheme.Dark)
    assert qapp.style().name().lower() == "fusion"


def test_key_widgets_keep_their_contrast(scheme: Qt.ColorScheme, qtbot: QtBot,
                                         window: MainWindow, built_case: BuiltCase) -> None:
    # The window fixture was made before the scheme switched: a fresh window, as at start-up.
    fresh = MainWindow()
    qtbot.addWidget(fresh)
    fresh.resize(1400, 900)
    fresh.show()
    try:
        welcome = muted_labels(fresh.welcome)
        assert welcome, "the welcome text is secondary text"
        for label in welcome:
            assert contrast_ratio(color_of(label, label.foregroundRole()),
                                  color_of(fresh, QPalette.ColorRole.Window)) >= SECONDARY
        assert fresh.open_case(built_case.case_path)
        qtbot.wait(50)
        W, T, B = QPalette.ColorRole.Window, QPalette.ColorRole.Text, QPalette.ColorRole.Base
        assert contrast_ratio(color_of(fresh, QPalette.ColorRole.WindowText),
                              color_of(fresh, W)) >= BODY
        assert contrast_ratio(color_of(fresh.navigator, T), color_of(fresh.navigator, B)) >= BODY
        view = fresh.article_view
        assert contrast_ratio(color_of(view, T), color_of(view, B)) >= BODY
        # Secondary text sits on the window and on the views' base.
        for ground in (color_of(fresh, W), color_of(view, B)):
            for hex_ in (muted_hex(), error_hex(), warning_hex()):
                assert contrast_ratio(QColor(hex_), ground) >= SECONDARY, hex_
        # Claim highlights carry their own dark ink, badges white ink: both in any palette.
        html = view.toHtml()
        assert "#111827" in html
        for fill in KIND_COLORS.values():
            assert contrast_ratio(QColor("#111827"), QColor(fill)) >= BODY
        for fill in RATING_COLORS.values():
            assert contrast_ratio(QColor("#ffffff"), QColor(fill)) >= SECONDARY, fill
        assert contrast_ratio(QColor("#4b5563"), QColor("#e5e7eb")) >= SECONDARY  # no verdict
        assert NO_VERDICT_COLOR
        # The badge margin is painted in the palette's tone, not a fixed light strip.
        margin = fresh.findChild(ClaimMargin)
        assert margin is not None and margin.isVisible()
        strip = margin.grab().toImage().pixelColor(margin.width() - 3, margin.height() - 3)
        assert (strip.lightnessF() < 0.5) == (scheme == Qt.ColorScheme.Dark)
        assert contrast_ratio(strip, color_of(view, T)) >= BODY
    finally:
        fresh.shutdown()


def test_dialog_hints_read_in_both_palettes(scheme: Qt.ColorScheme, qtbot: QtBot,
                                            window: MainWindow) -> None:
    for dialog in (ImportArticleDialog(window), CorpusManager(None, window.pool, window)):
        qtbot.addWidget(dialog)
        ground = color_of(dialog, QPalette.ColorRole.Window)
        for label in muted_labels(dialog):
            assert contrast_ratio(color_of(label, label.foregroundRole()), ground) >= SECONDARY
        text = color_of(dialog, QPalette.ColorRole.WindowText)
        assert contrast_ratio(text, ground) >= BODY


def test_report_preview_is_a_white_page_in_both(scheme: Qt.ColorScheme, qtbot: QtBot,
                                                window: MainWindow,
                                                built_case: BuiltCase) -> None:
    """The report's own styles assume a white page: the preview shows one in a dark window."""
    assert window.open_case(built_case.case_path)
    dialog = window.make_export_dialog("html")
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.preview_ready, timeout=60_000)
    page = dialog.browser
    base = color_of(page, QPalette.ColorRole.Base)
    assert base.lightnessF() > 0.9
    assert contrast_ratio(color_of(page, QPalette.ColorRole.Text), base) >= BODY
    dialog.close()
