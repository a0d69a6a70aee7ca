"""JPEG lens: what the file's compression says about its history.

- the quantization tables, the IJG quality they imply, and a lookup of known tables
  (verifier.forensics.known_tables);
- double compression: a JPEG saved once has smooth histograms of its quantized DCT
  coefficients; one decoded and saved again at a higher quality shows regularly empty bins
  (the first, coarser quantization's comb). Saving again at a lower or equal quality leaves
  almost no trace, so "no indicator" is not proof of a single save;
- the 8x8 block grid: a JPEG cropped (by other than a multiple of 8 pixels) and saved again
  has its old blocking shifted against the new grid;
- JPEG ghosts (Farid 2009): the luminance saved again at a range of qualities; a region that
  was once saved at quality q changes less than the rest when saved at q or above, so it shows
  dark in those ghost maps. Each block's change is measured against its own change at a
  quality below the range, so smooth areas (which change little at every quality) are not
  taken for ghosts. A ghost shows only where the paste's 8x8 grid is matched: `ghost_shifts`
  64 tries every grid offset.
"""

from __future__ import annotations

import cv2
import numpy as np

from verifier.forensics.dct import block_dct, stored_luma
from verifier.forensics.known_tables import lookup
from verifier.forensics.result import (
    LensMap,
    LensResult,
    Region,
    block_mean,
    describe_box,
    outlier_regions,
    stretch,
    to_gray,
)
from verifier.forensics.source import ForensicInput
from verifier.media import jpeg_tables
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

NAME = "jpeg"
GHOST_BLOCK = 16
GHOST_DARK = 0.3  # a block is dark when its relative change is under this share of the median
GHOST_MIN_BLOCKS = 6
# Grid offsets tried per quality (1, 4, 16 or 64): a pasted JPEG shows a ghost only where its
# own 8x8 grid is matched exactly, so 64 finds any paste at 64 times the cost of 1 (which finds
# pastes lined up with the picture's grid).
DEFAULT_GHOST_SHIFTS = 1
DEFAULT_GHOST_QUALITIES = tuple(range(50, 100, 5))
# Low-frequency AC positions: the most populated histograms.
_POSITIONS = ((0, 1), (1, 0), (1, 1), (0, 2), (2, 0), (1, 2), (2, 1), (2, 2), (0, 3), (3, 0),
              (1, 3), (3, 1))
DOUBLE_GAP_THRESHOLD = 0.15  # single saves of real photos measured 0.00-0.05, doubles 0.2-0.8
MIN_EXPECTED_BINS = 30

NOTE = (
    "The quantization tables tell which quality setting (and sometimes which kind of software "
    "or camera) last saved the file; many programs and devices share tables, so a match is a "
    "hint, not an identification, and tables say nothing about what the picture shows. The "
    "double-compression indicator finds a JPEG that was decoded and saved again at a higher "
    "quality (common for edited pictures, but also for every re-upload and messenger copy); "
    "saving again at a lower quality leaves almost no trace, so its absence proves nothing. In "
    "the JPEG ghost maps a region that was once saved at the quality shown turns dark while "
    "the rest stays bright; flat areas (sky, walls) are dark at every quality and mean nothing."
)


