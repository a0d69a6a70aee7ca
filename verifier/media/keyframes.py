"""Shot boundaries and sharp representative frames, in a single streaming pass.

One decode of the whole video. Each frame is shrunk to a 64x36 grid straight from its Y, U and V
planes for shot detection (verifier/media/shots.py); four frames a second and every I-frame are
candidates, whose sharpness (variance of the Laplacian of the luma at 320 pixels wide) is
measured. Per shot the sharpest candidate more than `guard_frames` from the shot's boundaries
(and outside a dissolve or fade) becomes its keyframe; a long shot whose content changes (a pan)
gets another keyframe (kind "content") each time the picture has changed in structure since
the start of the current segment, at least `min_segment_seconds` apart. Each chosen frame is
pHashed as the corpus hashes video frames (upright luma, 128 wide); one within `merge_distance`
bits and of similar colour to an earlier keyframe is merged into it (the earlier one is kept and
lists the merged frame; nothing is written for the later one). Only kept frames are converted to
RGB (rotation applied) and saved as lossless PNG with a JPEG thumbnail.

Memory is bounded: a window of small frames (about six seconds of 64x36), the candidate frames
of the last four seconds (the shot detector decides that late, for dissolves) and the best
candidate of the current segment, never the whole video. Three threads share the work: one
drives the decoder and makes each frame's detection grid as soon as it is decoded (FFmpeg and
OpenCV release the GIL), four frames ahead of this one, which detects and chooses; saving runs
in a third (zlib and JPEG encoding release the GIL too), through a queue of four. Every frame
that is decoded is decoded in full (loop filter included), so saved pictures and hashes are the
exact frames.

In H.264 and HEVC streams, pictures that no other picture predicts from (about half the frames
of x264 encodes and many camera files) are not decoded at all (`skip_unreferenced`): the pass
then costs about half a full decode, and the frames it sees are still bit-exact, at their true
frame numbers. The detector works on the frames decoded (at their own rate), so a hard cut is
placed at the first decoded frame of the new shot, at most a few frames after the real one
(encoders usually start a new shot with an I-frame, which is always decoded).

`fast=True` decodes only the stream's I-frames (the encoder's choice, not the shots): a preview
filmstrip in seconds. Its keyframes have kind "preview" and shot -1, and it returns no shots.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from verifier.matching.hashing import hamming, phash_array, to_hex, work_image
from verifier.matching.pdq import pdq_hash
from verifier.media.nal import skippable_share
from verifier.media.shots import Boundary, Features, ShotDetector, ShotParams
from verifier.media.timecode import format_timestamp as format_timestamp  # re-exported
from verifier.media.video import (
    DecodedFrame,
    VideoReader,
    colour_thumb,
    frame_rgb,
    grid_yuv,
    probe,
    sharpness_of,
    upright_luma,
)
from verifier.models import Keyframe, Shot
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyframeParams:
    # Hard cuts: a frame difference `ratio` times the mean of its neighbours and above `floor`.
    ratio: float = 3.0
    floor: float = 10.0
    min_shot_seconds: float = 0.5
    # Frames this close to a boundary are not chosen (transitions, motion blur).
    guard_frames: int = 3
    thumb_size: int = 320
    # A keyframe inside a shot once the picture has changed this much in structure since the
    # previous one (contrast-normalised luma, mean |difference|; unrelated pictures ~1.1), and
    # at least this long after it. max_segment_seconds > 0 also forces one that often.
    content_change: float = 0.75
    min_segment_seconds: float = 2.0
    max_segment_seconds: float = 0.0
    # Sharpness is measured on this many frames a second (and on every I-frame).
    candidates_per_second: float = 4.0
    # Keyframes whose pHashes are this close (bits of 64) are merged; the earlier one stays.
    merge_distance: int = 6
    merge_colour: float = 20.0  # and their 8x8 colour thumbnails this close (mean |diff|)
    png_compress_level: int = 1
    # Leave non-reference pictures undecoded when at least this share of them can be skipped
    # (H.264/HEVC, progressive); False decodes every frame.
    skip_unreferenced: bool = True
    min_skippable_share: float = 0.2
    shots: ShotParams = field(default_factory=ShotParams)

    def shot_params(self) -> ShotParams:
        from dataclasses import replace

        return replace(self.shots, adaptive_ratio=self.ratio, cut_floor=self.floor,
                       min_shot_seconds=self.min_shot_seconds)


@dataclass(frozen=True)
class Merge:
    frame: int  # the keyframe that was dropped
    time: float
    shot: int
    into: int  # frame of the earlier keyframe kept in its place
    distance: int  # pHash Hamming distance


@dataclass(frozen=True)
class KeyframeResult:
    shots: tuple[Shot, ...]
    keyframes: tuple[Keyframe, ...]
    duration: float
    params: KeyframeParams
    partial: bool = False  # the video could not be decoded to its end
    problems: tuple[str, ...] = ()
    fast: bool = False  # a preview from I-frames: keyframes only, no shot list
    frames: int = 0  # frames decoded
    fps: float | None = None
    merges: tuple[Merge, ...] = ()
    frames_in_video: int = 0  # frames up to the last one decoded, skipped ones included
    notes: tuple[str, ...] = ()  # how the result was made, where it matters (not problems)


@dataclass
class _Candidate:
    index: int  # position among the decoded frames (the detector's frame numbers)
    frame_number: int  # position in the video
    time: float
    sharpness: float
    frame: Any  # av.VideoFrame, kept only while it may still be chosen
    z: np.ndarray | None  # contrast-normalised small luma


@dataclass
class _Job:
    shot: int
    kind: str
    cand: _Candidate
    frame_index: int


@dataclass
class _Saved:
    job: _Job
    path: Path
    thumb: Path
    phash: int
    colour: np.ndarray
    merged: list[int] = field(default_factory=list)
    pdq: str = ""
    pdq_quality: int | None = None


class _Saver:
    """Two worker threads, both in submission order: one hashes each chosen frame and merges
    near-duplicates (cheap), the other writes what is kept: RGB conversion, PDQ, PNG and JPEG
    thumbnail (most of the time, in calls that release the GIL, so the two overlap). Bounded
    queues keep memory flat when saving is slower than decoding."""

    def __init__(self, out_dir: Path, params: KeyframeParams) -> None:
        self.out_dir = out_dir
        self.params = params
        self.jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=4)
        self.writes: queue.Queue[tuple[_Saved, Any] | None] = queue.Queue(maxsize=2)
        self.kept: list[_Saved] = []
        self.merges: list[Merge] = []
        self.written: list[Path] = []
        self.error: BaseException | None = None
        self.abort = False
        self.thread = threading.Thread(target=self._run, name="keyframe-saver", daemon=True)
        self.writer = threading.Thread(target=self._write_all, name="keyframe-writer",
                                       daemon=True)
        self.thread.start()
        self.writer.start()

    def submit(self, job: _Job) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put(job)

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        self.writer.join()
        if self.error is not None:
            raise self.error

    def cancel(self) -> None:
        self.abort = True
        for q in (self.jobs, self.writes):
            while True:  # drop what is queued so the workers see the end quickly
                try:
                    q.get_nowait()
                except queue.Empty:
                    break
        self.jobs.put(None)
        self.thread.join()
        self.writer.join()
        for path in self.written:
            path.unlink(missing_ok=True)

    def _run(self) -> None:
        try:
            self._serve(self.jobs, self._save)
        finally:
            self.writes.put(None)  # the writer ends after what is queued

    def _write_all(self) -> None:
        self._serve(self.writes, lambda item: self._write(*item))

    def _serve(self, jobs: queue.Queue[Any], handle: Callable[[Any], None]) -> None:
        """Handle queued items in order until None (or a cancel); after an error, only drain."""
        while True:
            item = jobs.get()
            if item is None or self.abort:
                return
            if self.error is not None:
                continue
            try:
                handle(item)
            except BaseException as exc:  # reported to the decoding thread on its next submit
                self.error = exc

    def _save(self, job: _Job) -> None:
        frame = job.cand.frame
        # The pHash the corpus computes for video frames (upright luma, 128 wide): cheap, and
        # keyframes match corpus videos hash for hash. Full RGB only for frames kept.
        h = phash_array(upright_luma(frame, 128))
        colour = colour_thumb(frame)
        best: tuple[int, _Saved] | None = None
        for kept in self.kept:
            dist = hamming(h, kept.phash)
            # pHash sees luma only: a red and a grey frame of the same layout are no duplicates.
            if (dist <= self.params.merge_distance
                    and float(np.abs(colour - kept.colour).mean()) <= self.params.merge_colour
                    and (best is None or dist < best[0])):
                best = (dist, kept)
        job.cand.frame = None  # the decoder's buffer goes with the write, if any
        if best is not None:
            dist, kept = best
            kept.merged.append(job.frame_index)
            self.merges.append(Merge(job.frame_index, round(job.cand.time, 3), job.shot,
                                     kept.job.frame_index, dist))
            return
        path = self.out_dir / f"keyframe_{job.frame_index:07d}.png"
        saved = _Saved(job, path, path.with_name(f"keyframe_{job.frame_index:07d}.thumb.jpg"),
                       h, colour)
        self.kept.append(saved)
        self.writes.put((saved, frame))

    def _write(self, saved: _Saved, frame: Any) -> None:
        rgb = frame_rgb(frame)
        img = Image.fromarray(rgb)
        # PDQ as the corpus computes it, so a keyframe can be searched or exported as is.
        pdq, saved.pdq_quality = pdq_hash(work_image(rgb))
        saved.pdq = pdq.hex()
        # "Up" row filter and zlib's run-length matching at level 1: on 720p video frames
        # 5% larger than Paeth and 30% faster to write (14 ms against 21); still lossless.
        ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [
            cv2.IMWRITE_PNG_COMPRESSION, self.params.png_compress_level,
            cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
            cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE])
        if not ok:
            raise OSError(f"could not encode {saved.path.name} as PNG")
        saved.path.write_bytes(png.tobytes())
        self.written.append(saved.path)
        img.thumbnail((self.params.thumb_size, self.params.thumb_size))
        img.save(saved.thumb, format="JPEG", quality=85)
        self.written.append(saved.thumb)

    def keyframes(self) -> tuple[Keyframe, ...]:
        out = [Keyframe(time=round(s.job.cand.time, 3), frame=s.job.frame_index, shot=s.job.shot,
                        sharpness=round(s.job.cand.sharpness, 2), path=str(s.path),
                        phash=to_hex(s.phash), thumbnail=str(s.thumb), kind=s.job.kind,
                        merged=tuple(s.merged), pdq=s.pdq, pdq_quality=s.pdq_quality)
               for s in self.kept]
        return tuple(sorted(out, key=lambda k: (k.time, k.frame)))


class _Selector:
    """Walks candidates in frame order once their shot is final; picks keyframes; builds shots."""

    def __init__(self, saver: _Saver, params: KeyframeParams, fps: float,
                 frame_number: Callable[[int], int] = int) -> None:
        self.saver = saver
        self.p = params
        self.fps = fps
        self.frame_number = frame_number  # decoded frame's position -> its frame in the video
        self.guard = max(params.guard_frames, 1)
        self.boundaries: list[Boundary] = []
        self.next_b = 0
        self.shots: list[Shot] = []
        # time, frame number in the video, transition, last (decoded) frame of the transition
        self.shot_start = (0.0, 0, "start", -1)
        self.emitted_in_shot = 0
        self.fallback: _Candidate | None = None
        self.seg_best: _Candidate | None = None
        self.seg_ref: np.ndarray | None = None
        self.seg_start = 0.0

    def add(self, boundaries: list[Boundary]) -> None:
        self.boundaries.extend(boundaries)

    def take(self, cand: _Candidate) -> None:
        bs = self.boundaries
        while self.next_b < len(bs) and cand.index >= bs[self.next_b].frame:
            self._close_shot(bs[self.next_b])
            self.next_b += 1
        _, _, _, last_transition = self.shot_start
        upcoming = self.boundaries[self.next_b] if self.next_b < len(self.boundaries) else None
        eligible = cand.index - last_transition > self.guard and (
            upcoming is None or upcoming.first - cand.index > self.guard)
        fb = self.fallback
        if fb is None or (cand.z is not None and (fb.z is None or cand.sharpness > fb.sharpness)):
            self.fallback = cand
        if not eligible or cand.z is None:
            return
        if self.seg_best is None:
            self.seg_ref, self.seg_start, self.seg_best = cand.z, cand.time, cand
            return
        age = cand.time - self.seg_start
        changed = False
        if age >= self.p.min_segment_seconds:
            diff = structure_diff_arrays(self.seg_ref, cand.z)
            changed = diff is not None and diff > self.p.content_change
            if self.p.max_segment_seconds > 0 and age >= self.p.max_segment_seconds:
                changed = True
        if changed:
            self._emit(self.seg_best)
            self.seg_ref, self.seg_start, self.seg_best = cand.z, cand.time, cand
        elif cand.sharpness > self.seg_best.sharpness:
            self.seg_best = cand

    def _emit(self, cand: _Candidate) -> None:
        kind = "shot" if self.emitted_in_shot == 0 else "content"
        self.saver.submit(_Job(len(self.shots), kind, cand, cand.frame_number))
        self.emitted_in_shot += 1
        if cand is self.fallback:
            self.fallback = None

    def _close_shot(self, b: Boundary | None, end_time: float | None = None,
                    end_frame: int | None = None) -> None:
        if self.seg_best is not None:
            self._emit(self.seg_best)
        elif self.emitted_in_shot == 0 and self.fallback is not None:
            self._emit(self.fallback)  # a short shot: its best frame, boundary or not
        start_time, start_frame, transition, _ = self.shot_start
        b_frame = self.frame_number(b.frame) if b is not None else 0
        if b is not None:
            end_time, end_frame = b.time, b_frame - 1
        self.shots.append(Shot(len(self.shots), round(start_time, 3), round(end_time or 0.0, 3),
                               transition, start_frame, end_frame))
        if b is not None:
            self.shot_start = (b.time, b_frame, b.kind, b.last)
        self.emitted_in_shot = 0
        self.fallback = self.seg_best = None
        self.seg_ref = None

    def finish(self, end_time: float, last_frame: int) -> tuple[Shot, ...]:
        while self.next_b < len(self.boundaries):
            self._close_shot(self.boundaries[self.next_b])
            self.next_b += 1
        self._close_shot(None, end_time, last_frame)
        return tuple(self.shots)


def structure_diff_arrays(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    if a is None or b is None or a.shape != b.shape:
        return None
    return float(np.abs(a - b).mean())


def extract_keyframes(
    video: Path,
    out_dir: Path,
    *,
    fast: bool = False,
    params: KeyframeParams | None = None,
    progress: Progress = NULL_PROGRESS,
    cancel: CancelToken = NEVER_CANCELLED,
) -> KeyframeResult:
    """Detect shots and save keyframes (PNG plus JPEG thumbnail) into out_dir.

    Raises UserError when nothing can be decoded (no video stream, truncated index, no frames);
    a video that fails part-way returns what decoded with partial=True and the reason in
    problems. fast=True decodes only the stream's I-frames: a preview, not a shot list.
    """
    params = params or KeyframeParams()
    info = probe(video)
    out_dir.mkdir(parents=True, exist_ok=True)
    fps = info.fps or 25.0
    total = info.frames or (round(info.duration * fps) if info.duration else None)
    progress.start(None if fast else total,
                   f"{'Preview' if fast else 'Keyframes'} of {video.name}")
    share = 0.0
    if not fast and params.skip_unreferenced:
        share = skippable_share(video)
        if share < params.min_skippable_share:
            share = 0.0
    reader = VideoReader(video, keyframes_only=fast, skip_nonref=share > 0, prefetch=4,
                         prepare=None if fast else grid_yuv)
    saver = _Saver(out_dir, params)
    frames = iter(reader)
    try:
        if fast:
            shots: tuple[Shot, ...] = ()
            _preview(frames, saver, fps, progress, cancel)
        else:
            shots = _full(reader, frames, saver, params, fps, fps * (1.0 - share), progress,
                          cancel)
        saver.close()
    except BaseException:
        frames.close()  # stops the decoding thread now, not when the traceback is freed
        saver.cancel()
        raise
    problems = list(reader.problems)
    if info.fps is None:
        problems.append("the stream gives no frame rate; 25 frames/s was assumed for "
                        "frame-based estimates")
    notes: list[str] = []
    if reader.decoded < reader.frames and not fast:
        notes.append(
            f"{reader.frames - reader.decoded} of {reader.frames} frames were not decoded: "
            "pictures no other frame is predicted from, skipped for speed (every keyframe is an "
            "exact frame); a hard cut is placed at the first decoded frame of the new shot, "
            "at most a few frames after the real one")
    if fast:
        problems.append("fast preview: only the stream's I-frames were decoded; these are "
                        "where the encoder put them, not shot boundaries")
    end = _end_time(reader, info.duration, fps)
    if shots and shots[-1].end != end:
        last = shots[-1]
        shots = (*shots[:-1], Shot(last.index, last.start, round(end, 3), last.transition,
                                   last.start_frame, last.end_frame))
    return KeyframeResult(shots, saver.keyframes(), round(end, 3), params,
                          partial=reader.partial, problems=tuple(problems), fast=fast,
                          frames=reader.decoded, fps=info.fps, merges=tuple(saver.merges),
                          frames_in_video=reader.frames, notes=tuple(notes))


def _end_time(reader: VideoReader, duration: float | None, fps: float) -> float:
    decoded_end = reader.last_time + 1.0 / fps
    if reader.partial or not duration:
        return decoded_end
    return max(duration, reader.last_time)


class _FrameNumbers:
    """Decoded frame position -> frame number in the video, for the recent decoded frames (the
    detector's window and a margin): memory does not grow with the video's length."""

    def __init__(self, keep: int) -> None:
        self.numbers: deque[int] = deque(maxlen=keep)
        self.first = 0  # decoded position of numbers[0]

    def add(self, ordinal: int, number: int) -> None:
        if len(self.numbers) == self.numbers.maxlen:
            self.first += 1
        elif not self.numbers:
            self.first = ordinal
        self.numbers.append(number)

    def __call__(self, ordinal: int) -> int:
        pos = ordinal - self.first
        if 0 <= pos < len(self.numbers):
            return self.numbers[pos]
        # Older than the window (never expected): the nearest known, shifted by the distance.
        return self.numbers[0] + pos if pos < 0 else self.numbers[-1] + pos - len(self.numbers) + 1


def _full(reader: VideoReader, frames: Iterator[DecodedFrame], saver: _Saver,
          params: KeyframeParams, fps: float, detect_fps: float, progress: Progress,
          cancel: CancelToken) -> tuple[Shot, ...]:
    # The detector counts decoded frames and runs at their rate (detect_fps): with skipped
    # pictures its windows still span the same seconds.
    detector = ShotDetector(detect_fps, params.shot_params())
    numbers = _FrameNumbers(2 * (detector.buf.maxlen or 0) + 64)
    selector = _Selector(saver, params, detect_fps, numbers)
    step = max(1, round(fps / max(params.candidates_per_second, 0.1)))
    next_mark = 0  # frame number from which the next regular candidate is taken
    pending: list[_Candidate] = []
    sp = detector.p
    last_index = -1
    reported = 0  # frames counted in progress
    for decoded in frames:
        cancel.check()
        frame = decoded.frame
        ordinal, number = decoded.ordinal, decoded.index
        numbers.add(ordinal, number)
        y, u, v = decoded.prepared
        feat = Features(ordinal, decoded.time, y, u, v, sp, number)
        selector.add(detector.push(feat))
        marked = number >= next_mark
        if marked:
            next_mark = (number // step + 1) * step
        if feat.blank:
            # Blank frames (black, flat) only stand in for a shot that has nothing else: one
            # per blank stretch, so a long black stretch (whose end the detector waits for)
            # holds one decoded frame, not all of them.
            if marked and (not pending or pending[-1].z is not None):
                pending.append(_Candidate(ordinal, number, decoded.time, 0.0, frame, None))
        elif marked or frame.key_frame:
            pending.append(_Candidate(ordinal, number, decoded.time, sharpness_of(frame), frame,
                                      feat.z))
        ready = detector.ready_before - selector.guard
        if pending and pending[0].index < ready:
            keep = 0
            for c in pending:
                if c.index >= ready:
                    break
                selector.take(c)
                keep += 1
            del pending[:keep]
        last_index = number
        if last_index + 1 - reported >= 10:
            progress.advance(last_index + 1 - reported)
            reported = last_index + 1
    progress.advance(last_index + 1 - reported)
    selector.add(detector.flush())
    for c in pending:
        selector.take(c)
    end = _end_time(reader, reader.info.duration if reader.info else None, fps)
    return selector.finish(end, last_index)


def _preview(frames: Iterator[DecodedFrame], saver: _Saver, fps: float,
             progress: Progress, cancel: CancelToken) -> None:
    for decoded in frames:
        cancel.check()
        frame_index = round(decoded.time * fps)
        cand = _Candidate(frame_index, frame_index, decoded.time, sharpness_of(decoded.frame),
                          decoded.frame, None)
        saver.submit(_Job(-1, "preview", cand, frame_index))
        progress.advance()



