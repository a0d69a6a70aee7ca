"""The media pane's frame player on a real video, the magnifier lens on a real photo, and the
display image decoded off the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageReader
from pytestqt.qtbot import QtBot

from tests.conftest import shared_file
from tests.gui.case_builder import BuiltCase
from verifier.gui.main_window import MainWindow
from verifier.gui.media_view import DISPLAY_MAX_SIDE, MediaView
from verifier.media.video import frame_rgb

pytestmark = [pytest.mark.gui, pytest.mark.shared]

LARGE_PHOTO = "metadata-extractor-images/jpg/HTC One.jpg"


def rgb_of(image: QImage) -> np.ndarray:
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = img.width(), img.height(), img.bytesPerLine()
    rows = np.frombuffer(img.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return rows[:, : 3 * w].reshape(h, w, 3).copy()


def decoded(path: Path, upto: int) -> list[tuple[float, np.ndarray]]:
    """The first frames in display order, straight from PyAV, with their times."""
    out: list[tuple[float, np.ndarray]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            out.append((float(frame.time), frame_rgb(frame)))
            if len(out) > upto:
                break
    out.sort(key=lambda tf: tf[0])
    first = out[0][0]
    return [(t - first, rgb) for t, rgb in out]


def video_path(window: MainWindow, built_case: BuiltCase) -> Path:
    snap = window.snapshot
    assert snap is not None
    item = snap.media_item(built_case.video_id)
    assert item is not None
    return Path(item.path)


def wait_still(qtbot: QtBot, view: MediaView, index: int) -> None:
    """Until the player's still of frame `index` is shown (as a frame or as its keyframe)."""
    def shown() -> bool:
        frame = view.current_keyframe()
        return (not view.player.playing and frame is not None and frame.frame == index
                and not view.is_loading())
    qtbot.waitUntil(shown, timeout=10_000)


@pytest.fixture
def video_window(qtbot: QtBot, window: MainWindow, built_case: BuiltCase) -> MainWindow:
    assert window.open_case(built_case.case_path)
    window.select_media(built_case.video_id)
    view = window.media_view
    qtbot.waitUntil(view.player.is_open, timeout=10_000)
    qtbot.waitUntil(lambda: view.canvas.has_image() and not view.is_loading())
    return window


def test_stepping_changes_the_frame_number_and_the_picture(
        qtbot: QtBot, video_window: MainWindow, built_case: BuiltCase) -> None:
    view = video_window.media_view
    start = view.player.position  # the first keyframe's frame
    frames = decoded(video_path(video_window, built_case), start + 2)
    # The player numbers frames as keyframe extraction does.
    assert view.keyframes[0].frame == start
    assert frames[start][0] == pytest.approx(view.keyframes[0].time, abs=1e-3)
    assert view.player.times is not None
    assert view.player.times.times[start] == pytest.approx(view.keyframes[0].time, abs=1e-3)
    before = rgb_of(view.canvas.image())
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Period)  # next frame
    wait_still(qtbot, view, start + 1)
    after = rgb_of(view.canvas.image())
    assert not np.array_equal(before, after)
    assert np.array_equal(after, frames[start + 1][1])
    assert f"frame {start + 1} " in view.player.label.text()
    qtbot.keyClick(view.canvas, Qt.Key.Key_Comma)  # and back
    wait_still(qtbot, view, start)
    assert np.array_equal(rgb_of(view.canvas.image()), frames[start][1])


def test_seeking_to_a_time_shows_the_frame_pyav_decodes_there(
        qtbot: QtBot, video_window: MainWindow, built_case: BuiltCase) -> None:
    view = video_window.media_view
    frames = decoded(video_path(video_window, built_case), 60)
    # Half-way between two frames 30 and 31: the frame on screen then is 30.
    target = (frames[30][0] + frames[31][0]) / 2
    view.player.seek_time(target)
    wait_still(qtbot, view, 30)
    assert np.array_equal(rgb_of(view.canvas.image()), frames[30][1])
    assert view.player.slider.value() == 30
    # One second forward lands on the frame showing at that time.
    view.player.jump(1.0)
    expected = max(n for n, (t, _) in enumerate(frames) if t <= frames[30][0] + 1.0 + 1e-6)
    wait_still(qtbot, view, expected)
    assert np.array_equal(rgb_of(view.canvas.image()), frames[expected][1])


def test_play_advances_and_pause_stops(qtbot: QtBot, video_window: MainWindow) -> None:
    view = video_window.media_view
    player = view.player
    player.seek_frame(0)
    wait_still(qtbot, view, 0)
    player.play()
    assert player.playing
    qtbot.waitUntil(lambda: player.position > 5, timeout=15_000)
    assert view.current_picture() is None  # the picture actions wait for the pause
    player.pause()
    assert not player.playing
    reached = player.position
    wait_still(qtbot, view, reached)
    qtbot.wait(300)
    assert player.position == reached and not player.playing


