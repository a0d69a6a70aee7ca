"""PDQ (Facebook's 256-bit perceptual hash) through the pdqhash package, with its quality score and
the 8 dihedral variants (rotations and mirrors) computed from one DCT.

Hashes are handled as 32 bytes (big-endian bit order, as the reference prints them in hex), which
is also what FAISS binary indexes take.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pdqhash  # type: ignore[import-untyped]

PDQ = "pdq"
PDQ_BITS = 256
PDQ_BYTES = 32
# Meta's recommended match threshold for PDQ (of 256 bits) and the quality below which a hash says
# little (flat or tiny pictures): there we fall back to pHash and say so.
DEFAULT_PDQ_THRESHOLD = 31
MIN_PDQ_QUALITY = 50


@dataclass(frozen=True)
class Orientation:
    """How a copy relates to its source: mirrored left-right first, then rotated clockwise."""

    name: str
    mirror: bool
    rotation: int  # degrees clockwise, 0/90/180/270


# compute_dihedral's order, and for each the relation copy = orientation(source) that holds when
# the query's hash number i matches a source's plain hash (checked against numpy in the tests).
DIHEDRAL: tuple[Orientation, ...] = (
    Orientation("original", False, 0),
    Orientation("rotated 90", False, 90),
    Orientation("rotated 180", False, 180),
    Orientation("rotated 270", False, 270),
    Orientation("mirrored, rotated 180", True, 180),  # upside-down flip
    Orientation("mirrored", True, 0),
    Orientation("mirrored, rotated 270", True, 270),  # transposed
    Orientation("mirrored, rotated 90", True, 90),  # anti-transposed
)
MIRROR_INDEX = 5


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        image = np.dstack([image, image, image])
    elif image.shape[2] == 4:
        image = image[:, :, :3]
    return np.ascontiguousarray(image, dtype=np.uint8)


def pack(bits: np.ndarray) -> bytes:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()


def pdq_hash(image: np.ndarray) -> tuple[bytes, int]:
    """(32-byte hash, quality 0-100) of an RGB or grayscale uint8 array."""
    bits, quality = pdqhash.compute(_rgb(image))
    return pack(bits), int(quality)


def pdq_dihedral(image: np.ndarray) -> tuple[list[bytes], int]:
    """The 8 hashes in DIHEDRAL order and the quality (the same for all 8)."""
    hashes, quality = pdqhash.compute_dihedral(_rgb(image))
    return [pack(h) for h in hashes], int(quality)


def to_hex(code: bytes) -> str:
    return code.hex()


def from_hex(text: str) -> bytes:
    code = bytes.fromhex(text)
    if len(code) != PDQ_BYTES:
        raise ValueError(f"a PDQ hash has {PDQ_BYTES * 2} hex digits, not {len(text)}")
    return code


def distance(a: bytes, b: bytes) -> int:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).bit_count()


def apply_orientation(image: np.ndarray, orientation: Orientation) -> np.ndarray:
    """The copy a source becomes under `orientation` (mirror first, then clockwise rotation)."""
    out = image[:, ::-1] if orientation.mirror else image
    k = orientation.rotation // 90
    return np.ascontiguousarray(np.rot90(out, -k) if k else out)


def undo_orientation(image: np.ndarray, orientation: Orientation) -> np.ndarray:
    """The source orientation of a copy (the inverse of apply_orientation)."""
    k = orientation.rotation // 90
    out = np.rot90(image, k) if k else image
    return np.ascontiguousarray(out[:, ::-1] if orientation.mirror else out)
