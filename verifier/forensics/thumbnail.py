"""EXIF thumbnail against the picture: cameras write a small preview when they save the photo;
many editors change the picture and leave that preview as it was.

The preview (turned upright, letterbox bars cut) is compared with the picture scaled to the
preview's size, after both are blurred slightly and brought to the same mean and contrast, so
the camera's own preview processing counts little. The map shows where they differ.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from verifier.forensics.result import LensMap, LensResult, Region, describe_box, stretch
from verifier.forensics.source import ForensicInput

NAME = "thumbnail"
# Genuine camera previews of the sample sets: mean difference 0.00-0.25 (a few old cameras up
# to 1.2 with differently processed previews); changed area 0 on all but those few.
MEAN_MISMATCH = 0.35
LOCAL_LEVEL = 1.2  # normalised grey difference that counts as changed
LOCAL_AREA = 0.005  # share of the preview that must differ to report an area
NOTE = (
    "The EXIF thumbnail is the small preview a camera stores when it takes the photo. If the "
    "picture was changed afterwards by software that left the preview alone, the two differ, "
    "and the difference map shows where: strong evidence that the picture is not as the "
    "camera saved it (though not of what the change means: a crop, a colour correction or an "
    "added object all show). Matching previews prove little: many editors rewrite the preview, "
    "most websites strip it, and some old cameras make previews that differ slightly anyway."
)


def thumbnail(src: ForensicInput) -> LensResult:
    from verifier.media.metadata import _trim_black_bars, exif_thumbnail_image

    params: dict[str, object] = {"mismatch_mean": MEAN_MISMATCH, "local_level": LOCAL_LEVEL,
                                 "local_area": LOCAL_AREA}
    thumb = exif_thumbnail_image(src.path) if src.path is not None else None
    if thumb is None:
        return LensResult(NAME, params, (), {"has_thumbnail": False},
                          ("No EXIF thumbnail to compare (none stored, or a video frame); this "
                           "says nothing either way.",), NOTE, src.size, source=src.label)
    # A 1024 px copy is plenty to compare with a 160 px preview, and far quicker to handle.
    h, w = src.rgb.shape[:2]
    factor = min(1.0, 1024 / max(h, w))
    main = Image.fromarray(src.rgb if factor == 1.0 else cv2.resize(
        src.rgb, (max(1, round(w * factor)), max(1, round(h * factor))),
        interpolation=cv2.INTER_AREA))
    t_img, m_img = _trim_black_bars(thumb), _trim_black_bars(main)
    tw, th = t_img.size
    t_grey = _normalised(np.asarray(t_img.convert("L"), dtype=np.float32))
    m_small = m_img.convert("L").resize((tw, th), Image.Resampling.BOX)
    m_grey = _normalised(np.asarray(m_small, dtype=np.float32))
    diff = np.abs(t_grey - m_grey)
    mean = float(diff.mean())
    changed = diff > LOCAL_LEVEL
    share = float(changed.mean())
    findings: list[str] = []
    regions: list[Region] = []
    # Where the preview covers the picture, in picture pixels (bars were cut from both).
    sx, sy = src.size[0] / tw, src.size[1] / th
    if share >= LOCAL_AREA:
        count, _labels, stats, _ = cv2.connectedComponentsWithStats(
            cv2.dilate(changed.astype(np.uint8), np.ones((3, 3), np.uint8)), connectivity=8)
        for i in sorted(range(1, count), key=lambda k: -stats[k][4])[:3]:
            x, y, w, h, area = (int(v) for v in stats[i])
            if area < LOCAL_AREA * tw * th:
                continue
            regions.append(Region(round(x * sx), round(y * sy), round(w * sx), round(h * sy),
                                  "differs from the EXIF thumbnail", float(area)))
    if mean >= MEAN_MISMATCH:
        findings.append(f"The EXIF thumbnail differs from the picture overall (mean difference "
                        f"{mean:.2f}): the picture was probably changed, cropped or replaced "
                        "after the camera saved it, or the preview was made differently.")
    for r in regions:
        findings.append("The picture differs from its EXIF thumbnail at "
                        f"{describe_box(r, src.size)}: this area was probably changed after "
                        "the preview was made.")
    if not findings:
        findings.append(f"The EXIF thumbnail matches the picture (mean difference {mean:.2f}); "
                        "that does not prove the picture unedited (editors can rewrite it).")
    diff_map = stretch(diff, percentile=100.0, floor=2 * LOCAL_LEVEL)
    up = np.asarray(thumb.convert("RGB"))
    return LensResult(
        NAME, params,
        (LensMap("thumbnail_difference", diff_map, "Where the picture differs from its EXIF "
                                                   "thumbnail (brighter = more)."),
         LensMap("thumbnail", up, "The EXIF thumbnail itself, turned upright.", overlay=False)),
        {"has_thumbnail": True, "thumbnail_width": tw, "thumbnail_height": th,
         "mean_difference": round(mean, 4), "changed_share": round(share, 4),
         "mismatch": bool(mean >= MEAN_MISMATCH or regions)},
        tuple(findings), NOTE, src.size, tuple(regions), source=src.label)


def _normalised(grey: np.ndarray) -> np.ndarray:
    blurred = cv2.GaussianBlur(grey, (0, 0), 1.0)
    return (blurred - float(blurred.mean())) / (float(blurred.std()) + 1e-6)
