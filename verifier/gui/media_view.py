"""The selected media item: a photo scaled to fit with its EXIF preview, or a video's keyframes
with a shot timeline and a filmstrip; the picture shown has actions (corpus, copy, save, web)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDrag,
    QGuiApplication,
    QIcon,
    QImage,
    QImageReader,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from verifier.errors import UserError
from verifier.gui.evidence import evidence_mime, keyframe_evidence
from verifier.gui.magnifier import LENS_SIDE, LensState, lens_pixels, lens_rect, paint_lens
from verifier.gui.shot_timeline import ShotTimeline, shot_label
from verifier.gui.style import FLAG_COLOR, muted_hex, palette_is_dark, set_muted
from verifier.gui.video_player import PlayerFrame, VideoPlayer
from verifier.media.timecode import format_timestamp
from verifier.models import EvidenceItem, Keyframe, MediaItem, MediaKind, MetadataReport, Shot
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)

THUMB_SIZE = QSize(160, 90)
DISPLAY_MAX_SIDE = 2048  # decoding a 50 Mpx photo at full size is wasted on a screen
FULL_MAX_SIDE = 8192  # the magnifier's full-size copy (256 MB at most as 32-bit pixels)
CANVAS_BACKGROUND = QColor("#1f2328")


def load_image(path: Path, max_side: int | None = None) -> QImage:
    """A QImage (orientation applied), reduced to max_side; Pillow for what Qt cannot read.

    Safe in any thread. Raises UserError when neither can decode the file.
    """
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if max_side and size.isValid() and max(size.width(), size.height()) > max_side:
        reader.setScaledSize(size.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if not image.isNull():
        return image
    from verifier.media.imageio import decode_image

    rgb = decode_image(path, max_side=max_side)  # raises UserError naming the file
    data = rgb.tobytes("raw", "RGB")
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


def thumbnail_source(keyframe: Keyframe) -> str:
    """The keyframe's small JPEG when extraction made one, else its PNG. The case file does not
    store the JPEG's name: it is found beside the PNG (keyframe_N.png, keyframe_N.thumb.jpg)."""
    small = str(getattr(keyframe, "thumbnail", "") or "")
    if small and Path(small).is_file():
        return small
    beside = Path(keyframe.path).with_name(Path(keyframe.path).stem + ".thumb.jpg")
    return str(beside) if beside.is_file() else keyframe.path


def load_thumbnails(paths: list[str], *, progress: Progress = NULL_PROGRESS,
                    cancel: CancelToken = NEVER_CANCELLED) -> list[QImage]:
    """Thumbnails for the filmstrip (a worker function: QImage, never QPixmap, off the GUI
    thread). A file that cannot be read gives a null image."""
    progress.start(len(paths), "Loading keyframe thumbnails")
    out: list[QImage] = []
    for path in paths:
        cancel.check()
        try:
            image = load_image(Path(path), max(THUMB_SIZE.width(), THUMB_SIZE.height()) * 2)
            out.append(image.scaled(THUMB_SIZE * 2, Qt.AspectRatioMode.KeepAspectRatio,
                                    Qt.TransformationMode.SmoothTransformation))
        except UserError as exc:
            log.warning("thumbnail: %s", exc)
            out.append(QImage())
        progress.advance()
    return out


