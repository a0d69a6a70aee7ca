"""Compare a query with the corpus original it matched: side by side (the matched region drawn
on the original), an overlay with a slider (wipe or blend) after the original is brought into the
query's frame, the difference as a heat map, and for video matches the time alignment.

The pictures are decoded and aligned in a worker (verifier.matching.overlay does the work);
this module only paints them."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QImage,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from verifier.gui.alignment_view import TimeAlignmentView, TimeSpan, spans_of
from verifier.matching.align import format_time
from verifier.models import Keyframe, Match, MediaItem, MediaKind
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)

BACKGROUND = QColor("#1f2328")
REGION_COLOR = QColor("#22c55e")
WIPE_COLOR = QColor("#facc15")
# Below this share of the query's frame covered by the original, its outline is drawn on the
# query too (above it, the outline would only trace the query's edges).
PART_OF_QUERY = 0.9
# A keyframe PNG stands for the query frame when it is this close to the wanted time (seconds).
KEYFRAME_SLACK = 0.05

SIDE, OVERLAY, DIFFERENCE, TIME = range(4)
VIEW_NAMES = ("Side by side", "Overlay", "Difference", "Time")


# ---------------------------------------------------------------- what to compare (no Qt)


@dataclass(frozen=True)
class CompareRequest:
    query_path: str
    source_path: str
    query_time: float | None = None  # seconds into a query video (None: an image)
    source_time: float | None = None  # seconds into a corpus video (None: an image)
    alignment: dict[str, Any] | None = None
    transform: dict[str, Any] | None = None
    query_label: str = "query"
    source_label: str = "original"
    query_video: str | None = None  # the query video (for its duration), when it is one
    source_video: str | None = None


def _existing(match: Match) -> str:
    for path in (match.corpus_path, *match.locations):
        if path and Path(path).is_file():
            return path
    return match.corpus_path


def request_for(match: Match, item: MediaItem, keyframes: list[Keyframe], *,
                at: tuple[float, float] | None = None) -> CompareRequest:
    """The query picture (the photo, the keyframe, or the query video's frame) and the corpus
    picture (the image, or the video's frame) a match pairs; `at` picks another frame pair."""
    alignment = match.alignment or {}
    source_path = _existing(match)
    source_name = Path(match.corpus_path).name
    source_video = source_path if match.corpus_kind is MediaKind.VIDEO else None
    query_video = item.path if item.kind is MediaKind.VIDEO else None
    if at is not None:
        tq: float | None = at[0]
        ts: float | None = at[1]
    else:
        tq = alignment.get("query_time")
        if tq is None:
            tq = match.query_start if match.query_start is not None else match.query_time
        ts = alignment.get("source_time")
        if ts is None:
            ts = match.source_start if match.source_start is not None else match.source_time
    query_path, query_time = item.path, None
    if query_video is not None:
        query_time = float(tq or 0.0)
        near = [k for k in keyframes if abs(k.time - query_time) <= KEYFRAME_SLACK
                and Path(k.path).is_file()]
        if near:
            query_path, query_time = near[0].path, None  # the keyframe as extracted
        query_label = f"{item.original_name} at {format_time(float(tq or 0.0))}"
    else:
        query_label = item.original_name
    source_time = float(ts or 0.0) if source_video is not None else None
    source_label = source_name + (f" at {format_time(source_time)}"
                                  if source_time is not None else "")
    return CompareRequest(query_path, source_path, query_time, source_time,
                          match.alignment, match.transform, query_label, source_label,
                          query_video, source_video)


def rgb_image(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of an RGB uint8 array (safe to make in a worker)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


@dataclass
class LoadedComparison:
    request: CompareRequest
    query: QImage
    original: QImage
    aligned: QImage
    difference: QImage
    region: tuple[tuple[float, float], ...]
    method_text: str
    mean_difference: float
    changed_share: float
    coverage: float
    query_duration: float | None = None
    source_duration: float | None = None
    mask: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    # Where the original lies in the query when it covers only part of it (a picture inside a
    # page), fractions; empty otherwise.
    query_region: tuple[tuple[float, float], ...] = ()
    # The arrays behind the images, for checks (never painted).
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def load_comparison(request: CompareRequest, *, progress: Progress = NULL_PROGRESS,
                    cancel: CancelToken = NEVER_CANCELLED) -> LoadedComparison:
    """Decode both pictures, align the original with the query and map their difference (a
    worker function). A missing or undecodable file raises UserError naming it."""
    from verifier.matching.overlay import compare, load_picture

    progress.start(None, f"Loading {request.source_label} to compare")
    query = load_picture(Path(request.query_path), time=request.query_time)
    cancel.check()
    source = load_picture(Path(request.source_path), time=request.source_time)
    cancel.check()
    progress.message("Aligning the original with the query")
    result = compare(query, source, alignment=request.alignment, transform=request.transform)
    durations: list[float | None] = []
    for video in (request.query_video, request.source_video):
        durations.append(_duration(video) if video else None)
    return LoadedComparison(
        request, rgb_image(result.query), rgb_image(result.original),
        rgb_image(result.aligned), rgb_image(result.difference), result.region,
        result.method_text, result.mean_difference, result.changed_share, result.coverage,
        durations[0], durations[1], result.mask,
        result.query_region if result.coverage < PART_OF_QUERY else (),
        {"query": result.query, "aligned": result.aligned, "original": result.original})


def _duration(path: str) -> float | None:
    from verifier.errors import UserError
    from verifier.media.video import probe

    try:
        return probe(Path(path)).duration
    except UserError:
        return None


# ---------------------------------------------------------------- painting


def fit_rect(image: QSize, area: QRect) -> QRectF:
    """Where an image of this size sits, scaled to fit and centred, in area."""
    if image.isEmpty() or area.isEmpty():
        return QRectF()
    scale = min(area.width() / image.width(), area.height() / image.height())
    w, h = image.width() * scale, image.height() * scale
    return QRectF(area.left() + (area.width() - w) / 2, area.top() + (area.height() - h) / 2,
                  w, h)


class PictureView(QWidget):
    """One picture scaled to fit, with an optional polygon (fractions of the picture)."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.polygon: tuple[tuple[float, float], ...] = ()
        self.placeholder = placeholder
        self.setMinimumSize(120, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage, polygon: tuple[tuple[float, float], ...] = ()) -> None:
        self.image, self.polygon = image, polygon
        self.update()

    def image_rect(self) -> QRectF:
        return fit_rect(self.image.size(), self.rect())

    def polygon_points(self) -> list[QPointF]:
        """The polygon in widget coordinates."""
        r = self.image_rect()
        return [QPointF(r.left() + x * r.width(), r.top() + y * r.height())
                for x, y in self.polygon]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.image.isNull():
            painter.setPen(QColor("#9ca3af"))
            painter.drawText(self.rect().adjusted(8, 8, -8, -8),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(self.image_rect(), self.image)
        if len(self.polygon) >= 3:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(REGION_COLOR, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolygon(QPolygonF(self.polygon_points()))
        painter.end()


class OverlayView(QWidget):
    """The query with the aligned original over it: a wipe (the original left of the line, the
    query right of it) or a blend (the original at the slider's opacity). Either way, the slider
    at 0 shows the query alone and at 1 the original alone."""

    WIPE, BLEND = "wipe", "blend"
    dragged = Signal(float)  # the wipe line dragged to this share of the picture's width

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.SplitHCursor)
        self.base = QImage()
        self.top = QImage()
        self.mode = self.WIPE
        self.position = 0.5  # 0-1: where the wipe line is, or the original's opacity
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_images(self, base: QImage, top: QImage) -> None:
        self.base, self.top = base, top
        self.update()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.update()

    def set_position(self, value: float) -> None:
        self.position = min(max(value, 0.0), 1.0)
        self.update()

    def composite(self) -> QImage:
        """The overlay at the pictures' own size, as painted."""
        out = QImage(self.base.size(), QImage.Format.Format_RGB32)
        out.fill(BACKGROUND)
        if not self.base.isNull():
            painter = QPainter(out)
            self._paint(painter, QRectF(0, 0, self.base.width(), self.base.height()),
                        line=False)
            painter.end()
        return out

    def _paint(self, painter: QPainter, target: QRectF, *, line: bool) -> None:
        painter.drawImage(target, self.base)
        if self.top.isNull():
            return
        if self.mode == self.BLEND:
            painter.setOpacity(self.position)
            painter.drawImage(target, self.top)
            painter.setOpacity(1.0)
            return
        x = target.left() + self.position * target.width()
        painter.save()
        painter.setClipRect(QRectF(target.left(), target.top(), x - target.left(),
                                   target.height()))
        painter.drawImage(target, self.top)
        painter.restore()
        if line:
            painter.setPen(QPen(WIPE_COLOR, 2))
            painter.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if not self.base.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            self._paint(painter, fit_rect(self.base.size(), self.rect()), line=True)
        painter.end()

    def _drag_to(self, x: float) -> None:
        target = fit_rect(self.base.size(), self.rect())
        if target.width() > 0:
            self.dragged.emit(min(max((x - target.left()) / target.width(), 0.0), 1.0))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_to(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._drag_to(event.position().x())


class SideBySide(QWidget):
    """Two pictures next to each other, or one above the other when that shows them larger
    (two landscape pictures in the inspector's tall, narrow column)."""

    def __init__(self, first: PictureView, second: PictureView) -> None:
        super().__init__()
        self.first, self.second = first, second
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)

    def best_direction(self) -> QBoxLayout.Direction:
        image = self.first.image.size() if not self.first.image.isNull() \
            else self.second.image.size()
        if image.isEmpty():
            return QBoxLayout.Direction.LeftToRight
        w, h = max(self.width(), 1), max(self.height(), 1)
        across = min(w / 2 / image.width(), h / image.height())
        stacked = min(w / image.width(), h / 2 / image.height())
        return QBoxLayout.Direction.TopToBottom if stacked > 1.15 * across \
            else QBoxLayout.Direction.LeftToRight

    def relayout(self) -> None:
        direction = self.best_direction()
        if direction != self.box.direction():
            self.box.setDirection(direction)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.relayout()


def _captioned(caption: QLabel, view: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    caption.setWordWrap(True)
    layout.addWidget(caption)
    layout.addWidget(view, 1)
    return box


# ---------------------------------------------------------------- the comparison widget


class MatchCompare(QWidget):
    """The views of one comparison. Frame pairs picked on the time view are asked for with
    pair_requested; the owner loads them and calls show_loaded."""

    pair_requested = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loaded: LoadedComparison | None = None
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        # Side by side
        self.query_view = PictureView("The query")
        self.query_view.setToolTip("The query: the picture (or video frame) that was searched; "
                                   "a green outline is where the original lies in it")
        self.original_view = PictureView("The corpus original")
        self.original_view.setToolTip("The corpus original; the green outline is the region "
                                      "the query shows (from geometric verification)")
        self.query_caption = QLabel("Query")
        self.original_caption = QLabel("Original")
        side = SideBySide(self.query_view, self.original_view)
        side.box.addWidget(_captioned(self.query_caption, self.query_view), 1)
        side.box.addWidget(_captioned(self.original_caption, self.original_view), 1)
        self.side = side

        # Overlay
        self.overlay = OverlayView()
        self.overlay.setToolTip("The original brought into the query's frame, over the query: "
                                "drag across the picture or move the slider to wipe (or fade, "
                                "in Blend mode)")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(50)
        self.slider.setToolTip("Left: the query; right: the original. Wipe: where the line "
                               "between them is (original left of it). Blend: the original's "
                               "opacity. (Alt+Left / Alt+Right)")
        self.slider.valueChanged.connect(lambda v: self.overlay.set_position(v / 100))
        self.overlay.dragged.connect(lambda share: self.slider.setValue(round(share * 100)))
        self.blend_mode = QComboBox()
        self.blend_mode.addItem("Wipe", OverlayView.WIPE)
        self.blend_mode.addItem("Blend", OverlayView.BLEND)
        self.blend_mode.setToolTip("Wipe: the original left of the line, the query right of it. "
                                   "Blend: the original over the query at the slider's opacity. "
                                   "(Alt+W switches)")
        self.blend_mode.currentIndexChanged.connect(
            lambda _i: self.overlay.set_mode(str(self.blend_mode.currentData())))
        overlay_page = QWidget()
        overlay_layout = QVBoxLayout(overlay_page)
        overlay_layout.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()
        left = QLabel("Query")
        left.setToolTip("Slider to the left: the query")
        right = QLabel("Original")
        right.setToolTip("Slider to the right: the original brought into the query's frame")
        controls.addWidget(self.blend_mode)
        controls.addWidget(left)
        controls.addWidget(self.slider, 1)
        controls.addWidget(right)
        overlay_layout.addWidget(self.overlay, 1)
        overlay_layout.addLayout(controls)

        # Difference
        self.difference_view = PictureView("The difference")
        self.difference_view.setToolTip(
            "Where the aligned original differs from the query: dark is the same, bright "
            "yellow differs (tone-matched, amplified x4); grey is outside the original")
        self.difference_legend = QLabel()
        self.difference_legend.setWordWrap(True)
        difference_page = _captioned(self.difference_legend, self.difference_view)

        # Time
        self.time_view = TimeAlignmentView()
        self.time_view.frame_pair_chosen.connect(self._pair_chosen)
        self.pair_query = PictureView("Click a span above")
        self.pair_query.setToolTip("The query frame of the pair chosen on the time bars")
        self.pair_source = PictureView("")
        self.pair_source.setToolTip("The corpus video's frame of the pair chosen on the time bars")
        self.pair_caption = QLabel()
        self.pair_caption.setWordWrap(True)
        time_page = QWidget()
        time_layout = QVBoxLayout(time_page)
        time_layout.setContentsMargins(0, 0, 0, 0)
        time_layout.addWidget(self.time_view)
        time_layout.addWidget(self.pair_caption)
        pair = QHBoxLayout()
        pair.addWidget(self.pair_query, 1)
        pair.addWidget(self.pair_source, 1)
        time_layout.addLayout(pair, 1)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        pages = (side, overlay_page, difference_page, time_page)
        tips = ("The query and the original next to each other (Alt+1)",
                "The original aligned over the query, with a wipe or blend slider (Alt+2)",
                "Where the two differ, as a heat map (Alt+3)",
                "For video matches: which stretch of the query is which of the source (Alt+4)")
        for n, (page, name, tip) in enumerate(zip(pages, VIEW_NAMES, tips, strict=True)):
            self.tabs.addTab(page, name)
            self.tabs.setTabToolTip(n, tip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        self.tabs.setTabEnabled(TIME, False)
        self.clear("Select a match to compare it with the query.")

    # ------------------------------------------------------------ showing

    def clear(self, text: str) -> None:
        self.loaded = None
        self.status.setText(f"<span style='color:#6b7280'>{html.escape(text)}</span>")
        for view in (self.query_view, self.original_view, self.difference_view,
                     self.pair_query, self.pair_source):
            view.set_image(QImage())
        self.overlay.set_images(QImage(), QImage())
        self.pair_caption.clear()

    def show_loading(self, text: str) -> None:
        self.status.setText(f"<span style='color:#6b7280'>{html.escape(text)}…</span>")

    def show_error(self, text: str) -> None:
        self.clear("")  # never the previous match's pictures under this one's error
        self.status.setText(f"<span style='color:#b42318'>Could not compare: "
                            f"{html.escape(text)}</span>")

    def set_time_alignment(self, query_duration: float | None, source_duration: float | None,
                           spans: list[TimeSpan], query_ticks: list[float],
                           query_name: str, source_name: str) -> None:
        self.tabs.setTabEnabled(TIME, bool(spans))
        self.time_view.set_alignment(query_duration, source_duration, spans,
                                     query_ticks=query_ticks, query_name=query_name,
                                     source_name=source_name)
        if not spans and self.tabs.currentIndex() == TIME:
            self.tabs.setCurrentIndex(SIDE)

    def show_loaded(self, loaded: LoadedComparison) -> None:
        self.loaded = loaded
        r = loaded.request
        self.query_caption.setText(f"Query: {r.query_label}")
        self.query_caption.setToolTip(r.query_path)
        self.original_caption.setText(f"Original: {r.source_label}")
        self.original_caption.setToolTip(r.source_path)
        self.query_view.set_image(loaded.query, loaded.query_region)
        self.original_view.set_image(loaded.original, loaded.region)
        self.side.relayout()
        self.overlay.set_images(loaded.query, loaded.aligned)
        self.difference_view.set_image(loaded.difference)
        self.difference_legend.setText(
            f"Mean difference {loaded.mean_difference:.1f} of 255; "
            f"{loaded.changed_share:.0%} of the overlap differs clearly. Dark: the same; "
            "yellow: differs (after tone matching, x4).")
        self.pair_query.set_image(loaded.query, loaded.query_region)
        self.pair_source.set_image(loaded.original, loaded.region)
        if r.query_time is not None or r.source_time is not None or r.query_video:
            self.pair_caption.setText(f"{r.query_label} ↔ {r.source_label}")
        self.status.setText(
            f"<b>{html.escape(r.query_label)}</b> vs <b>{html.escape(r.source_label)}</b> · "
            f"{html.escape(loaded.method_text)}; the original covers {loaded.coverage:.0%} "
            "of the query's frame.")

    def _pair_chosen(self, query_time: float, source_time: float) -> None:
        self.pair_caption.setText(f"Loading query {format_time(query_time)} ↔ source "
                                  f"{format_time(source_time)}…")
        self.pair_requested.emit(query_time, source_time)

    def show_view(self, n: int) -> None:
        if self.tabs.isTabEnabled(n):
            self.tabs.setCurrentIndex(n)

    def nudge(self, step: int) -> None:
        self.slider.setValue(self.slider.value() + step)

    def toggle_blend(self) -> None:
        self.blend_mode.setCurrentIndex(1 - self.blend_mode.currentIndex())


def _call(slot: Callable[[], object], *_args: object) -> None:
    slot()


class CompareWindow(QDialog):
    """The comparison in a window of its own, larger than the inspector allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare with the corpus original")
        self.compare = MatchCompare()
        layout = QVBoxLayout(self)
        layout.addWidget(self.compare)
        self.resize(1100, 720)


# ---------------------------------------------------------------- the panel under the list

Runner = Callable[..., None]  # MainWindow._start_side(key, media_id, fn, on_result, on_error=)


class MatchComparePanel(QWidget):
    """What the Matches tab shows under its list: the comparison of the selected match, loaded
    in the window's worker pool (or inline when no runner is set, e.g. in a bare panel)."""

    JOB_KEY = "match comparison"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compare = MatchCompare()
        self.compare.pair_requested.connect(self.show_pair)
        self.popout_button = QToolButton()
        self.popout_button.setText("Open in a window")
        self.popout_button.setToolTip("Show this comparison in a larger window (Ctrl+Shift+O)")
        self.popout_button.clicked.connect(self.pop_out)
        self.popout_button.setEnabled(False)
        head = QHBoxLayout()
        self.title = QLabel("<b>Compare</b>")
        head.addWidget(self.title, 1)
        head.addWidget(self.popout_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.compare, 1)
        self.runner: Runner | None = None
        self.match: Match | None = None
        self.item: MediaItem | None = None
        self.keyframes: list[Keyframe] = []
        self.window_view: CompareWindow | None = None
        self.pending: CompareRequest | None = None  # asked for, not yet shown
        self._actions: list[QAction] = []
        self._add_actions()

    def _add_actions(self) -> None:
        def add(text: str, keys: str, slot: Callable[[], object], tip: str) -> None:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(keys))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setStatusTip(tip)
            act.triggered.connect(functools.partial(_call, slot))
            self.addAction(act)
            self._actions.append(act)

        for n, name in enumerate(VIEW_NAMES):
            add(f"Compare: {name.lower()}", f"Alt+{n + 1}",
                functools.partial(self.compare.show_view, n),
                f"Show the selected match and the query: {name.lower()}")
        add("Compare: move the slider left", "Alt+Left",
            functools.partial(self.compare.nudge, -5), "Overlay: move the wipe or blend slider")
        add("Compare: move the slider right", "Alt+Right",
            functools.partial(self.compare.nudge, 5), "Overlay: move the wipe or blend slider")
        add("Compare: wipe or blend", "Alt+W", self.compare.toggle_blend,
            "Overlay: switch between a wipe and a blend")
        add("Compare in a window", "Ctrl+Shift+O", self.pop_out,
            "Show the comparison in a larger window")

    def install_shortcuts_on(self, widget: QWidget) -> None:
        """Also answer the shortcuts while `widget` (the match list) has the focus."""
        for act in self._actions:
            widget.addAction(act)

    def set_runner(self, runner: Runner | None) -> None:
        self.runner = runner

    def show_match(self, match: Match | None, item: MediaItem | None,
                   keyframes: list[Keyframe], matches: list[Match]) -> None:
        self.match, self.item, self.keyframes = match, item, list(keyframes)
        self.popout_button.setEnabled(match is not None)
        self.pending = None
        if match is None or item is None:
            self.compare.clear("Select a match to compare it with the query.")
            self.compare.set_time_alignment(None, None, [], [], "", "")
            return
        spans = spans_of(matches, match.corpus_sha256) if item.kind is MediaKind.VIDEO \
            and match.corpus_kind is MediaKind.VIDEO else []
        self.compare.set_time_alignment(None, None, spans, [k.time for k in keyframes],
                                        item.original_name, Path(match.corpus_path).name)
        self._load(request_for(match, item, keyframes))

    def show_pair(self, query_time: float, source_time: float) -> None:
        if self.match is None or self.item is None:
            return
        self._load(request_for(self.match, self.item, self.keyframes,
                               at=(query_time, source_time)))

    def resume(self) -> None:
        """Ask again for a comparison whose load was cancelled (the window cancels every
        load when it shows an item)."""
        if self.pending is not None:
            self._load(self.pending)

    def _load(self, request: CompareRequest) -> None:
        self.pending = request
        self.compare.show_loading(f"Loading {request.source_label}")
        media_id = self.item.id if self.item else None
        if self.runner is None:
            from verifier.errors import UserError

            try:
                self._deliver(media_id, load_comparison(request))
            except UserError as exc:
                self._failed(str(exc))
            return
        self.runner(self.JOB_KEY, media_id, lambda progress, cancel: load_comparison(
            request, progress=progress, cancel=cancel), self._deliver, on_error=self._failed)

    def _deliver(self, _media_id: int | None, result: object) -> None:
        if not isinstance(result, LoadedComparison) or result.request != self.pending:
            return  # another match or frame pair was asked for meanwhile
        self.pending = None
        for compare in self._compares():
            compare.show_loaded(result)
            if result.query_duration or result.source_duration:
                view = compare.time_view
                compare.set_time_alignment(result.query_duration, result.source_duration,
                                           self.compare.time_view.spans,
                                           self.compare.time_view.query_ticks,
                                           view.query_name, view.source_name)
            r = result.request
            if r.query_video and r.source_video:
                tq = r.query_time if r.query_time is not None else self._query_time_of(r)
                compare.time_view.set_current(tq, r.source_time or 0.0)

    def _query_time_of(self, request: CompareRequest) -> float:
        """The time of the keyframe that stands for the query frame."""
        return next((k.time for k in self.keyframes if k.path == request.query_path), 0.0)

    def _failed(self, title: str) -> None:
        self.pending = None
        for compare in self._compares():
            compare.show_error(title)

    def _compares(self) -> list[MatchCompare]:
        out = [self.compare]
        if self.window_view is not None and self.window_view.isVisible():
            out.append(self.window_view.compare)
        return out

    def pop_out(self) -> CompareWindow | None:
        if self.match is None:
            return None
        if self.window_view is None:
            self.window_view = CompareWindow(self.window())
            self.window_view.compare.pair_requested.connect(self.show_pair)
        view = self.window_view.compare
        source = self.compare.time_view
        view.set_time_alignment(source.query_duration, source.source_duration, source.spans,
                                source.query_ticks, source.query_name, source.source_name)
        if self.compare.loaded is not None:
            view.show_loaded(self.compare.loaded)
        view.tabs.setCurrentIndex(self.compare.tabs.currentIndex())
        self.window_view.show()
        self.window_view.raise_()
        return self.window_view
