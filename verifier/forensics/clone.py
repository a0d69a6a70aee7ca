"""Copy-move (clone) detection: parts of the picture that appear twice in it.

Keypoints (SIFT by default, ORB for speed) are found once and matched against themselves; a
match passes when its best other keypoint is clearly closer than the second best (the
generalised 2-nearest-neighbour test) and lies far enough away. Matches are then grouped by
one geometric transform each (RANSAC affine: a copy may be moved, turned, scaled or mirrored),
and a group needs enough agreeing pairs to count. Work happens on a copy at most `max_side`
pixels wide; regions and pairs are given in the picture's own pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from verifier.forensics.result import LensMap, LensResult, Region, describe_box, to_gray
from verifier.forensics.source import ForensicInput
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

NAME = "clone"
NOTE = (
    "Clone detection finds areas that appear twice in the picture, the trace of a copy-move "
    "edit (something hidden under a copy of background, or a crowd or smoke made bigger). "
    "Repeated things that really are alike (windows, tiles, fence posts, printed patterns, "
    "text) are found too: look at each pair before calling it a clone. It cannot find "
    "material copied from another picture, areas painted over or filled by generative tools "
    "without an exact source, nor copies too smooth or too small to hold keypoints."
)


# Working-scale square pixels per matched pair above which a group is a scattered repeated
# pattern: a copied patch of real texture gives a pair every few hundred (measured 200-2000).
MAX_AREA_PER_PAIR = 12_000


@dataclass(frozen=True)
class CloneGroup:
    source: Region
    target: Region
    pairs: tuple[tuple[tuple[float, float], tuple[float, float]], ...]  # (source xy, target xy)
    shift: tuple[float, float]  # mean displacement, source to target (pixels)
    rotation: float  # degrees
    scale: float


def clone(src: ForensicInput, *, detector: str = "sift", max_side: int = 1600,
          ratio: float = 0.6, min_distance: int = 40, min_pairs: int = 8,
          max_features: int = 8000, progress: Progress = NULL_PROGRESS,
          cancel: CancelToken = NEVER_CANCELLED) -> LensResult:
    detector = detector.lower()
    if detector not in ("sift", "orb"):
        detector = "sift"
    params = {"detector": detector, "max_side": max_side, "ratio": ratio,
              "min_distance": min_distance, "min_pairs": min_pairs,
              "max_features": max_features}
    gray = to_gray(src.rgb)
    h, w = gray.shape
    factor = min(1.0, max_side / max(h, w))
    work = cv2.resize(gray, (round(w * factor), round(h * factor)),
                      interpolation=cv2.INTER_AREA) if factor < 1.0 else gray
    progress.start(4, "clone detection: keypoints")
    points, descriptors = _features(work, detector, max_features)
    progress.advance()
    cancel.check()
    progress.message("clone detection: matching")
    pairs = _self_matches(points, descriptors, detector, ratio, min_distance * factor)
    progress.advance()
    cancel.check()
    progress.message("clone detection: grouping")
    groups = _group(pairs, min_pairs, cancel)
    progress.advance()
    inv = 1.0 / factor
    found = [_to_image(g, inv, i + 1) for i, g in enumerate(groups)]
    regions: list[Region] = []
    findings: list[str] = []
    for i, g in enumerate(found, 1):
        regions += [g.source, g.target]
        how = f"shifted by ({g.shift[0]:+.0f}, {g.shift[1]:+.0f}) px"
        if abs(g.rotation) > 2:
            how += f", turned {g.rotation:+.0f}°"
        if abs(g.scale - 1) > 0.05:
            how += f", scaled x{g.scale:.2f}"
        findings.append(f"Possible clone {i}: {len(g.pairs)} matching keypoints; the areas at "
                        f"{describe_box(g.source, src.size)} and "
                        f"{describe_box(g.target, src.size)} are alike ({how}); one may be "
                        "a copy of the other (matches cannot tell which is the original). "
                        "Check it is not a genuinely repeated pattern.")
    if not found:
        findings.append("No copied area found (no group of at least "
                        f"{min_pairs} keypoint pairs agreeing on one transform).")
    maps = _draw(work.shape, groups)
    progress.advance()
    details = {"groups": [
        {"source": g.source.as_dict(), "target": g.target.as_dict(),
         "shift": [round(g.shift[0], 1), round(g.shift[1], 1)],
         "rotation": round(g.rotation, 2), "scale": round(g.scale, 3),
         "pairs": [[[round(a, 1), round(b, 1)], [round(c, 1), round(d, 1)]]
                   for (a, b), (c, d) in g.pairs]}
        for g in found]}
    return LensResult(NAME, params, maps,
                      {"keypoints": len(points), "matches": len(pairs), "groups": len(found),
                       "work_scale": round(factor, 4)},
                      tuple(findings), NOTE, src.size, tuple(regions), details, source=src.label)


def _features(work: np.ndarray, detector: str, max_features: int
              ) -> tuple[np.ndarray, np.ndarray | None]:
    if detector == "orb":
        finder = cv2.ORB_create(  # type: ignore[attr-defined]
            nfeatures=max_features, scaleFactor=1.2, nlevels=8)
    else:
        finder = cv2.SIFT_create(nfeatures=max_features)  # type: ignore[attr-defined]
    keypoints, descriptors = finder.detectAndCompute(work, None)
    points = np.array([k.pt for k in keypoints], dtype=np.float32).reshape(-1, 2)
    return points, descriptors


def _self_matches(points: np.ndarray, descriptors: np.ndarray | None, detector: str,
                  ratio: float, min_distance: float) -> np.ndarray:
    """(n, 4) array of x1, y1, x2, y2: each keypoint with its clearly nearest distant twin."""
    if descriptors is None or len(points) < 5:  # k=4 neighbours need five keypoints
        return np.zeros((0, 4), dtype=np.float32)
    if detector == "orb":
        knn = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(descriptors, descriptors, k=4)
    else:
        # KD-trees: several times faster than brute force on thousands of SIFT descriptors,
        # and near-identical twins (what a copy gives) are found all the same.
        flann = cv2.FlannBasedMatcher({"algorithm": 1, "trees": 4}, {"checks": 64})
        knn = flann.knnMatch(descriptors, descriptors, k=4)
    out = []
    seen: set[tuple[int, int]] = set()
    for row in knn:
        # The first neighbour is the keypoint itself (or a twin at the same place).
        others = [m for m in row if m.trainIdx != m.queryIdx]
        if len(others) < 2:
            continue
        best, second = others[0], others[1]
        if second.distance <= 0 or best.distance >= ratio * second.distance:
            continue
        a, b = points[best.queryIdx], points[best.trainIdx]
        if float(np.hypot(*(a - b))) < min_distance:
            continue
        key = (min(best.queryIdx, best.trainIdx), max(best.queryIdx, best.trainIdx))
        if key in seen:
            continue
        seen.add(key)
        out.append((a[0], a[1], b[0], b[1]))
    return np.array(out, dtype=np.float32).reshape(-1, 4)


def _group(pairs: np.ndarray, min_pairs: int, cancel: CancelToken,
           max_groups: int = 5) -> list[CloneGroup]:
    """Peel off one RANSAC affine group at a time. Each pair is tried in both directions, since
    which end is the copy is unknown; the source is the end with the smaller mean x+y."""
    groups: list[CloneGroup] = []
    remaining = pairs
    while len(remaining) >= min_pairs and len(groups) < max_groups:
        cancel.check()
        both = np.vstack([remaining, remaining[:, [2, 3, 0, 1]]])
        matrix, inliers = cv2.estimateAffine2D(np.ascontiguousarray(both[:, :2]),
                                               np.ascontiguousarray(both[:, 2:]),
                                               method=cv2.RANSAC,
                                               ransacReprojThreshold=3.0, maxIters=4000,
                                               confidence=0.995)
        if matrix is None or inliers is None:
            break
        mask = inliers.ravel().astype(bool)
        n = len(remaining)
        used = mask[:n] | mask[n:]
        chosen = np.where(mask[:n, None], remaining, remaining[:, [2, 3, 0, 1]])[used]
        if len(chosen) < min_pairs or not _spread(chosen):
            break
        group = _make_group(chosen)
        remaining = remaining[~used]
        # Two ends lying mostly on top of each other: self-similar texture, not a copy. A few
        # pairs scattered over a large area: a regularly repeated pattern (frames, windows,
        # lights in a row), not one copied patch.
        target, source = group.target, group.source
        sparse = source.w * source.h / len(group.pairs) > MAX_AREA_PER_PAIR
        if source.overlaps((target.x, target.y, target.w, target.h)) < 0.5 and not sparse:
            groups.append(group)
    return groups


def _spread(chosen: np.ndarray) -> bool:
    """A real copied area covers some ground; a handful of keypoints on one spot does not."""
    span = chosen[:, :2].max(axis=0) - chosen[:, :2].min(axis=0)
    return bool(span.max() >= 8)


def _make_group(chosen: np.ndarray) -> CloneGroup:
    a, b = chosen[:, :2], chosen[:, 2:]
    if a.sum() > b.sum():  # source: the end nearer the top left, for a stable report
        a, b = b, a
        chosen = np.hstack([a, b])
    matrix, _ = cv2.estimateAffinePartial2D(np.ascontiguousarray(a), np.ascontiguousarray(b))
    rotation, scale = 0.0, 1.0
    if matrix is not None:
        scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
        rotation = float(np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0])))
    shift = tuple(float(v) for v in (b - a).mean(axis=0))
    return CloneGroup(_box(a, "source"), _box(b, "target"),
                      tuple(((float(r[0]), float(r[1])), (float(r[2]), float(r[3])))
                            for r in chosen), (shift[0], shift[1]), rotation, scale)


def _box(pts: np.ndarray, label: str, pad: float = 8.0) -> Region:
    x0, y0 = pts.min(axis=0) - pad
    x1, y1 = pts.max(axis=0) + pad
    return Region(int(max(x0, 0)), int(max(y0, 0)), int(x1 - max(x0, 0)),
                  int(y1 - max(y0, 0)), label, float(len(pts)))


def _to_image(g: CloneGroup, inv: float, number: int) -> CloneGroup:
    def scale_region(r: Region, label: str) -> Region:
        return Region(round(r.x * inv), round(r.y * inv), round(r.w * inv), round(r.h * inv),
                      f"{label} {number}", r.score)

    return CloneGroup(scale_region(g.source, "source"), scale_region(g.target, "target"),
                      tuple(((a * inv, b * inv), (c * inv, d * inv))
                            for (a, b), (c, d) in g.pairs),
                      (g.shift[0] * inv, g.shift[1] * inv), g.rotation, g.scale)


_COLOURS = ((255, 64, 64), (64, 200, 255), (255, 200, 0), (160, 255, 96), (255, 96, 255))


def _draw(shape: tuple[int, ...], groups: list[CloneGroup]) -> tuple[LensMap, ...]:
    """Pairs as lines (RGB on black) and a region mask, at the working scale."""
    h, w = shape[:2]
    lines = np.zeros((h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), dtype=np.uint8)
    for i, g in enumerate(groups):
        colour = _COLOURS[i % len(_COLOURS)]
        for (x1, y1), (x2, y2) in g.pairs:
            cv2.line(lines, (round(x1), round(y1)), (round(x2), round(y2)), colour, 1,
                     cv2.LINE_AA)
            cv2.circle(lines, (round(x1), round(y1)), 3, colour, 1, cv2.LINE_AA)
            cv2.circle(lines, (round(x2), round(y2)), 3, (255, 255, 255), 1, cv2.LINE_AA)
        for region, value in ((g.source, 128), (g.target, 255)):
            cv2.rectangle(mask, (region.x, region.y),
                          (region.x + region.w, region.y + region.h), value, -1)
            cv2.rectangle(lines, (region.x, region.y),
                          (region.x + region.w, region.y + region.h), colour, 2)
    return (LensMap("clone_pairs", lines, "Matching keypoint pairs, one colour per copied "
                                          "area (white circle: the copy's end)."),
            LensMap("clone_regions", mask, "Copied areas: grey = source, white = copy."))