def jpeg_lens(src: ForensicInput, *, ghost_qualities: tuple[int, ...] = DEFAULT_GHOST_QUALITIES,
              ghost_shifts: int = DEFAULT_GHOST_SHIFTS, progress: Progress = NULL_PROGRESS,
              cancel: CancelToken = NEVER_CANCELLED) -> LensResult:
    """Tables, quality, known-table matches, double-compression indicators and ghost maps."""
    numbers: dict[str, float | int | str | bool | None] = {}
    findings: list[str] = []
    details: dict[str, object] = {}
    qualities = tuple(sorted({int(min(max(q, 1), 100)) for q in ghost_qualities}))
    params = {"ghost_qualities": list(qualities), "ghost_block": GHOST_BLOCK,
              "ghost_shifts": ghost_shifts}
    file_quality: int | None = None
    if src.is_jpeg and src.data is not None:
        info = jpeg_tables.parse(src.data)
        estimate = jpeg_tables.estimate_quality(info.tables)
        matches = lookup(info.tables)
        details["tables"] = {str(k): list(v) for k, v in sorted(info.tables.items())}
        details["known_tables"] = [
            {"source": m.source, "kind": m.kind, "quality": m.quality, "exact": m.exact,
             "sample": m.sample} for m in matches]
        numbers["tables"] = len(info.tables)
        numbers["subsampling"] = info.subsampling
        numbers["process"] = info.process
        if estimate is not None:
            file_quality = estimate.quality
            numbers["estimated_quality"] = estimate.quality
            numbers["standard_tables"] = estimate.exact
            findings.append(f"Quantization tables imply quality {estimate.describe()}.")
        if matches:
            findings.append("Known tables: " + "; ".join(m.describe() for m in matches[:4])
                            + ".")
        elif info.tables:
            findings.append("The tables match no known table (custom tables: often a camera "
                            "or a program not in the list).")
        luma = stored_luma(src.data)
        if luma is not None and 0 in info.tables:
            double = double_compression(luma, info.tables[0])
            numbers.update(double)
            findings.extend(_double_findings(double))
            grid = grid_offset(luma)
            numbers.update(grid)
            if grid["grid_aligned"] is False:
                findings.append(
                    f"The strongest 8x8 blocking sits at offset ({grid['grid_offset_x']}, "
                    f"{grid['grid_offset_y']}) instead of the file's own grid: the picture "
                    "was probably cropped after an earlier JPEG save.")
    else:
        findings.append("Not a JPEG file (or a video frame): no quantization tables or DCT "
                        "statistics to read; the ghost maps below compare saves of the "
                        "decoded picture only.")
    maps, regions, ghost_numbers, ghost_findings = jpeg_ghost(
        src.rgb, qualities, file_quality=file_quality, shifts=ghost_shifts, progress=progress,
        cancel=cancel)
    numbers.update(ghost_numbers)
    findings.extend(ghost_findings)
    return LensResult(NAME, params, tuple(maps), numbers, tuple(findings), NOTE, src.size,
                      tuple(regions), details, source=src.label)


def double_compression(luma: np.ndarray, table: tuple[int, ...]) -> dict[str, float | int]:
    """Share of histogram bins that are nearly empty where a smooth histogram expects counts.
    High (>= 0.15) for a JPEG saved again at a higher quality than before."""
    q = np.asarray(table, dtype=np.float32).reshape(8, 8)
    coeffs = block_dct(luma)
    gaps = expected = 0
    for u, v in _POSITIONS:
        k = np.abs(np.rint(coeffs[:, u, v] / max(q[u, v], 1.0))).astype(np.int64)
        top = min(40, int(np.percentile(k, 99)))
        if top < 4:
            continue
        hist = np.bincount(k, minlength=top + 1)[1: top + 1].astype(np.float64)
        envelope = _envelope(hist)
        counted = envelope >= 8
        expected += int(counted.sum())
        gaps += int((counted & (hist < 0.25 * envelope)).sum())
    share = gaps / expected if expected else 0.0
    return {"double_compression_gap_share": round(share, 3),
            "double_compression_bins": expected}


def _envelope(hist: np.ndarray) -> np.ndarray:
    """A smooth log-quadratic fit through the upper points of a histogram (gaps ignored)."""
    x = np.arange(1, len(hist) + 1, dtype=np.float64)
    use = np.ones(len(hist), dtype=bool)
    env = hist
    for _ in range(3):
        if use.sum() < 4:
            break
        coef = np.polyfit(x[use], np.log(hist[use] + 1), 2)
        env = np.exp(np.polyval(coef, x)) - 1
        use = hist >= 0.5 * env
    return np.asarray(env)


