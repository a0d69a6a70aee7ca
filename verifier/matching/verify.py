"""Local features (OpenCV ORB) and geometric verification: a candidate is confirmed when enough
feature matches agree on one homography (RANSAC). The homography says where the copy sits in the
source: the crop box, scale, rotation and mirror, which catches crops, screenshots with UI around
the picture, overlays and small rotations that no global hash survives."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from verifier.matching.index import BinaryIndex

# Features for verification come from a copy with this longest side.
VERIFY_SIDE = 640
VERIFY_FEATURES = 1500
# Features kept per picture in the corpus's local-feature index (the strongest by response).
INDEX_FEATURES = 128
INDEX_FEATURES_VIDEO = 64
INDEX_SIDE = 512
# A picture's stored features come from a copy of this longest side, over three pyramid levels
# a factor 1.6 apart (320, 200 and 125 pixels) instead of ORB's usual eight at 1.2: 0.86 ms a
# photo instead of 1.43, the largest share of an ingest after decoding. The 128 strongest of
# three levels hold more fine detail than those of eight, and crops collect more votes; a
# query's own features span eight levels from VERIFY_SIDE, which reach the scales between
# (corpus version 5).
PICTURE_INDEX_SIDE = 320
PICTURE_INDEX_LEVELS = 3
PICTURE_INDEX_SCALE = 1.6
# A match is confirmed by at least this many RANSAC inliers that also cover a real share of both
# pictures (a shared logo or caption alone must not confirm two different photos).
MIN_INLIERS = 15
MIN_INLIER_SHARE = 0.25
MIN_HULL_SHARE = 0.04
# ... of the part of the query the source lies in, counted as at least this share of the query.
_LEAST_SHOWN = 0.1
_RATIO = 0.8


@dataclass(frozen=True)
class LocalFeatures:
    points: np.ndarray  # (n, 2) float32 pixel coordinates in an image of `size`
    descriptors: np.ndarray  # (n, 32) uint8 ORB descriptors
    size: tuple[int, int]  # (width, height) of the image the points refer to

    def __len__(self) -> int:
        return int(self.points.shape[0])


# FAST corner threshold: 8 finds corners in low-contrast pictures too. The corpus's stored
# features (the strongest 128 by Harris response) first try 20, which scores far fewer
# candidates (a third less time) and keeps about 94 % of the same keypoints.
FAST_THRESHOLD = 8
INDEX_FAST_THRESHOLD = 20


# ORB's scale pyramid: levels and the factor between them.
ORB_LEVELS = 8
ORB_SCALE = 1.2


def _orb(n: int, fast_threshold: int = FAST_THRESHOLD, levels: int = ORB_LEVELS,
         scale: float = ORB_SCALE) -> cv2.ORB:
    return cv2.ORB.create(nfeatures=n, scaleFactor=scale, nlevels=levels, edgeThreshold=15,
                          patchSize=31, fastThreshold=fast_threshold)


def extract_features(gray: np.ndarray, n: int = VERIFY_FEATURES, keep: int | None = None,
                     fast_threshold: int = FAST_THRESHOLD,
                     mask: np.ndarray | None = None, levels: int = ORB_LEVELS,
                     scale: float = ORB_SCALE) -> LocalFeatures:
    """ORB keypoints of a grayscale uint8 image; `keep` retains only the strongest ones; `mask`
    (uint8, the image's size) leaves out where it is 0; `levels` and `scale`: ORB's pyramid."""
    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_RGB2GRAY)
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    h, w = gray.shape
    empty = LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), (w, h))
    if min(h, w) < 32:
        return empty
    keypoints, descriptors = _orb(n, fast_threshold, levels, scale).detectAndCompute(gray, mask)
    if descriptors is None or not keypoints:
        return empty
    points = np.array([k.pt for k in keypoints], dtype=np.float32)
    # Strongest first, so the first n of them are the n best.
    order = np.argsort([-k.response for k in keypoints], kind="stable")[:keep]
    points, descriptors = points[order], descriptors[order]
    return LocalFeatures(points, np.ascontiguousarray(descriptors, dtype=np.uint8), (w, h))


# A low-contrast picture (a green blob, fog, a night shot) has few corners at the usual FAST
# threshold: 15 and 30 in a 20% crop of one and its source, too few to confirm (MIN_INLIERS),
# while at 4 they give 92 inliers and the right crop box.
_FEW_FEATURES = 100
_LOW_CONTRAST_THRESHOLDS = (4, 2)


def verify_features(gray: np.ndarray) -> LocalFeatures:
    """The features geometric verification compares (both sides alike), taken again at a lower
    FAST threshold while a picture yields fewer than _FEW_FEATURES."""
    feats = extract_features(gray, VERIFY_FEATURES)
    for threshold in _LOW_CONTRAST_THRESHOLDS:
        if len(feats) >= _FEW_FEATURES:
            break
        feats = extract_features(gray, VERIFY_FEATURES, fast_threshold=threshold)
    return feats


def pack_points(features: LocalFeatures) -> bytes:
    """Points as uint16 fractions of the image size (4 bytes a point)."""
    w, h = features.size
    scale = np.array([65535 / max(w, 1), 65535 / max(h, 1)], dtype=np.float32)
    return np.clip(features.points * scale, 0, 65535).astype("<u2").tobytes()


def unpack_features(descriptors: bytes, points: bytes, size: tuple[int, int]) -> LocalFeatures:
    desc = np.frombuffer(descriptors, dtype=np.uint8).reshape(-1, 32)
    pts = np.frombuffer(points, dtype="<u2").reshape(-1, 2).astype(np.float32)
    pts *= np.array([size[0] / 65535, size[1] / 65535], dtype=np.float32)
    return LocalFeatures(pts, desc, size)


@dataclass(frozen=True)
class Geometry:
    """Where a query sits in a source, from the RANSAC homography query -> source."""

    inliers: int
    candidates: int  # ratio-test matches RANSAC chose from
    homography: np.ndarray  # 3x3, query pixels -> source pixels (query un-mirrored)
    mirror: bool
    rotation: float  # degrees clockwise the copy is turned relative to the source
    scale: float  # copy pixels per source pixel
    source_box: tuple[float, float, float, float]  # share of the source the copy shows
    query_box: tuple[float, float, float, float]  # share of the query that shows the source

    @property
    def strength(self) -> float:
        """0-1: how sure the geometry is (inlier count and share)."""
        share = self.inliers / max(self.candidates, 1)
        return float(min(1.0, self.inliers / 60) * 0.6 + min(1.0, share / 0.6) * 0.4)

    def as_dict(self) -> dict[str, object]:
        return {
            "mirror": self.mirror,
            "rotation": round(self.rotation, 1),
            "scale": round(self.scale, 3),
            "crop_box": [round(v, 3) for v in self.source_box],
            "query_box": [round(v, 3) for v in self.query_box],
            "inliers": self.inliers,
        }


def _hull_share(points: np.ndarray, size: tuple[int, int]) -> float:
    if len(points) < 3:
        return 0.0
    hull = cv2.convexHull(points.astype(np.float32))
    return float(cv2.contourArea(hull)) / max(size[0] * size[1], 1)


def _box(corners: np.ndarray, size: tuple[int, int]) -> tuple[float, float, float, float]:
    w, h = size
    x0, y0 = np.clip(corners.min(axis=0), 0, [w, h])
    x1, y1 = np.clip(corners.max(axis=0), 0, [w, h])
    return float(x0 / w), float(y0 / h), float(x1 / w), float(y1 / h)


def verify(query: LocalFeatures, source: LocalFeatures, *, mirrored: bool = False,
           min_inliers: int = MIN_INLIERS) -> Geometry | None:
    """Geometry when `query` (features of the query, or of its mirror image when `mirrored`)
    shows part or all of `source`; None when the features do not agree on one."""
    if len(query) < min_inliers or len(source) < min_inliers:
        return None
    # Two nearest source descriptors per query descriptor (FAISS: 7x faster than OpenCV's
    # brute-force matcher here), kept when clearly nearer than the second (Lowe's ratio test).
    index = BinaryIndex(256)
    index.add(source.descriptors)
    distances, rows = index.search(query.descriptors, 2)
    if distances.shape[1] < 2:
        return None
    good = (rows[:, 1] >= 0) & (distances[:, 0] < _RATIO * distances[:, 1])
    if int(good.sum()) < min_inliers:
        return None
    q = query.points[good].astype(np.float32)
    s = source.points[rows[good, 0]].astype(np.float32)
    n_good = int(good.sum())
    diag = math.hypot(*source.size)
    matrix, mask = cv2.findHomography(q, s, cv2.USAC_MAGSAC, max(3.0, diag * 0.006))
    if matrix is None or mask is None:
        return None
    inl = mask.ravel().astype(bool)
    count = int(inl.sum())
    if count < min_inliers or count < MIN_INLIER_SHARE * n_good:
        return None
    sw, sh = source.size
    src_corners = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32).reshape(-1, 1, 2)
    try:
        back = cv2.perspectiveTransform(src_corners, np.linalg.inv(matrix)).reshape(-1, 2)
    except np.linalg.LinAlgError:
        return None
    query_box = _box(back, query.size)
    # The query's share is taken of the part the source lies in: a picture pasted at a third of
    # a page's or a collage's width covers a tenth of it, and its inliers 3-4% of the whole.
    shown = max((query_box[2] - query_box[0]) * (query_box[3] - query_box[1]), _LEAST_SHOWN)
    if (_hull_share(q[inl], query.size) < MIN_HULL_SHARE * shown
            or _hull_share(s[inl], source.size) < MIN_HULL_SHARE):
        return None
    qw, qh = query.size
    corners = np.array([[0, 0], [qw, 0], [qw, qh], [0, qh]], np.float32).reshape(-1, 1, 2)
    projected = cv2.perspectiveTransform(corners, matrix).reshape(-1, 2)
    if not cv2.isContourConvex(projected.astype(np.float32)):
        return None
    similarity, _ = cv2.estimateAffinePartial2D(s[inl], q[inl])  # source -> query
    if similarity is None:
        return None
    a, b = float(similarity[0, 0]), float(similarity[1, 0])
    scale = math.hypot(a, b)
    if not 0.03 < scale < 30:
        return None
    rotation = math.degrees(math.atan2(b, a)) % 360.0
    homography = matrix
    if mirrored:
        # The features were of the mirror image: report boxes and the map for the real query.
        flip = np.array([[-1, 0, qw], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
        homography = matrix @ flip
        x0, y0, x1, y1 = query_box
        query_box = (1 - x1, y0, 1 - x0, y1)
        rotation = (-rotation) % 360.0
    return Geometry(count, n_good, homography, mirrored, rotation, scale,
                    _box(projected, source.size), query_box)


# Content check: blocks of this many pixels (at VERIFY_SIDE) where both pictures have texture
# must mostly correlate once the source is brought into the query's frame. In the matching
# benchmark 745 of the 746 geometries found with a picture source agreed in 0.84 of their blocks
# or more (copies resized, re-encoded, recoloured, blurred, overlaid, cropped, turned), one in
# 0.45 (no query's outcome changed); screenshots of other posts from the same app agreed in
# 0.20-0.44 (tests/test_match_screenshot.py). Video frames are not checked (see search.py).
_BLOCK = 16
_MIN_TEXTURE = 4.0  # grey-level standard deviation of a block worth judging
_BLOCK_AGREES = 0.5  # normalised cross-correlation
MIN_CONTENT_AGREEMENT = 0.65
_MIN_BLOCKS = 8


def content_agreement(query_gray: np.ndarray, source_gray: np.ndarray,
                      homography: np.ndarray) -> float | None:
    """Share of the overlap's textured blocks in which the source, warped into the query's frame
    by `homography` (query pixels -> source pixels), correlates with the query; None when too
    few blocks can be judged. Features alone can agree on what two different pictures share:
    two screenshots of different posts from one app match on the app's header, caption and
    buttons, which span the whole screen; their pictures then disagree block after block."""
    h, w = query_gray.shape
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpPerspective(source_gray, homography, (w, h), flags=flags)
    inside = cv2.warpPerspective(np.full(source_gray.shape, 255, np.uint8), homography, (w, h),
                                 flags=flags)
    rows, cols = h // _BLOCK, w // _BLOCK
    if rows * cols < _MIN_BLOCKS:
        return None

    def blocks(img: np.ndarray) -> np.ndarray:
        cut = img[:rows * _BLOCK, :cols * _BLOCK].astype(np.float32)
        return cut.reshape(rows, _BLOCK, cols, _BLOCK).swapaxes(1, 2).reshape(rows * cols, -1)

    # A light blur first: re-encoding noise and a few pixels of misregistration are not
    # disagreement.
    q = blocks(cv2.GaussianBlur(query_gray, (5, 5), 0))
    s = blocks(cv2.GaussianBlur(warped, (5, 5), 0))
    full = blocks(inside).min(axis=1) == 255
    q = q - q.mean(axis=1, keepdims=True)
    s = s - s.mean(axis=1, keepdims=True)
    q_std, s_std = q.std(axis=1), s.std(axis=1)
    judged = full & (q_std >= _MIN_TEXTURE) & (s_std >= _MIN_TEXTURE)
    if int(judged.sum()) < _MIN_BLOCKS:
        return None
    ncc = (q[judged] * s[judged]).mean(axis=1) / (q_std[judged] * s_std[judged])
    return float((ncc >= _BLOCK_AGREES).mean())
