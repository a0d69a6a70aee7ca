"""PDQ against the reference implementations' hashes and bit for bit against pdqhash, the
dihedral table, border removal."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pdqhash  # type: ignore[import-untyped]
import pytest
from PIL import Image

from tests.conftest import MEDIA, shared_file
from verifier.matching.hashing import WORK_SIDE, signature, work_image
from verifier.matching.pdq import (
    _COEFF_MARGIN,
    _DCT,
    DIHEDRAL,
    MIN_PDQ_QUALITY,
    _fast_buffer,
    _fast_hash,
    _taps,
    apply_orientation,
    distance,
    from_hex,
    pack,
    pdq_dihedral,
    pdq_hash,
    undo_orientation,
)
from verifier.matching.preprocess import border_box, crop_to

TOLERANCE = 10  # PDQ implementations differ by 6-10 bits (decoders, resampling)


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def _three_channels(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.dstack([image] * 3) if image.ndim == 2 else image)


def _pdqhash(image: np.ndarray) -> tuple[bytes, int]:
    """The oracle: pdqhash.compute (a grayscale picture as its 3-channel copy)."""
    bits, quality = pdqhash.compute(_three_channels(image))
    return pack(bits), int(quality)


def _coefficients(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Our exact 16x16 DCT output and pdqhash's float32 one, both flat in the same order."""
    ours = (_DCT @ _fast_buffer(image) @ _DCT.T).ravel()
    theirs, _quality = pdqhash.compute_float(_three_channels(image))
    return ours, np.asarray(theirs, dtype=np.float64)[::-1]


@pytest.fixture(scope="module")
def working_images() -> list[tuple[str, np.ndarray]]:
    """The RGB and grayscale working images of every real picture under ../shared/media that
    decodes (fuzzed and data-stripped samples do not)."""
    if not MEDIA.exists():
        pytest.skip(f"real media not available: {MEDIA} (../shared is absent)")
    found = []
    for path in sorted(MEDIA.rglob("*")):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff",
                                       ".webp"}:
            continue
        try:
            with Image.open(path) as img:
                rgb, gray = np.asarray(img.convert("RGB")), np.asarray(img.convert("L"))
        except Exception:
            continue
        name = str(path.relative_to(MEDIA))
        found += [(f"{name} (RGB)", work_image(rgb, WORK_SIDE)),
                  (f"{name} (gray)", work_image(gray, WORK_SIDE))]
    return found


def _synthetic(kind: str, rows: int, cols: int) -> np.ndarray:
    y, x = np.mgrid[0:rows, 0:cols]
    rng = np.random.default_rng(rows * 1000 + cols)
    if kind == "black":
        return np.zeros((rows, cols, 3), np.uint8)
    if kind == "white":
        return np.full((rows, cols, 3), 255, np.uint8)
    if kind == "flat colour":
        return np.broadcast_to(np.array([200, 30, 77], np.uint8), (rows, cols, 3)).copy()
    if kind == "horizontal gradient":
        return np.dstack([x * 255 // max(cols - 1, 1)] * 3).astype(np.uint8)
    if kind == "vertical gradient":
        return np.dstack([y * 255 // max(rows - 1, 1)] * 3).astype(np.uint8)
    if kind == "colour gradients":
        return np.dstack([x % 256, (y * 3) % 256, (x + y) * 255 // (rows + cols)]).astype(np.uint8)
    if kind == "checkerboard":
        return np.dstack([((x // 3 + y // 3) % 2) * 255] * 3).astype(np.uint8)
    return rng.integers(0, 256, (rows, cols, 3), dtype=np.uint8)  # noise


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


def test_pdq_hash_is_pdqhash_bit_for_bit_on_every_real_working_image(
        working_images: list[tuple[str, np.ndarray]]) -> None:
    assert len(working_images) >= 100
    photos = decided = 0
    for name, image in working_images:
        expected = _pdqhash(image)
        assert pdq_hash(image) == expected, name
        if expected[1] >= MIN_PDQ_QUALITY:
            photos += 1
            decided += _fast_hash(image) is not None
    # Most real photos never reach pdqhash (else there is no speed-up).
    assert decided >= 0.8 * photos, (decided, photos)


def test_reference_floats_stay_well_inside_the_margins(
        working_images: list[tuple[str, np.ndarray]]) -> None:
    # The reference's float32 rounding against our exact values: half the margin at most, so the
    # margins keep their headroom.
    for name, image in working_images:
        if min(image.shape[:2]) < 5:
            continue
        ours, theirs = _coefficients(image)
        assert np.all(np.abs(ours - theirs) <= _COEFF_MARGIN / 2), name


@pytest.mark.parametrize("size", [(1, 300), (300, 1), (4, 300), (5, 5), (7, 300), (300, 7),
                                  (63, 64), (64, 64), (65, 63), (128, 128), (129, 129),
                                  (200, 256), (255, 256), (256, 256)])
def test_pdq_hash_is_pdqhash_bit_for_bit_on_synthetic_pictures(size: tuple[int, int]) -> None:
    for kind in ("black", "white", "flat colour", "horizontal gradient", "vertical gradient",
                 "colour gradients", "checkerboard", "noise"):
        rgb = _synthetic(kind, *size)
        gray = np.ascontiguousarray(rgb[:, :, 1])
        for image in (rgb, gray):
            assert pdq_hash(image) == _pdqhash(image), (kind, image.shape)
            if min(size) >= 5 and max(size) <= WORK_SIDE and kind in ("colour gradients", "noise"):
                ours, theirs = _coefficients(image)
                assert np.all(np.abs(ours - theirs) <= _COEFF_MARGIN / 2), (kind, image.shape)


def test_grayscale_hashes_as_its_three_channel_copy() -> None:
    rgb = work_image(_rgb(shared_file("ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg")))
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    code = pdq_hash(gray)
    assert _fast_hash(gray) is not None  # the numpy path, not pdqhash
    assert code == pdq_hash(np.dstack([gray] * 3)) == pdq_hash(gray[:, :, None]) == _pdqhash(gray)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert pdq_hash(rgba) == pdq_hash(rgb) == _pdqhash(rgb)


def test_every_working_side_blurs_with_quarter_weights() -> None:
    for n in range(5, WORK_SIDE + 1):
        index, quarters = _taps(n)
        assert index.min() >= 0 and index.max() < n
        assert np.all(quarters.sum(axis=1) == 4), n  # each sample a weighted mean


def test_full_size_pictures_hash_as_pdqhash() -> None:
    folder = shared_file("ThreatExchange/pdq/data/bridge-mods")
    checked = 0
    for path in sorted(folder.glob("*.jpg")):
        image = _rgb(path)
        code, quality = pdq_hash(image)
        expected, expected_quality = _pdqhash(image)
        assert distance(code, expected) <= 2 and abs(quality - expected_quality) <= 1, path.name
        checked += 1
    assert checked >= 10


def test_dihedral_first_hash_is_pdq_hash(working_images: list[tuple[str, np.ndarray]]) -> None:
    full = _rgb(shared_file("ThreatExchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"))
    for name, image in [("full size", full), *working_images]:
        hashes, quality = pdq_dihedral(image)
        assert (hashes[0], quality) == pdq_hash(image), name
