"""The record every lens returns, and small helpers the lenses share to build it.

A result is plain data the GUI can draw without knowing the lens: each map is a uint8 numpy
array (grey ``(h, w)`` or RGB ``(h, w, 3)``). An overlay map always covers the whole analysed
image; it may be smaller than the image (block maps, ghost maps), in which case it is stretched
over it. A map with ``overlay=False`` is a chart (e.g. the frame-difference plot), shown beside.
Regions are in the analysed image's pixel coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np


@dataclass(frozen=True)
class LensMap:
    name: str  # unique within a result, safe as a file name: "ela", "ghost_q70", ...
    image: np.ndarray  # uint8, grey (h, w) or RGB (h, w, 3)
    caption: str  # what bright (or coloured) means, in one plain sentence
    overlay: bool = True  # False: a chart, not something to lay over the picture


@dataclass(frozen=True)
class Region:
    x: int
    y: int
    w: int
    h: int
    label: str  # "pasted?", "source 1", "target 1", ...
    score: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "label": self.label,
                "score": round(float(self.score), 4)}

    def overlaps(self, other: tuple[int, int, int, int]) -> float:
        """Intersection over the smaller of the two areas (0..1); other is (x, y, w, h)."""
        ox, oy, ow, oh = other
        ix = max(0, min(self.x + self.w, ox + ow) - max(self.x, ox))
        iy = max(0, min(self.y + self.h, oy + oh) - max(self.y, oy))
        smaller = min(self.w * self.h, ow * oh)
        return (ix * iy) / smaller if smaller else 0.0


Number = float | int | str | bool | None


@dataclass(frozen=True)
class LensResult:
    lens: str
    parameters: dict[str, Any]
    maps: tuple[LensMap, ...]
    numbers: dict[str, Number]
    findings: tuple[str, ...]  # plain sentences, most telling first
    note: str  # what the lens can and cannot show
    image_size: tuple[int, int] = (0, 0)  # width, height of the analysed image
    regions: tuple[Region, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)  # JSON-ready extras (tables, pairs)
    source: str = ""  # what was analysed: the file, or "VIDEO @ 12.480 s"

    def map(self, name: str) -> LensMap:
        for m in self.maps:
            if m.name == name:
                return m
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """Everything but the pixels, ready for JSON (map files are added by whoever writes
        them)."""
        return {
            "lens": self.lens, "source": self.source, "parameters": dict(self.parameters),
            "image_size": list(self.image_size), "numbers": dict(self.numbers),
            "findings": list(self.findings), "note": self.note,
            "regions": [r.as_dict() for r in self.regions], "details": dict(self.details),
            "maps": [{"name": m.name, "caption": m.caption, "overlay": m.overlay,
                      "width": int(m.image.shape[1]), "height": int(m.image.shape[0])}
                     for m in self.maps],
        }


# ---------------------------------------------------------------- helpers for lenses


def stretch(values: np.ndarray, *, percentile: float = 99.5, floor: float = 0.0) -> np.ndarray:
    """Linear contrast stretch of a non-negative float map to uint8, clipping the top tail so
    one hot pixel does not make everything else black."""
    values = np.asarray(values, dtype=np.float32)
    top = sample_percentile(values, percentile) if values.size else 0.0
    top = max(top, floor, 1e-6)
    return np.clip(values * (255.0 / top), 0, 255).astype(np.uint8)


def sample_percentile(values: np.ndarray, percentile: float, limit: int = 500_000) -> float:
    """A percentile from a regular sample of at most `limit` values (a full sort of a 12 Mpx
    map costs more than the lens itself)."""
    flat = values.ravel()
    step = max(1, flat.size // limit)
    return float(np.percentile(flat[::step], percentile))


def block_mean(values: np.ndarray, block: int) -> np.ndarray:
    """Mean over non-overlapping block x block tiles (edges that do not fill a tile dropped)."""
    h, w = values.shape[:2]
    bh, bw = max(1, h // block), max(1, w // block)
    cropped = np.asarray(values[: bh * block, : bw * block], dtype=np.float32)
    return cv2.resize(cropped, (bw, bh), interpolation=cv2.INTER_AREA)


def outlier_regions(score: np.ndarray, block: int, *, threshold: float, label: str,
                    min_blocks: int = 4, limit: int = 3,
                    valid: np.ndarray | None = None) -> list[Region]:
    """Connected groups of blocks whose score passes a threshold, as image-pixel boxes, largest
    total score first. `score` is one value per block; `valid` masks blocks that may count."""
    mask = (score >= threshold).astype(np.uint8)
    if valid is not None:
        mask &= valid.astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    found = []
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        if area < min_blocks:
            continue
        total = float(score[labels == i].sum())
        found.append(Region(x * block, y * block, w * block, h * block, label, total))
    found.sort(key=lambda r: -r.score)
    return found[:limit]


def region_is_above(z: np.ndarray, r: Region, block: int) -> bool:
    """Whether a region's per-block scores (z, one per block) lie above the picture's typical
    level rather than below it: the median over the region's blocks is positive."""
    bx, by = r.x // block, r.y // block
    return float(np.median(z[by: by + r.h // block, bx: bx + r.w // block])) > 0


def robust_z(values: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """(value - median) / (1.4826 * MAD): how unusual each value is among the valid ones."""
    pool = values[valid] if valid is not None and valid.any() else values.ravel()
    med = float(np.median(pool))
    mad = float(np.median(np.abs(pool - med))) * 1.4826
    return (values - med) / max(mad, 1e-6)


def to_gray(rgb: np.ndarray) -> np.ndarray:
    return rgb if rgb.ndim == 2 else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def describe_box(r: Region, size: tuple[int, int]) -> str:
    """'x 1200-1480, y 300-520 (upper right)': where a region is, in pixels and words."""
    w, h = size
    cx, cy = r.x + r.w / 2, r.y + r.h / 2
    vert = "upper" if cy < h / 3 else "lower" if cy > 2 * h / 3 else "middle"
    horiz = "left" if cx < w / 3 else "right" if cx > 2 * w / 3 else "centre"
    where = "centre" if (vert, horiz) == ("middle", "centre") else f"{vert} {horiz}"
    return f"x {r.x}-{r.x + r.w}, y {r.y}-{r.y + r.h} ({where})"
