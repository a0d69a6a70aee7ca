"""PCA projection: the picture's colours re-expressed along their principal components.

The first component is roughly brightness; the second and third carry the colour differences
that the eye barely sees, where a retouched or pasted area with slightly different colour
statistics can stand out.
"""

from __future__ import annotations

import cv2
import numpy as np

from verifier.forensics.result import LensMap, LensResult
from verifier.forensics.source import ForensicInput

NAME = "pca"
NOTE = (
    "The PCA lens splits the colours into three independent components (the first is mostly "
    "brightness, the others subtle colour differences) and shows each as a grey picture. An "
    "area whose colour mix differs subtly from its surroundings can stand out in the second "
    "or third component. It makes no decision: coloured light, reflections, noise and JPEG "
    "colour subsampling also show up there."
)


def pca(src: ForensicInput, *, sample: int = 200_000) -> LensResult:
    flat = src.rgb.reshape(-1, 3)
    step = max(1, len(flat) // max(sample, 1000))
    fitted = flat[::step].astype(np.float32)
    mean = fitted.mean(axis=0)
    cov = np.cov((fitted - mean).T)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order].astype(np.float32)
    total = float(values.sum()) or 1.0
    # The display range comes from the sample; the picture is then projected straight to
    # uint8 (a float copy of a 12 Mpx picture would be 150 MB).
    on_sample = (fitted - mean) @ vectors
    low = np.percentile(on_sample, 0.5, axis=0).astype(np.float32)
    high = np.percentile(on_sample, 99.5, axis=0).astype(np.float32)
    gain = 255.0 / np.maximum(high - low, 1e-6)
    # One affine colour transform per pixel, saturated to uint8 by OpenCV:
    # out_i = gain_i * (v_i . p - v_i . mean - low_i).
    matrix = np.zeros((3, 4), dtype=np.float32)
    matrix[:, :3] = vectors.T * gain[:, None]
    matrix[:, 3] = -gain * (vectors.T @ mean + low)
    out = cv2.transform(np.ascontiguousarray(src.rgb), matrix)
    maps = [LensMap(f"pca_{i + 1}", np.ascontiguousarray(out[..., i]),
                    f"Principal component {i + 1} of the colours "
                    f"({values[i] / total:.1%} of the colour variance).") for i in range(3)]
    return LensResult(
        NAME, {"sample": sample}, tuple(maps),
        {f"component_{i + 1}_variance": round(float(values[i] / total), 5) for i in range(3)},
        ("For visual comparison: look for an area standing out in component 2 or 3 that does "
         "not in component 1.",), NOTE, src.size,
        details={"components": [[round(float(v), 5) for v in vectors[:, i]] for i in range(3)],
                 "mean": [round(float(v), 3) for v in mean]},
        source=src.label)
