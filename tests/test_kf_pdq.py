"""Each keyframe carries the PDQ hash the corpus would compute for it, and the case keeps it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import shared_file
from verifier.matching.hashing import work_image
from verifier.matching.pdq import distance, pdq_hash
from verifier.media.keyframes import extract_keyframes

VIDEO = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"


def test_keyframe_pdq_is_the_hash_of_its_own_png(tmp_path: Path) -> None:
    result = extract_keyframes(shared_file(VIDEO), tmp_path)
    assert result.keyframes
    for k in result.keyframes:
        with Image.open(k.path) as img:
            expected, quality = pdq_hash(work_image(np.asarray(img.convert("RGB"))))
        assert k.pdq == expected.hex()
        assert k.pdq_quality == quality
    # Different shots look different: their PDQ hashes are far apart (match threshold 31).
    codes = [bytes.fromhex(k.pdq) for k in result.keyframes]
    assert all(distance(a, b) > 31 for i, a in enumerate(codes) for b in codes[i + 1:])
