"""PCA projection: the picture's colours re-expressed along their principal components.

The first component is roughly brightness; the second and third carry the colour differences
that the eye barely sees, where a retouched or pasted area with slightly different colour
statistics can stand out.
"""

from __future__ import annotations

import numpy as np

from verifier.forensics.result import LensMap, LensResult, sample_percentile, stretch
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
    pixels = src.rgb.reshape(-1, 3).astype(np.float32)
    step = max(1, len(pixels) // max(sample, 1000))
    fitted = pixels[::step]
    mean = fitted.mean(axis=0)
    cov = np.cov((fitted - mean).T)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    total = float(values.sum()) or 1.0
    h, w = src.rgb.shape[:2]
    projected = ((pixels - mean) @ vectors.astype(np.float32)).reshape(h, w, 3)
    maps = []
    for i in range(3):
        component = projected[..., i]
        low = sample_percentile(component, 0.5)
        maps.append(LensMap(f"pca_{i + 1}", stretch(np.maximum(component - low, 0),
                                                    percentile=99.5),
                            f"Principal component {i + 1} of the colours "
                            f"({values[i] / total:.1%} of the colour variance)."))
    return LensResult(
        NAME, {"sample": sample}, tuple(maps),
        {f"component_{i + 1}_variance": round(float(values[i] / total), 5) for i in range(3)},
        ("For visual comparison: look for an area standing out in component 2 or 3 that does "
         "not in component 1.",), NOTE, src.size,
        details={"components": [[round(float(v), 5) for v in vectors[:, i]] for i in range(3)],
                 "mean": [round(float(v), 3) for v in mean]},
        source=src.label)
