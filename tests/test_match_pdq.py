"""PDQ against the reference implementations' hashes, the dihedral table, border removal."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import shared_file
from verifier.matching.hashing import WORK_SIDE, signature, work_image
from verifier.matching.pdq import (
    DIHEDRAL,
    apply_orientation,
    distance,
    from_hex,
    pdq_dihedral,
    pdq_hash,
    undo_orientation,
)
from verifier.matching.preprocess import border_box, crop_to

TOLERANCE = 10  # PDQ implementations differ by 6-10 bits (decoders, resampling)


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_pdq_matches_the_reference_hashes_within_tolerance() -> None:
    table = shared_file("ThreatExchange/PDQ_EXPECTED_HASHES.csv")
    root = table.parent
    checked = 0
    with table.open(newline="") as fh:
        for row in csv.DictReader(fh):
            name = row["file"]
            if "#" in name or "unletterbox" in row["implementation"] or \
                    "--photo-preprocess" in row["implementation"]:
                continue  # hashes of preprocessed pictures, not of the file
            path = root / name
            if not path.exists():
                continue
            code, quality = pdq_hash(_rgb(path))
            if quality < 80:
                continue
            expected = from_hex(row["pdq_hex"])
            assert distance(code, expected) <= TOLERANCE, (name, row["implementation"])
            if row["quality"]:
                assert abs(quality - int(row["quality"])) <= 10
            checked += 1
    assert checked >= 30


def test_dihedral_table_says_how_the_copy_relates_to_the_source() -> None:
    source = _rgb(shared_file("ThreatExchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"))
    plain, _ = pdq_hash(source)
    for i, orientation in enumerate(DIHEDRAL):
        copy = apply_orientation(source, orientation)
        hashes, _quality = pdq_dihedral(copy)
        assert distance(hashes[i], plain) <= TOLERANCE, orientation.name
        others = [distance(h, plain) for j, h in enumerate(hashes) if j != i]
        assert min(others) > 60, orientation.name
        assert np.array_equal(undo_orientation(copy, orientation), source)


def test_reference_rotated_files_match_through_their_variant() -> None:
    original = _rgb(shared_file("ThreatExchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"))
    plain, _ = pdq_hash(original)
    rotated = _rgb(shared_file("ThreatExchange/pdq/data/reg-test-input/dih/bridge-2-rotate-90.jpg"))
    hashes, _ = pdq_dihedral(rotated)
    best = min(range(8), key=lambda i: distance(hashes[i], plain))
    assert DIHEDRAL[best].rotation in (90, 270) and not DIHEDRAL[best].mirror
    assert distance(hashes[best], plain) <= TOLERANCE


def test_letterbox_bars_are_cut_before_hashing() -> None:
    letterboxed = _rgb(shared_file("ThreatExchange/python-threatexchange/threatexchange/tests/"
                                   "hashing/resources/letterboxed_sample-b.jpg"))
    clean = _rgb(shared_file("ThreatExchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"))
    small = work_image(letterboxed, WORK_SIDE)
    box = border_box(small.mean(axis=2).astype(np.uint8))
    assert box is not None
    inner = crop_to(small, box)
    target, _ = pdq_hash(work_image(clean, WORK_SIDE))
    assert distance(pdq_hash(inner)[0], target) <= 31
    assert distance(pdq_hash(small)[0], target) > 31  # why the bars must go


@pytest.mark.parametrize("side", [WORK_SIDE])
def test_signature_has_every_hash(side: int) -> None:
    img = work_image(_rgb(shared_file("ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg")), side)
    sig = signature(img)
    assert len(sig.pdq) == 32 and sig.quality >= 80
    assert sig.chash is not None and 0 <= sig.chash < (1 << 42)
    same = signature(img.copy())
    assert sig.distances(same) == {"phash": 0, "dhash": 0, "pdq": 0, "colorhash": 0}
