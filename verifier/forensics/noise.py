"""Noise lenses: what is left when the picture's content is filtered away, and how strong it is
in each area.

Every camera leaves a fairly even grain over the whole picture; a region pasted from another
picture, painted, blurred or generated often carries different noise. Two residuals are
offered: the median-filter residual (picture minus its 3x3 median, good at showing painted or
smoothed patches) and the wavelet residual (the finest diagonal detail band, less sensitive to
edges). The local noise level is the robust (median absolute deviation) estimate of that band
per block, in grey levels.
"""

from __future__ import annotations

import cv2
import numpy as np
import pywt

from verifier.forensics.ela import _expected_by_texture
from verifier.forensics.result import (
    LensMap,
    LensResult,
    describe_box,
    outlier_regions,
    region_is_above,
    robust_z,
    stretch,
    to_gray,
)
from verifier.forensics.source import ForensicInput

NAME = "noise"
# Robust z-score of a block's log noise level against similar texture, and the blocks an area
# needs. Strict on purpose: at 3.5 and 3 blocks, 18 of 30 genuine camera photos got an area
# (bench_forensics.py --accuracy); here 3 do. The maps remain for the eye.
NOISE_Z = 5.5
NOISE_MIN_BLOCKS = 4
NOTE = (
    "The noise maps show the fine grain left when the picture's content is filtered away. An "
    "area with clearly different grain (much smoother or much noisier than similar areas) can "
    "be pasted, painted, blurred or generated; but dark areas, bright or overexposed areas, "
    "out-of-focus backgrounds, sky and strong JPEG compression also change the grain on their "
    "own, and resizing or heavy compression erases it everywhere. It cannot say what changed, "
    "only where the grain is unlike the rest."
)


def noise(src: ForensicInput, *, block: int = 32, median_size: int = 3,
          wavelet: str = "db8", amplify: float = 10.0) -> LensResult:
    """Median and wavelet residual maps, the local noise-level map and unusual regions."""
    block = int(max(8, block))
    median_size = median_size if median_size in (3, 5) else 3
    gray = to_gray(src.rgb)
    residual = cv2.absdiff(gray, cv2.medianBlur(gray, median_size))
    median_map = cv2.convertScaleAbs(residual, alpha=float(amplify))
    # Finest diagonal detail band (content is mostly in the other bands): the wavelet's
    # high-pass filter along both axes, kept at every other pixel. OpenCV's separable filter
    # is many times faster than a full pywt.dwt2 on 12 Mpx and gives the same band.
    high = np.asarray(pywt.Wavelet(wavelet).dec_hi, dtype=np.float32)[::-1].copy()
    hh_full = cv2.sepFilter2D(gray, cv2.CV_32F, high, high, borderType=cv2.BORDER_REFLECT)
    hh_abs = np.abs(hh_full[1::2, 1::2])
    wave_map = cv2.resize(stretch(hh_abs, percentile=99.0), (gray.shape[1], gray.shape[0]),
                          interpolation=cv2.INTER_NEAREST)
    cell = max(4, block // 2)
    level = _noise_level(hh_abs, cell)
    # Texture from the smoothed picture, so added grain does not count as texture.
    smooth = cv2.GaussianBlur(gray, (0, 0), 2.0)
    grad = cv2.magnitude(cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    edges = cv2.resize(grad, (level.shape[1], level.shape[0]), interpolation=cv2.INTER_AREA)
    # Saturated or black blocks have no grain to measure.
    small = cv2.resize(gray, (level.shape[1], level.shape[0]), interpolation=cv2.INTER_AREA)
    valid = (small > 16) & (small < 240)
    # Texture leaks into the finest band: compare each block with blocks of similar texture.
    log_level = np.log(level + 0.05)
    z = robust_z(log_level - _expected_by_texture(log_level, edges), valid)
    regions = outlier_regions(np.abs(z), block, threshold=NOISE_Z, label="unusual noise level",
                              min_blocks=NOISE_MIN_BLOCKS, valid=valid)
    findings = []
    for r in regions:
        kind = "noisier" if region_is_above(z, r, block) else "smoother"
        findings.append(f"Grain {kind} than the rest of the picture at {describe_box(r, src.size)}"
                        " (check whether it is simply darker, brighter, out of focus or flat).")
    if not regions:
        findings.append("The noise level is even across the picture: no area stands out.")
    global_sigma = float(np.median(level[valid])) if valid.any() else float(np.median(level))
    level_map = stretch(level, percentile=99.0)
    return LensResult(
        NAME, {"block": block, "median_size": median_size, "wavelet": wavelet,
               "amplify": amplify},
        (LensMap("noise_median", median_map, f"Picture minus its {median_size}x{median_size} "
                                             f"median, x{amplify:g}: the fine grain."),
         LensMap("noise_wavelet", wave_map, "Finest diagonal wavelet detail: the grain, with "
                                            "little of the picture's content."),
         LensMap("noise_level", level_map, f"Local noise level per {block}x{block} block "
                                           "(brighter = noisier).")),
        {"noise_sigma": round(global_sigma, 3),
         "noise_sigma_p5": round(float(np.percentile(level, 5)), 3),
         "noise_sigma_p95": round(float(np.percentile(level, 95)), 3),
         "unusual_regions": len(regions)},
        tuple(findings), NOTE, src.size, tuple(regions), source=src.label)


def _noise_level(hh_abs: np.ndarray, cell: int) -> np.ndarray:
    """sigma = median(|HH|) / 0.6745 per cell of the half-size band (Donoho's estimator)."""
    h, w = hh_abs.shape
    cell = max(1, min(cell, h, w))
    bh, bw = max(1, h // cell), max(1, w // cell)
    tiles = hh_abs[: bh * cell, : bw * cell].reshape(bh, cell, bw, cell).transpose(0, 2, 1, 3)
    return np.median(tiles.reshape(bh, bw, -1), axis=2).astype(np.float32) / 0.6745
