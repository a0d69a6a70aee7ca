"""What an ingest worker process does with one file: sniff, SHA-256, decode (JPEG draft mode),
hashes and local features of the picture or of the video's timeline, and the capture date from the
metadata. Pure functions of the file: the parent process writes the results to SQLite."""

from __future__ import annotations

import math
import re
import signal
import sqlite3
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from verifier.errors import Cancelled, UserError
from verifier.matching.hashing import WORK_SIDE, Signature, colour_hash, signature, work_image
from verifier.matching.verify import (
    INDEX_FEATURES,
    INDEX_FEATURES_VIDEO,
    INDEX_SIDE,
    extract_features,
    pack_points,
)
from verifier.models import MediaKind

# Cut detection on the decode pass: a frame differing from the previous one by more than
# CUT_FACTOR times the recent median difference (and at least CUT_MIN grey levels) starts a shot.
CUT_FACTOR = 4.0
CUT_MIN = 12.0
MIN_SHOT_SECONDS = 0.5


@dataclass(frozen=True)
class Task:
    path: str
    size: int
    mtime: float
    sample_seconds: float
    rehash: bool = False  # hash even when the bytes are already in the corpus
    # Read an image's EXIF DateTimeOriginal with Pillow while decoding, and call
    # metadata.extract() (about 25 ms a photo) only when there is none.
    fast_dates: bool = True


@dataclass
class FrameData:
    time: float | None
    keyframe: bool
    sig: Signature
    features: tuple[int, int, bytes, bytes] | None = None  # width, height, descriptors, points


@dataclass
class FileResult:
    path: str
    size: int
    mtime: float
    sha256: str | None = None
    kind: str | None = None
    mime: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    capture_date: str | None = None  # YYYY-MM-DD
    capture_time: str | None = None  # as the metadata says it
    frames: list[FrameData] = field(default_factory=list)
    known: bool = False  # the bytes are already in the corpus: nothing was decoded
    error: str | None = None


# ---------------------------------------------------------------- process-wide state

_DB: sqlite3.Connection | None = None
_CANCEL: Any = None  # a multiprocessing Event shared with the parent


def init_worker(db_path: str | None, cancel_event: Any) -> None:
    """Pool initializer: the parent handles Ctrl-C; OpenCV stays on one thread per process."""
    global _DB, _CANCEL
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import cv2

    cv2.setNumThreads(1)
    _CANCEL = cancel_event
    _DB = None
    if db_path:
        try:
            _DB = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        except sqlite3.Error:
            _DB = None


def _known_current(sha: str) -> bool:
    if _DB is None:
        return False
    from verifier.corpus.schema import HASH_VERSION

    try:
        row = _DB.execute("SELECT hash_version FROM items WHERE sha256 = ?", (sha,)).fetchone()
    except sqlite3.Error:
        return False
    return bool(row) and int(row[0]) >= HASH_VERSION


def _check_cancel() -> None:
    if _CANCEL is not None and _CANCEL.is_set():
        raise Cancelled()


# ---------------------------------------------------------------- one file


def analyse(task: Task, known: Callable[[str], bool] | None = None,
            cancel: Callable[[], None] | None = None) -> FileResult:
    """Everything the corpus stores about one file; errors become FileResult.error."""
    from verifier.media import intake

    path = Path(task.path)
    result = FileResult(task.path, task.size, task.mtime)
    try:
        sniffed = intake.sniff(path)
        result.kind, result.mime = sniffed.kind.value, sniffed.mime
        result.sha256, result.size = sha256_file(path)
        if not task.rehash and (known or _known_current)(result.sha256):
            result.known = True
            return result
        if sniffed.kind is MediaKind.IMAGE:
            _analyse_image(path, task, result)
        else:
            _analyse_video(path, task, result, cancel or _check_cancel)
        if not task.fast_dates or (not result.capture_date and _may_hold_date(path, result)):
            result.capture_time, result.capture_date = _capture_date(path)
    except UserError as exc:
        result.error = exc.reason
    except Cancelled:
        raise
    except MemoryError:
        result.error = "too large to decode in memory"
    except Exception as exc:  # a decoder's bug must not stop a thousand-file ingest
        result.error = f"could not be analysed ({type(exc).__name__}: {str(exc)[:200]})"
    return result


