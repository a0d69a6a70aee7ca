"""The selected media item: a photo scaled to fit, or a video's keyframes with a filmstrip."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QImageReader, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from verifier.errors import UserError
from verifier.media.keyframes import format_timestamp
from verifier.models import Keyframe, MediaItem, MediaKind
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)

THUMB_SIZE = QSize(160, 90)
DISPLAY_MAX_SIDE = 2048  # decoding a 50 Mpx photo at full size is wasted on a screen
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
    """The keyframe's small JPEG when extraction made one, else its PNG."""
    small = str(getattr(keyframe, "thumbnail", "") or "")
    return small if small and Path(small).is_file() else keyframe.path


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
    pixmap = QPixmap(THUMB_SIZE)
    pixmap.fill(QColor("#d1d5db"))
    if text:
        painter = QPainter(pixmap)
        painter.setPen(QColor("#6b7280"))
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
    return QIcon(pixmap)


class ImageCanvas(QWidget):
    """Paints one image scaled to fit, keeping its aspect ratio, centred on a dark ground."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap = QPixmap()
        self._message = "No media selected"
        self.setMinimumSize(200, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None, message: str = "") -> None:
        self._pixmap = QPixmap.fromImage(image) if image is not None and not image.isNull() \
            else QPixmap()
        self._message = message
        self.update()

    def has_image(self) -> bool:
        return not self._pixmap.isNull()

    def image_size(self) -> QSize:
        return self._pixmap.size()

    def target_rect(self) -> QRect:
        """Where the image is drawn: the largest centred rectangle of its aspect ratio."""
        if self._pixmap.isNull():
            return QRect()
        area = self.rect().adjusted(6, 6, -6, -6)
        size = self._pixmap.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if size.width() > self._pixmap.width() * 4:  # do not blow tiny images up without end
            size = self._pixmap.size() * 4
        x = area.x() + (area.width() - size.width()) // 2
        y = area.y() + (area.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), CANVAS_BACKGROUND)
        if self._pixmap.isNull():
            painter.setPen(QColor("#9ca3af"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._message)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(self.target_rect(), self._pixmap)
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
        self.setStyleSheet(
            "QListWidget::item { border: 2px solid transparent; border-radius: 4px;"
            " padding: 2px; color: #374151; }"
            "QListWidget::item:selected { background: #dbeafe; border-color: #2563eb;"
            " color: #1e3a8a; }"
            "QListWidget::item:hover:!selected { background: #f3f4f6; }")
        self.currentRowChanged.connect(self._on_row)

    def set_keyframes(self, keyframes: list[Keyframe]) -> None:
        self.blockSignals(True)
        self.clear()
        icon = placeholder_icon("…")
        for n, kf in enumerate(keyframes, 1):
            item = QListWidgetItem(icon, format_timestamp(kf.time))
            item.setToolTip(f"Keyframe {n} of {len(keyframes)}\n{format_timestamp(kf.time)}"
                            f" · frame {kf.frame} · shot {kf.shot + 1}\n"
                            f"sharpness {kf.sharpness:.1f} · pHash {kf.phash or '—'}\n{kf.path}")
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


class MediaView(QWidget):
    """Header, large picture, caption and (for a video) the filmstrip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: MediaItem | None = None
        self.keyframes: list[Keyframe] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setContentsMargins(6, 4, 6, 0)
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.canvas = ImageCanvas(self)
        self.caption = QLabel()
        self.caption.setStyleSheet("color:#4b5563")
        self.caption.setContentsMargins(6, 0, 6, 0)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.filmstrip = Filmstrip(self)
        self.filmstrip.keyframe_chosen.connect(self.show_keyframe)
        layout.addWidget(self.header)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.filmstrip)
        self.show_media(None, [])

    def show_media(self, item: MediaItem | None, keyframes: list[Keyframe]) -> None:
        """Show an item; the filmstrip starts with placeholders (see set_thumbnails)."""
        self.item = item
        self.keyframes = list(keyframes)
        self.filmstrip.set_keyframes(self.keyframes)
        if item is None:
            self.header.setText("<span style='color:#6b7280'>No media selected</span>")
            self.canvas.set_image(None, "No media in this case" if not keyframes else "")
            self.caption.clear()
            self.filmstrip.hide()
            return
        kind = "Video" if item.kind is MediaKind.VIDEO else "Photo"
        extra = f" · {len(keyframes)} keyframes" if item.kind is MediaKind.VIDEO else ""
        self.header.setText(
            f"<b>{_esc(item.original_name)}</b> <span style='color:#6b7280'>· {kind} · "
            f"{_esc(item.mime)} · {human_size(item.size)}{extra} · sha256 "
            f"<code>{item.sha256[:16]}…</code></span>")
        self.header.setToolTip(f"sha256 {item.sha256}\nmd5 {item.md5}\nevidence copy {item.path}"
                               + (f"\nsource {item.source_url}" if item.source_url else ""))
        if item.kind is MediaKind.IMAGE:
            self.filmstrip.hide()
            self._show_file(Path(item.path))
            self.caption.setText(self._image_caption())
        else:
            self.filmstrip.show()
            if self.keyframes:
                self.filmstrip.setCurrentRow(0)  # shows the first keyframe large
                self.show_keyframe(0)
            else:
                self.canvas.set_image(None, "No keyframes were extracted from this video")
                self.caption.clear()

    def _image_caption(self) -> str:
        size = self.canvas.image_size()
        if not size.isValid() or size.isEmpty():
            return ""
        return f"{size.width()} × {size.height()} px, scaled to fit the pane"

    def _show_file(self, path: Path) -> None:
        try:
            self.canvas.set_image(load_image(path, DISPLAY_MAX_SIDE))
        except UserError as exc:
            log.warning("media view: %s", exc)
            self.canvas.set_image(None, f"Cannot display this file:\n{exc.reason}")

    def show_keyframe(self, index: int) -> None:
        if not 0 <= index < len(self.keyframes):
            return
        kf = self.keyframes[index]
        self._show_file(Path(kf.path))
        self.caption.setText(f"Keyframe {index + 1} of {len(self.keyframes)} · "
                             f"{format_timestamp(kf.time)} · frame {kf.frame} · "
                             f"shot {kf.shot + 1}")
        if self.filmstrip.currentRow() != index:
            self.filmstrip.blockSignals(True)
            self.filmstrip.setCurrentRow(index)
            self.filmstrip.blockSignals(False)

    def set_thumbnails(self, item_id: int | None, images: list[QImage]) -> None:
        if self.item is not None and self.item.id == item_id:
            self.filmstrip.set_thumbnails(images)


def _esc(text: str) -> str:
    import html

    return html.escape(text)
