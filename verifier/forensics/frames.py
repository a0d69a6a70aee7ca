"""Duplicate and dropped frames over a whole video, in one streaming pass.

Each decoded frame is shrunk to a small grey picture (read from the Y plane) and compared with
the one before: a frame that repeats its predecessor (mean difference under a fraction of a
grey level) is a duplicate; a presentation-time step much longer than the usual one is a gap
where frames are missing. Memory stays flat: two small frames plus one float per frame for
the difference chart.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import cv2
import numpy as np

from verifier.forensics.result import LensMap, LensResult
from verifier.media.video import VideoReader
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

NAME = "frames"
WIDTH = 160
NOTE = (
    "Duplicate frames repeat the picture of the frame before; dropped frames show as gaps in "
    "the presentation times. Both are common without any editing: frame-rate conversion "
    "(e.g. 25 to 30 frames/s repeats every fifth frame), screen recordings, streaming and "
    "slow devices drop or repeat frames, and a perfectly still scene can look repeated. An "
    "irregular repeat or a gap in the middle of continuous motion can mark a cut, a removed "
    "passage or a spliced section: look at the video around those times."
)


def frames(path: Path, *, duplicate_level: float = 0.3, gap_factor: float = 1.8,
           progress: Progress = NULL_PROGRESS,
           cancel: CancelToken = NEVER_CANCELLED) -> LensResult:
    """Duplicate runs and timestamp gaps; a chart of frame-to-frame differences."""
    params = {"duplicate_level": duplicate_level, "gap_factor": gap_factor, "width": WIDTH}
    reader = VideoReader(Path(path))
    diffs = array("f")
    times = array("d")
    runs: list[list[float]] = []  # [first repeated frame, last, start time, end time]
    prev: np.ndarray | None = None
    started = False
    for decoded in reader:
        if not started:
            info = reader.info
            progress.start(info.frames if info and info.frames else None, "frame check")
            started = True
        if decoded.index % 25 == 0:
            cancel.check()
        small = decoded.gray_small(WIDTH).astype(np.int16)
        times.append(decoded.time)
        if prev is None or prev.shape != small.shape:
            diffs.append(float("nan"))
        else:
            d = float(cv2.absdiff(small, prev).mean())
            diffs.append(d)
            if d < duplicate_level:
                if runs and runs[-1][1] == decoded.index - 1:
                    runs[-1][1], runs[-1][3] = decoded.index, decoded.time
                else:
                    runs.append([decoded.index, decoded.index, decoded.time, decoded.time])
        prev = small
        progress.advance()
    t = np.frombuffer(times, dtype=np.float64)
    steps = np.diff(t) if len(t) > 1 else np.zeros(0)
    usual = float(np.median(steps)) if len(steps) else 0.0
    gaps = []
    if usual > 0:
        for i in np.nonzero(steps > gap_factor * usual)[0]:
            missing = round(float(steps[i]) / usual) - 1
            gaps.append({"after_frame": int(i), "time": round(float(t[i]), 3),
                         "gap_seconds": round(float(steps[i]), 4), "missing_frames": missing})
    duplicates = sum(int(r[1] - r[0] + 1) for r in runs)
    findings = _findings(runs, gaps, len(t), duplicates)
    findings += [f"Note from the decoder: {p}" for p in reader.problems]
    chart = _chart(np.frombuffer(diffs, dtype=np.float32), duplicate_level)
    return LensResult(
        NAME, params,
        (LensMap("frame_differences", chart, "Frame-to-frame difference over the video (left "
                                             "to right); red ticks: repeated frames.",
                 overlay=False),),
        {"frames": len(t), "duplicate_frames": duplicates, "duplicate_runs": len(runs),
         "gaps": len(gaps), "usual_frame_step": round(usual, 5),
         "fps_from_times": round(1 / usual, 3) if usual else None,
         "partial": reader.partial},
        tuple(findings), NOTE, (0, 0),
        details={"duplicate_runs": [
            {"first_frame": int(r[0]), "last_frame": int(r[1]), "start": round(r[2], 3),
             "end": round(r[3], 3), "repeats_frame": int(r[0]) - 1} for r in runs],
            "gaps": gaps},
        source=str(path))


def _findings(runs: list[list[float]], gaps: list[dict[str, float | int]], count: int,
              duplicates: int) -> list[str]:
    out = []
    if duplicates:
        shown = ", ".join(f"{r[2]:.3f} s" + (f"-{r[3]:.3f} s" if r[1] > r[0] else "")
                          for r in runs[:8])
        more = f" and {len(runs) - 8} more" if len(runs) > 8 else ""
        out.append(f"{duplicates} of {count} frames repeat the frame before them, in "
                   f"{len(runs)} runs (at {shown}{more}).")
        lengths = np.diff([r[0] for r in runs]) if len(runs) > 2 else np.zeros(0)
        if len(lengths) >= 3 and float(np.std(lengths)) <= 1.0:
            out.append(f"The repeats come at a steady interval of about {np.mean(lengths):.0f} "
                       "frames: the pattern of a frame-rate conversion, not of an edit.")
    else:
        out.append(f"No frame repeats the one before it ({count} frames).")
    if gaps:
        shown = ", ".join(f"{g['time']:.3f} s ({g['missing_frames']} missing)" for g in gaps[:8])
        out.append(f"{len(gaps)} gaps in the presentation times: after {shown}.")
    else:
        out.append("No gaps in the presentation times.")
    return out


def _chart(diffs: np.ndarray, level: float, width: int = 1000, height: int = 160) -> np.ndarray:
    """Max difference per column (log scale), repeated frames marked red under the axis."""
    img = np.full((height, width, 3), 24, dtype=np.uint8)
    n = len(diffs)
    if n == 0:
        return img
    cols = min(width, n)
    clean = np.nan_to_num(diffs, nan=0.0)
    edges = np.linspace(0, n, cols + 1).astype(int)
    top = float(np.log1p(max(float(clean.max()), 1.0)))
    plot_h = height - 12
    for c in range(cols):
        seg = clean[edges[c]: max(edges[c + 1], edges[c] + 1)]
        value = float(np.log1p(seg.max())) / top
        x = int(c * width / cols)
        x2 = max(x + 1, int((c + 1) * width / cols))
        img[plot_h - int(value * (plot_h - 4)): plot_h, x:x2] = (90, 200, 255)
        if (seg[1:] if c == 0 else seg).min(initial=np.inf) < level:
            img[height - 10: height - 2, x:x2] = (255, 60, 60)
    return img
