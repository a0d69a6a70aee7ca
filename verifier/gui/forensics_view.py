"""The picture with a lens map laid over it, the regions and clone pairs outlined, and a
magnifier (loupe) with histogram equalisation under the pointer.

Compositing works on a copy of the picture at most DISPLAY_MAX_SIDE pixels wide, with each
map coloured and stretched to that size once (a 12 Mpx blend on every slider step would stall
the window); the loupe reads the picture's own pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

if TYPE_CHECKING:  # numpy, OpenCV and the lenses load with the first picture, not at start-up
    import numpy as np

    from verifier.forensics.result import LensMap, Region

DISPLAY_MAX_SIDE = 1600
LOUPE_SIDE = 200  # on-screen pixels
REGION_COLOUR = QColor(255, 64, 64)
PAIR_COLOURS = (QColor(255, 200, 0), QColor(0, 200, 255), QColor(255, 0, 200), QColor(0, 255, 120))


@dataclass(frozen=True)
class ClonePair:
    source: tuple[float, float]  # picture pixels
    target: tuple[float, float]
    group: int


def to_qimage(rgb: np.ndarray) -> QImage:
    """A deep copy of an RGB (or grey) uint8 array as a QImage."""
    import numpy as np

    arr = np.ascontiguousarray(rgb)
    h, w = arr.shape[:2]
    if arr.ndim == 2:
        return QImage(arr.data, w, h, arr.strides[0], QImage.Format.Format_Grayscale8).copy()
    return QImage(arr.data, w, h, arr.strides[0], QImage.Format.Format_RGB888).copy()


def display_copy(rgb: np.ndarray, max_side: int = DISPLAY_MAX_SIDE) -> np.ndarray:
    import cv2
    import numpy as np

    h, w = rgb.shape[:2]
    factor = min(1.0, max_side / max(h, w))
    if factor >= 1.0:
        return np.ascontiguousarray(rgb)
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def colour_maps(maps: tuple[LensMap, ...] | list[LensMap],
                base_shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Each overlay map coloured and sized to the display copy (work for a worker thread: a
    12 Mpx map takes about 100 ms)."""
    import cv2

    from verifier.forensics.render import map_rgb
    from verifier.forensics.result import LensMap

    h, w = base_shape[:2]
    out = {}
    for m in maps:
        if not m.overlay:
            continue
        image = m.image
        # Shrink large maps smoothly first (nearest on a 12 Mpx map aliases), then colour.
        if image.shape[0] > h and image.shape[1] > w:
            image = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        out[m.name] = map_rgb(LensMap(m.name, image, m.caption, m.overlay), (w, h))
    return out


