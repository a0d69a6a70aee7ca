"""Drawing helpers for showing a lens result over the picture (the GUI's overlay, a report's
thumbnail): maps are stretched to the picture's size, grey maps coloured, regions outlined."""

from __future__ import annotations

import cv2
import numpy as np

from verifier.forensics.result import LensMap, Region


def map_rgb(m: LensMap, size: tuple[int, int] | None = None, *, colour: bool = True) -> np.ndarray:
    """The map as RGB uint8 at `size` (width, height): grey maps through a colour scale (dark
    blue to yellow) unless colour is False; nearest-neighbour enlargement keeps blocks sharp."""
    image = m.image
    if image.ndim == 2:
        image = (cv2.cvtColor(cv2.applyColorMap(image, cv2.COLORMAP_VIRIDIS), cv2.COLOR_BGR2RGB)
                 if colour else np.repeat(image[:, :, None], 3, axis=2))
    if size is not None and (image.shape[1], image.shape[0]) != size:
        image = cv2.resize(image, size, interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(image)


def overlay(rgb: np.ndarray, m: LensMap, opacity: float = 0.6, *,
            colour: bool = True) -> np.ndarray:
    """The picture with the map laid over it (opacity 0: picture only, 1: map only)."""
    opacity = float(min(max(opacity, 0.0), 1.0))
    shown = map_rgb(m, (rgb.shape[1], rgb.shape[0]), colour=colour)
    return cv2.addWeighted(shown, opacity, rgb, 1.0 - opacity, 0.0)


def draw_regions(rgb: np.ndarray, regions: tuple[Region, ...] | list[Region],
                 colour: tuple[int, int, int] = (255, 64, 64)) -> np.ndarray:
    """A copy of the picture with each region outlined and labelled."""
    out = rgb.copy()
    thickness = max(2, round(max(rgb.shape[:2]) / 500))
    for r in regions:
        cv2.rectangle(out, (r.x, r.y), (r.x + r.w, r.y + r.h), colour, thickness)
        cv2.putText(out, r.label, (r.x + 3, max(r.y - 6, 12)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4 * thickness, colour, max(1, thickness // 2), cv2.LINE_AA)
    return out
