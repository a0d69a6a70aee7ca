"""Streaming video decoding with PyAV: one frame at a time, memory independent of length.

`VideoReader` is the careful reader: presentation times repaired when the stream's own are
missing or go backwards, decoding errors after the first frame kept as problems (what decoded so
far is still returned, marked partial), and a file that ends before its header says it should is
noticed. `iter_frames` is the simple wrapper the corpus uses.
"""

from __future__ import annotations

import heapq
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from verifier.errors import UserError

# Planar 8-bit YUV: the planes can be read straight from the decoder's buffers.
_PLANAR_YUV = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p",
                         "yuv411p", "yuv440p", "yuvj440p", "yuv410p"})
_LUMA_FIRST = _PLANAR_YUV | {"nv12", "nv21", "gray"}

# The fixed grid the shot detector compares frames on (luma; chroma is half of it each way).
GRID_W, GRID_H = 64, 36


@dataclass(frozen=True)
class VideoInfo:
    duration: float | None
    fps: float | None
    frames: int | None
    width: int
    height: int
    rotation: int = 0  # display rotation FFmpeg reports (degrees), known once a frame decoded
    codec: str = ""


@dataclass
class DecodedFrame:
    index: int  # position in the stream's presentation order, skipped pictures counted
    time: float
    frame: av.VideoFrame
    prepared: Any = None  # what VideoReader.prepare made of the frame, if it was given one
    ordinal: int = -1  # position among the frames decoded (equal to index unless skipping)

    def gray_small(self, width: int = 64) -> np.ndarray:
        """Downscaled luma, read straight from the Y plane (no colour conversion)."""
        return shrink_luma(self.frame, width)

    def gray_upright(self, width: int = 128) -> np.ndarray:
        """Downscaled luma with the display rotation applied, for perceptual hashing."""
        return upright_luma(self.frame, width)

    def rgb(self) -> np.ndarray:
        """Full-resolution RGB, with the stream's display rotation applied."""
        return frame_rgb(self.frame)

    @property
    def is_keyframe(self) -> bool:
        return bool(self.frame.key_frame)


