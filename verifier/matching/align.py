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
_WEIGHT_MARGIN = 0.15  # about 5 PDQ bits at the default threshold
# Real time first: it is what nearly every copy is, and in static footage any speed fits.
_NICE_SPEEDS = (1.0, 0.5, 0.75, 1.25, 1.5, 2.0, 3.0, 4.0, 0.25)


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
    query times in it, each with its best weight. A short clip puts the same pairs in one bin
    over a range of speeds: among those, the line nearest its pairs wins (1.0x still first)."""
    if len(tq) == 0:
        return None
    _, q_index = np.unique(tq, return_inverse=True)
    n_q = int(q_index.max()) + 1
    best: tuple[float, float, float] | None = None
    best_spread = np.inf
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
            if best is not None and score < best[2] - 1e-9:
                continue
            members = chosen[bins[chosen] == j]
            offset = float(np.median(offsets[members]))
            spread = float(np.average(np.abs(offsets[members] - offset), weights=w[members])) \
                if float(w[members].sum()) > 0 else 0.0
            if best is None or score > best[2] + 1e-9 or spread < best_spread - 1e-9:
                best, best_spread = (float(speed), offset, score), spread
    return best


def _outside(chosen: np.ndarray, tq: np.ndarray, segments: list[Segment]) -> np.ndarray:
    """Pairs whose query time no earlier segment covers: a later segment must explain another
    part of the query (inside a static shot, leftovers fit any number of lines)."""
    keep = np.ones(len(chosen), dtype=bool)
    for seg in segments:
        keep &= ~((tq[chosen] >= seg.query_start - 1e-6) & (tq[chosen] <= seg.query_end))
    return chosen[keep]


def _best_per_query(idx: np.ndarray, tq: np.ndarray, ts: np.ndarray, w: np.ndarray,
                    speed: float, offset: float, tolerance: float) -> np.ndarray:
    """Indices (into the full arrays) of the best pair per query time near the line: highest
    weight, then smallest residual."""
    residual = np.abs(ts[idx] - (speed * tq[idx] + offset))
    near = idx[residual <= tolerance]
    if len(near) == 0:
        return near
    res = np.abs(ts[near] - (speed * tq[near] + offset))
    # Within a static shot every sample matches about as well: among the pairs within a few
    # bits of a query frame's best, the one nearest the line is taken.
    best_w = np.zeros(len(near))
    for t in np.unique(tq[near]):
        same = tq[near] == t
        best_w[same] = w[near][same].max()
    close = w[near] >= best_w - _WEIGHT_MARGIN
    order = np.lexsort((res, ~close, tq[near]))
    ordered = near[order]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = tq[ordered][1:] != tq[ordered][:-1]
    return ordered[first]


def _score_line(tq: np.ndarray, ts: np.ndarray, w: np.ndarray, speed: float, offset: float,
                tolerance: float) -> float:
    """Summed best weight of the distinct query times within `tolerance` of the line."""
    near = np.abs(ts - (speed * tq + offset)) <= tolerance
    total = 0.0
    for t in np.unique(tq[near]):
        total += float(w[near][tq[near] == t].max())
    return total


def _refine(tq: np.ndarray, ts: np.ndarray, speed: float, offset: float,
            all_tq: np.ndarray, all_ts: np.ndarray, all_w: np.ndarray,
            tolerance: float) -> tuple[float, float]:
    """Least-squares line through one pair per query frame; then the usual speed (1x, 1.5x,
    2x, ...) nearest it is preferred when it explains nearly as many frames: with samples a
    second apart, a fitted slope wanders a few per cent."""
    if len(np.unique(tq)) >= 4 and float(tq.max() - tq.min()) >= 2.0:
        slope, intercept = np.polyfit(tq, ts, 1)
        if 0.2 < slope < 5:
            speed, offset = float(slope), float(intercept)
    fitted = _score_line(all_tq, all_ts, all_w, speed, offset, tolerance)
    # Real time when it explains nearly as much; else the usual speed that explains most.
    best: tuple[float, float, float] | None = None
    for nice in _NICE_SPEEDS:
        if abs(nice / speed - 1) > 0.25:
            continue
        off = float(np.median(ts - nice * tq))
        score = _score_line(all_tq, all_ts, all_w, nice, off, tolerance)
        if score < 0.9 * fitted:
            continue
        if nice == 1.0:
            return nice, off
        if best is None or score > best[2] + 1e-9 or (
                abs(score - best[2]) <= 1e-9 and abs(nice / speed - 1) < abs(best[0] / speed - 1)):
            best = (nice, off, score)
    return (best[0], best[1]) if best is not None else (speed, offset)


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
        best = _outside(_best_per_query(idx, tq, ts, w, speed, offset, tolerance), tq,
                        segments)
        if len(best) < max(min_votes, int(0.2 * first_votes)):
            break
        # Refine on one pair per query frame (its best match near the line): keeping every
        # neighbour within the tolerance biases the slope at the ends of the clip.
        speed, offset = _refine(tq[best], ts[best], speed, offset, tq[idx], ts[idx], w[idx],
                                tolerance)
        best = _outside(_best_per_query(idx, tq, ts, w, speed, offset, tolerance), tq,
                        segments)
        if len(best) < max(min_votes, int(0.2 * first_votes)):
            break
        votes = len(best)
        q0, q1 = float(tq[best].min()), float(tq[best].max())
        weight = float(w[best].sum())
        q1_end = q1 + query_step
        segments.append(Segment(q0, q1_end, max(0.0, speed * q0 + offset),
                                max(0.0, speed * q1_end + offset), round(speed, 2), offset,
                                votes, weight))
        first_votes = first_votes or votes
        # Pairs of the query times this line explains are used up.
        remaining &= ~np.isin(tq, tq[best])
    return segments
