"""What a lens looks at: an upright RGB picture, plus the original file bytes when the lens reads
the file itself (JPEG tables, the EXIF thumbnail).

`load(path)` sniffs the content: an image is decoded whole (refused with one clear reason when it
is not an image, truncated, or too large); a video gives the frame at `time` seconds (default
0), decoded with the stream's display rotation. A keyframe PNG from a case is just an image.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from verifier.errors import UserError
from verifier.media.imageio import unreadable_reason  # also registers HEIC/HEIF, the pixel cap
from verifier.models import MediaKind

# 60 Mpx: any camera still fits; beyond it a single ELA or ghost map needs hundreds of MB.
MAX_PIXELS = 60_000_000
MAX_FILE_BYTES = 300 * 1024 * 1024
MIN_SIDE = 32  # smaller pictures hold too few 8x8 blocks for any lens to say anything


def _check_size(label: object, width: int, height: int) -> None:
    if width < MIN_SIDE or height < MIN_SIDE:
        raise UserError(str(label), f"too small for the forensic lenses ({width} x {height} "
                                    f"pixels; at least {MIN_SIDE} x {MIN_SIDE})")


@dataclass(frozen=True)
class ForensicInput:
    rgb: np.ndarray  # (h, w, 3) uint8, upright
    label: str  # the file, or "VIDEO @ 12.480 s"
    path: Path | None = None  # the image file (None for a video frame)
    data: bytes | None = None  # the image file's bytes (None for a video frame)
    mime: str = ""
    time: float | None = None  # for a video frame: its time in seconds

    @property
    def size(self) -> tuple[int, int]:
        return int(self.rgb.shape[1]), int(self.rgb.shape[0])

    @property
    def is_jpeg(self) -> bool:
        return self.data is not None and self.data.startswith(b"\xff\xd8")

    @property
    def is_video_frame(self) -> bool:
        return self.time is not None


def from_array(rgb: np.ndarray, label: str = "image") -> ForensicInput:
    """An in-memory picture (grey or RGB uint8), e.g. from the GUI or a test."""
    arr = np.asarray(rgb)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] < 3 or arr.dtype != np.uint8:
        raise UserError(label, "expected an 8-bit grey or RGB picture")
    _check_size(label, arr.shape[1], arr.shape[0])
    return ForensicInput(np.ascontiguousarray(arr[:, :, :3]), label)


def load(path: Path, time: float | None = None) -> ForensicInput:
    """The picture to analyse from an image file, or a video's frame at `time` seconds."""
    from verifier.media.intake import sniff

    path = Path(path)
    sniffed = sniff(path)
    if sniffed.kind is MediaKind.VIDEO:
        return video_frame(path, time or 0.0)
    if time is not None:
        raise UserError(path, "is an image; --time applies to videos only")
    return load_image(path, sniffed.mime)


def load_image(path: Path, mime: str = "") -> ForensicInput:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None
    if size > MAX_FILE_BYTES:
        raise UserError(path, f"too large for the forensic lenses ({size // 2**20} MiB; at "
                              f"most {MAX_FILE_BYTES // 2**20} MiB)")
    data = path.read_bytes()
    try:
        import io

        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as raw:
                w, h = raw.size
                if w * h > MAX_PIXELS:
                    raise UserError(path, f"too large for the forensic lenses ({w} x {h} "
                                          f"pixels; at most {MAX_PIXELS // 1_000_000} Mpx)")
                _check_size(path, w, h)
                raw.load()
                upright = ImageOps.exif_transpose(raw) or raw
                rgb = np.asarray(upright.convert("RGB"))
    except UserError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(path, "image too large to decode safely (decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # EOFError: pillow-heif
        raise UserError(path, f"not a readable image ({unreadable_reason(exc)})") from None
    return ForensicInput(np.ascontiguousarray(rgb), str(path), path, data, mime)


def video_frame(path: Path, time: float) -> ForensicInput:
    """The first frame at or after `time` seconds (display rotation applied); seeks to the
    keyframe before it, so a late time does not decode the whole video."""
    import av

    from verifier.media.video import _open_error, frame_rgb

    if time < 0:
        raise UserError("--time", "must be 0 or more seconds")
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(path, "has no video stream")
            stream = container.streams.video[0]
            length = container.duration / 1e6 if container.duration else None
            if length is not None and time > length + 0.5:
                raise UserError(path, f"has no frame at {time:.3f} s (the video lasts "
                                      f"{length:.3f} s)")
            base = stream.time_base
            start = float(stream.start_time * base) if stream.start_time is not None and base \
                else 0.0
            if time > 0 and base:
                container.seek(int((time + start) / base), stream=stream, backward=True)
            last = None
            for frame in container.decode(stream):
                last = frame
                t = float(frame.time) - start if frame.time is not None else 0.0
                if t + 1e-3 >= time:
                    break
            else:
                end = (f"{float(last.time) - start:.3f} s" if last is not None
                       and last.time is not None else "its start")
                raise UserError(path, f"has no frame at {time:.3f} s (the video ends at {end})")
            rgb = frame_rgb(frame)
    except UserError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise _open_error(path, exc) from None
    if rgb.shape[0] * rgb.shape[1] > MAX_PIXELS:
        raise UserError(path, "video frame too large for the forensic lenses")
    _check_size(path, rgb.shape[1], rgb.shape[0])
    return ForensicInput(rgb, f"{path} @ {max(t, 0.0):.3f} s", None, None, "", max(t, 0.0))