def _double_findings(d: dict[str, float | int]) -> list[str]:
    share, bins = float(d["double_compression_gap_share"]), int(d["double_compression_bins"])
    if bins < MIN_EXPECTED_BINS:
        return ["Too few DCT coefficients to judge double compression (small or flat "
                "picture, or very low quality)."]
    if share >= DOUBLE_GAP_THRESHOLD:
        return [f"Double compression likely: {share:.0%} of the DCT histogram bins that should "
                "be filled are nearly empty, the pattern of a JPEG decoded and saved again at "
                "a higher quality (an edit, or just a re-save: it does not say which)."]
    return [f"No double-compression comb in the DCT histograms ({share:.0%} empty bins); a "
            "re-save at a lower or equal quality would not show here."]


def grid_offset(luma: np.ndarray) -> dict[str, int | float | bool | None]:
    """Where the 8x8 blocking is strongest, per axis: (7, 7) is the file's own grid."""
    y = luma.astype(np.float32)
    dx = np.abs(np.diff(y, axis=1)).mean(axis=0)
    dy = np.abs(np.diff(y, axis=0)).mean(axis=1)
    out: dict[str, int | float | bool | None] = {}
    strengths = []
    for name, d in (("x", dx), ("y", dy)):
        per = np.array([d[k::8].mean() for k in range(8)])
        best = int(per.argmax())
        strength = float((per.max() - np.median(per)) / max(float(np.median(per)), 1e-6))
        out[f"grid_offset_{name}"] = best
        strengths.append(strength)
    out["grid_strength"] = round(min(strengths), 3)
    # Blocking too weak to place (high quality, or smooth picture): say nothing.
    out["grid_aligned"] = None if min(strengths) < 0.05 else (
        out["grid_offset_x"] == 7 and out["grid_offset_y"] == 7)
    return out


