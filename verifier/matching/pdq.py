"""PDQ (Facebook's 256-bit perceptual hash) with its quality score, and the 8 dihedral variants
(rotations and mirrors) computed from one DCT.

pdq_hash runs the reference algorithm in numpy on working images (longest side <= 256, every
picture and video frame of an ingest) and gives pdqhash's bits; larger pictures, and the rare ones
whose bits the reference's float32 rounding could decide, go to pdqhash itself.

Hashes are handled as 32 bytes (big-endian bit order, as the reference prints them in hex), which
is also what FAISS binary indexes take.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pdqhash  # type: ignore[import-untyped]

PDQ = "pdq"
PDQ_BITS = 256
PDQ_BYTES = 32
# Meta's recommended match threshold for PDQ (of 256 bits) and the quality below which a hash says
# little (flat or tiny pictures): there we fall back to pHash and say so.
DEFAULT_PDQ_THRESHOLD = 31
MIN_PDQ_QUALITY = 50

# Up to this side the Jarosz box windows are 1 or 2 pixels, so the blur-and-decimate weights are
# quarters and the 64x64 buffer comes out of integer sums; larger pictures are not hot, pdqhash
# hashes them.
_FAST_MAX_SIDE = 256
_MIN_SIDE = 5  # the reference hashes anything smaller as all zeros, quality 0
# We compute the exact values. The reference's float32 running box sums round at every step and
# drift like random walks along rows and columns, so mostly into the lowest frequencies: at worst
# 0.008 on DCT coefficient (0, 0), 0.005 elsewhere in the first row and column, under 0.003
# beyond, and 0.0025 on a 64x64 pixel (~1500 real and synthetic pictures, smooth gradients the
# worst). The margins are 5x that or more; a decision closer than them (coefficients straddling
# the median, a quality gradient next to an integer step) is left to pdqhash: about one real
# photo in fifteen.
_COEFF_MARGIN = (0.04 / (np.minimum(*np.mgrid[0:16, 0:16]) + 1)).ravel()
_GRADIENT_MARGIN = 0.01  # on ((u - v) * 100) / 255, i.e. 0.0125 on a pixel
# 1000x the reference's luma weights: with box weights in quarters every sum on the way to the
# 64x64 buffer is an integer below 2^24, exact in float32.
_LUMA_PERMILLE = np.array([299, 587, 114], dtype=np.float32)


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


def _pixels(image: np.ndarray) -> np.ndarray:
    """uint8, grayscale (2-D) or RGB (3 channels)."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    elif image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    return np.asarray(image, dtype=np.uint8)


def _rgb(image: np.ndarray) -> np.ndarray:
    image = _pixels(image)
    if image.ndim == 2:
        image = np.dstack([image, image, image])
    return np.ascontiguousarray(image)


def pack(bits: np.ndarray) -> bytes:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()


def _dct_matrix() -> np.ndarray:
    """dct64To16's matrix: rows 1-16 of the 64-point DCT-II, stored as float32 like the
    reference's (its scale factor is a float32 too)."""
    scale = float(np.float32(math.sqrt(2.0 / 64)))
    rows = [[scale * math.cos(math.pi / 2.0 / 64 * (i + 1) * (2 * j + 1)) for j in range(64)]
            for i in range(16)]
    return np.array(rows, dtype=np.float32).astype(np.float64)


_DCT = _dct_matrix()


@lru_cache(maxsize=64)
def _taps(n: int) -> tuple[np.ndarray, np.ndarray]:
    """For a side of n <= 256 pixels: the 64 x t pixels each decimated sample reads (flattened)
    and 4x their weights, as uint16. Two box1DFloat passes (window from
    computeJaroszFilterWindowSize, shrinking at the edges) then decimateFloat's pick."""
    window = (n + 2 * 64 - 1) // (2 * 64)
    half = (window + 2) // 2
    box = np.zeros((n, n))
    for k in range(n):
        lo, hi = max(0, k - window + half), min(n - 1, k + half - 1)
        box[k, lo:hi + 1] = 1 / (hi - lo + 1)
    # Only the 64 rows the decimation reads, each a sum of the few rows its window covers: the
    # dense n x n product would run as a threaded BLAS call whose helper threads then spin.
    picked = np.zeros((64, n))
    for i in range(64):
        row = box[int((i + 0.5) * n / 64)]
        for j in np.flatnonzero(row):
            picked[i] += row[j] * box[j]
    nonzero = picked > 0
    first = nonzero.argmax(axis=1)
    last = n - 1 - nonzero[:, ::-1].argmax(axis=1)
    index = first[:, None] + np.arange(int((last - first).max()) + 1)
    clipped = np.minimum(index, n - 1)  # the narrower edge samples pad with zero weights
    weights = np.where(index <= last[:, None], picked[np.arange(64)[:, None], clipped], 0) * 4
    quarters = np.rint(weights).astype(np.uint16)
    if not np.array_equal(quarters, weights):
        raise ValueError(f"box weights of a {n}-pixel side are not quarters")
    return clipped.ravel(), quarters


