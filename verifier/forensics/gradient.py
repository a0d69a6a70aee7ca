"""Luminance gradient: the direction and strength of brightness change at every pixel.

Light falling on a scene from one side gives gradients that turn consistently across
surfaces; an object pasted in from a scene lit otherwise, or retouched with a brush, can
show gradients pointing another way or a smoother texture than its surroundings.
"""

from __future__ import annotations

import cv2
import numpy as np

from verifier.forensics.result import LensMap, LensResult, sample_percentile, stretch, to_gray
from verifier.forensics.source import ForensicInput

NAME = "gradient"
NOTE = (
    "The luminance gradient colours each pixel by the direction in which brightness changes "
    "(red: left-right, green: up-down, grey where nothing changes) and shows its strength "
    "(blue). It helps the eye compare lighting and texture between parts of the picture; it "
    "makes no decision itself. Shadows, reflections, several light sources and curved surfaces "
    "produce gradients that look inconsistent in genuine photos."
)


def gradient(src: ForensicInput, *, blur: float = 1.0, gain: float = 4.0) -> LensResult:
    gray = np.asarray(to_gray(src.rgb), dtype=np.float32)
    if blur > 0:
        gray = np.asarray(cv2.GaussianBlur(gray, (0, 0), float(blur)), dtype=np.float32)
    gx = np.asarray(cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3), dtype=np.float32) / 8.0
    gy = np.asarray(cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3), dtype=np.float32) / 8.0
    magnitude = cv2.magnitude(gx, gy)
    coloured = np.empty((*gray.shape, 3), dtype=np.uint8)
    coloured[..., 0] = np.clip(128 + gx * gain, 0, 255)
    coloured[..., 1] = np.clip(128 + gy * gain, 0, 255)
    coloured[..., 2] = stretch(magnitude, percentile=99.0)
    angle = np.degrees(np.arctan2(float(gy.sum()), float(gx.sum())))
    return LensResult(
        NAME, {"blur": blur, "gain": gain},
        (LensMap("gradient", coloured, "Red: brightness change left-right, green: up-down "
                                       "(mid-grey: none), blue: strength."),
         LensMap("gradient_magnitude", stretch(magnitude, percentile=99.0),
                 "How fast brightness changes (brighter = stronger edge).")),
        {"mean_magnitude": round(float(magnitude.mean()), 3),
         "p99_magnitude": round(sample_percentile(magnitude, 99), 3),
         "overall_direction_degrees": round(float(angle), 1)},
        ("For visual comparison: look for an object whose shading runs another way than its "
         "surroundings.",), NOTE, src.size, source=src.label)
