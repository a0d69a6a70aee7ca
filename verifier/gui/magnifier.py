"""The image canvas's magnifier lens: a round loupe beside the pointer showing the decoded
picture's own pixels enlarged 2-8 times, optionally with the crop's histogram equalised (as the
InVID magnifier). The enlargement itself is the core's (verifier.forensics.magnifier, also the
Forensics tab's loupe); only a crop of about 60 px is converted per paint, never the picture."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen

POWERS = (2.0, 3.0, 4.0, 6.0, 8.0)
LENS_SIDE = 240  # on-screen diameter (device-independent pixels)


@dataclass
class LensState:
    on: bool = False
    power: float = 4.0
    equalize: bool = False

    def step_power(self, up: bool) -> float:
        """The next power up or down in POWERS (kept within 2-8)."""
        index = min(range(len(POWERS)), key=lambda i: abs(POWERS[i] - self.power))
        index = min(max(index + (1 if up else -1), 0), len(POWERS) - 1)
        self.power = POWERS[index]
        return self.power


def lens_pixels(image: QImage, centre: QPointF, side: int, power: float,
                equalize: bool) -> QImage | None:
    """The enlarged crop of `image` (picture pixels) centred on `centre`, `side` screen pixels
    across; None when the point is off the picture."""
    from verifier.forensics.magnifier import magnify

    if image.isNull() or not (0 <= centre.x() < image.width() and 0 <= centre.y() < image.height()):
        return None
    span = max(2, round(side / power))
    x0 = min(max(0, round(centre.x() - span / 2)), max(0, image.width() - span))
    y0 = min(max(0, round(centre.y() - span / 2)), max(0, image.height() - span))
    crop = image.copy(QRect(x0, y0, span, span)).convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = crop.width(), crop.height(), crop.bytesPerLine()
    rows = np.frombuffer(crop.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    rgb = np.ascontiguousarray(rows[:, : 3 * w].reshape(h, w, 3))
    big = np.ascontiguousarray(magnify(rgb, 0, 0, w, h, zoom=power, equalize=equalize))
    return QImage(big.data, big.shape[1], big.shape[0], 3 * big.shape[1],
                  QImage.Format.Format_RGB888).copy()


def lens_rect(pointer: QPointF, side: int, bounds: QRect) -> QRectF:
    """Where the lens is drawn: below right of the pointer, flipped to stay inside bounds."""
    x, y = pointer.x() + 18, pointer.y() + 18
    if x + side > bounds.right():
        x = pointer.x() - side - 18
    if y + side > bounds.bottom():
        y = pointer.y() - side - 18
    # Kept inside bounds either way (the lens is at most half the canvas across).
    x = min(max(float(bounds.left()), x), float(bounds.right() + 1 - side))
    y = min(max(float(bounds.top()), y), float(bounds.bottom() + 1 - side))
    return QRectF(x, y, side, side)


def paint_lens(painter: QPainter, pixels: QImage, target: QRectF, caption: str) -> None:
    """The enlarged pixels in a circle with a light rim and the power written under them."""
    painter.save()
    path = QPainterPath()
    path.addEllipse(target)
    painter.setClipPath(path)
    painter.drawImage(target, pixels)
    painter.setClipping(False)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(QColor(0, 0, 0, 160), 4))
    painter.drawEllipse(target)
    painter.setPen(QPen(QColor(255, 255, 255), 2))
    painter.drawEllipse(target)
    label = QRectF(target.center().x() - 34, target.bottom() - 26, 68, 18)
    painter.fillRect(label, QColor(0, 0, 0, 150))
    painter.setPen(QColor("#f9fafb"))
    painter.drawText(label, 0x0084, caption)  # AlignCenter
    painter.restore()