def _fast_buffer(image: np.ndarray) -> np.ndarray:
    """The reference's 64x64 blurred, decimated luma, exactly (float64), of a uint8 picture
    whose sides are 5-256 pixels. It is linear, so only the rows the decimation reads are
    blurred, before the channels are mixed."""
    rows, cols = image.shape[:2]
    row_index, row_weights = _taps(rows)
    col_index, col_weights = _taps(cols)
    x = image.take(row_index, axis=0).reshape(64, row_weights.shape[1], cols, -1)
    x = np.einsum("it,itjc->ijc", row_weights, x)  # 4x the row-blurred pixels
    if x.shape[2] == 1:
        luma, scale = x[:, :, 0].astype(np.float32), 16
    else:
        luma, scale = x.astype(np.float32) @ _LUMA_PERMILLE, 16000
    x = luma.take(col_index, axis=1).reshape(64, 64, col_weights.shape[1])
    buffer = x[:, :, 0] * col_weights[:, 0]
    for t in range(1, col_weights.shape[1]):
        buffer += x[:, :, t] * col_weights[:, t]
    return buffer.astype(np.float64) / scale


def _quality(buffer: np.ndarray) -> int | None:
    """computePDQImageDomainQualityMetric (sum of int(|u - v| * 100 / 255) over neighbours, / 90,
    at most 100), or None when the reference's rounding could move it."""
    scaled = buffer * (100 / 255)
    steps = np.empty(2 * 63 * 64)
    np.subtract(scaled[:-1], scaled[1:], out=steps[:63 * 64].reshape(63, 64))
    np.subtract(scaled[:, :-1], scaled[:, 1:], out=steps[63 * 64:].reshape(64, 63))
    np.abs(steps, out=steps)
    low = int(np.floor(steps - _GRADIENT_MARGIN).clip(0).sum())
    high = int(np.floor(steps + _GRADIENT_MARGIN).sum())
    low, high = min(low // 90, 100), min(high // 90, 100)
    return low if low == high else None


def _fast_hash(image: np.ndarray) -> tuple[bytes, int] | None:
    """pdq_hash from the exact values, or None when the reference's rounding could change a
    bit or the quality."""
    buffer = _fast_buffer(image)
    coefficients = (_DCT @ buffer @ _DCT.T).ravel()
    # torben() gives the lower median, the 128th of 256, and a bit says "above it": the bits
    # stand if the 128 lowest stay below the rest whatever the rounding.
    order = np.argpartition(coefficients, 127)
    low, high = order[:128], order[128:]
    if (coefficients[low] + _COEFF_MARGIN[low]).max() >= \
            (coefficients[high] - _COEFF_MARGIN[high]).min():
        return None
    quality = _quality(buffer)
    if quality is None:
        return None
    bits = np.zeros(PDQ_BITS, dtype=bool)
    bits[high] = True
    # Coefficient 16i + j is bit 16i + j of the reference's Hash256; our bytes start at bit 255.
    return np.packbits(bits[::-1]).tobytes(), quality


def pdq_hash(image: np.ndarray) -> tuple[bytes, int]:
    """(32-byte hash, quality 0-100) of an RGB or grayscale uint8 array, bit for bit what
    pdqhash.compute gives (a grayscale array as its 3-channel copy)."""
    image = _pixels(image)
    rows, cols = image.shape[:2]
    if min(rows, cols) < _MIN_SIDE:
        return bytes(PDQ_BYTES), 0
    if max(rows, cols) <= _FAST_MAX_SIDE:
        fast = _fast_hash(image)
        if fast is not None:
            return fast
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
