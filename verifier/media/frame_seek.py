"""Frame-accurate access to a video for stepping and playback (the window's frame player).

The packets are read once (no decoding) to list every frame's presentation time, so frame n is
the n-th picture in display order even in variable-frame-rate files. Going to a frame seeks to
the key frame before it and decodes forward; asking for the next frame just decodes on.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import av
import cv2
import numpy as np

from verifier.errors import UserError
from verifier.media.video import _open_error, frame_rgb

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class FrameTimes:
    """Every frame's presentation time in display order (seconds from the first frame)."""

    times: tuple[float, ...]
    fps: float  # nominal, for the frame duration shown to the user

    @property
    def count(self) -> int:
        return len(self.times)

    @property
    def duration(self) -> float:
        return self.times[-1] + 1 / self.fps if self.times else 0.0

    def index_at(self, seconds: float) -> int:
        """The frame on screen at that time (the last one starting at or before it)."""
        if not self.times:
            return 0
        n = bisect.bisect_right(self.times, seconds + 1e-6) - 1
        return min(max(n, 0), len(self.times) - 1)


    def nearest(self, seconds: float) -> int:
        """The frame whose time is nearest (for times stored rounded, as keyframes' are)."""
        n = self.index_at(seconds)
        if n + 1 < len(self.times) and \
                abs(self.times[n + 1] - seconds) < abs(self.times[n] - seconds):
            return n + 1
        return n


@dataclass(frozen=True)
class SeekFrame:
    index: int
    time: float
    rgb: np.ndarray  # upright (display rotation applied)


def frame_small_rgb(frame: av.VideoFrame, max_side: int) -> np.ndarray:
    """RGB of a decoded frame, its longer side reduced to max_side, rotation applied; scaling
    in FFmpeg's converter costs less than converting the full picture first."""
    w, h = frame.width, frame.height
    if max(w, h) > max_side:
        scale = max_side / max(w, h)
        w, h = max(2, round(w * scale)), max(2, round(h * scale))
        img = frame.reformat(width=w, height=h, format="rgb24",
                             interpolation="AREA").to_ndarray()
    else:
        img = frame.to_ndarray(format="rgb24")
    k = round((frame.rotation or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(img, k)) if k else img


def frame_at_time(path: Path, seconds: float, convert: Callable[[av.VideoFrame], T]) -> T | None:
    """`convert` applied to the frame shown at `seconds` from the stream's start (as the corpus
    times its frames): a seek to the key frame before it, then decoding forward. None when the
    file has no video or no frame could be decoded there (logged, not raised: callers show a
    placeholder or skip the frame)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            base = stream.time_base
            start = float(stream.start_time * base) if stream.start_time is not None and base \
                else 0.0
            if base:
                target = int((seconds + start) / float(base))
                container.seek(max(0, target), stream=stream, backward=True, any_frame=False)
            chosen = None
            for frame in container.decode(stream):
                t = float(frame.time) - start if frame.time is not None else 0.0
                chosen = frame
                if t + 1e-3 >= seconds:
                    break
            return None if chosen is None else convert(chosen)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        log.info("no frame of %s at %.3f s: %s", path, seconds, exc)
        return None


class FrameSeeker:
    """One open video; not thread-safe (the player keeps it in its decoding thread)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, ValueError, OSError) as exc:
            raise _open_error(self.path, exc) from None
        if not self._container.streams.video:
            self._container.close()
            raise UserError(self.path, "has no video stream")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._base = float(self._stream.time_base or 0) or 1 / 90000
        self._pts = self._read_pts()
        if not self._pts:
            self._container.close()
            raise UserError(self.path, "has no video frames")
        rate = self._stream.average_rate or self._stream.guessed_rate
        fps = float(rate) if rate and float(rate) > 0 else 25.0
        first = self._pts[0]
        self.times = FrameTimes(tuple((p - first) * self._base for p in self._pts), fps)
        self._decoder: Iterator[av.VideoFrame] | None = None
        self._last = -1  # index of the frame the decoder returned last

    def _read_pts(self) -> list[int]:
        try:
            pts = [p.pts for p in self._container.demux(self._stream)
                   if p.pts is not None and p.size]
        except (av.error.FFmpegError, ValueError, OSError):
            pts = []  # a damaged tail: what was read so far still plays
        self._container.seek(0, stream=self._stream, backward=True)
        return sorted(set(pts))

    def close(self) -> None:
        self._decoder = None
        self._container.close()

    def _decode_to(self, n: int) -> av.VideoFrame:
        target = self._pts[n]
        if self._decoder is None or not self._last < n <= self._last + 8:
            # Back to the key frame at or before the target, then forward to it.
            self._container.seek(target, stream=self._stream, backward=True, any_frame=False)
            self._decoder = iter(self._container.decode(self._stream))
        frame = None
        for frame in self._decoder:
            if frame.pts is None or frame.pts >= target:
                break
        if frame is None:
            self._decoder = None
            raise UserError(self.path, f"frame {n} could not be decoded")
        self._last = n
        return frame

    def frame(self, n: int, max_side: int | None = None) -> SeekFrame:
        """Frame n (0-based, display order): full size, or reduced to max_side."""
        n = min(max(n, 0), self.times.count - 1)
        try:
            frame = self._decode_to(n)
        except (av.error.FFmpegError, ValueError) as exc:
            self._decoder = None
            raise UserError(self.path, f"frame {n} could not be decoded ({exc})") from None
        rgb = frame_small_rgb(frame, max_side) if max_side else frame_rgb(frame)
        return SeekFrame(n, self.times.times[n], rgb)

    def skip_to(self, n: int) -> None:
        """Decode up to frame n without converting it (a frame dropped during playback)."""
        self._decode_to(min(max(n, 0), self.times.count - 1))


def write_png(rgb: np.ndarray, out: Path) -> Path:
    """Save a decoded frame losslessly (fast compression: it is a working copy)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = cv2.imwrite(str(out), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                     [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise UserError(out, "could not be written as PNG")
    return out
