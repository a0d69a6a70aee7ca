"""Perceptual hashes as 64-bit integers, so they can be stored in SQLite and compared with XOR."""

from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

PHASH = "phash"
# imagehash's pHash on a re-encoded or resized copy stays within a few bits; unrelated photos sit
# near 32. 10 is the threshold imagededup uses for near-duplicates.
DEFAULT_MAX_DISTANCE = 10


def phash(img: Image.Image) -> int:
    bits = imagehash.phash(img).hash.flatten()
    return bits_to_int(bits)


def phash_array(rgb_or_gray: np.ndarray) -> int:
    return phash(Image.fromarray(rgb_or_gray))


def bits_to_int(bits: np.ndarray) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | int(bool(bit))
    return value


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