def placeholder_icon(text: str = "") -> QIcon:
    # Drawn at the screen's pixel ratio, so it is not blurred on a high-DPI screen.
    ratio = max(QGuiApplication.primaryScreen().devicePixelRatio(), 1.0) \
        if QGuiApplication.primaryScreen() is not None else 1.0
    pixmap = QPixmap(THUMB_SIZE * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor("#d1d5db"))
    if text:
        painter = QPainter(pixmap)
        painter.setPen(QColor("#6b7280"))
        painter.drawText(QRect(QPoint(0, 0), THUMB_SIZE), Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
    return QIcon(pixmap)


class ImageCanvas(QWidget):
    """Paints one image on a dark ground: scaled to fit (the default), or zoomed (1:1 is one
    pixel of the decoded picture per screen pixel) and panned by dragging."""

    ZOOM_STEP = 1.25
    ZOOM_RANGE = (0.05, 16.0)

    magnifier_changed = Signal()  # the lens was turned on or off, or its power changed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap = QPixmap()
        self._image = QImage()  # the decoded picture, which the magnifier reads
        self._message = "No media selected"
        self.lens = LensState()
        self._pointer: QPointF | None = None
        self._zoom: float | None = None  # None: fit the pane
        self._centre = QPointF()  # the image point shown at the canvas centre when zoomed
        self._drag_from: QPointF | None = None
        self.setMinimumSize(200, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None, message: str = "", *,
                  keep_view: bool = False) -> None:
        """Show image; with keep_view (the next frame of the same video), the zoom and pan stay
        when the size is the same."""
        valid = image is not None and not image.isNull()
        keep = keep_view and valid and image is not None and image.size() == self._image.size()
        self._image = image if valid and image is not None else QImage()
        self._full = QImage()  # the full-size picture for the lens, when the shown one is reduced
        self._pixmap = QPixmap.fromImage(self._image) if valid else QPixmap()
        self._message = message
        if not keep:
            self._zoom = None  # a new picture starts fitted
            self._centre = QPointF(self._pixmap.width() / 2, self._pixmap.height() / 2)
        self.update()

    def image(self) -> QImage:
        return self._image

    def set_full_image(self, image: QImage) -> None:
        """The picture at full size (same aspect) for the magnifier, when the one shown is a
        reduced copy."""
        if not image.isNull() and image.width() > self._image.width():
            self._full = image
            self.update()

    def lens_source(self) -> QImage:
        """What the lens enlarges: the full-size picture when loaded, else the one shown."""
        return self._full if not self._full.isNull() else self._image

    # ---------------------------------------------------------------- magnifier

    def set_magnifier(self, on: bool) -> None:
        self.lens.on = on
        self.setMouseTracking(on or self.hasMouseTracking())
        self.update()
        self.magnifier_changed.emit()

    def set_magnifier_equalize(self, on: bool) -> None:
        self.lens.equalize = on
        self.update()
        self.magnifier_changed.emit()

    def lens_side(self) -> int:
        return int(max(64, min(LENS_SIDE, min(self.width(), self.height()) // 2)))

    def image_point(self, pos: QPointF) -> QPointF | None:
        """The picture point (decoded pixels) under a canvas position, None off the picture."""
        rect = self.target_rect()
        if rect.isEmpty() or not rect.contains(pos.toPoint()):
            return None
        scale = rect.width() / max(self._pixmap.width(), 1)
        return QPointF((pos.x() - rect.x()) / scale, (pos.y() - rect.y()) / scale)

    def lens_at(self, pos: QPointF) -> tuple[QRectF, QImage] | None:
        """Where the lens is drawn for a pointer at pos and what it shows."""
        point = self.image_point(pos)
        if point is None:
            return None
        side = self.lens_side()
        source = self.lens_source()
        ratio = source.width() / max(self._image.width(), 1)
        # Each pixel of the full picture becomes `power` screen pixels across.
        pixels = lens_pixels(source, point * ratio, side, self.lens.power, self.lens.equalize)
        if pixels is None:
            return None
        return lens_rect(pos, side, self.rect()), pixels

    def leaveEvent(self, event: QEvent) -> None:
        self._pointer = None
        if self.lens.on:
            self.update()
        super().leaveEvent(event)

    def has_image(self) -> bool:
        return not self._pixmap.isNull()

    def image_size(self) -> QSize:
        return self._pixmap.size()

    def _fit_rect(self) -> QRect:
        area = self.rect().adjusted(6, 6, -6, -6)
        size = self._pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if size.width() > self._pixmap.width() * 4:  # do not blow tiny images up without end
            size = self._pixmap.size() * 4
        x = area.x() + (area.width() - size.width()) // 2
        y = area.y() + (area.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    def target_rect(self) -> QRect:
        """Where the image is drawn: fitted, or at the zoom with the pan applied."""
        if self._pixmap.isNull():
            return QRect()
        if self._zoom is None:
            return self._fit_rect()
        width, height = self._pixmap.width() * self._zoom, self._pixmap.height() * self._zoom
        centre = QPointF(self.width() / 2, self.height() / 2)
        x = centre.x() - self._centre.x() * self._zoom
        y = centre.y() - self._centre.y() * self._zoom
        return QRect(round(x), round(y), round(width), round(height))

    # ---------------------------------------------------------------- zoom and pan

    def zoom_factor(self) -> float:
        """Screen pixels per image pixel, fitted or not."""
        if self._pixmap.isNull():
            return 1.0
        if self._zoom is not None:
            return self._zoom
        return self._fit_rect().width() / max(self._pixmap.width(), 1)

    def is_fitted(self) -> bool:
        return self._zoom is None

    def set_zoom(self, factor: float | None, anchor: QPointF | None = None) -> None:
        """Zoom to factor (None: fit), keeping the image point under anchor (a canvas
        position; default the centre) where it is."""
        if self._pixmap.isNull():
            return
        if factor is None:
            self._zoom = None
            self._centre = QPointF(self._pixmap.width() / 2, self._pixmap.height() / 2)
            self.update()
            return
        low, high = self.ZOOM_RANGE
        factor = min(max(factor, low), high)
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        rect = self.target_rect()
        old = self.zoom_factor()
        under = QPointF((anchor.x() - rect.x()) / old, (anchor.y() - rect.y()) / old)
        self._zoom = factor
        offset = QPointF(anchor.x() - self.width() / 2, anchor.y() - self.height() / 2)
        self._centre = QPointF(under.x() - offset.x() / factor, under.y() - offset.y() / factor)
        self._clamp()
        self.update()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom_factor() * self.ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom_factor() / self.ZOOM_STEP)

    def actual_size(self) -> None:
        # One picture pixel per device pixel, also on a high-DPI screen.
        self.set_zoom(1.0 / max(self.devicePixelRatioF(), 1.0))

    def fit(self) -> None:
        self.set_zoom(None)

    def pan(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) screen pixels."""
        if self._zoom is None:
            return
        self._centre -= QPointF(dx / self._zoom, dy / self._zoom)
        self._clamp()
        self.update()

    def _clamp(self) -> None:
        # A picture larger than the pane never shows empty ground past its edge; a smaller one
        # stays centred on that axis.
        if self._zoom is None:
            return
        x, y = self._centre.x(), self._centre.y()
        half_w, half_h = self.width() / 2 / self._zoom, self.height() / 2 / self._zoom
        w, h = self._pixmap.width(), self._pixmap.height()
        x = min(max(x, half_w), w - half_w) if w > 2 * half_w else w / 2
        y = min(max(y, half_h), h - half_h) if h > 2 * half_h else h / 2
        self._centre = QPointF(x, y)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.lens.on and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            delta = event.angleDelta()
            self.lens.step_power((delta.y() or delta.x()) > 0)
            self.update()
            self.magnifier_changed.emit()
            event.accept()
        elif event.modifiers() & Qt.KeyboardModifier.ControlModifier \
                and not self._pixmap.isNull():
            step = self.ZOOM_STEP if event.angleDelta().y() > 0 else 1 / self.ZOOM_STEP
            self.set_zoom(self.zoom_factor() * step, event.position())
            event.accept()
        elif self._zoom is not None:
            delta = event.angleDelta()
            self.pan(delta.x() / 2, delta.y() / 2)
            event.accept()
        else:
            super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._zoom is not None:
            self._drag_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.lens.on:
            self._pointer = event.position()
            self.update()
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.pan(delta.x(), delta.y())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None
        self.unsetCursor()
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Double-click: 1:1 at that point, or back to fit."""
        if self._zoom is None:
            self.set_zoom(1.0, event.position())
        else:
            self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._clamp()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), CANVAS_BACKGROUND)
        if self._pixmap.isNull():
            painter.setPen(QColor("#9ca3af"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._message)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                                  self.zoom_factor() < 2)  # above 2x, pixels are shown as such
            painter.drawPixmap(self.target_rect(), self._pixmap)
            if self._zoom is not None:  # say how far in, so 1:1 is never mistaken for fit
                label = f"{self._zoom * 100:.0f} %"
                box = QRect(self.width() - 70, 8, 62, 20)
                painter.fillRect(box, QColor(0, 0, 0, 150))
                painter.setPen(QColor("#f9fafb"))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
            if self.lens.on and self._pointer is not None:
                lens = self.lens_at(self._pointer)
                if lens is not None:
                    equalised = " eq" if self.lens.equalize else ""
                    paint_lens(painter, lens[1], lens[0], f"{self.lens.power:g}×{equalised}")
        painter.end()


class Filmstrip(QListWidget):
    """One thumbnail per keyframe, left to right, captioned hh:mm:ss.mmm."""

    keyframe_chosen = Signal(int)  # index into the keyframes

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setIconSize(THUMB_SIZE)
        self.setGridSize(QSize(THUMB_SIZE.width() + 14, THUMB_SIZE.height() + 30))
        self.setSpacing(2)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFixedHeight(THUMB_SIZE.height() + 30 + 22)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # Item colours for the palette in use when the window is made (light or dark).
        ink, chosen, chosen_ink, hover = (("#d1d5db", "#1e3a8a", "#ffffff", "#2a2d33")
                                          if palette_is_dark() else
                                          ("#374151", "#dbeafe", "#1e3a8a", "#f3f4f6"))
        self.setStyleSheet(
            "QListWidget::item { border: 2px solid transparent; border-radius: 4px;"
            f" padding: 2px; color: {ink}; }}"
            f"QListWidget::item:selected {{ background: {chosen}; border-color: #2563eb;"
            f" color: {chosen_ink}; }}"
            f"QListWidget::item:hover:!selected {{ background: {hover}; }}")
        self.currentRowChanged.connect(self._on_row)
        # A keyframe dragged onto the verdict editor is cited as evidence.
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.evidence_for: Callable[[int], EvidenceItem | None] | None = None

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        row = self.currentRow()
        item = self.evidence_for(row) if self.evidence_for is not None and row >= 0 else None
        if item is None:
            return
        drag = QDrag(self)
        drag.setMimeData(evidence_mime([item]))
        icon = self.item(row).icon()
        if not icon.isNull():
            drag.setPixmap(icon.pixmap(THUMB_SIZE / 2))
        drag.exec(Qt.DropAction.CopyAction)

    def set_keyframes(self, keyframes: list[Keyframe]) -> None:
        self.blockSignals(True)
        self.clear()
        icon = placeholder_icon("…")
        for n, kf in enumerate(keyframes, 1):
            item = QListWidgetItem(icon, format_timestamp(kf.time))
            item.setToolTip(f"Keyframe {n} of {len(keyframes)}\n{format_timestamp(kf.time)}"
                            f" · frame {kf.frame} · {shot_label(kf)}\n"
                            f"sharpness {kf.sharpness:.1f} · pHash {kf.phash or '—'}\n{kf.path}"
                            "\n\nDrag it onto the Verdict tab to cite it as evidence.")
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.addItem(item)
        self.blockSignals(False)

    def set_thumbnails(self, images: list[QImage]) -> None:
        for row, image in enumerate(images[: self.count()]):
            item = self.item(row)
            item.setIcon(QIcon(QPixmap.fromImage(image)) if not image.isNull()
                         else placeholder_icon("unreadable"))

    def thumbnail_count(self) -> int:
        return self.count()

    def _on_row(self, row: int) -> None:
        if row >= 0:
            self.keyframe_chosen.emit(row)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"


class ExifPreviewPanel(QFrame):
    """The preview image the camera embedded in the EXIF, beside the picture, with a note on
    whether it shows the same picture."""

    WIDTH = 176

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedWidth(self.WIDTH)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        fill, edge = ("#2a2d33", "#3b4048") if palette_is_dark() else ("#f9fafb", "#e5e7eb")
        self.setStyleSheet(f"ExifPreviewPanel {{ background:{fill}; border:1px solid {edge};"
                           " border-radius:4px }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(6)
        title = QLabel("<b>EXIF thumbnail</b>")
        title.setToolTip("The small preview the camera embedded in the EXIF when the photo was "
                         "taken; editors often leave it unchanged.")
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setMinimumHeight(60)
        self.image.setStyleSheet("background:#1f2328; border-radius:2px; padding:4px")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(title)
        layout.addWidget(self.image)
        layout.addWidget(self.note)
        layout.addStretch(1)
        self.preview = QImage()

    def set_preview(self, image: QImage, note_html: str) -> None:
        self.preview = image
        pixmap = QPixmap.fromImage(image)
        side = self.WIDTH - 28
        # Small previews are enlarged (at most 3 times) so they can be compared by eye; scaled
        # in device pixels, so a high-DPI screen shows them sharp.
        ratio = max(self.devicePixelRatioF(), 1.0)
        width = min(side, pixmap.width() * 3)
        device_width = round(width * ratio)
        if pixmap.width() != device_width:
            pixmap = pixmap.scaledToWidth(device_width,
                                          Qt.TransformationMode.SmoothTransformation)
        pixmap.setDevicePixelRatio(ratio)
        self.image.setPixmap(pixmap)
        self.image.setToolTip(f"{image.width()} × {image.height()} px as embedded (turned as "
                              "the main picture's orientation says)")
        enlarged = ", enlarged" if width > image.width() else ""
        self.note.setText(f"<span style='color:#6b7280'>{image.width()} × {image.height()} px"
                          f"{enlarged}</span><br>{note_html}")

    def clear_preview(self) -> None:
        self.preview = QImage()
        self.image.clear()
        self.note.clear()


def exif_preview_note(report: MetadataReport | None) -> str:
    """What the comparison of the EXIF preview with the picture says, as rich text."""
    if report is None:
        return ""
    codes = {f.code: f for f in report.flags}
    thumb = report.raw.get("Thumbnail", {})
    distance = thumb.get("pHash distance to the picture")
    if "thumbnail-mismatch" in codes:
        return (f"<span style='color:{FLAG_COLOR}; font-weight:600'>⚑ Differs from the "
                "picture</span><br><span style='color:#3f3f46'>pHash distance "
                f"{_esc(distance or '?')} of 64: the picture may have been edited or cropped "
                "after capture (see the red flag).</span>")
    if "thumbnail-turned" in codes:
        turned = thumb.get("matches once turned", "")
        return (f"<span style='color:#b45309; font-weight:600'>⚑ Turned differently</span><br>"
                f"<span style='color:#3f3f46'>Same scene once turned ({_esc(turned)}): the "
                "picture was rotated by software after capture.</span>")
    if distance is not None:
        return (f"<span style='color:#15803d'>✔ Shows the same picture</span><br>"
                f"<span style='color:#6b7280'>pHash distance {_esc(distance)} of 64 "
                "(0 is identical).</span>")
    return "<span style='color:#6b7280'>Not compared with the picture.</span>"


def load_exif_preview(path: str, *, progress: Progress = NULL_PROGRESS,
                      cancel: CancelToken = NEVER_CANCELLED) -> QImage:
    """The EXIF preview of an image file as a QImage (null when it has none). Worker function."""
    from verifier.media.metadata import exif_thumbnail_image

    progress.start(None, "Reading the EXIF preview")
    try:
        img = exif_thumbnail_image(Path(path))
    except UserError as exc:
        log.warning("EXIF preview: %s", exc)
        return QImage()
    if img is None:
        return QImage()
    rgb = img.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


class DisplayLoader(QObject):
    """Decodes the picture to show in a worker thread (a 12 Mpx JPEG takes 50-200 ms, too long
    for the event loop); only the newest request is answered."""

    loaded = Signal(int, object, str)  # token, QImage or None, the reason it could not load

    def __init__(self, parent: QObject | None = None, max_side: int | None = DISPLAY_MAX_SIDE,
                 ) -> None:
        super().__init__(parent)
        self.max_side = max_side
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="display-image")
        self.token = 0
        self.answered = 0  # the newest token answered (or cancelled)
        self.last_thread: int | None = None  # the thread that decoded the last picture

    def load(self, path: Path) -> int:
        self.token += 1
        token = self.token

        def run() -> None:
            if token != self.token:
                return  # another picture was asked for meanwhile
            self.last_thread = threading.get_ident()
            try:
                image = load_image(path, self.max_side)
            except UserError as exc:
                self.loaded.emit(token, None, exc.reason)
                return
            self.loaded.emit(token, image, "")

        self._pool.submit(run)
        return token

    def cancel(self) -> None:
        self.token += 1
        self.answered = self.token

    def pending(self) -> bool:
        return self.answered != self.token


class MediaView(QWidget):
    """Header, large picture (with the EXIF preview beside a photo), caption, picture actions
    and, for a video, the shot timeline and the filmstrip."""

    picture_changed = Signal()  # another picture is shown large (or none)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: MediaItem | None = None
        self.keyframes: list[Keyframe] = []
        self.shots: list[Shot] = []
        self.report: MetadataReport | None = None
        self.index = -1  # the keyframe shown
        self.player_frame: PlayerFrame | None = None  # a decoded frame shown, not a keyframe
        self.loader = DisplayLoader(self)
        self.loader.loaded.connect(self._on_loaded)
        # The magnifier reads a photo over DISPLAY_MAX_SIDE at full size (up to FULL_MAX_SIDE),
        # loaded only while the lens is on.
        self.full_loader = DisplayLoader(self, FULL_MAX_SIDE)
        self.full_loader.loaded.connect(self._on_full_loaded)
        self._shown_path: Path | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setContentsMargins(6, 4, 6, 0)
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # The stage (picture and player controls) takes the player's shortcuts when it has
        # the focus; the filmstrip keeps its own arrow keys.
        self.stage = QWidget(self)
        self.canvas = ImageCanvas(self.stage)
        self.canvas.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.exif_panel = ExifPreviewPanel(self.stage)
        self.exif_panel.hide()
        self.player = VideoPlayer(self.stage)
        self.canvas.magnifier_changed.connect(self.load_full_for_lens)
        self.player.frame_ready.connect(self._on_player_frame)
        self.player.playing_changed.connect(self._on_playing)
        self.player.unavailable.connect(self._on_player_failed)
        self.player.hide()
        stage_layout = QVBoxLayout(self.stage)
        stage_layout.setContentsMargins(0, 0, 0, 0)
        stage_layout.setSpacing(2)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(6)
        body.addWidget(self.canvas, 1)
        body.addWidget(self.exif_panel)
        stage_layout.addLayout(body, 1)
        stage_layout.addWidget(self.player)
        self.caption = QLabel()
        set_muted(self.caption)
        self.caption.setContentsMargins(6, 0, 6, 0)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.actions_bar = QWidget()
        self.actions_layout = QHBoxLayout(self.actions_bar)
        self.actions_layout.setContentsMargins(4, 0, 4, 0)
        self.actions_layout.setSpacing(4)
        self.timeline = ShotTimeline(self)
        self.timeline.keyframe_chosen.connect(self.show_keyframe)
        self.timeline.time_chosen.connect(self.player.seek_time)
        self.filmstrip = Filmstrip(self)
        self.filmstrip.keyframe_chosen.connect(self.show_keyframe)
        self.filmstrip.evidence_for = self.keyframe_evidence
        layout.addWidget(self.header)
        layout.addWidget(self.stage, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.actions_bar)
        layout.addWidget(self.timeline)
        layout.addWidget(self.filmstrip)
        self.show_media(None, [])

    def set_actions(self, picture: list[QAction], reverse: list[QAction],
                    video: list[QAction]) -> None:
        """Buttons for the window's actions on the picture shown: `picture` left, a "Reverse
        search" menu of `reverse`, then `video` at the right (shown for videos only)."""
        for act in picture:
            self.actions_layout.addWidget(_tool_button(act))
        menu_button = QToolButton()
        menu_button.setText("Reverse search ▾")
        menu_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px }")
        menu_button.setToolTip("Search the web for this picture (opens your browser)")
        menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(menu_button)
        for act in reverse:
            menu.addAction(act)
        menu_button.setMenu(menu)
        self.reverse_button = menu_button
        self.actions_layout.addWidget(menu_button)
        self.actions_layout.addStretch(1)
        self.video_buttons = [_tool_button(act) for act in video]
        for button in self.video_buttons:
            self.actions_layout.addWidget(button)
        self._update_bar()

    def show_media(self, item: MediaItem | None, keyframes: list[Keyframe],
                   shots: list[Shot] | None = None, report: MetadataReport | None = None,
                   ) -> None:
        """Show an item; the filmstrip starts with placeholders (see set_thumbnails) and the
        EXIF preview panel stays hidden until set_exif_preview."""
        self.item = item
        self.keyframes = list(keyframes)
        self.shots = list(shots or [])
        self.report = report
        self.index = -1
        self.player_frame = None
        self.loader.cancel()
        self.full_loader.cancel()
        self._shown_path = None
        self.filmstrip.set_keyframes(self.keyframes)
        self.exif_panel.hide()
        self.exif_panel.clear_preview()
        if item is None:
            self.header.setText(f"<span style='color:{muted_hex()}'>No media selected</span>")
            self.header.setToolTip("")
            self.canvas.set_image(None, "No media in this case" if not keyframes else "")
            self.caption.clear()
            self.filmstrip.hide()
            self.timeline.hide()
            self.player.close_video()
            self.player.hide()
            self._update_bar()
            return
        video = item.kind is MediaKind.VIDEO
        kind = "Video" if video else "Photo"
        origin = " · from the web" if item.source_url else ""
        self.header.setText(
            f"<b>{_esc(item.original_name)}</b> <span style='color:{muted_hex()}'>· {kind} · "
            f"{_esc(item.mime)} · {human_size(item.size)}{origin} · sha256 "
            f"<code>{item.sha256[:12]}…</code></span>")
        self.header.setToolTip(f"sha256 {item.sha256}\nmd5 {item.md5}\nevidence copy {item.path}"
                               + (f"\nsource {item.source_url}" if item.source_url else ""))
        if not video:
            self.filmstrip.hide()
            self.timeline.hide()
            self.player.close_video()
            self.player.hide()
            self._show_file(Path(item.path))
            self.caption.setText("Loading the picture…")
        else:
            self.filmstrip.setVisible(bool(self.keyframes))
            self.timeline.setVisible(bool(self.keyframes))
            self.timeline.set_video(self.shots, self.keyframes, _duration(report))
            self.player.show()
            # Without keyframes the player shows the first frame itself.
            self.player.open(Path(item.path), Path(item.original_name).stem,
                             None if self.keyframes else 0)
            if self.keyframes:
                self.filmstrip.setCurrentRow(0)  # shows the first keyframe large
                if self.index != 0:  # the row was 0 already: no signal, so show it here
                    self.show_keyframe(0)
            else:
                self.canvas.set_image(None, "No keyframes were extracted from this video "
                                            "(Media ▸ Keyframes… extracts them).\n"
                                            "Decoding the first frame…")
                self.caption.clear()
        self._update_bar()

    def set_exif_preview(self, item_id: int | None, image: QImage) -> None:
        """The EXIF preview of the photo shown (ignored when another item is shown by now)."""
        if self.item is None or self.item.id != item_id or self.item.kind is MediaKind.VIDEO:
            return
        if image.isNull():
            self.exif_panel.hide()
            return
        self.exif_panel.set_preview(image, exif_preview_note(self.report))
        self.exif_panel.show()

    def _image_caption(self) -> str:
        size = self.canvas.image_size()
        if not size.isValid() or size.isEmpty():
            return ""
        return f"{size.width()} × {size.height()} px, scaled to fit the pane"

    def _show_file(self, path: Path) -> None:
        """Show a picture file: decoded in a worker, shown when ready (see _on_loaded)."""
        self._shown_path = path
        self.full_loader.cancel()
        self.loader.load(path)

    def load_full_for_lens(self) -> None:
        """With the lens on, load the full-size picture when the one shown is reduced."""
        path = self._shown_path
        if (not self.canvas.lens.on or path is None or self.loader.pending()
                or self.full_loader.pending() or self.canvas.lens_source() is not
                self.canvas.image()):
            return  # off, nothing shown yet, on its way, or loaded already
        size = QImageReader(str(path)).size()  # the header only
        if size.isValid() and max(size.width(), size.height()) > DISPLAY_MAX_SIDE:
            self.full_loader.load(path)

    def _on_full_loaded(self, token: int, image: QImage | None, reason: str) -> None:
        if token == self.full_loader.token:
            self.full_loader.answered = token
            if image is not None:
                self.canvas.set_full_image(image)

    def _on_loaded(self, token: int, image: QImage | None, reason: str) -> None:
        if token != self.loader.token:
            return  # another picture was asked for since
        self.loader.answered = token
        if image is None:
            log.warning("media view: %s", reason)
            self.canvas.set_image(None, f"Cannot display this file:\n{reason}")
        else:
            self.canvas.set_image(image)
            self.load_full_for_lens()
        if self.item is not None and self.item.kind is not MediaKind.VIDEO:
            self.caption.setText(self._image_caption())
        self._update_bar()

    def is_loading(self) -> bool:
        """A picture asked for is still being decoded."""
        return self.loader.pending()

    # ---------------------------------------------------------------- the player

    def _on_player_frame(self, frame: PlayerFrame) -> None:
        """A frame the player decoded: shown; a still (not playing) is also the picture the
        actions use, or the saved keyframe when it is one."""
        self.loader.cancel()
        self.canvas.set_image(frame.image, keep_view=True)
        if frame.png is None:  # playing
            self.caption.setText(f"Playing · {format_timestamp(frame.time)} · frame "
                                 f"{frame.index} (no sound; pause to use the frame)")
            return
        times = self.player.times
        same = next((i for i, k in enumerate(self.keyframes)
                     if (times.nearest(k.time) if times is not None else k.frame)
                     == frame.index), None)
        self.player_frame = None if same is not None else frame
        self.index = same if same is not None else -1
        self.timeline.set_selected(self.index)
        self.filmstrip.blockSignals(True)
        if same is not None:
            self.filmstrip.setCurrentRow(same)
        else:
            self.filmstrip.clearSelection()
            self.filmstrip.setCurrentRow(-1)
        self.filmstrip.blockSignals(False)
        self.timeline.set_playhead(frame.time)
        what = f"Keyframe {same + 1} of {len(self.keyframes)}" if same is not None else "Frame"
        self.caption.setText(f"{what} · {format_timestamp(frame.time)} · frame {frame.index}"
                             f"{self._shot_of(frame.time)} · {frame.image.width()} × "
                             f"{frame.image.height()} px")
        self._update_bar()

    def _on_player_failed(self, reason: str) -> None:
        log.warning("player: %s", reason)
        self.caption.setText(f"The player cannot decode this: {reason}")
        if not self.keyframes and not self.canvas.has_image():
            self.canvas.set_image(None, f"Cannot play this video:\n{reason}")

    def _on_playing(self, playing: bool) -> None:
        if playing:
            self.player_frame = None
            self.index = -1
            self.timeline.set_selected(-1)
            self._update_bar()  # the picture actions wait for the pause

    def _shot_of(self, seconds: float) -> str:
        n = self.timeline.shot_at(seconds)
        return f" · shot {n + 1} of {len(self.shots)}" if n is not None else ""

    def show_keyframe(self, index: int) -> None:
        if not 0 <= index < len(self.keyframes):
            return
        self.index = index
        self.player_frame = None
        kf = self.keyframes[index]
        self.player.set_position(kf.frame, kf.time)
        self.timeline.set_playhead(kf.time)
        self._show_file(Path(kf.path))
        shot = ""
        if kf.shot >= 0:
            match = next((s for s in self.shots if s.index == kf.shot), None)
            shot = f" · shot {kf.shot + 1}"
            if match is not None:
                shot += (f" of {len(self.shots)} ({format_timestamp(match.start)} – "
                         f"{format_timestamp(match.end)})")
        else:
            shot = " · I-frame preview"
        self.caption.setText(f"Keyframe {index + 1} of {len(self.keyframes)} · "
                             f"{format_timestamp(kf.time)} · frame {kf.frame}{shot}")
        self.timeline.set_selected(index)
        if self.filmstrip.currentRow() != index:
            self.filmstrip.blockSignals(True)
            self.filmstrip.setCurrentRow(index)
            self.filmstrip.blockSignals(False)
        self._update_bar()

    def keyframe_evidence(self, index: int) -> EvidenceItem | None:
        """Keyframe index of the video shown, as a verdict cites it."""
        if self.item is None or not 0 <= index < len(self.keyframes):
            return None
        return keyframe_evidence(self.item, self.keyframes[index], index, len(self.keyframes))

    def current_keyframe(self) -> Keyframe | None:
        """The keyframe shown large; a frame the player stopped on counts as one (its PNG is
        a temporary copy decoded at full size)."""
        if self.item is None or self.item.kind is not MediaKind.VIDEO:
            return None
        if self.player_frame is not None and self.player_frame.png is not None:
            f = self.player_frame
            return Keyframe(time=f.time, frame=f.index, shot=-1, sharpness=0.0,
                            path=str(f.png), kind="frame")
        return self.keyframes[self.index] if 0 <= self.index < len(self.keyframes) else None

    def current_picture(self) -> tuple[Path, str] | None:
        """The file of the picture shown large and how to name it to the user."""
        if self.item is None:
            return None
        if self.item.kind is MediaKind.VIDEO:
            kf = self.current_keyframe()
            if kf is None:
                return None
            kind = "frame" if kf.kind == "frame" else "keyframe"
            return Path(kf.path), (f"the {kind} at {format_timestamp(kf.time)} of "
                                   f"{self.item.original_name}")
        return Path(self.item.path), f"the photo {self.item.original_name}"

    def set_thumbnails(self, item_id: int | None, images: list[QImage]) -> None:
        if self.item is not None and self.item.id == item_id:
            self.filmstrip.set_thumbnails(images)

    def _update_bar(self) -> None:
        has_picture = self.current_picture() is not None and self.canvas.has_image()
        self.actions_bar.setVisible(self.item is not None)
        for button in getattr(self, "video_buttons", []):
            button.setVisible(self.item is not None and self.item.kind is MediaKind.VIDEO)
        if hasattr(self, "reverse_button"):
            self.reverse_button.setEnabled(has_picture)
        self.picture_changed.emit()


def _tool_button(action: QAction) -> QToolButton:
    button = QToolButton()
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    return button


def _duration(report: MetadataReport | None) -> float | None:
    text = report.value("duration") if report else None
    try:
        return float(text.split()[0]) if text else None
    except ValueError:
        return None


def _esc(text: str) -> str:
    import html

    return html.escape(text)