def test_the_frame_shown_can_be_saved_and_copied(
        qtbot: QtBot, video_window: MainWindow, built_case: BuiltCase, tmp_path: Path) -> None:
    view = video_window.media_view
    frames = decoded(video_path(video_window, built_case), 30)
    kf_frames = {k.frame for k in view.keyframes}
    n = next(i for i in range(3, 30) if i not in kf_frames)  # not a saved keyframe
    view.player.seek_frame(n)
    wait_still(qtbot, view, n)
    kf = view.current_keyframe()
    assert kf is not None and kf.kind == "frame" and Path(kf.path).is_file()
    picture = view.current_picture()
    assert picture is not None and "frame" in picture[1]
    assert video_window.save_picture_action.isEnabled()
    assert video_window.find_action.isEnabled()
    forensics = video_window.inspector.forensics.target  # the Forensics tab's picture shown
    assert forensics is not None and forensics.picture == Path(kf.path)
    assert forensics.what.startswith("the frame at ")  # not called a keyframe
    out = tmp_path / "frame.png"
    assert video_window.save_picture(out)
    assert np.array_equal(rgb_of(QImage(str(out))), frames[n][1])
    QGuiApplication.clipboard().clear()
    assert video_window.copy_picture()
    copied = QGuiApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (frames[n][1].shape[1], frames[n][1].shape[0])
    QGuiApplication.clipboard().clear()


def test_magnifier_shows_enlarged_pixels_at_the_pointer(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    window.select_media(built_case.photo_id)
    canvas = window.media_view.canvas
    qtbot.waitUntil(canvas.has_image)
    # The EXIF preview panel arrives from a worker and narrows the canvas: wait for it.
    qtbot.waitUntil(lambda: not window.background_busy(), timeout=10_000)
    qtbot.wait(50)
    rect = canvas.target_rect()
    pos = QPoint(rect.center().x() - 60, rect.center().y() - 60)
    plain = canvas.grab().toImage()
    action = window.extras.magnifier
    assert action.isEnabled() and action.shortcut().toString() == "M"
    action.setChecked(True)
    qtbot.mouseMove(canvas, pos)
    qtbot.waitUntil(lambda: canvas._pointer is not None)
    lens = canvas.lens_at(QPointF(pos))
    assert lens is not None
    where, pixels = lens
    assert not where.contains(QPointF(pos))  # beside the pointer, not hiding it
    with_lens = canvas.grab().toImage()
    box = where.toRect().adjusted(20, 20, -20, -20)
    assert rgb_of(with_lens.copy(box)).tolist() != rgb_of(plain.copy(box)).tolist()
    # The lens is the picture's own pixels, each repeated `power` times across.
    power = int(canvas.lens.power)
    big = rgb_of(pixels)
    assert np.array_equal(big[::power, ::power].repeat(power, 0).repeat(power, 1)[
        : big.shape[0], : big.shape[1]], big)
    point = canvas.image_point(QPointF(pos))
    assert point is not None
    source = rgb_of(canvas.image())
    span = big.shape[1] // power
    h, w = source.shape[:2]  # the crop is centred on the point, kept inside the picture
    x0 = min(max(0, round(point.x() - span / 2)), w - span)
    y0 = min(max(0, round(point.y() - span / 2)), h - span)
    assert np.array_equal(big[::power, ::power], source[y0:y0 + span, x0:x0 + span])
    # Shift+wheel changes the power; turning the lens off paints the plain picture again.
    canvas.lens.step_power(True)
    assert canvas.lens.power > power
    action.setChecked(False)
    assert rgb_of(canvas.grab().toImage().copy(box)).tolist() == rgb_of(plain.copy(box)).tolist()


def test_a_large_photo_is_decoded_off_the_gui_thread_and_the_lens_reads_it_at_full_size(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    window.select_media(built_case.photo_id)
    view = window.media_view
    qtbot.waitUntil(lambda: view.canvas.has_image() and not view.is_loading())
    assert "px" in view.caption.text()
    big = shared_file(LARGE_PHOTO)  # 2688 x 1520
    view._show_file(big)
    qtbot.waitUntil(lambda: not view.is_loading())
    assert view.loader.last_thread is not None
    assert view.loader.last_thread != threading.get_ident()
    shown = view.canvas.image()
    assert max(shown.width(), shown.height()) == DISPLAY_MAX_SIDE
    assert view.canvas.lens_source() is shown  # no full-size copy while the lens is off
    window.extras.magnifier.setChecked(True)
    qtbot.waitUntil(lambda: view.canvas.lens_source().width() > shown.width())
    full = view.canvas.lens_source()
    assert full.width() == QImageReader(str(big)).size().width()
    assert view.full_loader.last_thread != threading.get_ident()
    window.extras.magnifier.setChecked(False)


def test_only_the_newest_stills_stay_on_disk(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier.gui import video_player

    monkeypatch.setattr(video_player, "KEEP_STILLS", 3)
    monkeypatch.setattr(video_player, "_STILLS", [])
    paths = [tmp_path / f"still{n}.png" for n in range(5)]
    for path in paths:
        path.write_bytes(b"png")
        video_player.remember_still(path)
    video_player.remember_still(paths[2])  # shown again: the newest now
    assert [p.exists() for p in paths] == [False, False, True, True, True]
    assert [paths[3], paths[4], paths[2]] == video_player._STILLS


def test_single_key_shortcuts_leave_typing_alone(qtbot: QtBot, video_window: MainWindow) -> None:
    """M (magnifier), Space and the step keys do not swallow letters typed in a text field."""
    field = video_window.inspector.metadata.raw_filter
    field.setFocus()
    qtbot.keyClicks(field, "m. ,")
    assert field.text() == "m. ,"
    assert not video_window.extras.magnifier.isChecked()
    assert not video_window.media_view.player.playing
