"""Frame-stepping video player under the media pane's picture (Qt Multimedia is not shipped).

A decoding thread owns the open video (verifier.media.frame_seek) and answers requests: a still
(one frame, full size, also written to a temporary PNG so it can be copied, saved, searched and
examined like a keyframe) or playback (reduced frames decoded ahead and handed over when due;
late frames are skipped, never queued, so the picture keeps to the clock; no sound).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import queue
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QVBoxLayout, QWidget

from verifier.errors import UserError
from verifier.media.timecode import format_timestamp

if TYPE_CHECKING:  # PyAV and OpenCV load in the decoding thread, not at start-up
    from verifier.media.frame_seek import FrameSeeker, FrameTimes

log = logging.getLogger(__name__)

PLAY_FPS = 12.0  # frames shown per second while playing: smooth enough to follow, light to decode
PLAY_MAX_SIDE = 960  # playback frames are reduced; a still is decoded at full size
KEEP_STILLS = 50  # the newest stills kept on disk (a 1080p PNG is 2-4 MB; stepping makes many)
_FRAMES_DIR: Path | None = None
_STILLS: list[Path] = []  # written, oldest first
_STILLS_LOCK = threading.Lock()


def frames_dir() -> Path:
    """A temporary folder for the stills shown (removed when the application exits)."""
    global _FRAMES_DIR
    if _FRAMES_DIR is None:
        _FRAMES_DIR = Path(tempfile.mkdtemp(prefix="verifier-frames-"))
        atexit.register(shutil.rmtree, _FRAMES_DIR, True)
    return _FRAMES_DIR


def remember_still(path: Path) -> None:
    """Note a still written; the oldest beyond KEEP_STILLS are deleted."""
    with _STILLS_LOCK:
        if path in _STILLS:
            _STILLS.remove(path)
        _STILLS.append(path)
        while len(_STILLS) > KEEP_STILLS:
            _STILLS.pop(0).unlink(missing_ok=True)


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w = rgb.shape[:2]
    data = np.ascontiguousarray(rgb)
    return QImage(data.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


@dataclass(frozen=True)
class PlayerFrame:
    token: int  # the request it answers (older answers are ignored)
    index: int
    time: float
    image: QImage
    png: Path | None  # the still written as PNG (None for playback frames)


@dataclass(frozen=True)
class _Request:
    token: int
    index: int
    play: bool


class _Bridge(QObject):
    opened = Signal(object, object)  # token, FrameTimes
    frame = Signal(object)  # PlayerFrame
    ended = Signal(int)  # token: playback reached the last frame
    failed = Signal(int, str)  # token, reason


class _DecodeThread(threading.Thread):
    def __init__(self, path: Path, stem: str, bridge: _Bridge, token: int) -> None:
        super().__init__(name="frame-player", daemon=True)
        self.path, self.stem, self.bridge = path, stem, bridge
        self.requests: queue.Queue[_Request | None] = queue.Queue()
        self.token = token  # the newest request; playback stops when it changes
        self.shown = threading.Event()  # the GUI took the last playback frame
        self.shown.set()
        self._open_token = token

    def run(self) -> None:
        from verifier.media.frame_seek import FrameSeeker

        try:
            seeker = FrameSeeker(self.path)
        except UserError as exc:
            self.bridge.failed.emit(self._open_token, exc.reason)
            return
        self.bridge.opened.emit(self._open_token, seeker.times)
        try:
            while (req := self.requests.get()) is not None:
                if req.token != self.token:
                    continue  # superseded before it started
                try:
                    if req.play:
                        self._play(seeker, req)
                    else:
                        self._still(seeker, req)
                except UserError as exc:
                    self.bridge.failed.emit(req.token, exc.reason)
        finally:
            seeker.close()

    def _still(self, seeker: FrameSeeker, req: _Request) -> None:
        from verifier.media.frame_seek import write_png

        got = seeker.frame(req.index)
        if req.token != self.token:
            return
        # The path's digest keeps two videos of the same name apart.
        tag = hashlib.sha1(str(self.path).encode()).hexdigest()[:8]
        png = write_png(got.rgb, frames_dir() / f"{self.stem}_{tag}_frame_{got.index:06d}.png")
        remember_still(png)
        self.bridge.frame.emit(PlayerFrame(req.token, got.index, got.time, to_qimage(got.rgb),
                                           png))

    def _play(self, seeker: FrameSeeker, req: _Request) -> None:
        times = seeker.times
        start_time, start_wall = times.times[req.index], time.monotonic()
        n, last_shown = req.index, times.times[req.index]
        while req.token == self.token:
            n += 1
            if n >= times.count:
                self.bridge.ended.emit(req.token)
                return
            due = start_wall + times.times[n] - start_time
            late = time.monotonic() > due + 0.5 / PLAY_FPS
            thin = times.times[n] - last_shown < 1 / PLAY_FPS - 1e-3
            if late or thin or not self.shown.is_set():
                seeker.skip_to(n)  # decoded (the next ones need it), not converted nor shown
                continue
            got = seeker.frame(n, PLAY_MAX_SIDE)
            image = to_qimage(got.rgb)
            wait = due - time.monotonic()
            while wait > 0 and req.token == self.token:
                time.sleep(min(wait, 0.02))
                wait = due - time.monotonic()
            if req.token != self.token:
                return
            last_shown = got.time
            self.shown.clear()
            self.bridge.frame.emit(PlayerFrame(req.token, got.index, got.time, image, None))

    def ask(self, req: _Request) -> None:
        self.token = req.token
        self.requests.put(req)

    def stop(self) -> None:
        self.token = -1
        self.requests.put(None)


class VideoPlayer(QWidget):
    """The controls bar: play/pause, frame and second steps, a position slider, the time and
    frame number. `frame_ready` carries each picture to show."""

    frame_ready = Signal(object)  # PlayerFrame
    playing_changed = Signal(bool)
    unavailable = Signal(str)  # the video could not be opened or a frame not decoded

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.times: FrameTimes | None = None
        self.position = 0  # the frame shown (or asked for)
        self.playing = False
        self._thread: _DecodeThread | None = None
        self._token = 0
        self._pending: int | None = None  # a frame asked for before the video was opened
        self._position_time: float | None = None  # the time set_position was given
        self._bridge = _Bridge(self)
        self._bridge.opened.connect(self._on_opened)
        self._bridge.frame.connect(self._on_frame)
        self._bridge.ended.connect(self._on_ended)
        self._bridge.failed.connect(self._on_failed)
        # The slider on its own row, full width (the pane is often narrow), buttons under it.
        rows = QVBoxLayout(self)
        rows.setContentsMargins(4, 0, 4, 0)
        rows.setSpacing(0)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setToolTip("Position in the video: drag to go to a frame")
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.valueChanged.connect(self._on_slider)
        rows.addWidget(self.slider)
        layout = QHBoxLayout()
        layout.setSpacing(2)
        rows.addLayout(layout)

        def button(text: str, tip: str, slot: object) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.clicked.connect(slot)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            layout.addWidget(b)
            return b

        self.back_10 = button("−10 s", "Back 10 seconds (Shift+Left)", lambda: self.jump(-10))
        self.back_1 = button("−1 s", "Back 1 second (Left)", lambda: self.jump(-1))
        self.step_back = button("◀|", "Previous frame (,)", lambda: self.step(-1))
        self.play_button = button("▶", "Play / pause (Space): frames at a modest rate, no sound",
                                  self.toggle_play)
        self.step_forward = button("|▶", "Next frame (.)", lambda: self.step(1))
        self.forward_1 = button("+1 s", "Forward 1 second (Right)", lambda: self.jump(1))
        self.forward_10 = button("+10 s", "Forward 10 seconds (Shift+Right)",
                                 lambda: self.jump(10))
        layout.addStretch(1)
        self.label = QLabel("", self)
        self.label.setToolTip("Time (hh:mm:ss.mmm) and frame number of the picture shown")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label)
        self._controls = [self.back_10, self.back_1, self.step_back, self.play_button,
                          self.step_forward, self.forward_1, self.forward_10, self.slider]
        self._set_enabled(False)

    # ------------------------------------------------------------ the video

    def open(self, path: Path | None, stem: str = "video", start_frame: int | None = None,
             ) -> None:
        """Open a video (None: none); start_frame, if given, is decoded and shown once open."""
        self.close_video()
        if path is None:
            return
        self._token += 1
        self._pending = start_frame
        self._thread = _DecodeThread(Path(path), stem, self._bridge, self._token)
        self._thread.start()

    def close_video(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
        self._token += 1
        self.times = None
        self.position = 0
        self._pending = None
        self._set_playing(False)
        self._set_enabled(False)
        self.label.clear()

    def is_open(self) -> bool:
        return self.times is not None

    def set_position(self, index: int, seconds: float | None = None) -> None:
        """Say which frame is shown (a keyframe shown from its own PNG) without decoding it;
        its time, when given, decides (a quick preview numbers its frames from the time)."""
        if self.playing:
            self.pause(show=False)
        self._token += 1  # answers to earlier requests are stale now
        if self._thread is not None:
            self._thread.token = self._token
        self._position_time = seconds
        if seconds is not None and self.times is not None:
            index = self.times.nearest(seconds)
        self.position = max(index, 0)
        self._sync_controls()

    # ------------------------------------------------------------ commands

    def seek_frame(self, index: int) -> None:
        if self.times is None:
            if self._thread is not None:
                self._pending = index
            return
        index = min(max(index, 0), self.times.count - 1)
        if self.playing:
            self._set_playing(False)
        self.position = index
        self._sync_controls()
        self._ask(index, play=False)

    def seek_time(self, seconds: float) -> None:
        if self.times is not None:
            self.seek_frame(self.times.index_at(seconds))

    def step(self, frames: int) -> None:
        self.seek_frame(self.position + frames)

    def jump(self, seconds: float) -> None:
        if self.times is not None:
            self.seek_time(self.times.times[self.position] + seconds)

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.times is None or self.playing:
            return
        if self.position >= self.times.count - 1:
            self.position = 0  # from the start again
        self._set_playing(True)
        self._ask(self.position, play=True)

    def pause(self, show: bool = True) -> None:
        """Stop playing; with show, the frame reached is decoded at full size as a still."""
        if not self.playing:
            return
        self._set_playing(False)
        if show:
            self.seek_frame(self.position)
        else:
            self._token += 1
            if self._thread is not None:
                self._thread.token = self._token

    def _ask(self, index: int, play: bool) -> None:
        if self._thread is None:
            return
        self._token += 1
        self._thread.shown.set()
        self._thread.ask(_Request(self._token, index, play))

    # ------------------------------------------------------------ answers

    def _on_opened(self, token: int, times: FrameTimes) -> None:
        if token != self._open_token():
            return
        self.times = times
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(times.count - 1, 0))
        self.slider.setPageStep(max(1, round(times.fps * 10)))
        self.slider.setSingleStep(1)
        self.slider.blockSignals(False)
        self._set_enabled(True)
        pending, self._pending = self._pending, None
        if pending is not None:
            self.seek_frame(pending)
        else:
            if self._position_time is not None:
                self.position = times.nearest(self._position_time)
            self.position = min(self.position, times.count - 1)
            self._sync_controls()

    def _open_token(self) -> int:
        return self._thread._open_token if self._thread is not None else -1

    def _on_frame(self, frame: PlayerFrame) -> None:
        if self._thread is not None:
            self._thread.shown.set()
        if frame.token != self._token:
            return
        self.position = frame.index
        self._sync_controls()
        self.frame_ready.emit(frame)

    def _on_ended(self, token: int) -> None:
        if token == self._token and self.playing:
            self.pause()

    def _on_failed(self, token: int, reason: str) -> None:
        if token == self._open_token() and self.times is None:
            self._set_enabled(False)
            self.label.setText("cannot play")
            self.label.setToolTip(reason)
        if self.playing:
            self._set_playing(False)
        self.unavailable.emit(reason)

    def _on_slider(self, value: int) -> None:
        if value != self.position:
            self.seek_frame(value)

    # ------------------------------------------------------------ display

    def _set_playing(self, on: bool) -> None:
        if self.playing == on:
            return
        self.playing = on
        self.play_button.setText("❚❚" if on else "▶")
        self.playing_changed.emit(on)

    def _set_enabled(self, on: bool) -> None:
        for control in self._controls:
            control.setEnabled(on)

    def _sync_controls(self) -> None:
        if self.times is None:
            return
        self.slider.blockSignals(True)
        self.slider.setValue(self.position)
        self.slider.blockSignals(False)
        self.label.setText(f"{format_timestamp(self.times.times[self.position])} · frame "
                           f"{self.position} / {self.times.count - 1}")
        self.label.setToolTip("Time (hh:mm:ss.mmm) and frame number of the picture shown "
                              f"(frames counted from 0; {self.times.fps:.3g} frames/s nominal)")
