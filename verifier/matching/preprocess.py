"""Query preparation: find borders, letterbox bars and uniform frames around a picture so the
picture inside can be hashed as well."""

from __future__ import annotations

import numpy as np

# A line (row or column) belongs to a border when nearly all its pixels are within this many grey
# levels of the border's colour, which is read from the outermost line of that side.
_TOLERANCE = 18
_UNIFORM_SHARE = 0.97
_MAX_SIDE_SHARE = 0.42  # never cut more than this of a dimension from one side
_MIN_TRIM = 0.015  # ignore trims thinner than this share of the dimension (scaling seams)


def _trim(lines: np.ndarray) -> int:
    """How many leading lines of `lines` (n_lines x length) belong to a uniform border."""
    if lines.shape[0] == 0:
        return 0
    reference = float(np.median(lines[0]))
    close = np.abs(lines.astype(np.int16) - reference) <= _TOLERANCE
    uniform = close.mean(axis=1) >= _UNIFORM_SHARE
    limit = int(lines.shape[0] * _MAX_SIDE_SHARE)
    count = 0
    while count < limit and uniform[count]:
        count += 1
    return count


def border_box(gray: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the picture inside uniform borders, in pixels of `gray`, or
    None when there is no border worth cutting."""
    if gray.ndim == 3:
        gray = gray.mean(axis=2)
    h, w = gray.shape
    if h < 16 or w < 16:
        return None
    top = _trim(gray)
    bottom = _trim(gray[::-1])
    left = _trim(gray.T)
    right = _trim(gray.T[::-1])
    if top + bottom >= h * 0.8 or left + right >= w * 0.8:
        return None  # a flat picture, not a border
    trims = (left / w, top / h, right / w, bottom / h)
    if max(trims) < _MIN_TRIM:
        return None
    # Thin trims on the other sides are scaling seams: keep only the real ones.
    left, top, right, bottom = (int(t * n) if t >= _MIN_TRIM else 0
                                for t, n in zip(trims, (w, h, w, h), strict=True))
    return left, top, w - right, h - bottom


def crop_to(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    left, top, right, bottom = box
    return np.ascontiguousarray(image[top:bottom, left:right])


def scale_box(box: tuple[int, int, int, int], from_size: tuple[int, int],
              to_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A box measured on an image of from_size (w, h) in the pixels of to_size."""
    sx, sy = to_size[0] / from_size[0], to_size[1] / from_size[1]
    left, top, right, bottom = box
    return (int(left * sx), int(top * sy), max(int(left * sx) + 1, round(right * sx)),
            max(int(top * sy) + 1, round(bottom * sy)))