def upright_luma(frame: av.VideoFrame, width: int = 128) -> np.ndarray:
    """Downscaled luma with the display rotation applied (what the corpus pHashes)."""
    small = shrink_luma(frame, width)
    k = round((frame.rotation or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(small, k)) if k else small


def frame_rgb(frame: av.VideoFrame) -> np.ndarray:
    """Full-resolution RGB of a decoded frame, with the display rotation applied."""
    img = frame.to_ndarray(format="rgb24")
    k = round((frame.rotation or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(img, k)) if k else img


def _plane_array(frame: av.VideoFrame, n: int, width: int, height: int) -> np.ndarray:
    plane = frame.planes[n]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(-1, plane.line_size)
    return rows[:height, :width]


def luma_plane(frame: av.VideoFrame) -> np.ndarray:
    """The full-resolution Y plane as uint8 (a view of the decoder's buffer when possible)."""
    if frame.format.name in _LUMA_FIRST:
        return _plane_array(frame, 0, frame.width, frame.height)
    return np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)


def shrink(plane: np.ndarray, width: int, height: int | None = None) -> np.ndarray:
    """Area-average a plane down to about `width` columns, fast.

    INTER_AREA is quick only for whole-number ratios, so the plane is first cropped to a whole
    multiple of the factor (at most factor-1 rows and columns lost), then averaged; if an exact
    size is asked for, the small result is resized to it.
    """
    h, w = plane.shape[:2]
    k = max(1, w // max(width, 1))
    if k >= 8:
        # A 4x4 lattice of pixels per output pixel (centred nearest samples), then averaged:
        # as close to a full area average as the bilinear samples used before, reading a
        # fifth of the rows or fewer (the cost is fetching the decoded picture from memory).
        # Where the ratio is an odd whole number (720p to 64x36) they are the same samples.
        hh, ww = max(1, h // k), max(1, w // k)
        mid = cv2.resize(plane, (ww * 4, hh * 4), interpolation=cv2.INTER_NEAREST_EXACT)
        small = cv2.resize(mid, (ww, hh), interpolation=cv2.INTER_AREA)
    elif k > 1:
        hh, ww = max(1, h // k), max(1, w // k)
        small = cv2.resize(plane[: hh * k, : ww * k], (ww, hh), interpolation=cv2.INTER_AREA)
    else:
        small = plane
    if height is not None and small.shape[:2] != (height, width):
        small = cv2.resize(small, (width, height), interpolation=cv2.INTER_AREA
                           if small.shape[1] > width else cv2.INTER_LINEAR)
    return small


def shrink_luma(frame: av.VideoFrame, width: int) -> np.ndarray:
    y = luma_plane(frame)
    height = max(1, round(width * frame.height / max(frame.width, 1)))
    return cv2.resize(y, (width, height), interpolation=cv2.INTER_AREA)


def grid_yuv(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Luma on the 64x36 detection grid and chroma on 32x18 (None when the format has none)."""
    name = frame.format.name
    if name in _PLANAR_YUV:
        y = _plane_array(frame, 0, frame.width, frame.height)
        pu, pv = frame.planes[1], frame.planes[2]
        u = _plane_array(frame, 1, pu.width, pu.height)
        v = _plane_array(frame, 2, pv.width, pv.height)
        half_w, half_h = GRID_W // 2, GRID_H // 2
        return (shrink(y, GRID_W, GRID_H), shrink(u, half_w, half_h), shrink(v, half_w, half_h))
    if name == "gray" or name.startswith(("gray", "ya")):
        return shrink(luma_plane(frame), GRID_W, GRID_H), None, None
    # Anything else (RGB, 10-bit, semi-planar): one conversion, then the same path.
    return grid_yuv(frame.reformat(format="yuv420p"))


# BT.601 limited range to RGB, as FFmpeg's scaler converts by default.
_YUV_TO_RGB = np.array([[1.164, 0.0, 1.596], [1.164, -0.392, -0.813], [1.164, 2.017, 0.0]],
                       np.float32)


def colour_thumb(frame: av.VideoFrame, size: int = 8) -> np.ndarray:
    """The frame as size x size RGB (float32, 0-255), area-averaged from its planes: what
    telling two frames' colours apart needs, at a tenth of the cost of a scaled RGB copy."""
    y, u, v = grid_yuv(frame)
    ys = cv2.resize(y, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    if u is None or v is None:
        return np.repeat(ys[..., None], 3, axis=2)
    us = cv2.resize(u, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    vs = cv2.resize(v, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
    yuv = np.dstack([ys - 16.0, us - 128.0, vs - 128.0])
    return np.clip(yuv @ _YUV_TO_RGB.T, 0.0, 255.0)


def area_shrink(plane: np.ndarray, width: int) -> np.ndarray:
    """Area average by the whole factor that brings `plane` to about `width` columns.

    Even factors go in steps of two, for which OpenCV has a vectorised path: a quarter of the
    time of one step by four, within rounding (half a grey level) of it.
    """
    h, w = plane.shape[:2]
    k = max(1, w // max(width, 1))
    if k == 1:
        return plane
    hh, ww = max(1, h // k), max(1, w // k)
    small = plane[: hh * k, : ww * k]
    while k % 2 == 0:
        k //= 2
        small = cv2.resize(small, (ww * k, hh * k), interpolation=cv2.INTER_AREA)
    if k > 1:
        small = cv2.resize(small, (ww, hh), interpolation=cv2.INTER_AREA)
    return small


def sharpness_of(frame: av.VideoFrame, width: int = 320) -> float:
    """Variance of the Laplacian of the luma at about `width` columns: higher is sharper."""
    small = area_shrink(luma_plane(frame), width)
    _, std = cv2.meanStdDev(cv2.Laplacian(small, cv2.CV_32F))
    return float(std[0, 0]) ** 2


def _multi_slice_h264(path: Path) -> bool:
    """Whether the first key packet of an H.264 stream holds more than one slice."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            if stream.codec_context.name != "h264":
                return False
            extra = bytes(stream.codec_context.extradata or b"")
            for packet in container.demux(stream):
                if packet.is_keyframe and packet.size:
                    return _count_h264_slices(bytes(packet), extra) > 1
                if packet.size:
                    return False
    except (av.error.FFmpegError, ValueError, OSError, IndexError, StopIteration):
        pass
    return False


def _count_h264_slices(data: bytes, extradata: bytes) -> int:
    """Coded slices (NAL types 1 and 5) in one H.264 access unit, length-prefixed (MP4/MOV)
    or with start codes (Annex B)."""
    types: list[int] = []
    if extradata[:1] == b"\x01" and len(extradata) > 4:
        size, i = (extradata[4] & 3) + 1, 0
        while i + size <= len(data):
            length = int.from_bytes(data[i:i + size], "big")
            i += size
            if length <= 0 or i >= len(data):
                break
            types.append(data[i] & 0x1F)
            i += length
    else:
        for part in data.split(b"\x00\x00\x01")[1:]:
            if part:
                types.append(part[0] & 0x1F)
    return sum(1 for t in types if t in (1, 5))


def _mp4_without_index(path: Path) -> bool:
    """An ISO-BMFF file (MP4, MOV, 3GP) whose top-level boxes have no 'moov': truncated."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            if len(head) < 8 or head[4:8] not in (b"ftyp", b"mdat", b"wide", b"free", b"skip"):
                return False
            size_total = path.stat().st_size
            pos = 0
            while pos + 8 <= size_total:
                fh.seek(pos)
                box = fh.read(16)
                if len(box) < 8:
                    break
                size = int.from_bytes(box[:4], "big")
                kind = box[4:8]
                if kind == b"moov":
                    return False
                if size == 1 and len(box) >= 16:
                    size = int.from_bytes(box[8:16], "big")
                elif size == 0:
                    break
                if size < 8:
                    break
                pos += size
            return True
    except OSError:
        return False


def _open_error(path: Path, exc: BaseException) -> UserError:
    if _mp4_without_index(path):
        return UserError(path, "is truncated: its MP4/MOV index (the 'moov' box) is missing, "
                               "as in an interrupted download or copy; nothing can be decoded")
    return UserError(path, f"not a readable video ({str(exc)[:200]})")


def probe(path: Path) -> VideoInfo:
    try:
        with av.open(str(path)) as container:
            return _info(path, container)
    except UserError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise _open_error(path, exc) from None


def declared_duration(container: av.container.InputContainer,
                      stream: av.video.stream.VideoStream) -> float | None:
    """Seconds the stream's header (else the container's) says the video lasts, if it says."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000
    return None


def _info(path: Path, container: av.container.InputContainer) -> VideoInfo:
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams})
        if kinds:
            raise UserError(path, f"has no video stream (it has {', '.join(kinds)} only)")
        raise UserError(path, "has no video frames: the file holds no media stream at all")
    stream = container.streams.video[0]
    duration = declared_duration(container, stream)
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate and float(rate) > 0 else None
    ctx = stream.codec_context
    return VideoInfo(duration, fps, stream.frames or None, ctx.width, ctx.height, 0,
                     ctx.name or "")


@dataclass
class VideoReader:
    """Decode one video stream frame by frame, noting what went wrong instead of failing late.

    After iteration: `frames` in the stream up to the last one decoded, `decoded` (fewer than
    `frames` when non-reference pictures were skipped), `problems` (plain sentences), `partial`
    (True when the file ended or failed before the end its header announces),
    `estimated_times` (frames whose time came from the frame rate because the stream's were
    missing or went backwards).

    `skip_nonref` leaves pictures no other picture predicts from undecoded (FFmpeg's
    `skip_frame = "NONREF"`): every frame that is decoded is bit-exact, and each keeps its
    index in the whole stream, counted from the packets' presentation times.
    """

    path: Path
    keyframes_only: bool = False
    skip_nonref: bool = False
    threads: bool = True
    # Frames decoded ahead in a worker thread (0: decode in the caller's thread). The decoder
    # then never waits for the caller's per-frame work, which runs beside it on another core.
    prefetch: int = 0
    # Applied to every frame as soon as it is decoded (in the worker when prefetching), while
    # the picture is likely still in the cache of the core that decoded it; see `prepared`.
    prepare: Callable[[av.VideoFrame], Any] | None = None
    info: VideoInfo | None = None
    frames: int = 0
    decoded: int = 0
    problems: list[str] = field(default_factory=list)
    partial: bool = False
    estimated_times: int = 0
    last_time: float = 0.0

    def __iter__(self) -> Generator[DecodedFrame, None, None]:
        path = self.path
        try:
            container = av.open(str(path))
        except (av.error.FFmpegError, ValueError, OSError) as exc:
            raise _open_error(path, exc) from None
        with container:
            self.info = info = _info(path, container)
            stream = container.streams.video[0]
            if self.keyframes_only:
                stream.codec_context.skip_frame = "NONKEY"
            else:
                if self.skip_nonref:
                    stream.codec_context.skip_frame = "NONREF"
                if self.threads and not _multi_slice_h264(path):
                    # Frame threads: 20-30% faster on two cores for the usual
                    # one-slice-per-frame streams, the same pixels. Streams cut in several
                    # slices per frame decode faster with FFmpeg's default slice threads.
                    stream.thread_type = "FRAME"
            start = 0.0
            if stream.start_time is not None and stream.time_base:
                start = float(stream.start_time * stream.time_base)
            step = 1.0 / info.fps if info.fps else 1.0 / 25.0
            index = 0
            prev: float | None = None
            prepare = self.prepare
            decoding: Iterable[tuple[av.VideoFrame, int | None]]
            if self.keyframes_only:
                decoding = ((f, None) for f in _keyframes_in_parallel(path, _KEYFRAME_PARTS))
            elif self.skip_nonref:
                decoding = _with_stream_index(container, stream)
            else:
                decoding = ((f, None) for f in container.decode(stream))
            source = _Prefetcher(
                decoding, self._ahead(info),
                None if prepare is None else (lambda pair: prepare(pair[0]))) \
                if self.prefetch > 0 else None
            try:
                frames: Iterable[Any] = source if source is not None else decoding
                for item in frames:
                    if source is not None:
                        (frame, counted), prepared = item
                    else:
                        frame, counted = item
                        prepared = prepare(frame) if prepare is not None else None
                    ordinal = self.decoded
                    # Counted from presentation times when pictures are skipped; a stream
                    # whose times disagree falls back to one more than the frame before.
                    if counted is None or counted < index:
                        counted = index
                    t = float(frame.time) - start if frame.time is not None else None
                    if t is None or (prev is not None and t <= prev) or t < -step:
                        t = (prev + step) if prev is not None else 0.0
                        self.estimated_times += 1
                    t = max(t, 0.0)
                    prev = t
                    if ordinal == 0 and frame.rotation:
                        self.info = info = replace(info, rotation=round(frame.rotation))
                    index = counted
                    self.frames, self.decoded, self.last_time = index + 1, ordinal + 1, t
                    yield DecodedFrame(index, t, frame, prepared, ordinal)
                    index += 1
            except av.error.FFmpegError as exc:
                if self.decoded == 0:
                    raise _open_error(path, exc) from None
                self.partial = True
                self.problems.append(
                    f"decoding failed after frame {self.frames} ({self.last_time:.3f} s): "
                    f"{str(exc)[:160]}; the frames before it are kept")
            finally:
                if source is not None:
                    source.stop()  # before the container closes under the worker
            if self.decoded == 0:
                raise UserError(path, "has a video stream but no frame in it could be decoded")
            self._check_end(info)
        if self.estimated_times:
            src = f"{info.fps:.3f} frames/s" if info.fps else "an assumed 25 frames/s"
            self.problems.append(
                f"{self.estimated_times} of {self.frames} frames had missing or non-increasing "
                f"timestamps; their times were estimated from the frame rate ({src})")

    def _ahead(self, info: VideoInfo) -> int:
        # At most about 64 MB of decoded pictures waiting (8-bit 4:2:0), whatever the size.
        frame_bytes = max(1, info.width * info.height * 3 // 2)
        return max(1, min(self.prefetch, (64 << 20) // frame_bytes))

    def _check_end(self, info: VideoInfo) -> None:
        if self.partial or self.keyframes_only:
            return
        short_frames = info.frames is not None and self.frames < 0.9 * info.frames - 2
        step = 1.0 / info.fps if info.fps else 0.04
        short_time = (info.duration is not None
                      and self.last_time + step < info.duration - max(1.0, 0.1 * info.duration))
        if short_frames or short_time:
            self.partial = True
            expected = (f"{info.frames} frames" if info.frames
                        else f"{info.duration:.3f} s" if info.duration else "more")
            self.problems.append(
                f"the file ends early: {self.frames} frames ({self.last_time:.3f} s) decoded "
                f"where its header announces {expected}; the file is probably truncated")


def _with_stream_index(container: av.container.InputContainer,
                       stream: av.video.stream.VideoStream,
                       ) -> Iterator[tuple[av.VideoFrame, int | None]]:
    """Decoded frames with their position in presentation order among all the stream's
    pictures, decoded or skipped: the number of packets presented before each frame.

    Every packet presented before a frame has been demuxed by the time the decoder returns
    that frame (it returns frames in presentation order), so a heap of the pending packets'
    times is enough; memory stays at the decoder's reordering depth.
    """
    waiting: list[int] = []
    passed = 0
    for packet in container.demux(stream):
        if packet.pts is not None and packet.size:
            heapq.heappush(waiting, packet.pts)
        for frame in packet.decode():
            pts = frame.pts
            if pts is None:
                yield frame, None
                continue
            while waiting and waiting[0] < pts:
                heapq.heappop(waiting)
                passed += 1
            position = passed
            if waiting and waiting[0] == pts:
                heapq.heappop(waiting)
                passed += 1
            yield frame, position


# I-frames depend on no other frame: two decoders, each taking every other one, decode them
# in parallel (one decoder on one I-frame at a time uses one core).
_KEYFRAME_PARTS = 2


def _keyframe_part(path: Path, part: int, parts: int) -> Iterator[av.VideoFrame]:
    """The I-frames number part, part + parts, ... of the first video stream.

    Only this part's key packets go to the decoder, each with the packet after it (the second
    field of an interlaced frame coded as two fields); the decoder would discard every other
    packet anyway (skip_frame), and handing it 20,000 packets from Python costs more than the
    I-frames themselves. The same frames as a decoder given everything, on every sample video
    in ../shared/media (tests/test_kf_reader.py)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        k = 0
        follow = False  # whether the next packet goes with this part's last key packet
        for packet in container.demux(stream):
            if packet.size:
                if packet.is_keyframe:
                    follow = k % parts == part
                    k += 1
                    if not follow:
                        continue
                elif follow:
                    follow = False
                else:
                    continue
            yield from packet.decode()  # an empty packet at the end flushes the decoder


def _pts_of_item(item: tuple[av.VideoFrame, Any]) -> int:
    return item[0].pts if item[0].pts is not None else -1


def _keyframes_in_parallel(path: Path, parts: int) -> Iterator[av.VideoFrame]:
    """The stream's I-frames in presentation order, decoded by `parts` decoders at once."""
    sources = [_Prefetcher(_keyframe_part(path, k, parts), 2) for k in range(parts)]
    try:
        for frame, _ in heapq.merge(*sources, key=_pts_of_item):
            yield frame
    finally:
        for source in sources:
            source.stop()


_END = object()


class _Prefetcher:
    """Runs a decoding iterator in a worker thread, at most `ahead` frames in advance.

    PyAV releases the GIL while FFmpeg decodes, so the caller's per-frame work and the decoder
    overlap. Errors raised by the decoder are re-raised in the caller, in order; stop() ends
    the worker (the caller's loop may have stopped early) before the container is closed.
    SimpleQueue (a C queue) for the frames and for the free places: a few microseconds a frame.
    """

    def __init__(self, frames: Iterable[Any], ahead: int,
                 prepare: Callable[[Any], Any] | None = None) -> None:
        self.frames = frames
        self.prepare = prepare
        self.items: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.room: queue.SimpleQueue[bool] = queue.SimpleQueue()
        for _ in range(ahead):
            self.room.put(True)
        self.stopping = False
        self.worker = threading.Thread(target=self._run, name="video-decode", daemon=True)
        self.worker.start()

    def _run(self) -> None:
        try:
            prepare = self.prepare
            for frame in self.frames:
                prepared = prepare(frame) if prepare is not None else None
                self.room.get()  # wait for a free place (stop() hands one out too)
                if self.stopping:
                    return
                self.items.put((frame, prepared))
        except BaseException as exc:  # handed to the caller, which decides what it means
            self.items.put(exc)
            return
        finally:
            close = getattr(self.frames, "close", None)
            if close is not None:
                close()  # a generator's own clean-up (nested decoders) runs now, here
        self.items.put(_END)

    def __iter__(self) -> Iterator[Any]:
        while True:
            item = self.items.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            self.room.put(True)
            yield item

    def stop(self) -> None:
        self.stopping = True
        self.room.put(False)
        self.worker.join()


def iter_frames(path: Path, *, keyframes_only: bool = False) -> Iterator[DecodedFrame]:
    """Decode every frame (or only the stream's I-frames) in presentation order.

    A damaged tail ends the iteration quietly, keeping what decoded, as players do; use
    VideoReader to learn about it.
    """
    yield from VideoReader(path, keyframes_only=keyframes_only)
