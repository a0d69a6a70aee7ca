"""Perceptual hashes as 64-bit integers, so they can be stored in SQLite and compared with XOR."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import imagehash
import numpy as np
from PIL import Image

PHASH = "phash"
# imagehash's pHash on a re-encoded or resized copy stays within a few bits; unrelated photos sit
# near 32. 10 is the threshold imagededup uses for near-duplicates.
DEFAULT_MAX_DISTANCE = 10
# imagehash's pHash: a 32-pixel square, the 8x8 lowest frequencies of its DCT-II (SciPy's
# unnormalised one: 2 cos(pi k (2n + 1) / 2N)), each bit set when above their median.
_PHASH_SIDE = 32
_DCT_ROWS = 2 * np.cos(np.pi * np.outer(np.arange(8), 2 * np.arange(_PHASH_SIDE) + 1)
                       / (2 * _PHASH_SIDE))


def phash(img: Image.Image) -> int:
    """imagehash.phash's bits, with its DCT as two small matrix products: imagehash imports
    SciPy's FFT module for it, 0.2 s at every start of an ingest's worker server and of a
    query."""
    pixels = np.asarray(img.convert("L").resize((_PHASH_SIDE, _PHASH_SIDE),
                                                Image.Resampling.LANCZOS), dtype=np.float64)
    low = _DCT_ROWS @ pixels @ _DCT_ROWS.T
    # A flat picture's frequencies are rounding noise here (1e-11) and exact zeros in SciPy.
    low[np.abs(low) < 1e-6] = 0.0
    return bits_to_int(low > np.median(low))


def phash_array(rgb_or_gray: np.ndarray) -> int:
    return phash(Image.fromarray(rgb_or_gray))


def bits_to_int(bits: np.ndarray) -> int:
    packed = np.packbits(np.asarray(bits, dtype=bool).ravel())
    return int.from_bytes(packed.tobytes(), "big") >> ((-len(np.ravel(bits))) % 8)


def to_hex(value: int) -> str:
    return f"{value:016x}"


def from_hex(text: str) -> int:
    return int(text, 16)


def to_signed(value: int) -> int:
    """SQLite integers are signed 64-bit."""
    return value - (1 << 64) if value >= (1 << 63) else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


# ---------------------------------------------------------------- the full signature of a picture

DHASH = "dhash"
CHASH = "colorhash"
# All global hashes are computed from one working copy with this longest side: the same
# normalisation for corpus and query makes the hashes independent of the JPEG draft scale.
WORK_SIDE = 256
HASH_SIDE = 64
# imagehash's colour hash: 14 bins of 3 bits.
_CHASH_BINBITS = 3
# Second-opinion thresholds (of 64 and 42 bits): near-duplicates sit well inside these.
DEFAULT_DHASH_DISTANCE = 12
DEFAULT_CHASH_DISTANCE = 8


@dataclass(frozen=True)
class Signature:
    """Every global hash of one picture or video frame."""

    pdq: bytes
    quality: int
    phash: int
    dhash: int
    chash: int | None  # None when no colour was available

    def distances(self, other: Signature) -> dict[str, int]:
        out = {PHASH: hamming(self.phash, other.phash), DHASH: hamming(self.dhash, other.dhash)}
        if self.pdq and other.pdq:
            out["pdq"] = (int.from_bytes(self.pdq, "big")
                          ^ int.from_bytes(other.pdq, "big")).bit_count()
        if self.chash is not None and other.chash is not None:
            out[CHASH] = hamming(self.chash, other.chash)
        return out


def work_image(image: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    """A copy whose longest side is at most `side` (area interpolation), uint8, contiguous."""
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale < 1:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image, dtype=np.uint8)


def signature(image: np.ndarray, *, colour: bool = True) -> Signature:
    """PDQ (with quality), pHash, dHash and, for RGB input, the colour hash of a working image
    (RGB or grayscale uint8; call work_image first)."""
    from verifier.matching.pdq import pdq_hash

    pdq, quality = pdq_hash(image)
    small = hash_copy(image)
    chash = colour_hash(image) if colour and image.ndim == 3 else None
    return Signature(pdq, quality, phash(small), dhash(small), chash)


def hash_copy(work: np.ndarray) -> Image.Image:
    """The grey HASH_SIDE copy of a working image that pHash and dHash read. imagehash shrinks
    with Lanczos to 32x32 and 9x8 pixels: from 64 pixels that costs a third of what it costs from
    WORK_SIDE, and moves the hashes by a bit or two at most (corpus HASH_VERSION 3)."""
    small = Image.fromarray(_shrink(work, HASH_SIDE))
    return small if small.mode == "L" else small.convert("L")


def colour_hash(rgb: np.ndarray) -> int:
    """imagehash's colour hash (42 bits) of an RGB array, from a 64-pixel copy."""
    return colour_hash_pil(Image.fromarray(_shrink(rgb, 64)))


def colour_hash_pil(small: Image.Image) -> int:
    """The bits of imagehash.colorhash(small, binbits=3), computed with a third of its numpy
    calls: black share, grey share, then 6 hue bins of faint and of bright colours."""
    intensity = np.asarray(small.convert("L")).ravel()
    hue, sat, _ = (np.asarray(band).ravel() for band in small.convert("HSV").split())
    black = intensity < 256 // 8
    grey = ~black & (sat < 256 // 3)
    colours = ~black & ~grey
    faint = colours & (sat < 256 * 2 // 3)
    bright = colours & (sat > 256 * 2 // 3)  # as imagehash: saturation 170 is in neither
    n = intensity.size
    top = 1 << _CHASH_BINBITS
    c = max(1, int(colours.sum()))
    # numpy.histogram over linspace(0, 255, 7): bin floor(h / 42.5), 255 in the last one.
    hue_bin = np.minimum(hue.astype(np.int32) * 2 // 85, 5)
    values = [min(top - 1, int(int(black.sum()) / n * top)),
              min(top - 1, int(int(grey.sum()) / n * top))]
    for mask in (faint, bright):
        counts = np.bincount(hue_bin[mask], minlength=6)
        values += [min(top - 1, int(int(k) * top * 1.0 / c)) for k in counts]
    out = 0
    for v in values:  # imagehash's bits per value (not plain binary: 4 gives 110)
        for i in range(_CHASH_BINBITS):
            out = (out << 1) | (v // (1 << (_CHASH_BINBITS - i - 1)) % (1 << (_CHASH_BINBITS - i))
                                > 0)
    return out


def _shrink(image: np.ndarray, side: int) -> np.ndarray:
    """work_image(image, side), first reduced by a whole factor (OpenCV's fast area path): the
    general area resampling of a large picture to a tiny one costs ten times more."""
    h, w = image.shape[:2]
    k = min(max(h, w) // side, h, w)
    if k >= 2:
        hh, ww = h // k * k, w // k * k
        image = cv2.resize(image[:hh, :ww], (ww // k, hh // k), interpolation=cv2.INTER_AREA)
    return work_image(image, side)


def dhash(img: Image.Image) -> int:
    return bits_to_int(imagehash.dhash(img).hash.flatten())