class OverlayCanvas(QWidget):
    """Fits the composite into the widget; set_picture, then set_map; set_opacity 0..100."""

    hovered = Signal(int, int)  # picture pixel under the pointer (-1, -1: outside)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(200, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.picture: np.ndarray | None = None  # full size RGB
        self.base: np.ndarray | None = None  # display copy
        self.lens_map: LensMap | None = None
        self.opacity = 0.6
        self.regions: tuple[Region, ...] = ()
        self.pairs: tuple[ClonePair, ...] = ()
        self.show_regions = True
        self.loupe_on = False
        self.loupe_zoom = 4.0
        self.loupe_equalize = True
        self.message = ""
        self._coloured: dict[str, np.ndarray] = {}  # map name -> RGB at the display size
        self._image: QImage | None = None
        self._mouse: QPointF | None = None

    # ------------------------------------------------------------ content

    def set_picture(self, rgb: np.ndarray | None, message: str = "", *,
                    base: np.ndarray | None = None) -> None:
        """The picture at full size; base is its display copy when a worker made it."""
        self.picture = rgb
        self.base = base if base is not None else display_copy(rgb) if rgb is not None \
            else None
        self.lens_map = None
        self.regions, self.pairs = (), ()
        self._coloured = {}
        self.message = message
        self._recompose()

    def set_message(self, message: str) -> None:
        self.message = message
        self.update()

    def add_coloured(self, coloured: dict[str, np.ndarray]) -> None:
        """Maps already coloured at the display size (colour_maps, in a worker)."""
        if self.base is not None:
            shape = self.base.shape[:2]
            self._coloured.update({k: v for k, v in coloured.items() if v.shape[:2] == shape})

    def set_map(self, lens_map: LensMap | None, regions: tuple[Region, ...] = (),
                pairs: tuple[ClonePair, ...] = ()) -> None:
        self.lens_map = lens_map
        self.regions, self.pairs = regions, pairs
        self._recompose()

    def clear_maps(self) -> None:
        self._coloured = {}
        self.set_map(None)

    def set_opacity(self, percent: int) -> None:
        self.opacity = min(max(percent, 0), 100) / 100.0
        self._recompose()

    def set_show_regions(self, on: bool) -> None:
        self.show_regions = on
        self.update()

    def set_loupe(self, on: bool, zoom: float | None = None,
                  equalize: bool | None = None) -> None:
        self.loupe_on = on
        if zoom is not None:
            self.loupe_zoom = float(zoom)
        if equalize is not None:
            self.loupe_equalize = equalize
        self.update()

    @property
    def is_chart(self) -> bool:
        return self.lens_map is not None and not self.lens_map.overlay

    def composite(self) -> np.ndarray | None:
        """What is shown, at the display size: the picture blended with the map (opacity 0:
        the picture, 1: the map); a chart map is shown alone."""
        m = self.lens_map
        if m is not None and not m.overlay:
            return m.image
        if self.base is None:
            return None
        if m is None:
            return self.base
        coloured = self._coloured_map(m)
        if self.opacity <= 0.0:
            return self.base
        if self.opacity >= 1.0:
            return coloured
        import cv2

        return cv2.addWeighted(coloured, self.opacity, self.base, 1.0 - self.opacity, 0.0)

    def _coloured_map(self, m: LensMap) -> np.ndarray:
        assert self.base is not None
        cached = self._coloured.get(m.name)
        if cached is None:
            cached = colour_maps([m], self.base.shape)[m.name]
            self._coloured[m.name] = cached
        return cached

    def _recompose(self) -> None:
        shown = self.composite()
        self._image = to_qimage(shown) if shown is not None else None
        self.update()

    # ------------------------------------------------------------ geometry

    def target_rect(self) -> QRect:
        if self._image is None:
            return QRect()
        size = QSize(self._image.width(), self._image.height())
        size.scale(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) // 2
        y = (self.height() - size.height()) // 2
        return QRect(x, y, size.width(), size.height())

    def _picture_scale(self) -> float:
        """On-screen pixels per picture pixel."""
        if self.picture is None or self.is_chart:
            return 0.0
        rect = self.target_rect()
        return rect.width() / self.picture.shape[1] if self.picture.shape[1] else 0.0

    def picture_point(self, pos: QPointF) -> tuple[int, int] | None:
        scale = self._picture_scale()
        rect = self.target_rect()
        if scale <= 0 or not QRectF(rect).contains(pos):
            return None
        return int((pos.x() - rect.x()) / scale), int((pos.y() - rect.y()) / scale)

    # ------------------------------------------------------------ events

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._mouse = event.position()
        point = self.picture_point(self._mouse)
        self.hovered.emit(*(point if point is not None else (-1, -1)))
        if self.loupe_on:
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: object) -> None:
        self._mouse = None
        self.hovered.emit(-1, -1)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(self.backgroundRole()).darker(115))
        if self._image is None:
            painter.setPen(self.palette().color(self.foregroundRole()))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                             int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                             self.message)
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = self.target_rect()
        painter.drawImage(rect, self._image)
        scale = self._picture_scale()
        if self.show_regions and scale > 0:
            self._paint_marks(painter, rect, scale)
        if self.loupe_on and self._mouse is not None:
            self._paint_loupe(painter)
        painter.end()

    def _paint_marks(self, painter: QPainter, rect: QRect, scale: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        def at(x: float, y: float) -> QPointF:
            return QPointF(rect.x() + x * scale, rect.y() + y * scale)

        for pair in self.pairs:
            colour = PAIR_COLOURS[pair.group % len(PAIR_COLOURS)]
            painter.setPen(QPen(colour, 1))
            a, b = at(*pair.source), at(*pair.target)
            painter.drawLine(a, b)
            painter.drawEllipse(b, 2.5, 2.5)
        for r in self.regions:
            box = QRectF(at(r.x, r.y), at(r.x + r.w, r.y + r.h))
            painter.setPen(QPen(QColor(0, 0, 0, 160), 3))
            painter.drawRect(box)
            painter.setPen(QPen(REGION_COLOUR, 1.5))
            painter.drawRect(box)
            label = QRectF(box.x(), box.y() - 16, max(box.width(), 90), 16)
            painter.fillRect(label.adjusted(0, 0, 0, 0).intersected(QRectF(self.rect())),
                             QColor(0, 0, 0, 140))
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(label.adjusted(3, 0, 0, 0), int(Qt.AlignmentFlag.AlignVCenter),
                             r.label)

    def loupe_image(self, point: tuple[int, int]) -> np.ndarray | None:
        """The magnified (and optionally equalised) picture pixels around point."""
        from verifier.forensics.magnifier import magnify

        if self.picture is None:
            return None
        side = max(4, round(self.loupe_side() / self.loupe_zoom))
        x, y = point
        h, w = self.picture.shape[:2]
        x0 = min(max(0, x - side // 2), max(0, w - side))
        y0 = min(max(0, y - side // 2), max(0, h - side))
        return magnify(self.picture, x0, y0, side, side, zoom=self.loupe_zoom,
                       equalize=self.loupe_equalize)

    def loupe_side(self) -> int:
        """The loupe's on-screen size: LOUPE_SIDE, at most half the smaller side of the view."""
        return int(max(64, min(LOUPE_SIDE, min(self.width(), self.height()) // 2)))

    def _paint_loupe(self, painter: QPainter) -> None:
        assert self._mouse is not None
        point = self.picture_point(self._mouse)
        if point is None:
            return
        crop = self.loupe_image(point)
        if crop is None:
            return
        image = to_qimage(crop)
        side = self.loupe_side()
        x = self._mouse.x() + 16
        y = self._mouse.y() + 16
        if x + side > self.width():
            x = self._mouse.x() - side - 16
        if y + side > self.height():
            y = self._mouse.y() - side - 16
        target = QRectF(max(0.0, x), max(0.0, y), side, side)
        painter.drawImage(target, image)
        painter.setPen(QPen(QColor(255, 255, 255), 2))
        painter.drawRect(target)
