"""Bring a corpus original into the frame of the query that matched it, and show where they
differ: the pictures behind the window's comparison views (no Qt here).

A match's `alignment` holds the homography found by geometric verification, in image fractions
(query (x/w, y/h) -> source (x/w, y/h)), so it holds at any size either picture is decoded at,
and the matched region: the query's outline in the source, clipped to the source. Older matches
(stored before `alignment` existed) and matches found by hash alone are aligned by finding the
features again on the two pictures, else by the transform they carry (mirror, rotation by
quarter turns, crop box)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from verifier.errors import UserError
from verifier.matching.hashing import work_image
from verifier.matching.verify import (
    VERIFY_SIDE,
    Geometry,
    verify,
    verify_features,
)

# Pictures are compared at most this large (longest side): enough to see an edit on screen.
COMPARE_SIDE = 1024
# The absolute difference (0-255, after both pictures are blurred and tone-matched) is multiplied
# by this before the colour map, so a faint edit still shows.
DIFFERENCE_GAIN = 4.0
# A pixel "differs" when its tone-matched difference is above this (of 255): well above what
# JPEG recompression and resampling leave.
CHANGED_LEVEL = 24
_OUTSIDE = np.array([46, 46, 52], np.uint8)  # where the original does not reach the query's frame

STORED, FEATURES, TRANSFORM, UNALIGNED = "stored", "features", "transform", "unaligned"
METHOD_TEXT = {
    STORED: "aligned by the homography geometric verification found",
    FEATURES: "aligned by local features found again on the two pictures",
    TRANSFORM: "aligned by the match's transform only (mirror, quarter turns, crop box)",
    UNALIGNED: "not aligned: the original is only scaled to the query's frame",
}


# ---------------------------------------------------------------- the homography in fractions


def _scale(size: tuple[int, int]) -> np.ndarray:
    return np.diag([float(max(size[0], 1)), float(max(size[1], 1)), 1.0])


def normalise(homography: np.ndarray, query_size: tuple[int, int],
              source_size: tuple[int, int]) -> np.ndarray:
    """A pixel homography (query pixels of query_size -> source pixels of source_size) restated
    in fractions of each picture."""
    out = np.linalg.inv(_scale(source_size)) @ np.asarray(homography, np.float64) \
        @ _scale(query_size)
    return out / out[2, 2] if abs(out[2, 2]) > 1e-12 else out


def to_pixels(fractions: np.ndarray, query_size: tuple[int, int],
              source_size: tuple[int, int]) -> np.ndarray:
    """The inverse of normalise: query pixels -> source pixels at these sizes."""
    return _scale(source_size) @ np.asarray(fractions, np.float64) \
        @ np.linalg.inv(_scale(query_size))


def _clip_to_unit(polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: a convex polygon clipped to the unit square."""
    def clip(points: list[tuple[float, float]], inside: Any,
             cross: Any) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for n, current in enumerate(points):
            previous = points[n - 1]
            if inside(current):
                if not inside(previous):
                    out.append(cross(previous, current))
                out.append(current)
            elif inside(previous):
                out.append(cross(previous, current))
        return out

    def at_x(x: float) -> Any:
        def cross(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
            t = (x - a[0]) / (b[0] - a[0])
            return x, a[1] + t * (b[1] - a[1])
        return cross

    def at_y(y: float) -> Any:
        def cross(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
            t = (y - a[1]) / (b[1] - a[1])
            return a[0] + t * (b[0] - a[0]), y
        return cross

    points = polygon
    for inside, cross in ((lambda p: p[0] >= 0.0, at_x(0.0)), (lambda p: p[0] <= 1.0, at_x(1.0)),
                          (lambda p: p[1] >= 0.0, at_y(0.0)), (lambda p: p[1] <= 1.0, at_y(1.0))):
        if not points:
            break
        points = clip(points, inside, cross)
    return points


def region_of(fractions: np.ndarray) -> list[tuple[float, float]]:
    """The query's outline in the source (fractions), clipped to the source: the part of the
    original the copy shows."""
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float64).reshape(-1, 1, 2)
    projected = cv2.perspectiveTransform(corners, np.asarray(fractions, np.float64))
    return [(round(float(x), 4), round(float(y), 4))
            for x, y in _clip_to_unit([(float(p[0]), float(p[1]))
                                       for p in projected.reshape(-1, 2)])]


def alignment_dict(geometry: Geometry, query_size: tuple[int, int],
                   source_size: tuple[int, int], *, query_time: float | None = None,
                   source_time: float | None = None) -> dict[str, Any]:
    """What a Match keeps of a geometry (JSON-friendly): the homography in fractions, the matched
    region, and for videos the frame pair it was found on."""
    fractions = normalise(geometry.homography, query_size, source_size)
    out: dict[str, Any] = {
        "homography": [[round(float(v), 6) for v in row] for row in fractions],
        "region": [list(p) for p in region_of(fractions)],
    }
    if query_time is not None:
        out["query_time"] = round(float(query_time), 3)
    if source_time is not None:
        out["source_time"] = round(float(source_time), 3)
    return out


def stored_homography(alignment: dict[str, Any] | None) -> np.ndarray | None:
    """The homography a match carries, or None (older match, or not confirmed)."""
    raw = (alignment or {}).get("homography")
    try:
        matrix = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if matrix.shape != (3, 3) or not np.all(np.isfinite(matrix)):
        return None
    return matrix


def from_transform(transform: dict[str, Any] | None) -> np.ndarray | None:
    """A homography (fractions) from what a match's transform says: the copy is the source's crop
    box, mirrored first, then turned clockwise by quarter turns. None when it says nothing."""
    t = transform or {}
    if not any(k in t for k in ("mirror", "rotation", "crop_box")):
        return None
    # Query fractions -> source fractions: turn back (anticlockwise), un-mirror, into the box.
    rotation = round(float(t.get("rotation") or 0) / 90) % 4
    turn_back = {0: np.eye(3),
                 1: np.array([[0, 1, 0], [-1, 0, 1], [0, 0, 1]], np.float64),
                 2: np.array([[-1, 0, 1], [0, -1, 1], [0, 0, 1]], np.float64),
                 3: np.array([[0, -1, 1], [1, 0, 0], [0, 0, 1]], np.float64)}[rotation]
    mirror = np.array([[-1, 0, 1], [0, 1, 0], [0, 0, 1]], np.float64) if t.get("mirror") \
        else np.eye(3)
    box = t.get("crop_box") or [0.0, 0.0, 1.0, 1.0]
    try:
        x0, y0, x1, y1 = (float(v) for v in box)
    except (TypeError, ValueError):
        x0, y0, x1, y1 = 0.0, 0.0, 1.0, 1.0
    into_box = np.array([[max(x1 - x0, 1e-3), 0, x0], [0, max(y1 - y0, 1e-3), y0], [0, 0, 1]])
    return into_box @ mirror @ turn_back


def estimate(query: np.ndarray, source: np.ndarray) -> np.ndarray | None:
    """Find the homography (fractions) again from local features of the two pictures (RGB or
    gray), trying the query as given and mirrored; None when they do not agree on one."""
    q = _gray(work_image(query, VERIFY_SIDE))
    s = _gray(work_image(source, VERIFY_SIDE))
    source_features = verify_features(s)
    best: Geometry | None = None
    for mirrored in (False, True):
        img = np.ascontiguousarray(q[:, ::-1]) if mirrored else q
        geometry = verify(verify_features(img), source_features,
                          mirrored=mirrored)
        if geometry is not None and (best is None or geometry.inliers > best.inliers):
            best = geometry
    if best is None:
        return None
    return normalise(best.homography, (q.shape[1], q.shape[0]), (s.shape[1], s.shape[0]))


def _gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


# ---------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class Comparison:
    """A query and a corpus original brought into one frame."""

    query: np.ndarray  # RGB, the query as decoded (longest side <= COMPARE_SIDE)
    original: np.ndarray  # RGB, the corpus original (its own frame)
    aligned: np.ndarray  # RGB, the original warped into the query's frame
    mask: np.ndarray  # bool, where the warped original covers the query's frame
    difference: np.ndarray  # RGB heat map in the query's frame (dark grey where no original)
    region: tuple[tuple[float, float], ...]  # matched region on the original, fractions
    homography: np.ndarray  # fractions, query -> source
    method: str  # STORED, FEATURES, TRANSFORM or UNALIGNED
    mean_difference: float  # mean tone-matched difference inside the mask, 0-255
    changed_share: float  # share of the mask above CHANGED_LEVEL
    # Where the original lies in the query, fractions, clipped to the query (a picture found
    # inside a page or a screenshot); empty when unaligned.
    query_region: tuple[tuple[float, float], ...] = ()

    @property
    def method_text(self) -> str:
        return METHOD_TEXT[self.method]

    @property
    def coverage(self) -> float:
        """Share of the query's frame the original covers."""
        return float(self.mask.mean()) if self.mask.size else 0.0


def warp_into_query(source: np.ndarray, fractions: np.ndarray,
                    query_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(the source warped into the query's frame, where it lands)."""
    sh, sw = source.shape[:2]
    pixels = to_pixels(fractions, query_size, (sw, sh))
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP  # pixels maps query -> source
    aligned = cv2.warpPerspective(source, pixels, query_size, flags=flags,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    ones = np.full((sh, sw), 255, np.uint8)
    mask = cv2.warpPerspective(ones, pixels, query_size,
                               flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    if mask.any():
        # One pixel in from the edge, where interpolation mixed in the black border.
        mask = cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return aligned, mask


def difference_map(query: np.ndarray, aligned: np.ndarray,
                   mask: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(RGB heat map, mean difference inside the mask, share of it that differs).

    Both are blurred a little (JPEG blocks and resampling are not edits) and the original's tone
    is matched to the query's inside the mask (a global brightness or colour change is not an
    edit either), then the absolute difference is amplified and coloured (inferno: dark = same,
    yellow = differs)."""
    sigma = max(1.0, max(query.shape[:2]) / 500)
    q = np.asarray(cv2.GaussianBlur(_gray(query).astype(np.float32), (0, 0), sigma), np.float32)
    a = np.asarray(cv2.GaussianBlur(_gray(aligned).astype(np.float32), (0, 0), sigma),
                   np.float32)
    inside = mask if mask.any() else np.ones_like(mask)
    qm, qs = float(q[inside].mean()), float(q[inside].std())
    am, ast = float(a[inside].mean()), float(a[inside].std())
    a = (a - am) * (qs / ast if ast > 1e-3 else 1.0) + qm
    diff = np.abs(q - a)
    mean = float(diff[inside].mean())
    changed = float((diff[inside] > CHANGED_LEVEL).mean())
    amplified = np.clip(diff * DIFFERENCE_GAIN, 0, 255).astype(np.uint8)
    heat = cv2.cvtColor(cv2.applyColorMap(amplified, cv2.COLORMAP_INFERNO), cv2.COLOR_BGR2RGB)
    heat[~mask] = _OUTSIDE
    return np.ascontiguousarray(heat), mean, changed


def compare(query: np.ndarray, source: np.ndarray, *, alignment: dict[str, Any] | None = None,
            transform: dict[str, Any] | None = None, side: int = COMPARE_SIDE) -> Comparison:
    """Bring `source` (the corpus original, RGB) into the frame of `query` (RGB): by the stored
    homography, else features found again, else the transform, else a plain resize."""
    query = _rgb(work_image(query, side))
    source = _rgb(work_image(source, side))
    qh, qw = query.shape[:2]
    fractions = stored_homography(alignment)
    method = STORED if fractions is not None else UNALIGNED
    if fractions is None:
        fractions = estimate(query, source)
        method = FEATURES if fractions is not None else method
    if fractions is None:
        fractions = from_transform(transform)
        method = TRANSFORM if fractions is not None else method
    if fractions is None or not _sane(fractions):
        fractions, method = np.eye(3), UNALIGNED
    aligned, mask = warp_into_query(source, fractions, (qw, qh))
    heat, mean, changed = difference_map(query, aligned, mask)
    region = tuple(region_of(fractions))
    in_query = () if method == UNALIGNED else tuple(region_of(np.linalg.inv(fractions)))
    return Comparison(query, source, aligned, mask, heat, region, fractions, method, mean,
                      changed, in_query)


def _sane(fractions: np.ndarray) -> bool:
    try:
        det = float(np.linalg.det(fractions[:2, :2]))
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.isfinite(fractions))) and 1e-4 < abs(det) < 1e4


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    elif image.shape[2] == 4:
        image = image[:, :, :3]
    return np.ascontiguousarray(image, dtype=np.uint8)


# ---------------------------------------------------------------- decoding the two pictures


def load_picture(path: Path, *, time: float | None = None, side: int = COMPARE_SIDE) -> np.ndarray:
    """Upright RGB of an image, or of a video's frame shown at `time` seconds (the first frame
    when None), longest side at most `side`. Raises UserError naming the file."""
    from verifier.media import intake
    from verifier.models import MediaKind

    path = Path(path)
    if not path.is_file():
        raise UserError(path, "no such file (moved or deleted since it was matched?)")
    kind = intake.sniff(path).kind
    if kind is MediaKind.IMAGE:
        from verifier.matching.search import decode_query_image

        return decode_query_image(path, side)
    # Converted straight to the size needed: a full-size RGB copy of an HD frame only to shrink
    # it cost the interpreter lock for tens of ms in the Matches tab's thumbnail thread.
    frame = video_frame_rgb(path, time or 0.0, side=side)
    if frame is None:
        raise UserError(path, f"no video frame could be decoded at {time or 0.0:.2f} s")
    return work_image(frame, side)


def video_frame_rgb(path: Path, seconds: float, side: int | None = None) -> np.ndarray | None:
    """Upright RGB of the frame shown at `seconds` from the stream's start (as the corpus times
    its frames), or None; with side, its longer side reduced to at most that."""
    from verifier.media.frame_seek import frame_at_time, frame_small_rgb
    from verifier.media.video import frame_rgb

    return frame_at_time(path, seconds,
                         lambda frame: frame_small_rgb(frame, side) if side else frame_rgb(frame))
