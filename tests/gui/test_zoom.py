"""Zoom, pan, fit and 1:1 on a real video keyframe in the media pane."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from tests.gui.case_builder import BuiltCase
from verifier.gui.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.shared]


def test_zoom_fit_actual_size_and_pan(qtbot: QtBot, window: MainWindow,
                                      built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    window.select_media(built_case.video_id)
    canvas = window.media_view.canvas
    zoom = window.extras
    qtbot.waitUntil(canvas.has_image)
    image = canvas.image_size()
    assert image.width() > canvas.width()  # a 1280 px keyframe in a narrower pane
    assert canvas.is_fitted() and canvas.zoom_factor() < 1
    assert all(a.isEnabled() for a in zoom.zoom_actions)

    zoom.zoom_actual.trigger()
    assert canvas.zoom_factor() == 1.0 and canvas.target_rect().size() == image
    zoom.zoom_in.trigger()
    assert canvas.zoom_factor() == pytest.approx(1.25)
    zoom.zoom_out.trigger()
    assert canvas.zoom_factor() == pytest.approx(1.0)

    left = canvas.target_rect().left()
    assert left < 0  # wider than the pane, centred
    canvas.pan(40, 0)
    assert canvas.target_rect().left() == left + 40
    canvas.pan(10_000, 0)  # never past the picture's edge
    assert canvas.target_rect().left() == 0
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 50))
    qtbot.mouseMove(canvas, QPoint(100, 50))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 50))
    assert canvas.target_rect().left() == -100  # dragged 100 px to the left

    zoom.zoom_fit.trigger()
    assert canvas.is_fitted() and canvas.target_rect().width() <= canvas.width()
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(60, 60))
    assert canvas.zoom_factor() == 1.0
    # A new picture starts fitted again.
    window.media_view.show_keyframe(1)
    qtbot.waitUntil(lambda: not window.media_view.is_loading())  # decoded in a worker
    assert canvas.is_fitted()
    window.close_case()
    assert not any(a.isEnabled() for a in zoom.zoom_actions)
