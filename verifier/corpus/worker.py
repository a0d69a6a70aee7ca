"""What an ingest worker process does with one file: sniff, SHA-256, decode (JPEG draft mode),
hashes and local features of the picture or of the video's timeline, and the capture date from the
metadata. Pure functions of the file: the parent process writes the results to SQLite."""

from __future__ import annotations

import hashlib
import io
import math
import os
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

from verifier.corpus.capture import UNSURE, jpeg_capture_time
from verifier.corpus.schema import DENSE_SAMPLES, MIN_SAMPLE_STEP, bytes_current
from verifier.errors import Cancelled, UserError
from verifier.matching.hashing import Signature, colour_hash, signature, work_image
from verifier.matching.verify import (
    INDEX_FAST_THRESHOLD,
    INDEX_FEATURES,
    INDEX_FEATURES_VIDEO,
    INDEX_SIDE,
    ORB_LEVELS,
    ORB_SCALE,
    PICTURE_INDEX_LEVELS,
    PICTURE_INDEX_SCALE,
    PICTURE_INDEX_SIDE,
    extract_features,
    pack_points,
)
from verifier.media import intake
from verifier.models import MediaKind

# Cut detection on the decode pass: a frame differing from the previous one by more than
# CUT_FACTOR times the recent median difference (and at least CUT_MIN grey levels) starts a shot.
CUT_FACTOR = 4.0
CUT_MIN = 12.0
MIN_SHOT_SECONDS = 0.5
# JPEGs are decoded at the smallest DCT scale whose longest side is still at least this: enough
# for the hashes (WORK_SIDE) and for an image's stored local features, computed at this size.
DECODE_SIDE = PICTURE_INDEX_SIDE
# Images up to this size are read into memory once.
_READ_WHOLE = 64 << 20


@dataclass(frozen=True)
class Task:
    path: str
    size: int
    mtime: float
    sample_seconds: float
    rehash: bool = False  # hash even when the bytes are already in the corpus
    # Read a JPEG's capture time from what the decoder holds (verifier.corpus.capture) and call
    # metadata.extract() (about 25 ms a photo) only for other files or when that is unsure.
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


def warm_up() -> None:
    """Pay the first-file costs once (about 0.05 s of CPU): the HEIF opener, Pillow's plugins
    and EXIF reader, the date readers, OpenCV's ORB and the hashes' first calls, by analysing a
    small JPEG made here. The forkserver runs this before forking workers; what it leaves out,
    every worker's first file pays (13 ms when Pillow's plugins were left out)."""
    import cv2
    import PIL.IptcImagePlugin  # noqa: F401
    from PIL import ExifTags, Image

    from verifier.media import imageio, metadata  # noqa: F401

    cv2.setNumThreads(1)  # before any OpenCV call: no thread pool to lose in the fork
    ramp = np.add.outer(np.arange(300), np.arange(400)) % 251
    rgb = np.dstack([ramp, ramp[::-1], (ramp * 7) % 256]).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # turned: the orientation path too
    exif.get_ifd(ExifTags.IFD.Exif)[0x9003] = "2020:01:02 03:04:05"
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    _analyse_image(Path("warm-up.jpg"), Task("warm-up.jpg", len(data), 0.0, 1.0),
                   FileResult("warm-up.jpg", len(data), 0.0), data)



def _known_current(sha: str) -> bool:
    if _DB is None:
        return False
    try:
        return bytes_current(_DB, sha)
    except sqlite3.Error:
        return False


def _check_cancel() -> None:
    if _CANCEL is not None and _CANCEL.is_set():
        raise Cancelled()


# ---------------------------------------------------------------- one file


def analyse_chunk(tasks: list[Task]) -> list[FileResult]:
    """analyse() of several files in one call to a worker (see ingest._next_chunk)."""
    out = []
    for task in tasks:
        _check_cancel()
        out.append(analyse(task))
    return out


def analyse(task: Task, known: Callable[[str], bool] | None = None,
            cancel: Callable[[], None] | None = None) -> FileResult:
    """Everything the corpus stores about one file; errors become FileResult.error."""
    path = Path(task.path)
    result = FileResult(task.path, task.size, task.mtime)
    try:
        # A file is read once: sniffing, SHA-256, decoder and date reader share the bytes.
        data = read_small(path)
        sniffed = intake.sniff(path) if data is None else intake.sniff_head(path, data)
        result.kind, result.mime = sniffed.kind.value, sniffed.mime
        image = sniffed.kind is MediaKind.IMAGE
        if data is not None:
            result.sha256, result.size = hashlib.sha256(data).hexdigest(), len(data)
        else:
            result.sha256, result.size = sha256_file(path)
        if not task.rehash and (known or _known_current)(result.sha256):
            result.known = True
            return result
        if image:
            _analyse_image(path, task, result, data)
        else:
            _analyse_video(path, task, result, cancel or _check_cancel)
        if task.fast_dates and image and result.capture_time != UNSURE:
            result.capture_date = date_of(result.capture_time)
        else:
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


