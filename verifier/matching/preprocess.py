"""Query preparation: find borders, letterbox bars and uniform frames around a picture, the
picture inside a page of text (a screenshot of an article), or what a video's copy overlays on
every frame (a channel's logo, a caption), so that the picture alone can be matched as well."""

from __future__ import annotations

import cv2
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


# A screenshot's picture among text: blocks of _BLOCK pixels (at the query's matching size, 640)
# in which most pixels stand out from the page's background colour and that are not flat.
_BLOCK = 8
_PAGE_SHARE = 0.2  # the background colour covers at least this share of a page
_BACKGROUND_TOLERANCE = 24
_DENSE = 0.8  # lines of text leave more of their block to the background
_FLAT_STD = 3.0  # a solid bar or button is not a picture
_MIN_PICTURE_SHARE = 0.04
_MAX_PICTURE_SHARE = 0.85  # nearly the whole frame: the query as given already is the picture
_INK_STD = 20.0
_MIN_TEXT_SHARE = 0.05  # of the blocks around the picture: a page has text or buttons there


def picture_box(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the largest picture inside a page (a screenshot of an
    article or a post: the picture among text, buttons and bars, with no uniform border that
    border_box could cut), in pixels of `rgb`, or None. Pages have one background colour
    (white, or black in a dark theme); a picture is the largest solid run of blocks that differ
    from it and are not flat. A picture's own background near the page's colour (a product shot
    on white) is not told apart."""
    h, w = rgb.shape[:2]
    bh, bw = h // _BLOCK, w // _BLOCK
    if rgb.ndim != 3 or bh < 4 or bw < 4:
        return None
    sample = (rgb[::3, ::3] >> 4).astype(np.int32)
    codes = (sample[..., 0] << 8) | (sample[..., 1] << 4) | sample[..., 2]
    counts = np.bincount(codes.ravel(), minlength=4096)
    mode = int(counts.argmax())
    if counts[mode] < _PAGE_SHARE * codes.size:
        return None  # no page background: a photo, not a page
    cut = np.ascontiguousarray(rgb[: bh * _BLOCK, : bw * _BLOCK])
    background = np.empty_like(cut)
    background[:] = [(mode >> shift & 15) * 16 + 8 for shift in (8, 4, 0)]
    distance = cv2.absdiff(cut, background)
    stands_out = (distance.max(axis=2) > _BACKGROUND_TOLERANCE).astype(np.float32)
    density = cv2.resize(stands_out, (bw, bh), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(cut, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mean = cv2.resize(grey, (bw, bh), interpolation=cv2.INTER_AREA)
    square = cv2.resize(grey * grey, (bw, bh), interpolation=cv2.INTER_AREA)
    variance = square - mean * mean
    dense = cv2.morphologyEx((density >= _DENSE).astype(np.uint8), cv2.MORPH_CLOSE,
                             np.ones((3, 3), np.uint8))
    # Text: sharp ink on the background, leaving most of its block to it.
    ink = (density >= 0.05) & (density < _DENSE) & (variance >= _INK_STD ** 2)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dense, connectivity=4)
    if n <= 1:
        return None
    # The picture: the dense run with the most texture. A clear sky in it is flat but belongs
    # to it; a solid bar or button is flat all over.
    textured = np.bincount(labels[variance >= _FLAT_STD ** 2], minlength=n)
    best = 1 + int(np.argmax(textured[1:]))
    x, y, width, height, area = (int(v) for v in stats[best])
    if (area < _MIN_PICTURE_SHARE * bh * bw or area < 0.5 * width * height
            or width * height > _MAX_PICTURE_SHARE * bh * bw):
        return None
    outside = bh * bw - width * height
    text = int(ink.sum()) - int(ink[y: y + height, x: x + width].sum())
    if text < _MIN_TEXT_SHARE * outside:
        return None  # a photo with a plain stretch (sky, a wall), not a page around a picture
    return (x * _BLOCK, y * _BLOCK, min(w, (x + width) * _BLOCK),
            min(h, (y + height) * _BLOCK))


# A pixel is part of an overlay when it stays within this many grey levels over a video's
# samples while the picture under it changes.
_STILL_LEVELS = 10
_OVERLAY_MAX_SHARE = 0.5  # more than this stays put: a still camera, not an overlay


def overlay_mask(frames: list[np.ndarray]) -> np.ndarray | None:
    """A mask for local features (255 where they may be taken, 0 over what stays put in every
    sample of a video: a logo, a caption, a ticker), or None when too few samples or too much of
    the picture stays put to tell an overlay from a still shot. `frames`: grey, one size."""
    if len(frames) < 4 or any(f.shape != frames[0].shape for f in frames):
        return None
    stack = np.stack(frames[:: max(1, len(frames) // 48)])
    still = (stack.max(axis=0).astype(np.int16) - stack.min(axis=0)) <= _STILL_LEVELS
    # Flat areas (black bars, a dark sky) stay put too and hold no features: only what has
    # texture in some sample counts towards the overlay's share.
    textured = np.zeros(still.shape, dtype=bool)
    for frame in stack:
        textured |= np.abs(cv2.Laplacian(frame, cv2.CV_16S, ksize=3)) >= 16
    share = float((still & textured).sum()) / max(1, int(textured.sum()))
    if share == 0.0 or share > _OVERLAY_MAX_SHARE:
        return None
    still = cv2.morphologyEx(still.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    # Features are described by the patch around them: keep them a patch away from the overlay.
    still = cv2.dilate(still, np.ones((15, 15), np.uint8))
    return np.where(still > 0, 0, 255).astype(np.uint8)
