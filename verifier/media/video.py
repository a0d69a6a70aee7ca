"""Streaming video decoding with PyAV: one frame at a time, memory independent of length."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from verifier.errors import UserError


@dataclass(frozen=True)
class VideoInfo:
    duration: float | None
    fps: float | None
    frames: int | None
    width: int
    height: int


@dataclass
class DecodedFrame:
    index: int
    time: float
    frame: av.VideoFrame

    def gray_small(self, width: int = 64) -> np.ndarray:
        """Downscaled luma, read straight from the Y plane (no colour conversion)."""
        return shrink_luma(self.frame, width)

    def gray_upright(self, width: int = 128) -> np.ndarray:
        """Downscaled luma with the display rotation applied, for perceptual hashing."""
        small = shrink_luma(self.frame, width)
        k = round((self.frame.rotation or 0) / 90) % 4
        return np.ascontiguousarray(np.rot90(small, k)) if k else small

    def rgb(self) -> np.ndarray:
        """Full-resolution RGB, with the stream's display rotation applied."""
        img = self.frame.to_ndarray(format="rgb24")
        k = round((self.frame.rotation or 0) / 90) % 4
        return np.ascontiguousarray(np.rot90(img, k)) if k else img


def shrink_luma(frame: av.VideoFrame, width: int) -> np.ndarray:
    if frame.format.name in ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "nv12"):
        plane = frame.planes[0]
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
        y: np.ndarray = rows[: frame.height, : frame.width]
    else:
        y = np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)
    height = max(1, round(width * frame.height / max(frame.width, 1)))
    return cv2.resize(y, (width, height), interpolation=cv2.INTER_AREA)


def probe(path: Path) -> VideoInfo:
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(path, "has no video stream")
            stream = container.streams.video[0]
            duration = None
            if container.duration:
                duration = container.duration / 1_000_000
            elif stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            fps = float(stream.average_rate) if stream.average_rate else None
            ctx = stream.codec_context
            return VideoInfo(duration, fps, stream.frames or None, ctx.width, ctx.height)
    except UserError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise UserError(path, f"not a readable video ({str(exc)[:200]})") from None


def iter_frames(path: Path, *, keyframes_only: bool = False) -> Iterator[DecodedFrame]:
    """Decode every frame (or only the stream's I-frames) in presentation order."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise UserError(path, f"not a readable video ({str(exc)[:200]})") from None
    with container:
        if not container.streams.video:
            raise UserError(path, "has no video stream")
        stream = container.streams.video[0]
        if keyframes_only:
            stream.codec_context.skip_frame = "NONKEY"
        start = 0.0
        if stream.start_time and stream.time_base:
            start = float(stream.start_time * stream.time_base)
        index = 0
        try:
            for frame in container.decode(stream):
                t = float(frame.time) - start if frame.time is not None else index / 25.0
                yield DecodedFrame(index, max(t, 0.0), frame)
                index += 1
        except av.error.FFmpegError as exc:
            if index == 0:
                raise UserError(path, f"not a readable video ({str(exc)[:200]})") from None
            # A damaged tail: keep what decoded, as players do.
