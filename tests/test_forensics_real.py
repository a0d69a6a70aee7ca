"""Every image lens on real photos of many kinds from ../shared/media: camera JPEGs (with and
without EXIF thumbnails, turned by EXIF orientation), phone photos, HEIC, TIFF, PNG and WebP in
several Pillow modes. No lens may fail, and every result must be renderable and JSON-ready."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import shared_file
from verifier.forensics import IMAGE_LENSES, analyse

REAL = [
    "exif-samples/jpg/gps/DSCN0021.jpg",
    "exif-samples/jpg/orientation/portrait_6.jpg",
    "exif-samples/jpg/Canon_40D_photoshop_import.jpg",
    "exif-samples/jpg/hdr/canon_hdr_YES.jpg",
    "metadata-extractor-images/jpg/Samsung GT-I9000 (Galaxy S).jpg",
    "exif-samples/heic/IMG_5195.HEIC",
    "exif-samples/tiff/Arbitro.tiff",
    "ThreatExchange/pdq/data/misc-images/modes/CMYK.jpg",
    "ThreatExchange/pdq/data/misc-images/modes/P.png",
    "ThreatExchange/pdq/data/misc-images/modes/1.png",
    "ThreatExchange/pdq/data/misc-images/modes/PA.webp",
    "ThreatExchange/pdq/data/misc-images/modes/I.webp",
]


@pytest.mark.shared
@pytest.mark.parametrize("relative", REAL)
def test_every_image_lens_on_a_real_photo(relative: str) -> None:
    path = shared_file(relative)
    results = analyse(path, params={"jpeg": {"ghost_qualities": (70, 90)}})
    assert [r.lens for r in results] == list(IMAGE_LENSES)
    width, height = results[0].image_size
    assert width > 0 and height > 0
    for r in results:
        assert r.findings and r.note, r.lens
        json.dumps(r.as_dict())
        for m in r.maps:
            assert m.image.dtype == np.uint8 and m.image.ndim in (2, 3), (r.lens, m.name)
            if m.overlay:
                h, w = m.image.shape[:2]
                assert h <= height and w <= width, (r.lens, m.name)
                assert abs(w / h - width / height) < 0.25 * width / height, (r.lens, m.name)
