"""Shot boundaries and one sharp representative frame per shot, in a single streaming pass."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from verifier.matching.hashing import phash, to_hex
from verifier.media.video import DecodedFrame, iter_frames, probe
from verifier.models import Keyframe, Shot
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyframeParams:
    # A cut is a frame difference this many times the recent median and above an absolute floor.
    ratio: float = 4.0
    floor: float = 12.0
    min_shot_seconds: float = 0.5
    # Long shots (pans) get an extra keyframe at least this often.
    max_segment_seconds: float = 15.0
    # Frames this close to a boundary are not chosen (transitions, motion blur).
    guard_frames: int = 3
    thumb_size: int = 320


@dataclass(frozen=True)
class KeyframeResult:
    shots: tuple[Shot, ...]
    keyframes: tuple[Keyframe, ...]
    duration: float
    params: KeyframeParams


@dataclass
class _Best:
    sharpness: float
    frame: DecodedFrame


def extract_keyframes(
    video: Path,
    out_dir: Path,
    *,
    fast: bool = False,
    params: KeyframeParams | None = None,
    progress: Progress = NULL_PROGRESS,
    cancel: CancelToken = NEVER_CANCELLED,
) -> KeyframeResult:
    """Detect shots and save one keyframe per shot (PNG plus JPEG thumbnail) into out_dir.

    fast=True decodes only the stream's own I-frames and treats each as a keyframe: a first
    filmstrip in seconds, not a shot list.
    """
    params = params or KeyframeParams()
    info = probe(video)
    out_dir.mkdir(parents=True, exist_ok=True)
    total = info.frames or (round(info.duration * info.fps) if info.duration and info.fps else None)
    progress.start(total if not fast else None, f"Keyframes of {video.name}")

    shots: list[Shot] = []
    chosen: list[tuple[int, DecodedFrame, float]] = []  # (shot, frame, sharpness)
    diffs: deque[float] = deque(maxlen=48)
    prev: np.ndarray | None = None
    shot_start_time, shot_start_index, segment_start = 0.0, 0, 0.0
    best: _Best | None = None
    last: DecodedFrame | None = None

    def close_segment(shot_index: int) -> None:
        nonlocal best
        if best is not None:
            chosen.append((shot_index, best.frame, best.sharpness))
        best = None

    for decoded in iter_frames(video, keyframes_only=fast):
        cancel.check()
        last = decoded
        small = decoded.gray_small(64).astype(np.float32)
        if fast:
            shots.append(Shot(len(shots), decoded.time, decoded.time))
            chosen.append((len(shots) - 1, decoded, _sharpness(decoded)))
            progress.advance()
            continue
        if prev is not None:
            diff = float(np.mean(np.abs(small - prev)))
            median = float(np.median(diffs)) if diffs else 0.0
            long_enough = decoded.time - shot_start_time >= params.min_shot_seconds
            if long_enough and diff > params.floor and diff > params.ratio * max(median, 1.0):
                close_segment(len(shots))
                shots.append(Shot(len(shots), shot_start_time, decoded.time))
                shot_start_time, shot_start_index = decoded.time, decoded.index
                segment_start = decoded.time
            diffs.append(diff)
        prev = small
        if decoded.time - segment_start >= params.max_segment_seconds:
            close_segment(len(shots))
            segment_start = decoded.time
        if decoded.index - shot_start_index >= params.guard_frames or best is None:
            sharp = _sharpness(decoded)
            if best is None or sharp > best.sharpness:
                best = _Best(sharp, decoded)
        if decoded.index % 10 == 0:
            progress.advance(10)

    end_time = info.duration or (last.time if last else 0.0)
    if not fast:
        close_segment(len(shots))
        shots.append(Shot(len(shots), shot_start_time, end_time))
    elif shots:
        shots = [Shot(s.index, s.start, shots[i + 1].start if i + 1 < len(shots) else end_time)
                 for i, s in enumerate(shots)]

    keyframes = tuple(_save(shot, frame, sharp, out_dir, params) for shot, frame, sharp in chosen)
    return KeyframeResult(tuple(shots), keyframes, end_time, params)


def _sharpness(decoded: DecodedFrame) -> float:
    gray = decoded.gray_small(320)
    return float(cv2.Laplacian(gray, cv2.CV_32F).var())


def _save(shot: int, decoded: DecodedFrame, sharp: float, out_dir: Path,
          params: KeyframeParams) -> Keyframe:
    img = Image.fromarray(decoded.rgb())
    path = out_dir / f"keyframe_{decoded.index:07d}.png"
    img.save(path, format="PNG", compress_level=3)
    thumb = img.copy()
    thumb.thumbnail((params.thumb_size, params.thumb_size))
    thumb.save(path.with_suffix(".thumb.jpg"), format="JPEG", quality=85)
    return Keyframe(
        time=round(decoded.time, 3),
        frame=decoded.index,
        shot=shot,
        sharpness=round(sharp, 2),
        path=str(path),
        phash=to_hex(phash(img)),
    )


def format_timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
