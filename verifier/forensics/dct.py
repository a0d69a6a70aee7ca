"""8x8 block DCT of a JPEG's luminance as it was stored (no EXIF turn), for the JPEG lens."""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image


def _dct_matrix() -> np.ndarray:
    k = np.arange(8)
    m = np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16) * np.sqrt(2 / 8)
    m[0] /= np.sqrt(2)
    return m.astype(np.float32)


DCT8 = _dct_matrix()


def stored_luma(data: bytes) -> np.ndarray | None:
    """The decoded Y plane in the file's own orientation (the grid the encoder used)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as img:
                if img.mode == "L":
                    img.load()
                    return np.asarray(img, dtype=np.uint8)
                img.draft("YCbCr", img.size)  # skip the colour conversion: the decoder's Y
                ycc = img.convert("YCbCr")
                return np.asarray(ycc.getchannel(0), dtype=np.uint8)
    except Exception:  # the lens says it could not read the blocks; source.load already
        return None    # refused files that do not decode at all


def block_dct(luma: np.ndarray, max_blocks: int = 200_000) -> np.ndarray:
    """(n, 8, 8) DCT coefficients of the 8x8 blocks on the JPEG grid (a regular sample of at
    most max_blocks blocks for very large pictures)."""
    h, w = (luma.shape[0] // 8) * 8, (luma.shape[1] // 8) * 8
    grid = (luma[:h, :w].astype(np.float32) - 128.0).reshape(h // 8, 8, w // 8, 8)
    blocks = grid.transpose(0, 2, 1, 3).reshape(-1, 8, 8)
    if len(blocks) > max_blocks:
        blocks = blocks[:: int(np.ceil(len(blocks) / max_blocks))]
    return np.einsum("ij,njk,lk->nil", DCT8, blocks, DCT8, optimize=True)