def _may_hold_date(path: Path, result: FileResult) -> bool:
    """False for a JPEG whose EXIF has no date and that carries no XMP or IPTC block: there
    metadata.extract() (about 25 ms) could find no capture time either."""
    if result.mime != "image/jpeg":
        return True
    try:
        with path.open("rb") as fh:
            head = fh.read(256 * 1024)
    except OSError:
        return True
    if b"http://ns.adobe.com/xap/1.0/" in head or b"Photoshop 3.0" in head:
        return True
    return result.capture_time is not None  # an EXIF date Pillow saw but could not parse


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size (intake.hash_file also computes MD5, which the corpus does not need)."""
    import hashlib

    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
                size += len(block)
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None
    return digest.hexdigest(), size


def _capture_date(path: Path) -> tuple[str | None, str | None]:
    from verifier.media.metadata import extract

    try:
        value = extract(path).value("capture_time")
    except UserError:
        return None, None
    except Exception:  # metadata is a bonus: a parser's bug never loses the item
        return None, None
    return value, date_of(value)


def date_of(value: str | None) -> str | None:
    """YYYY-MM-DD at the start of a metadata timestamp, when it is a plausible date."""
    if not value:
        return None
    m = re.match(r"\s*(\d{4})[-:](\d\d)[-:](\d\d)", value)
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1826 <= year <= 2200 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# ---------------------------------------------------------------- images


def decode_for_index(path: Path, dates: list[str] | None = None) -> np.ndarray:
    """RGB array of an image, upright, decoded at reduced size (JPEG draft mode: the DCT scales
    by 1/2, 1/4 or 1/8 so the result stays at least WORK_SIDE on each side)."""
    from PIL import Image, ImageOps

    from verifier.media import imageio  # noqa: F401  (registers the HEIF opener)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as raw:
                if raw.format == "JPEG":
                    raw.draft("RGB", (WORK_SIDE, WORK_SIDE))
                raw.load()
                if dates is not None:
                    dates.extend(_exif_original(raw))
                upright = ImageOps.exif_transpose(raw) or raw
                if upright.mode not in ("RGB", "L"):
                    if "A" in upright.getbands() or upright.mode == "P":
                        rgba = upright.convert("RGBA")
                        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                        upright = Image.alpha_composite(background, rgba)
                    upright = upright.convert("RGB")
                elif upright.mode == "L":
                    upright = upright.convert("RGB")
                return np.asarray(upright)
    except FileNotFoundError:
        raise UserError(path, "no such file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(path, "image too large to decode safely (decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise UserError(path, f"not a readable image ({str(exc)[:200]})") from None


def _exif_original(img: Any) -> list[str]:
    """EXIF DateTimeOriginal (with OffsetTimeOriginal when present), as written."""
    try:
        ifd0 = img.getexif()
        exif = ifd0.get_ifd(0x8769)
        value = exif.get(0x9003)
        offset = exif.get(0x9011)
        if not value and (exif.get(0x9004) or ifd0.get(0x0132)):
            return ["(other EXIF date)"]  # let metadata.extract() weigh the other dates
    except Exception:
        return []
    if not isinstance(value, str) or not value.strip(" :0\x00"):
        return []
    value = value.strip().strip("\x00")
    return [value + (f" {offset.strip()}" if isinstance(offset, str) and offset.strip() else "")]


def image_size(path: Path) -> tuple[int, int]:
    """Upright (width, height) as the file declares it, without decoding."""
    from PIL import Image

    with Image.open(path) as raw:
        w, h = raw.size
        try:
            orientation = raw.getexif().get(0x0112, 1)
        except Exception:
            orientation = 1
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def features_blob(gray: np.ndarray, keep: int) -> tuple[int, int, bytes, bytes] | None:
    feats = extract_features(work_image(gray, INDEX_SIDE), n=keep * 2, keep=keep)
    if len(feats) < 8:
        return None
    return feats.size[0], feats.size[1], feats.descriptors.tobytes(), pack_points(feats)


def _analyse_image(path: Path, task: Task, result: FileResult) -> None:
    import cv2

    dates: list[str] = []
    rgb = decode_for_index(path, dates)
    if dates:
        result.capture_time, result.capture_date = dates[0], date_of(dates[0])
    try:
        result.width, result.height = image_size(path)
    except Exception:
        result.height, result.width = rgb.shape[:2]
    if min(rgb.shape[:2]) < 8:
        raise UserError(path, f"too small to compare ({rgb.shape[1]}x{rgb.shape[0]} pixels)")
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    result.frames.append(FrameData(None, True, signature(work_image(rgb)),
                                   features_blob(gray, INDEX_FEATURES)))


# ---------------------------------------------------------------- videos


@dataclass
class VideoFrame:
    time: float
    luma: np.ndarray  # full-resolution Y plane, upright
    frame: Any  # the av.VideoFrame, for colour when wanted
    rotation: int

    def rgb_small(self, side: int = 64) -> np.ndarray:
        h, w = self.luma.shape
        scale = side / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        if self.rotation in (90, 270):
            size = size[::-1]
        rgb = self.frame.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray()
        k = self.rotation // 90
        return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb


def _luma(frame: Any) -> np.ndarray:
    if frame.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p",
                             "yuvj444p", "nv12", "nv21", "gray"):
        plane = frame.planes[0]
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
        return rows[: frame.height, : frame.width]
    return np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)


def iter_video(path: Path) -> Iterator[VideoFrame]:
    """Every decoded frame with its time from the stream start, upright luma."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise UserError(path, f"not a readable video ({str(exc)[:200]})") from None
    with container:
        if not container.streams.video:
            raise UserError(path, "has no video stream")
        stream = container.streams.video[0]
        start = 0.0
        if stream.start_time is not None and stream.time_base:
            start = float(stream.start_time * stream.time_base)
        rate = float(stream.average_rate) if stream.average_rate else 25.0
        count = 0
        try:
            for frame in container.decode(stream):
                t = float(frame.time) - start if frame.time is not None else count / rate
                rotation = round((getattr(frame, "rotation", 0) or 0) / 90) % 4 * 90
                luma = _luma(frame)
                if rotation:
                    luma = np.rot90(luma, rotation // 90)
                yield VideoFrame(max(t, 0.0), luma, frame, rotation)
                count += 1
        except av.error.FFmpegError as exc:
            if count == 0:
                raise UserError(path, f"not a readable video ({str(exc)[:200]})") from None
            # A damaged tail: keep what decoded, as players do.


def video_timeline(path: Path, sample_seconds: float, *, features: bool = True,
                   colour: bool = True, cancel: Callable[[], None] = _check_cancel,
                   keep_images: bool = False) -> tuple[list[FrameData], list[np.ndarray], int,
                                                       int, float]:
    """Hashes of a video's frames every `sample_seconds` and of the first frame of every shot
    (cut detection on the same decode pass). Returns (frames, work images when keep_images,
    width, height, duration)."""
    import cv2

    frames: list[FrameData] = []
    images: list[np.ndarray] = []
    diffs: deque[float] = deque(maxlen=48)
    previous: np.ndarray | None = None
    next_sample = 0.0
    last_cut = -math.inf
    width = height = 0
    last_time = 0.0
    for n, vf in enumerate(iter_video(path)):
        if n % 16 == 0:
            cancel()
        height, width = vf.luma.shape
        last_time = vf.time
        step = max(1, min(height, width) // 72)
        tiny = cv2.resize(np.ascontiguousarray(vf.luma[::step, ::step]), (32, 18),
                          interpolation=cv2.INTER_AREA).astype(np.float32)
        cut = False
        if previous is not None:
            diff = float(np.abs(tiny - previous).mean())
            median = float(np.median(diffs)) if diffs else diff
            if (diff > max(CUT_MIN, CUT_FACTOR * median)
                    and vf.time - last_cut >= MIN_SHOT_SECONDS):
                cut = True
                last_cut = vf.time
            diffs.append(diff)
        previous = tiny
        sample = vf.time + 1e-6 >= next_sample
        if not (sample or cut or n == 0):
            continue
        if sample:
            next_sample = vf.time + sample_seconds if n else sample_seconds
        work = work_image(np.ascontiguousarray(vf.luma))
        sig = signature(work, colour=False)
        if colour:
            sig = Signature(sig.pdq, sig.quality, sig.phash, sig.dhash,
                            colour_hash(vf.rgb_small()))
        feats = features_blob(vf.luma, INDEX_FEATURES_VIDEO) if features else None
        frames.append(FrameData(round(vf.time, 3), cut or n == 0, sig, feats))
        if keep_images:
            images.append(work_image(np.ascontiguousarray(vf.luma), INDEX_SIDE))
    if not frames:
        raise UserError(path, "not a readable video (no frame could be decoded)")
    return frames, images, width, height, last_time


def _analyse_video(path: Path, task: Task, result: FileResult,
                   cancel: Callable[[], None]) -> None:
    frames, _images, width, height, duration = video_timeline(path, task.sample_seconds,
                                                              cancel=cancel)
    result.frames = frames
    result.width, result.height, result.duration = width, height, round(duration, 3)