def read_small(path: Path) -> bytes | None:
    """The whole file when it is at most _READ_WHOLE bytes, else None (hash it as a stream).
    Unbuffered, asked for its size: a read of "at most _READ_WHOLE" bytes allocates all of them
    first (0.15 ms a photo)."""
    try:
        with open(path, "rb", buffering=0) as fh:
            if os.fstat(fh.fileno()).st_size > _READ_WHOLE:
                return None
            data = fh.readall()
    except OSError as exc:
        raise intake.read_error(path, exc) from None
    return data if len(data) <= _READ_WHOLE else None


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 and size (intake.hash_file also computes MD5, which the corpus does not need)."""
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as fh:
            while block := fh.read(4 << 20):
                digest.update(block)
                size += len(block)
    except OSError as exc:
        raise intake.read_error(path, exc) from None
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


@dataclass
class DecodedImage:
    rgb: np.ndarray  # upright RGB, JPEGs at reduced size (draft_scale)
    width: int  # upright size the file declares
    height: int
    capture_time: str | None = UNSURE  # capture.jpeg_capture_time's answer


def draft_scale(width: int, height: int, side: int = DECODE_SIDE) -> int:
    """The largest JPEG DCT scale divisor (8, 4, 2 or 1) that keeps the longest side at least
    `side` pixels."""
    for s in (8, 4, 2):
        if s <= min(width, height) and -(-max(width, height) // s) >= side:
            return s
    return 1


def decode_image(path: Path, data: bytes | None = None) -> DecodedImage:
    """An image decoded for the index: upright RGB, JPEGs decoded in draft mode (libjpeg scales
    the DCT by 1/2, 1/4 or 1/8: entropy decoding is then most of the cost) so that the longest
    side stays at least DECODE_SIDE. `data`: the file's bytes when already read."""
    from PIL import Image

    from verifier.media import imageio  # also registers the HEIF opener

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data) if data is not None else path) as raw:
                width, height = raw.size
                orientation = exif_orientation(raw)
                if orientation in (5, 6, 7, 8):
                    width, height = height, width
                jpeg = raw.format == "JPEG"
                if jpeg:
                    scale = draft_scale(*raw.size)
                    if scale > 1:
                        raw.draft("RGB", (raw.size[0] // scale, raw.size[1] // scale))
                pixels = _as_rgb(raw)
                capture_time = jpeg_capture_time(raw, data) if jpeg and data else UNSURE
                return DecodedImage(upright(pixels, orientation), width, height, capture_time)
    except FileNotFoundError:
        raise UserError(path, "no such file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(path, "image too large to decode safely (decompression bomb?)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # EOFError: pillow-heif
        raise UserError(path, f"not a readable image ({imageio.unreadable_reason(exc)})") \
            from None


def _as_rgb(img: Any) -> np.ndarray:
    """Pillow image (decoded on first access) as RGB, transparency over white."""
    from PIL import Image

    img.load()
    if img.mode not in ("RGB", "L"):
        if "A" in img.getbands() or img.mode == "P":
            rgba = img.convert("RGBA")
            background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img = Image.alpha_composite(background, rgba)
        img = img.convert("RGB")
    elif img.mode == "L":
        img = img.convert("RGB")
    return np.asarray(img)


def upright(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """The array turned as EXIF orientation 1-8 says (what ImageOps.exif_transpose does, without
    its copy of the image and re-encoding of the EXIF block)."""
    turn = _TURNS.get(orientation)
    return np.ascontiguousarray(turn(pixels)) if turn else pixels


_TURNS: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1), 8: lambda a: np.rot90(a)}


def image_size(path: Path) -> tuple[int, int]:
    """Upright (width, height) as the file declares it, without decoding."""
    from PIL import Image

    with Image.open(path) as raw:
        w, h = raw.size
        orientation = exif_orientation(raw)
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def exif_orientation(img: Any) -> int:
    """The EXIF orientation tag of an opened Pillow image, 1 when absent or unreadable."""
    try:
        return int(img.getexif().get(0x0112, 1))
    except Exception:  # a hostile EXIF block: take the picture as stored
        return 1


def features_blob(gray: np.ndarray, keep: int, side: int = INDEX_SIDE,
                  levels: int = ORB_LEVELS,
                  scale: float = ORB_SCALE) -> tuple[int, int, bytes, bytes] | None:
    small = work_image(gray, side)
    feats = extract_features(small, n=keep * 2, keep=keep, fast_threshold=INDEX_FAST_THRESHOLD,
                             levels=levels, scale=scale)
    if len(feats) < keep:  # a low-contrast picture: the usual threshold finds more
        feats = extract_features(small, n=keep * 2, keep=keep, levels=levels, scale=scale)
    if len(feats) < 8:
        return None
    return feats.size[0], feats.size[1], feats.descriptors.tobytes(), pack_points(feats)


def _analyse_image(path: Path, task: Task, result: FileResult, data: bytes | None) -> None:
    import cv2

    decoded = decode_image(path, data)
    rgb = decoded.rgb
    result.width, result.height = decoded.width, decoded.height
    result.capture_time = decoded.capture_time
    if min(rgb.shape[:2]) < 8:
        raise UserError(path, f"too small to compare ({rgb.shape[1]}x{rgb.shape[0]} pixels)")
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # The grey hashes from a grey working copy (PDQ and pHash read luma anyway: one channel to
    # shrink instead of three), the colour hash from the decoded colours.
    sig = signature(work_image(gray), colour=False)
    sig = Signature(sig.pdq, sig.quality, sig.phash, sig.dhash, colour_hash(rgb))
    result.frames.append(FrameData(None, True, sig,
                                   picture_features(gray)))


def picture_features(gray: np.ndarray) -> tuple[int, int, bytes, bytes] | None:
    """The local features the corpus stores for a picture (grey, as decoded)."""
    return features_blob(gray, INDEX_FEATURES, PICTURE_INDEX_SIDE, PICTURE_INDEX_LEVELS,
                         PICTURE_INDEX_SCALE)


# ---------------------------------------------------------------- videos


@dataclass
class VideoFrame:
    time: float
    luma: np.ndarray  # full-resolution Y plane, upright
    frame: Any  # the av.VideoFrame, for colour when wanted
    rotation: int
    declared_duration: float | None = None  # what the stream's header says, when it says

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

    from verifier.media.video import declared_duration

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
        declared = declared_duration(container, stream)
        count = 0
        try:
            for frame in container.decode(stream):
                t = float(frame.time) - start if frame.time is not None else count / rate
                rotation = round((getattr(frame, "rotation", 0) or 0) / 90) % 4 * 90
                luma = _luma(frame)
                if rotation:
                    luma = np.rot90(luma, rotation // 90)
                yield VideoFrame(max(t, 0.0), luma, frame, rotation, declared)
                count += 1
        except av.error.FFmpegError as exc:
            if count == 0:
                raise UserError(path, f"not a readable video ({str(exc)[:200]})") from None
            # A damaged tail: keep what decoded, as players do.


def timeline_step(sample_seconds: float, duration: float | None) -> float:
    """Seconds between a video's samples: `sample_seconds`, closer for a short clip so that it
    gets at least DENSE_SAMPLES of them (never closer than MIN_SAMPLE_STEP)."""
    if not duration or duration <= 0:
        return sample_seconds
    return min(sample_seconds, max(MIN_SAMPLE_STEP, duration / DENSE_SAMPLES))


def video_timeline(path: Path, sample_seconds: float, *, features: bool = True,
                   colour: bool = True, cancel: Callable[[], None] = _check_cancel,
                   keep_images: bool = False) -> tuple[list[FrameData], list[np.ndarray], int,
                                                       int, float]:
    """Hashes of a video's frames every `sample_seconds` (closer in a short clip: timeline_step)
    and of the first frame of every shot (cut detection on the same decode pass). Returns
    (frames, work images when keep_images, width, height, duration)."""
    import cv2

    frames: list[FrameData] = []
    images: list[np.ndarray] = []
    diffs: deque[float] = deque(maxlen=48)
    previous: np.ndarray | None = None
    next_sample = 0.0
    last_cut = -math.inf
    width = height = 0
    last_time = 0.0
    sample_step = sample_seconds
    for n, vf in enumerate(iter_video(path)):
        if n % 16 == 0:
            cancel()
        if n == 0:
            sample_step = timeline_step(sample_seconds, vf.declared_duration)
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
            next_sample = vf.time + sample_step if n else sample_step
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
