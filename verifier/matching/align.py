"""Temporal alignment of a query video with a source video: every matched pair of frames
(query time, source time) votes for a line  source = speed * query + offset; the line with the
most votes is the alignment ("query 00:00-00:19 = source 01:23-01:42, speed 1.0x"). Works for
trimmed, re-encoded, sped-up and slowed-down copies; several segments of one source are found
one after the other."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Speeds tried, on a log grid from 1/4x to 4x (2 % apart), 1.0x exactly among them.
_SPEEDS = np.unique(np.concatenate([np.exp(np.linspace(np.log(0.25), np.log(4.0), 141)),
                                    [1.0]]))
_NICE_SPEEDS = (0.25, 0.5, 2 / 3, 0.75, 0.8, 0.9, 1.0, 1.1, 1.2, 1.25, 1.5, 2.0, 3.0, 4.0)


@dataclass(frozen=True)
class Segment:
    query_start: float
    query_end: float
    source_start: float
    source_end: float
    speed: float
    offset: float  # source time at query time 0
    votes: int  # distinct query frames on the line
    weight: float  # their summed match weights

    def describe(self, source_name: str = "source") -> str:
        return (f"query {format_time(self.query_start)}-{format_time(self.query_end)} = "
                f"{source_name} {format_time(self.source_start)}-"
                f"{format_time(self.source_end)}, speed {format_speed(self.speed)}")


def format_speed(speed: float) -> str:
    text = f"{speed:.2f}".rstrip("0")
    return (text + "0" if text.endswith(".") else text) + "x"


def format_time(seconds: float) -> str:
    seconds = max(0.0, seconds)
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _best_line(tq: np.ndarray, ts: np.ndarray, w: np.ndarray,
               tolerance: float) -> tuple[float, float, float] | None:
    """(speed, offset, score) of the line through most distinct query times: for every speed,
    offsets are binned (bins one tolerance wide, at two phases) and each bin scores the distinct
    query times in it, each with its best weight."""
    if len(tq) == 0:
        return None
    _, q_index = np.unique(tq, return_inverse=True)
    n_q = int(q_index.max()) + 1
    best: tuple[float, float, float] | None = None
    for speed in _SPEEDS:
        offsets = ts - speed * tq
        for phase in (0.0, 0.5):
            bins = np.floor(offsets / tolerance + phase).astype(np.int64)
            bins -= bins.min()
            key = bins * n_q + q_index
            order = np.lexsort((-w, key))
            keys = key[order]
            first = np.ones(len(order), dtype=bool)
            first[1:] = keys[1:] != keys[:-1]
            chosen = order[first]
            sums = np.bincount(bins[chosen], weights=w[chosen])
            j = int(np.argmax(sums))
            # Prefer 1.0x when it explains the pairs as well (nearly all copies are real-time).
            score = float(sums[j]) + (1e-3 if speed == 1.0 else 0.0)
            if best is None or score > best[2] + 1e-9:
                members = chosen[bins[chosen] == j]
                best = (float(speed), float(np.median(offsets[members])), score)
    return best


def _refine(tq: np.ndarray, ts: np.ndarray, speed: float, offset: float) -> tuple[float, float]:
    """Least-squares line through the inliers, snapped to a usual speed when close to one."""
    if len(np.unique(tq)) >= 4 and float(tq.max() - tq.min()) >= 2.0:
        slope, intercept = np.polyfit(tq, ts, 1)
        if 0.2 < slope < 5:
            speed, offset = float(slope), float(intercept)
    for nice in _NICE_SPEEDS:
        if abs(speed / nice - 1) <= 0.03:
            speed = nice
            offset = float(np.median(ts - nice * tq))
            break
    return speed, offset


def align(pairs: list[tuple[float, float, float]], *, tolerance: float = 1.0,
          max_segments: int = 3, min_votes: int = 2,
          query_step: float = 0.5) -> list[Segment]:
    """Segments explained by (query_time, source_time, weight) pairs, strongest first.

    `tolerance` is how far (seconds) a pair may sit off the line: about the source's sampling
    step. `query_step` is added to the query end so a segment covers its last sample's span.
    """
    if not pairs:
        return []
    data = np.array(pairs, dtype=np.float64)
    tq, ts, w = data[:, 0], data[:, 1], data[:, 2]
    remaining = np.ones(len(tq), dtype=bool)
    segments: list[Segment] = []
    first_votes = 0
    while len(segments) < max_segments and remaining.sum() >= min_votes:
        idx = np.nonzero(remaining)[0]
        line = _best_line(tq[idx], ts[idx], w[idx], tolerance)
        if line is None:
            break
        speed, offset, _score = line
        near = idx[np.abs(ts[idx] - (speed * tq[idx] + offset)) <= tolerance]
        votes = len(np.unique(tq[near]))
        if votes < max(min_votes, int(0.2 * first_votes)):
            break
        speed, offset = _refine(tq[near], ts[near], speed, offset)
        near = idx[np.abs(ts[idx] - (speed * tq[idx] + offset)) <= tolerance]
        if len(near) == 0:
            break
        votes = len(np.unique(tq[near]))
        q0, q1 = float(tq[near].min()), float(tq[near].max())
        weight = float(sum(w[near][tq[near] == t].max() for t in np.unique(tq[near])))
        q1_end = q1 + query_step
        segments.append(Segment(q0, q1_end, max(0.0, speed * q0 + offset),
                                max(0.0, speed * q1_end + offset), round(speed, 2), offset,
                                votes, weight))
        first_votes = first_votes or votes
        # Pairs on this line (and the query times it explains) are used up.
        used_q = np.isin(tq, tq[near])
        remaining &= ~used_q
    return segments
