"""Magnifier: a crop of the picture enlarged, with its histogram equalised so detail hidden in
shadows or highlights becomes visible (the GUI's loupe)."""

from __future__ import annotations

import cv2
import numpy as np

from verifier.errors import UserError


def magnify(rgb: np.ndarray, x: int, y: int, w: int, h: int, *, zoom: float = 4.0,
            equalize: bool = True, smooth: bool = False) -> np.ndarray:
    """The crop (clipped to the picture) enlarged `zoom` times; with `equalize`, the brightness
    histogram of the crop is spread over the full range (colour kept)."""
    height, width = rgb.shape[:2]
    x0, y0 = max(0, int(x)), max(0, int(y))
    x1, y1 = min(width, int(x) + int(w)), min(height, int(y) + int(h))
    if x1 <= x0 or y1 <= y0:
        raise UserError("magnifier", f"the area {x},{y} {w}x{h} is outside the picture "
                                     f"({width} x {height})")
    if not 1.0 <= zoom <= 32.0:
        raise UserError("magnifier", "zoom must be between 1 and 32")
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    if equalize:
        ycc = cv2.cvtColor(crop, cv2.COLOR_RGB2YCrCb)
        ycc[..., 0] = cv2.equalizeHist(ycc[..., 0])
        crop = cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)
    size = (max(1, round((x1 - x0) * zoom)), max(1, round((y1 - y0) * zoom)))
    # Nearest neighbour by default: the pixels as they are, no invented detail.
    method = cv2.INTER_CUBIC if smooth else cv2.INTER_NEAREST
    return cv2.resize(crop, size, interpolation=method)
