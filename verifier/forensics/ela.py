"""Error level analysis: save the picture again as JPEG at a known quality and show how much
each pixel changes.

Parts of a JPEG that went through the same compression as the rest change by about the same
amount as similar texture elsewhere; a region pasted from another picture, retouched or
re-rendered can change more or less. The block statistics compare each 16x16 block's error with
what blocks of the same texture show across the picture, so bright edges alone are not flagged.
"""

from __future__ import annotations

import cv2
import numpy as np

from verifier.forensics.result import (
    LensMap,
    LensResult,
    block_mean,
    describe_box,
    outlier_regions,
    region_is_above,
    robust_z,
    sample_percentile,
    to_gray,
)
from verifier.forensics.source import ForensicInput

NAME = "ela"
BLOCK = 16
NOTE = (
    "Error level analysis shows how much each part of the picture changes when it is saved "
    "again as JPEG. Edges, fine texture and bright colours always change more than flat areas, "
    "so a bright outline or a bright textured area is normal and is NOT a sign of editing; "
    "misreading this is a known cause of false 'photoshopped' claims. What can point to an edit "
    "is a region whose error level differs from areas of similar texture and colour elsewhere "
    "in the same picture. ELA cannot tell what was done or when, says little about pictures "
    "saved many times or at low quality (everything looks alike), and nothing about PNG "
    "screenshots or re-rendered pictures beyond that they carry no single JPEG history."
)


def recompress(rgb: np.ndarray, quality: int) -> np.ndarray:
    """The picture saved as a baseline 4:2:0 JPEG at `quality` (IJG tables) and decoded."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes an 8-bit 3-channel array
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    assert decoded is not None  # we just encoded it
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def ela(src: ForensicInput, *, quality: int = 90, scale: float = 15.0) -> LensResult:
    """ELA map (RGB, full size: |picture - resaved| x scale) and the unusual regions."""
    quality = int(min(max(quality, 1), 100))
    rgb = src.rgb
    diff = cv2.absdiff(rgb, recompress(rgb, quality))
    shown = cv2.convertScaleAbs(diff, alpha=float(scale))
    # Per-pixel error level: the channels' errors weighted as luminance (one OpenCV call;
    # a maximum over the channel axis costs 10-30x more on 12 Mpx).
    error = cv2.cvtColor(diff, cv2.COLOR_RGB2GRAY)
    block_err = block_mean(error, BLOCK)
    gray = to_gray(rgb)
    texture = block_mean(_texture(gray), BLOCK)
    # Clipped highlights and blacks cannot change on a resave: their error level is no clue.
    clipped = block_mean(((gray >= 250) | (gray <= 5)).astype(np.float32), BLOCK) > 0.2
    # Error grows with texture: compare each block with blocks of similar texture.
    expected = _expected_by_texture(block_err, texture)
    textured = (texture > 1.0) & ~clipped  # flat or clipped blocks say nothing either way
    residual = block_err - expected
    z = robust_z(residual, textured)
    regions = outlier_regions(np.abs(z), BLOCK, threshold=4.0, label="unusual error level",
                              min_blocks=6, valid=textured)
    size = src.size
    findings = []
    for r in regions:
        direction = "higher" if region_is_above(z, r, BLOCK) else "lower"
        findings.append(f"Error level {direction} than similar texture elsewhere at "
                        f"{describe_box(r, size)}: worth a look, no more (genuine photos "
                        "show such areas too: highlights, HDR, in-camera processing); check it "
                        "with the noise and JPEG ghost lenses.")
    mean_err = float(error.mean())
    if mean_err < 0.6:
        findings.append(f"Very low error level everywhere (mean {mean_err:.2f}): the picture "
                        f"was probably last saved at quality {quality} or lower, so ELA at this "
                        "quality shows little; try a higher ELA quality.")
    if not regions:
        findings.append("No region stands out from areas of similar texture.")
    block_map = np.clip(np.abs(z) * 32, 0, 255).astype(np.uint8)
    return LensResult(
        NAME, {"quality": quality, "scale": scale, "block": BLOCK},
        (LensMap("ela", shown, f"Change after resaving at quality {quality}, x{scale:g}: "
                               "brighter changed more."),
         LensMap("ela_unusual", block_map, "Per 16x16 block: how unlike similar texture its "
                                           "error level is (brighter = more unusual).")),
        {"mean_error": round(mean_err, 3), "p99_error": sample_percentile(error, 99),
         "max_error": int(error.max()), "unusual_regions": len(regions)},
        tuple(findings), NOTE, size, tuple(regions), source=src.label)


def _texture(gray: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(gray, cv2.CV_16S, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_16S, 0, 1, ksize=3)
    return cv2.addWeighted(cv2.convertScaleAbs(gx), 0.5, cv2.convertScaleAbs(gy), 0.5, 0)


def _expected_by_texture(block_err: np.ndarray, texture: np.ndarray, bins: int = 24) -> np.ndarray:
    """Median error of the blocks in the same texture decile-bin as each block."""
    edges = np.unique(np.percentile(texture, np.linspace(0, 100, bins + 1)))
    idx = np.clip(np.searchsorted(edges, texture, side="right") - 1, 0, max(len(edges) - 2, 0))
    medians = np.zeros(max(len(edges) - 1, 1), dtype=np.float32)
    for i in range(len(medians)):
        sel = block_err[idx == i]
        medians[i] = float(np.median(sel)) if sel.size else 0.0
    return medians[idx]
