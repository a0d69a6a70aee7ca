"""Safe image decoding: Pillow with a pixel cap; every failure is a UserError naming the file."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps

from verifier.errors import UserError

try:  # HEIC/HEIF (iPhone photos) through libheif; without it they fail with a clear reason
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - pillow-heif is a declared dependency
    pass
else:
    register_heif_opener()

# 200 Mpx: larger than any camera still, smaller than a decompression bomb.
Image.MAX_IMAGE_PIXELS = 200_000_000

_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


def unreadable_reason(exc: BaseException) -> str:
    """Why a decoder gave up, in words a user can act on (Pillow's own messages name a stream
    object or repeat the path the error already names)."""
    reason = str(exc) or type(exc).__name__
    if "truncated" in reason.lower() or isinstance(exc, EOFError):
        return "the file is truncated: the picture ends early"
    if "cannot identify image file" in reason:
        return "unrecognised or damaged picture data"
    return reason[:200]


def decode_image(path: Path, max_side: int | None = None) -> Image.Image:
    """Fully decoded, orientation-corrected RGB image.

    With max_side, JPEGs are decoded at reduced size (draft mode), which is several times faster
    and enough for perceptual hashes and thumbnails.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as raw:
                if max_side and raw.format == "JPEG":
                    raw.draft("RGB", (max_side, max_side))
                raw.load()
                upright = ImageOps.exif_transpose(raw) or raw
                rgb = upright.convert("RGB")
    except FileNotFoundError:
        raise UserError(path, "no such file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(path, "image too large to decode safely (decompression bomb?)") from None
    except _DECODE_ERRORS as exc:
        raise UserError(path, f"not a readable image ({unreadable_reason(exc)})") from None
    if max_side and max(rgb.size) > max_side:
        rgb.thumbnail((max_side, max_side))
    return rgb