def jpeg_ghost(rgb: np.ndarray, qualities: tuple[int, ...], *, file_quality: int | None = None,
               shifts: int = 1,
               progress: Progress = NULL_PROGRESS, cancel: CancelToken = NEVER_CANCELLED,
               ) -> tuple[list[LensMap], list[Region], dict[str, float | int | str | bool | None],
                          list[str]]:
    """Ghost maps (one per quality, 16x16 blocks: dark = changes little when saved at q) and
    the regions that are dark at one quality while textured surroundings are not."""
    gray = to_gray(rgb)
    step = {1: 8, 4: 4, 16: 2, 64: 1}.get(shifts, 8)
    offsets = [(dy, dx) for dy in range(0, 8, step) for dx in range(0, 8, step)]
    texture = block_mean(np.abs(gray.astype(np.float32) - block_mean_full(gray)), GHOST_BLOCK)
    textured = texture > 2.0
    if not textured.any():
        offsets = offsets[:1]  # nothing can show a ghost: the maps alone
    maps: list[LensMap] = []
    best: tuple[float, int, tuple[int, int], Region] | None = None
    ratios: dict[tuple[int, tuple[int, int]], np.ndarray] = {}
    progress.start(len(qualities) + 1, "JPEG ghost maps")
    # Each block's change at a quality well below the range is its own yardstick: smooth
    # content changes little at every quality (no ghost), while a region once saved at q1
    # changes normally below q1 and little from q1 up.
    ref_q = max(5, min(qualities) - 20)
    references = {off: _ghost_error(gray, ref_q, off) + 1.0 for off in offsets}
    progress.advance()
    for q in qualities:
        cancel.check()
        # Luminance only: its quantization carries the ghost, and a grey JPEG round trip is
        # about three times cheaper than a colour one.
        errors = {off: _ghost_error(gray, q, off) for off in offsets}
        shown = np.minimum.reduce(list(errors.values()))
        maps.append(LensMap(f"ghost_q{q}", stretch(shown, percentile=99.0),
                            f"Luminance saved again at quality {q}: dark blocks changed little "
                            f"(were perhaps saved at about {q} before); flat areas are always "
                            "dark."))
        progress.advance()
        if file_quality is not None and q >= file_quality - 7:
            continue  # near the file's own quality everything recompresses cleanly
        # Each grid offset on its own: a paste shows where the offset matches its grid, against
        # a background that is uniformly off the grid there (or on it, at offset 0).
        for off in offsets:
            with np.errstate(invalid="ignore"):  # inf / inf where the shifted grid is off
                relative = errors[off] / references[off]
            valid = textured & np.isfinite(relative)
            if not valid.any():
                continue
            ratio = relative / max(float(np.median(relative[valid])), 1e-6)
            ratios[(q, off)] = ratio.astype(np.float16)
            low = np.where(valid, 1.0 - np.clip(np.nan_to_num(ratio, nan=1.0), 0, 1), 0.0)
            for r in outlier_regions(low, GHOST_BLOCK, threshold=1.0 - GHOST_DARK,
                                     label=f"ghost at q{q}", min_blocks=GHOST_MIN_BLOCKS,
                                     limit=1, valid=valid):
                if best is None or r.score > best[0]:
                    best = (r.score, q, off, r)
    numbers: dict[str, float | int | str | bool | None] = {"ghost_quality": None}
    findings: list[str] = []
    regions: list[Region] = []
    if best is not None:
        _score, q, off, region = best
        # A region saved at q1 stays dark at every quality from about q1 up: the lowest
        # quality at which it is dark is the best guess of q1.
        box = (slice(region.y // GHOST_BLOCK, (region.y + region.h) // GHOST_BLOCK),
               slice(region.x // GHOST_BLOCK, (region.x + region.w) // GHOST_BLOCK))
        q = min((k for (k, o), ratio in ratios.items()
                 if o == off and float(np.median(ratio[box].astype(np.float32))) < 0.35),
                default=q)
        numbers["ghost_grid_offset"] = f"{off[1]},{off[0]}"
        numbers["ghost_quality"] = q
        regions.append(region)
        findings.append(f"JPEG ghost: the area {describe_box(region, _size(rgb))} recompresses "
                        f"with far less change than textured areas around it from quality {q} "
                        "up: it may have been saved on its own at a lower quality than the rest "
                        "before (pasted from another JPEG?).")
    else:
        findings.append("No JPEG ghost: no textured area recompresses unlike the rest at any "
                        "quality tried.")
    return maps, regions, numbers, findings


def _ghost_error(gray: np.ndarray, quality: int, offset: tuple[int, int]) -> np.ndarray:
    """Mean squared change per 16x16 block when the luminance is saved at `quality` on an 8x8
    grid starting at `offset` (dy, dx); blocks the shifted grid leaves out are infinite. A
    pasted JPEG keeps its own grid, which lines up with the picture's only by chance."""
    dy, dx = offset
    part = np.ascontiguousarray(gray[dy:, dx:])
    diff = cv2.absdiff(part, _recompress_gray(part, quality)).astype(np.float32)
    squared = np.full(gray.shape, np.inf, dtype=np.float32)
    squared[dy:, dx:] = cv2.multiply(diff, diff)
    return block_mean(squared, GHOST_BLOCK)


def _recompress_gray(gray: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    decoded = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE) if ok else None
    if decoded is None:  # pragma: no cover - an 8-bit grey array always encodes
        raise RuntimeError("JPEG encoding failed")
    return decoded


def block_mean_full(gray: np.ndarray) -> np.ndarray:
    """Local 8x8 mean at full size, so |gray - mean| measures texture."""
    return cv2.blur(gray.astype(np.float32), (8, 8))


def _size(rgb: np.ndarray) -> tuple[int, int]:
    return int(rgb.shape[1]), int(rgb.shape[0])
