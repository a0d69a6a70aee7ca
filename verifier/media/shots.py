"""Shot-boundary detection over a stream of small frames: hard cuts, dissolves and fades.

Every frame is reduced to its luma on a 64x36 grid and its chroma on 32x18 (read from the
decoder's planes, no colour conversion). Three detectors look at a sliding window of those:

* **Hard cut** between frames c-1 and c: their difference (mean absolute difference of Y, U and
  V, summed) is above a floor, `adaptive_ratio` times the mean difference of the frames
  around it (PySceneDetect's AdaptiveDetector rule, which keeps camera motion from firing;
  repeated frames are skipped there) and `recent_ratio` times the second largest difference of
  the second before (motion that comes in steps).
  A flash is not a cut: when, within `flash_seconds`, the picture comes back to what it was
  before the jump, both jumps are ignored.
* **Dissolve** centred on frame c, tried at each half-window h in `dissolve_windows`: the frames
  A = c-h and B = c+h differ in structure (contrast-normalised luma); the frame c is a genuine
  mix of the two (a least-squares fit c ~ alpha*A + beta*B explains it, with both weights well
  away from zero); over the same span on one side (before A or after B) the picture is steady
  compared with the change from A to B, and on the other side it changes less than that (a
  pan changes all the time; a dissolve joins two steadier shots, or a steady and a moving
  one); no single frame in between jumps by half the change (that is a hard cut). The cut is
  placed where the mix is closest to half and half; one transition is reported once.
* **Fade** through black (or any near-uniform picture): a run of blank frames whose neighbours
  on both sides differ in structure; the cut is placed in the middle of the run. A run at the
  very start or end of the video is no cut, nor is a white flash (same picture both sides).

Cuts closer than `min_shot_seconds` to the previous one are dropped (the earlier one stays).
Boundaries come out in order once no later evidence can change them, four seconds behind the
decoder (twice the longest dissolve window); memory is a fixed window of small frames.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import islice

import cv2
import numpy as np


@dataclass(frozen=True)
class ShotParams:
    # Hard cuts: difference floor (mean |dY| + |dU| + |dV|, 0-255 scale) and adaptive ratio.
    cut_floor: float = 10.0
    adaptive_ratio: float = 3.0
    adaptive_frames: int = 2
    repeat_diff: float = 0.5  # a frame this close to the previous one is a repeat
    # ... and `recent_ratio` times the second largest difference of the last `recent_seconds`.
    recent_ratio: float = 1.5
    recent_seconds: float = 1.0
    # A jump that comes back to the earlier picture within this time is a flash, not a cut.
    flash_seconds: float = 0.12
    flash_return: float = 0.5
    min_shot_seconds: float = 0.5
    # Gradual transitions: half-window lengths tried (seconds), structural change needed
    # (mean |difference| of contrast-normalised luma; unrelated pictures score about 1.1),
    # largest unexplained part of the middle frame, steadiness of the surroundings.
    dissolve_windows: tuple[float, ...] = (0.5, 1.0)
    structure_change: float = 0.5
    mix_residual: float = 0.4
    steadiness: float = 0.5
    moving_side: float = 1.0
    # Blank (fade) frames: luma standard deviation below blank_std, or dark and nearly flat.
    blank_std: float = 5.0
    dark_mean: float = 40.0
    dark_std: float = 10.0
    fade_lookaround_seconds: float = 0.5


@dataclass(frozen=True)
class Boundary:
    frame: int  # first frame of the new shot
    time: float
    kind: str  # "cut", "dissolve" or "fade"
    first: int  # first and last frame of the transition (equal to frame for a cut)
    last: int


class Features:
    """The small picture of one frame, as the detectors compare it."""

    __slots__ = ("blank", "d", "gap", "index", "mean", "number", "std", "time", "u8", "v8", "y",
                 "y8", "z")

    def __init__(self, index: int, time: float, y: np.ndarray, u: np.ndarray | None,
                 v: np.ndarray | None, params: ShotParams, number: int | None = None) -> None:
        # Computed once per frame of the video: OpenCV calls (one C call each, exact integer
        # sums) rather than chains of NumPy operations on small arrays.
        self.index = index  # position among the frames pushed
        self.number = index if number is None else number  # frame number in the video
        self.gap = 1  # frames of the video from the previous frame pushed (skipped ones count)
        self.time = time
        self.y8 = y8 = np.ascontiguousarray(y, dtype=np.uint8)
        self.u8 = self.v8 = None
        if u is not None and v is not None:
            self.u8 = np.ascontiguousarray(u, dtype=np.uint8)
            self.v8 = np.ascontiguousarray(v, dtype=np.uint8)
        mean, std = cv2.meanStdDev(y8)
        self.mean = m = float(mean[0, 0])
        self.std = sd = float(std[0, 0])
        self.y = yf = y8.astype(np.float32).ravel()
        self.blank = sd < params.blank_std or (m < params.dark_mean and sd < params.dark_std)
        self.z: np.ndarray | None = None if self.blank else (yf - np.float32(m)) * np.float32(
            1.0 / sd)
        self.d = 0.0  # difference from the previous frame


def raw_diff(a: Features, b: Features) -> float:
    """Mean |dY| + mean |dU| + mean |dV| (0-255 scale), or mean |dY| for grey frames."""
    if a.y8.shape != b.y8.shape:
        return 255.0
    dy: float = cv2.norm(a.y8, b.y8, cv2.NORM_L1) / a.y8.size
    if (a.u8 is None or b.u8 is None or a.v8 is None or b.v8 is None
            or a.u8.shape != b.u8.shape):
        return dy  # a grey frame on either side: luma only
    return dy + (cv2.norm(a.u8, b.u8, cv2.NORM_L1) + cv2.norm(a.v8, b.v8, cv2.NORM_L1)) / \
        a.u8.size


def structure_diff(a: Features, b: Features) -> float | None:
    if a.z is None or b.z is None or a.z.shape != b.z.shape:
        return None
    return cv2.norm(a.z, b.z, cv2.NORM_L1) / a.z.size


def _gap_scale(gap: int, other: int) -> float:
    """Factor bringing a difference across `other` frames to one across `gap` frames."""
    return 1.0 if gap == other else (gap / other) ** 0.5


@dataclass
class _Run:
    start: int
    end: int = -1  # last blank frame, -1 while the run goes on
    before: Features | None = None
    after: Features | None = None
    after_seen: int = 0


class ShotDetector:
    """Push frames in order; get boundaries back in order, with the frame index before which
    every frame's shot is final (`ready_before`)."""

    def __init__(self, fps: float, params: ShotParams | None = None) -> None:
        self.p = p = params or ShotParams()
        self.fps = fps if fps and fps > 0 else 25.0
        self.flash = max(2, round(p.flash_seconds * self.fps))
        self.hs = sorted({max(2, round(h * self.fps)) for h in p.dissolve_windows}) or [2]
        self.h_max = self.hs[-1]
        self.hard_delay = max(self.flash, p.adaptive_frames)
        self.look = max(2, round(p.fade_lookaround_seconds * self.fps))
        # A dissolve centred on c is known 3h after c and starts h before it.
        self.delay = max(self.hard_delay, 4 * self.h_max) + 1
        self.buf: deque[Features] = deque(maxlen=6 * self.h_max + self.look + 4)
        self.recent = max(2, round(p.recent_seconds * self.fps))
        self.blank_count: deque[int] = deque(maxlen=self.buf.maxlen)  # cumulative blank count
        self.pending: list[Boundary] = []
        self.run: _Run | None = None
        self.diss_group: list[tuple[float, int, int]] = []  # (score, centre, half window)
        self.last_dissolve: tuple[float, Boundary] | None = None
        self.last_cut_time = 0.0
        self.cut_frames: deque[int] = deque(maxlen=8)  # the latest hard cuts found
        self.last_index = -1
        self.ready_before = 0

    # ------------------------------------------------------------------ public

    def push(self, f: Features) -> list[Boundary]:
        if self.buf:
            f.d = raw_diff(self.buf[-1], f)
            f.gap = max(1, f.number - self.buf[-1].number)
        self.buf.append(f)
        self.blank_count.append((self.blank_count[-1] if self.blank_count else 0) + f.blank)
        self.last_index = i = f.index
        self._track_blank(f)
        self._check_cut(i - self.hard_delay)
        self._check_dissolve(i - 3 * self.h_max)
        horizon = i - self.delay + 1
        return self._finalise(horizon)

    def flush(self) -> list[Boundary]:
        """The end of the stream: decide what is still open."""
        last = self.last_index
        for c in range(max(0, last - self.hard_delay + 1), last + 1):
            self._check_cut(c)
        self._close_dissolve_group()
        if self.run is not None:
            self._decide_run(at_end=True)
        return self._finalise(last + 1)

    # ------------------------------------------------------------------ access

    def _at(self, index: int) -> Features | None:
        if not self.buf:
            return None
        pos = index - self.buf[0].index
        if 0 <= pos < len(self.buf):
            return self.buf[pos]
        return None

    def _blanks_between(self, lo: int, hi: int) -> int:
        first = self.buf[0].index
        lo_pos, hi_pos = lo - first, hi - first
        if lo_pos < 0 or hi_pos >= len(self.buf):
            return 1  # outside what is known: treat as unusable
        before = self.blank_count[lo_pos - 1] if lo_pos > 0 else (
            self.blank_count[0] - self.buf[0].blank)
        return self.blank_count[hi_pos] - before

    # ------------------------------------------------------------------ hard cuts

    def _check_cut(self, c: int) -> None:
        p = self.p
        cur, prev = self._at(c), self._at(c - 1)
        if cur is None or prev is None or cur.blank or prev.blank:
            return
        d = cur.d
        if d < p.cut_floor:
            return
        base = self._neighbour_mean(c, cur.gap)
        if d < p.adaptive_ratio * max(base, 1.0):
            return
        if d < p.recent_ratio * self._recent_second_largest(c, cur.gap):
            return  # steps as large came in the last second: motion, not a cut
        limit = p.flash_return * d
        for k in range(1, self.flash + 1):
            later = self._at(c + k)
            if later is not None and raw_diff(prev, later) < limit:
                return  # the picture comes back: a flash starts here
            earlier = self._at(c - 1 - k)
            if earlier is not None and raw_diff(earlier, cur) < limit:
                return  # back to what it was before: a flash ends here
        self.cut_frames.append(c)
        self._add(Boundary(c, cur.time, "cut", c, c))

    def _neighbour_mean(self, c: int, gap: int = 1) -> float:
        """Mean difference of the `adaptive_frames` nearest frames on each side of c, skipping
        repeated frames: footage converted from a lower frame rate shows a motion step only
        every second or third frame, and those steps must not look like cuts. A cut found
        just before is no neighbour (two cuts close together in still pictures).

        When frames were skipped, each difference is scaled to the `gap` (in frames of the
        video) of the one tested, by the square root of the ratio of gaps: smooth motion
        across two frames differs about twice as much as across one, motion in steps (each
        picture shown twice) not at all, a cut never; the root sits between the two."""
        p = self.p
        around: list[float] = []
        cuts = self.cut_frames
        for direction in (-1, 1):
            got = 0
            for k in range(1, 4 * p.adaptive_frames + 1):
                g = self._at(c + direction * k)
                if g is None or g.index == 0:
                    break
                if g.d > p.repeat_diff and g.index not in cuts:
                    around.append(g.d * _gap_scale(gap, g.gap))
                    got += 1
                    if got == p.adaptive_frames:
                        break
        return sum(around) / len(around) if around else 0.0

    def _recent_second_largest(self, c: int, gap: int = 1) -> float:
        """The second largest frame difference in the `recent_seconds` before c (ignoring
        jumps into or out of blank frames): footage whose motion comes in steps (a slideshow,
        a low frame rate shown at a higher one) has many such steps."""
        top1 = top2 = 0.0
        for k in range(1, self.recent + 1):
            g = self._at(c - k)
            if g is None:
                break
            prev = self._at(c - k - 1)
            if g.blank or (prev is not None and prev.blank):
                continue
            d = g.d * _gap_scale(gap, g.gap)  # as for the neighbour mean
            if d > top1:
                top1, top2 = d, top1
            elif d > top2:
                top2 = d
        return top2

    # ------------------------------------------------------------------ dissolves

    def _check_dissolve(self, c: int) -> None:
        best: tuple[float, int, int] | None = None
        mid = self._at(c)
        if mid is not None and not mid.blank:
            for h in self.hs:
                score = self._mix_score(c, h, mid)
                if score is not None and (best is None or score < best[0]):
                    best = (score, c, h)
        if best is not None:
            if self.diss_group and c - self.diss_group[0][1] > 2 * self.h_max:
                self._close_dissolve_group()  # a slow morph: never hold frames for long
            self.diss_group.append(best)
        else:
            self._close_dissolve_group()

    def _mix_score(self, c: int, h: int, mid: Features) -> float | None:
        p = self.p
        a, b = self._at(c - h), self._at(c + h)
        # The same span before A and after B: a pan changes there as much as from A to B.
        before, after = self._at(c - 3 * h), self._at(c + 3 * h)
        if a is None or b is None or before is None or after is None:
            return None
        change = structure_diff(a, b)
        if change is None or change < p.structure_change:
            return None
        if self._blanks_between(c - 3 * h, c + 3 * h):
            return None
        s1, s2 = structure_diff(before, a), structure_diff(b, after)
        # One side steady (a dissolve into or out of a moving shot is common); the other may
        # move, but less than the transition changes the picture. A steady pan fails both.
        if (s1 is None or s2 is None or min(s1, s2) > p.steadiness * change
                or max(s1, s2) > p.moving_side * change):
            return None
        raw = raw_diff(a, b)
        jump = max(g.d for g in islice(self.buf, c - h + 1 - self.buf[0].index,
                                       c + h + 1 - self.buf[0].index))
        if jump > 0.5 * raw:
            return None
        ya, yb, ym = a.y - a.mean, b.y - b.mean, mid.y - mid.mean
        m = np.stack([ya, yb], axis=1)
        coef, *_ = np.linalg.lstsq(m, ym, rcond=None)
        alpha, beta = float(coef[0]), float(coef[1])
        if alpha < 0.1 or beta < 0.1:
            return None
        share = alpha / (alpha + beta)
        if not 0.25 <= share <= 0.75:
            return None
        norm = float(np.linalg.norm(ym))
        if norm <= 0:
            return None
        residual = float(np.linalg.norm(ym - m @ coef)) / norm
        if residual > p.mix_residual:
            return None
        return abs(share - 0.5) + 0.25 * residual

    def _close_dissolve_group(self) -> None:
        if not self.diss_group:
            return
        score, c, h = min(self.diss_group)
        self.diss_group = []
        cur = self._at(c)
        if cur is None:
            return
        new = Boundary(c, cur.time, "dissolve", c - h, c + h)
        last = self.last_dissolve
        if last is not None and c - last[1].frame <= 2 * self.h_max:
            # The same transition seen twice (its two ends): keep the better centred one.
            if score >= last[0] or last[1] not in self.pending:
                return
            self.pending.remove(last[1])
        self.last_dissolve = (score, new)
        self._add(new)

    # ------------------------------------------------------------------ fades

    def _track_blank(self, f: Features) -> None:
        run = self.run
        if f.blank:
            if run is None:
                self.run = _Run(f.index, before=self._most_detailed(
                    range(f.index - self.look, f.index)))
            elif run.end >= 0:  # blank again while looking past the end of the run
                self._decide_run(at_end=False)
                self.run = _Run(f.index, before=self._most_detailed(
                    range(f.index - self.look, f.index)))
            return
        if run is None:
            return
        if run.end < 0:
            run.end = f.index - 1
        run.after_seen += 1
        if run.after is None or f.std > run.after.std:
            run.after = f
        if run.after_seen >= self.look:
            self._decide_run(at_end=False)

    def _most_detailed(self, indices: range) -> Features | None:
        best = None
        for k in indices:
            g = self._at(k)
            if g is not None and not g.blank and (best is None or g.std > best.std):
                best = g
        return best

    def _decide_run(self, *, at_end: bool) -> None:
        run, self.run = self.run, None
        if run is None or run.end < 0 or run.before is None or run.after is None:
            return
        change = structure_diff(run.before, run.after)
        if change is None or change < self.p.structure_change:
            return
        c = (run.start + run.end + 1) // 2
        cur = self._at(c)
        time = cur.time if cur is not None else run.before.time + (c - run.before.index) / self.fps
        self._add(Boundary(c, time, "fade", run.start, run.end))

    # ------------------------------------------------------------------ ordering

    def _add(self, b: Boundary) -> None:
        self.pending.append(b)

    def _finalise(self, horizon: int) -> list[Boundary]:
        if self.run is not None:
            horizon = min(horizon, self.run.start)
        if self.diss_group:
            horizon = min(horizon, min(c - h for _, c, h in self.diss_group))
        horizon = max(horizon, self.ready_before)
        out: list[Boundary] = []
        if self.pending:
            self.pending.sort(key=lambda b: b.frame)
            keep = []
            for b in self.pending:
                if b.frame >= horizon:
                    keep.append(b)
                    continue
                if b.frame <= 0 or b.time - self.last_cut_time < self.p.min_shot_seconds:
                    continue
                self.last_cut_time = b.time
                out.append(b)
            self.pending = keep
        self.ready_before = horizon
        return out
