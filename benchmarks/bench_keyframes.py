"""Shot-boundary accuracy and keyframe speed, against PySceneDetect, in one run.

    .venv/bin/python benchmarks/bench_keyframes.py [--quick] [--no-write] [--keep DIR]

Accuracy (a cut counts when found within 0.5 s of a true one; one-to-one matching):
  (a) synthetic: videos this script builds from real footage and photos in ../shared/media, with
      hard cuts, 1 s dissolves and 1 s fades through black at known times, camera pans over
      photos, and 2-frame white flashes and camera flashes that must not count;
  (b) real: the videos listed in benchmarks/data/cuts.json with their known cuts (PySceneDetect's
      test videos, and real camera videos with no cut, where any cut is a false positive).
The same videos and scoring for ours (verifier.media.keyframes, the full pass that also saves the
keyframes; by default it leaves H.264/HEVC non-reference pictures undecoded, and "ours, every
frame" decodes them all), PySceneDetect ContentDetector and AdaptiveDetector with their defaults.
`--seeds 4,5,6,7` builds other synthetic videos than the default 1,2,3 (held-out data).

Speed and memory on a 10-minute 1280x720 video (the synthetic footage looped by remuxing), each
tool in its own subprocess (peak RSS from getrusage): ours full (default and every frame) and
fast, ContentDetector, AdaptiveDetector, and decode-only PyAV loops: every frame with FFmpeg's
default threading and with the frame threading our reader uses, and reference pictures only
(the limit of a pass that skips what we skip).

Needs `pip install -e '.[bench]'` (scenedetect-headless, psutil). Writes the figures under
"## Keyframes" in benchmarks/RESULTS.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"
DATA = Path(__file__).resolve().parent / "data"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TOLERANCE = 0.5
# The held-out check (other seeds than the recorded run), pasted from its own run's output.
HELDOUT = """Held-out check: `.venv/bin/python benchmarks/bench_keyframes.py --seeds 4,5,6,7
--skip-speed --no-write` (2026-11-25), four synthetic videos made with seeds never used while
the detector or the frame skipping was written (same recipe, other footage, photos, transitions
and flashes):

| set | detector | precision | recall | F1 | TP | FP | FN |
|---|---|---|---|---|---|---|---|
| (a) synthetic, seeds 4-7 | ours | 0.940 | 0.904 | 0.922 | 47 | 3 | 5 |
| (a) synthetic, seeds 4-7 | ours, every frame | 0.922 | 0.904 | 0.913 | 47 | 4 | 5 |
| (a) synthetic, seeds 4-7 | PySceneDetect ContentDetector | 0.515 | 0.654 | 0.576 | 34 | 32 | 18 |
| (a) synthetic, seeds 4-7 | PySceneDetect AdaptiveDetector | 0.491 | 0.519 | 0.505 | 27 | 28 | 25 |

On held-out videos ours is lower than on the seeds it was tuned with (0.92 against 0.99) and
still well above both PySceneDetect detectors; skipping non-reference pictures costs nothing
there."""
W, H, FPS = 1280, 720, 30
sys.path.insert(0, str(ROOT))

# ---------------------------------------------------------------------------- sources

# Contiguous runs of real video with no cut inside (checked by eye), as (file, first, last frame).
VIDEO_RUNS = [
    ("PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4", 0, 59),
    ("PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4", 60, 139),
    ("PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4", 140, 159),
    ("PySceneDetect/tests/resources/issue-236-split-copy.mkv", 0, 18),
    ("PySceneDetect/tests/resources/issue-236-split-copy.mkv", 19, 47),
    ("PySceneDetect/tests/resources/testvideo.mp4", 40, 175),
    ("PySceneDetect/tests/resources/testvideo.mp4", 235, 335),
    ("PySceneDetect/tests/resources/testvideo.mp4", 425, 525),
    ("PySceneDetect/tests/resources/testvideo.mp4", 565, 680),
    ("metadata-extractor-images/avi/MVI_4823.AVI", 0, 77),
    ("metadata-extractor-images/avi/100_0306.AVI", 0, 40),
    ("metadata-extractor-images/mp4/FLIR Thermal.mp4", 0, 83),
    ("metadata-extractor-images/mov/with-gps.mov", 0, 119),
    ("metadata-extractor-images/mp4/Issue 515 (java).mp4", 0, 108),
    # These two open on a near-white picture the logo animates out of: only the animated part
    # is used, since where a cut into a blank picture "is" depends on convention.
    ("metadata-extractor-images/mp4/sample_mpeg4.mp4", 50, 148),
    ("metadata-extractor-images/mp4/ftyp3gp5.mp4", 0, 38),
    ("metadata-extractor-images/mov/xmp480qt.mov", 0, 29),
    ("metadata-extractor-images/mp4/uuid540.mp4", 0, 30),
    ("metadata-extractor-images/3gp/sample.3gp", 30, 73),
]
PHOTO_DIR = "metadata-extractor-images/jpg"


def cover(img: Image.Image, w: int = W, h: int = H) -> Image.Image:
    return ImageOps.fit(img.convert("RGB"), (w, h), Image.Resampling.BILINEAR)


def video_frames(rel: str, first: int, last: int) -> list[np.ndarray]:
    out = []
    with av.open(str(MEDIA / rel)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i > last:
                break
            if i >= first:
                out.append(np.asarray(cover(f.to_image())))
    return out


def photo_paths() -> list[Path]:
    paths = []
    for p in sorted((MEDIA / PHOTO_DIR).glob("*.jpg")):
        try:
            with Image.open(p) as im:
                if min(im.size) < 480:
                    continue
            # Some samples have their image data stripped (a flat picture): not a shot.
            if float(np.asarray(cover(load_photo(p), 160, 90)).std()) >= 10:
                paths.append(p)
        except OSError:
            continue
    return paths


def load_photo(path: Path) -> Image.Image:
    with Image.open(path) as im:
        im.draft("RGB", (W * 2, H * 2))
        return ImageOps.exif_transpose(im).convert("RGB")


# ---------------------------------------------------------------------------- synthetic videos

@dataclass
class Segment:
    frames: list[np.ndarray]  # already W x H RGB
    label: str


@dataclass
class Built:
    path: Path
    cuts: list[float]
    events: list[str] = field(default_factory=list)


def segment_from_video(rel: str, first: int, last: int, n: int) -> Segment:
    src = video_frames(rel, first, last)
    # Slow down (repeat frames) or play back and forth to fill n frames: never a jump.
    seq: list[np.ndarray] = []
    forward = True
    i = 0
    reps = max(1, math.ceil(n / max(len(src), 1) / 2)) if len(src) < n / 2 else 1
    while len(seq) < n:
        for _ in range(reps):
            seq.append(src[i])
        if forward and i == len(src) - 1:
            forward = False
        elif not forward and i == 0:
            forward = True
        i = i + 1 if forward else i - 1
        i = min(max(i, 0), len(src) - 1)
    return Segment(seq[:n], f"{Path(rel).name}[{first}-{last}]")


def segment_from_photo(path: Path, n: int, motion: str) -> Segment:
    img = load_photo(path)
    if motion == "still":
        frame = np.asarray(cover(img))
        return Segment([frame] * n, f"{path.name} still")
    # Ken Burns: a 1/1.4 crop window moving across the photo (a pan) or shrinking (a zoom).
    big = cover(img, int(W * 1.4), int(H * 1.4))
    frames = []
    for k in range(n):
        a = k / max(n - 1, 1)
        if motion == "pan":
            x, y, s = a * (big.width - W), 0.5 * (big.height - H), 1.0
        else:  # zoom
            s = 1.0 + 0.4 * (1 - a)
            x, y = (big.width - W * s / 1.4 * 1.4) / 2, (big.height - H * s) / 2
        cw, ch = W * s if motion != "pan" else W, H * s if motion != "pan" else H
        box = (max(0, x), max(0, y), min(big.width, x + cw), min(big.height, y + ch))
        frames.append(np.asarray(big.resize((W, H), Image.Resampling.BILINEAR, box=box)))
    return Segment(frames, f"{path.name} {motion}")


def write_video(path: Path, frames: Iterator[np.ndarray]) -> int:
    n = 0
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        # One slice per frame, as in every real H.264 file in ../shared/media (PyAV's default
        # slice-threaded encoding would cut each frame in two, which changes decoding speed).
        stream.thread_type = "FRAME"
        for arr in frames:
            frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
            out.mux(stream.encode(frame))
            n += 1
        out.mux(stream.encode(None))
    return n


def build_synthetic(tmp: Path, seed: int, n_segments: int, photos: list[Path],
                    quick: bool) -> Built:
    """Segments of 2-5 s joined by cuts, dissolves and fades; flashes inside some segments."""
    rng = random.Random(seed)
    runs = VIDEO_RUNS[:]
    rng.shuffle(runs)
    pics = photos[:]
    rng.shuffle(pics)
    half = FPS // 2  # dissolves and fades take 1 s, centred on the cut
    specs: list[tuple[str, object]] = []
    for k in range(n_segments):
        if k % 2 == 0 and runs:
            specs.append(("video", runs.pop()))
        else:
            specs.append(("photo", (pics.pop(), rng.choice(["pan", "pan", "zoom", "still"]))))
    transitions = [rng.choice(["cut", "cut", "dissolve", "fade"]) for _ in range(n_segments - 1)]
    events: list[str] = []
    cuts: list[float] = []

    def frames() -> Iterator[np.ndarray]:
        # Each segment but the last keeps its final second (`tail`) for the transition into the
        # next; a dissolve blends that second with the next segment's first second, a fade
        # darkens the tail's second half to black and brightens the next segment's first half.
        tail: list[np.ndarray] = []
        t = 0  # frames emitted so far
        for k, (kind, spec) in enumerate(specs):
            n = rng.randint(3 * FPS, (4 if quick else 6) * FPS)
            if kind == "video":
                rel, first, last = spec  # type: ignore[misc]
                seg = segment_from_video(rel, first, last, n)
            else:
                path, motion = spec  # type: ignore[misc]
                seg = segment_from_photo(path, n, motion)
            body = seg.frames
            if k == 0:
                events.append(f"  0.000 s start {seg.label}")
            else:
                tr = transitions[k - 1]
                if tr == "cut":
                    yield from tail
                    t += len(tail)
                    cut = t
                elif tr == "dissolve":
                    for j in range(2 * half):
                        w = (j + 0.5) / (2 * half)
                        mix = (1 - w) * tail[j].astype(np.float32) + w * body[j].astype(
                            np.float32)
                        yield mix.astype(np.uint8)
                    cut = t + half
                    t += 2 * half
                    body = body[2 * half:]
                else:
                    yield from tail[:half]
                    for j, f in enumerate(tail[half:]):
                        yield (f.astype(np.float32) * (1 - (j + 1) / half)).astype(np.uint8)
                    t += 2 * half
                    cut = t
                    for j, f in enumerate(body[:half]):
                        yield (f.astype(np.float32) * ((j + 1) / half)).astype(np.uint8)
                    t += half
                    body = body[half:]
                cuts.append(round(cut / FPS, 4))
                events.append(f"{cut / FPS:7.3f} s {tr} -> {seg.label}")
            last = k == len(specs) - 1
            own = body if last else body[: len(body) - 2 * half]
            tail = [] if last else body[len(body) - 2 * half:]
            # Flashes that must not count: two white frames, or a brightened camera flash.
            if len(own) > 2 * FPS and rng.random() < 0.6:
                at = rng.randint(FPS // 2, len(own) - FPS // 2 - 2)
                white = rng.random() < 0.5
                events.append(f"{(t + at) / FPS:7.3f} s {'white' if white else 'camera'} flash "
                              f"(2 frames, not a cut)")
                own = list(own)
                for j in (at, at + 1):
                    own[j] = (np.full_like(own[j], 255) if white else np.clip(
                        own[j].astype(np.float32) * 1.8 + 40, 0, 255).astype(np.uint8))
            yield from own
            t += len(own)

    path = tmp / f"synthetic-{seed}.mp4"
    write_video(path, frames())
    return Built(path, cuts, events)


# ---------------------------------------------------------------------------- detectors

def ours(path: Path, every_frame: bool = False) -> list[float]:
    from verifier.media.keyframes import KeyframeParams, extract_keyframes

    with tempfile.TemporaryDirectory(prefix="bench-kf-") as d:
        result = extract_keyframes(path, Path(d),
                                   params=KeyframeParams(skip_unreferenced=not every_frame))
    return [s.start for s in result.shots[1:]]


def pyscenedetect(path: Path, detector: str) -> list[float]:
    from scenedetect import AdaptiveDetector, ContentDetector, detect

    det = ContentDetector() if detector == "content" else AdaptiveDetector()
    scenes = detect(str(path), det)
    return [float(start.seconds) for start, _ in scenes[1:]]


DETECTORS = {
    "ours": ours,
    "ours, every frame": lambda p: ours(p, every_frame=True),
    "PySceneDetect ContentDetector": lambda p: pyscenedetect(p, "content"),
    "PySceneDetect AdaptiveDetector": lambda p: pyscenedetect(p, "adaptive"),
}


def match(found: list[float], truth: list[float], tol: float = TOLERANCE) -> tuple[int, int, int]:
    pairs = sorted((abs(f - t), i, j) for i, f in enumerate(found) for j, t in enumerate(truth)
                   if abs(f - t) <= tol)
    used_f: set[int] = set()
    used_t: set[int] = set()
    for _, i, j in pairs:
        if i not in used_f and j not in used_t:
            used_f.add(i)
            used_t.add(j)
    tp = len(used_f)
    return tp, len(found) - tp, len(truth) - tp


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# ---------------------------------------------------------------------------- speed

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
tool, path = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
t = time.perf_counter()
frames = None
if tool.startswith("decode"):
    import av
    with av.open(path) as c:
        s = c.streams.video[0]
        if tool in ("decode-frame-threads", "decode-reference"):
            s.thread_type = "FRAME"
        if tool == "decode-reference":
            s.codec_context.skip_frame = "NONREF"
        frames = 0
        for _ in c.decode(s):
            frames += 1
elif tool in ("ours", "ours-fast", "ours-every"):
    import tempfile
    from verifier.media.keyframes import KeyframeParams, extract_keyframes
    with tempfile.TemporaryDirectory() as d:
        r = extract_keyframes(Path(path), Path(d), fast=tool == "ours-fast",
                              params=KeyframeParams(skip_unreferenced=tool != "ours-every"))
        frames = r.frames
        extra = {"shots": len(r.shots), "keyframes": len(r.keyframes), "merged": len(r.merges)}
else:
    from scenedetect import AdaptiveDetector, ContentDetector, detect
    det = ContentDetector() if tool == "content" else AdaptiveDetector()
    scenes = detect(path, det)
    extra = {"shots": len(scenes)}
seconds = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM: this process image's peak resident set (ru_maxrss would carry the parent's peak
# across fork and exec on Linux).
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
out = {"seconds": seconds, "frames": frames, "cpu": ru.ru_utime + ru.ru_stime,
       "rss_mb": hwm / 1024}
out.update(locals().get("extra", {}))
print(json.dumps(out))
"""

SPEED_TOOLS = [
    ("decode", "decode-only PyAV loop (default threading)"),
    ("decode-frame-threads", "decode-only PyAV loop (frame threads, as our reader)"),
    ("decode-reference", "decode-only PyAV loop, reference pictures only (frame threads)"),
    ("ours", "ours, full pass (detect + save keyframes)"),
    ("ours-every", "ours, full pass decoding every frame (--every-frame)"),
    ("ours-fast", "ours, fast mode (I-frames only)"),
    ("content", "PySceneDetect ContentDetector (default)"),
    ("adaptive", "PySceneDetect AdaptiveDetector (default)"),
]


def run_child(tool: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, tool, str(path), str(ROOT)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def loop_video(src: Path, dst: Path, min_seconds: float) -> float:
    """Remux src end to end until it lasts min_seconds (no re-encoding, closed GOPs)."""
    with av.open(str(src)) as inp:
        ist = inp.streams.video[0]
        pkts = [(p.pts, p.dts, bytes(p), p.is_keyframe) for p in inp.demux(ist)
                if p.dts is not None and p.size]
        tb = ist.time_base
        pts = [p[0] for p in pkts]
        step = round(1 / (FPS * tb))
        loop_len = max(pts) - min(pts) + step
        loops = math.ceil(min_seconds / float(loop_len * tb))
        with av.open(str(dst), "w") as out:
            ost = out.add_stream_from_template(ist)
            for k in range(loops):
                for p_pts, p_dts, data, key in pkts:
                    pkt = av.Packet(data)
                    pkt.pts, pkt.dts = p_pts + k * loop_len, p_dts + k * loop_len
                    pkt.time_base = tb
                    pkt.is_keyframe = key
                    pkt.stream = ost
                    out.mux(pkt)
    return loops * float(loop_len * tb)


# ---------------------------------------------------------------------------- main

def real_set() -> list[tuple[str, Path, list[float]]]:
    spec = json.loads((DATA / "cuts.json").read_text())
    out = []
    for entry in spec["videos"]:
        path = MEDIA / entry["path"]
        if path.exists():
            out.append((Path(entry["path"]).name, path, [float(c) for c in entry["cuts"]]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller synthetic set, 2-minute speed "
                    "video (for trying changes; the figures in RESULTS.md use the full run)")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    ap.add_argument("--keep", metavar="DIR", help="build the videos in DIR and keep them")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds (median is reported)")
    ap.add_argument("--seeds", default="1,2,3", help="seeds of the synthetic videos (default "
                    "1,2,3; RESULTS.md is written only for the default)")
    args = ap.parse_args(argv)
    if not MEDIA.exists():
        print(f"real media not found at {MEDIA}", file=sys.stderr)
        return 2
    tmp_ctx = tempfile.TemporaryDirectory(prefix="bench-keyframes-")
    tmp = Path(args.keep) if args.keep else Path(tmp_ctx.name)
    tmp.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    photos = photo_paths()
    synth: list[tuple[str, Path, list[float]]] = []
    seeds = [int(x) for x in args.seeds.split(",")]
    if args.quick:
        seeds = seeds[:2]
    for seed in seeds:
        b = build_synthetic(tmp, seed, 8 if args.quick else 14, photos, args.quick)
        (tmp / f"synthetic-{seed}.txt").write_text("\n".join(b.events) + "\n")
        synth.append((b.path.name, b.path, b.cuts))
    print(f"built {len(synth)} synthetic videos in {time.perf_counter() - t0:.0f} s ({tmp})")
    sets = {"(a) synthetic from real footage": synth, "(b) real videos, known cuts": real_set()}

    acc_rows: list[tuple[str, str, int, int, int]] = []
    per_video: list[str] = []
    for set_name, videos in sets.items():
        for det_name, fn in DETECTORS.items():
            tp = fp = fn_ = 0
            for name, path, truth in videos:
                found = fn(path)
                a, b, c = match(found, truth)
                tp, fp, fn_ = tp + a, fp + b, fn_ + c
                per_video.append(f"| {name} | {det_name} | {len(truth)} | {a} | {b} | {c} | "
                                 f"{', '.join(f'{x:.2f}' for x in found) or '-'} |")
            acc_rows.append((set_name, det_name, tp, fp, fn_))

    lines = ["| set | detector | precision | recall | F1 | TP | FP | FN |",
             "|---|---|---|---|---|---|---|---|"]
    f1 = {}
    for set_name, det_name, tp, fp, fn_ in acc_rows:
        p, r, f = prf(tp, fp, fn_)
        f1[(set_name, det_name)] = f
        lines.append(f"| {set_name} | {det_name} | {p:.3f} | {r:.3f} | {f:.3f} | {tp} | {fp} | "
                     f"{fn_} |")
    acc_table = "\n".join(lines)
    print(acc_table)

    speed_table = ""
    verdicts: list[str] = []
    for set_name in sets:
        for ours_name in ("ours", "ours, every frame"):
            ok = f1[(set_name, ours_name)] >= f1[(set_name, "PySceneDetect AdaptiveDetector")]
            verdicts.append(f"- F1 >= AdaptiveDetector on {set_name} ({ours_name}): "
                            f"{'met' if ok else 'MISSED'} ({f1[(set_name, ours_name)]:.3f} vs "
                            f"{f1[(set_name, 'PySceneDetect AdaptiveDetector')]:.3f})")
    if not args.skip_speed:
        long_path = tmp / "long-720p.mp4"
        seconds = loop_video(synth[0][1], long_path, 120 if args.quick else 600)
        print(f"speed video: {seconds:.0f} s of 1280x720 x264")
        runs: dict[str, list[dict[str, float]]] = {tool: [] for tool, _ in SPEED_TOOLS}
        for round_ in range(args.rounds):  # interleaved, so load from elsewhere hits all alike
            for tool, label in SPEED_TOOLS:
                runs[tool].append(run_child(tool, long_path))
                print(f"  round {round_ + 1} {label}: {runs[tool][-1]}")
        res = {}
        for tool, rs in runs.items():
            rs.sort(key=lambda r: r["seconds"])
            res[tool] = dict(rs[len(rs) // 2])
            res[tool]["all"] = [round(r["seconds"], 1) for r in rs]  # type: ignore[assignment]
        frames = res["decode"]["frames"] or 1
        base = res["ours"]["seconds"]
        rows = [f"| tool | seconds (median of {args.rounds}) | all runs | frames/s | "
                "time vs ours | CPU seconds | peak RSS MB |", "|---|---|---|---|---|---|---|"]
        for tool, label in SPEED_TOOLS:
            r = res[tool]
            rows.append(f"| {label} | {r['seconds']:.1f} | {r['all']} | "
                        f"{frames / r['seconds']:.0f} | {r['seconds'] / base:.2f}x | "
                        f"{r['cpu']:.1f} | {r['rss_mb']:.0f} |")
        speed_table = "\n".join(rows)
        print(speed_table)
        ours_s, cd_s = res["ours"]["seconds"], res["content"]["seconds"]
        dec_s, dec_ft = res["decode"]["seconds"], res["decode-frame-threads"]["seconds"]
        dec_ref, every_s = res["decode-reference"]["seconds"], res["ours-every"]["seconds"]
        fast_s, rss = res["ours-fast"]["seconds"], res["ours"]["rss_mb"]
        checks = [
            (f"full pass >= 1.5x ContentDetector's throughput: {cd_s / ours_s:.2f}x",
             cd_s / ours_s >= 1.5),
            (f"full pass within 1.25x of decode-only (default threading): "
             f"{ours_s / dec_s:.2f}x", ours_s / dec_s <= 1.25),
            (f"full pass within 1.25x of decode-only (same frame threading): "
             f"{ours_s / dec_ft:.2f}x", ours_s / dec_ft <= 1.25),
            (f"fast mode >= 10x faster than full: {ours_s / fast_s:.1f}x", ours_s / fast_s >= 10),
            (f"peak RSS < 400 MB (full pass, {seconds / 60:.0f}-minute 720p): {rss:.0f} MB",
             rss < 400),
        ]
        verdicts += [f"- {text}: {'met' if ok else 'MISSED'}" for text, ok in checks]
        # Not targets, but what the machine pays: on two shared cores, CPU seconds decide how
        # the wall-clock ratios move when other work runs at the same time.
        cpu = {tool: res[tool]["cpu"] for tool, _ in SPEED_TOOLS}
        verdicts.append(
            f"- CPU seconds (not a target): full pass {cpu['ours']:.1f}, "
            f"{cpu['ours'] / cpu['decode-frame-threads']:.2f}x decode-only with frame threads, "
            f"{cpu['content'] / cpu['ours']:.2f}x less than ContentDetector")
        verdicts.append(
            f"- overhead (not a target): the full pass takes {ours_s / dec_ref:.2f}x the time of "
            f"a decode-only loop over the same reference pictures (frame threads), the "
            f"decoding it cannot avoid")
        verdicts.append(
            f"- ceiling (not a target): the decode-only loop with frame threads alone is "
            f"{cd_s / dec_ft:.2f}x ContentDetector's throughput in this run, the most a pass "
            f"that decodes every frame in full this way could reach; ours with --every-frame "
            f"is {cd_s / every_s:.2f}x")
        extra = (f"Ours on the speed video: {res['ours'].get('shots')} shots, "
                 f"{res['ours'].get('keyframes')} keyframes saved, {res['ours'].get('merged')} "
                 f"merged as near-duplicates (the video is one synthetic minute looped, so most "
                 f"later keyframes repeat earlier ones and are merged; fewer PNGs are written than "
                 f"a real 10-minute video would need).")
        speed_table += "\n\n" + extra
    print("\n".join(verdicts))
    if not args.no_write and not args.quick and args.seeds == "1,2,3":
        command = ".venv/bin/python benchmarks/bench_keyframes.py" + (
            f" --rounds {args.rounds}" if args.rounds != 3 else "")
        write_results(command, acc_table, "\n".join(per_video), speed_table,
                      "\n".join(verdicts))
    print(f"total {time.perf_counter() - t0:.0f} s")
    tmp_ctx.cleanup()
    return 0


def write_results(command: str, acc: str, per_video: str, speed: str, verdicts: str) -> None:
    cpu = os.cpu_count()
    body = f"""## Keyframes

Command: `{command}` ({cpu} cores; the machine was shared
with other engineers' test runs, so timings carry noise: each speed figure is the median of
interleaved rounds, all rounds listed). Measured {time.strftime('%Y-%m-%d')}.

Shot-boundary accuracy, a cut counting when found within {TOLERANCE} s (one-to-one):

{acc}

Targets:

{verdicts}

Speed and peak memory on a 10-minute 1280x720 H.264 video (30 frames/s), each tool alone in a
subprocess:

{speed}

{HELDOUT}

How the full pass gets there. In H.264 and HEVC, a picture that no other picture is predicted
from (`nal_ref_idc` 0; HEVC's `_N` NAL types) can be left undecoded without changing any other
frame by a bit: FFmpeg's `skip_frame = "NONREF"`. About half the pictures of x264 encodes (the
non-reference B-frames; 48% of the speed video) and of the B-frame camera files in ../shared/media
are such pictures; phone files coded with P-frames only have none, and lose nothing. The pass
reads the NAL headers of the first 300 packets and skips when at least 20% can go (H.264/HEVC,
progressive, every packet timed); each decoded frame keeps its true frame number (counted from
the packets' presentation times) and is bit-exact (tests/test_kf_skip.py compares every one with
a plain decode). The detector runs on the decoded frames at their own rate; where it compares a
frame's difference with its neighbours', each is scaled by the square root of the ratio of their
gaps in frames (smooth motion grows with the gap, stepped motion does not, a cut never), and a
cut just found is no neighbour of the next. Cost: a hard cut is placed at the first decoded frame
of the new shot, at most a few frames after the real one (encoders usually start a shot with an
I-frame, which is always decoded); `verifier keyframes --every-frame` decodes everything.
The accuracy table has both rows; held-out synthetic videos (`--seeds 4,5,6,7`, above) give both
modes the same recall. A stream with no non-reference pictures (phone files coded with P-frames
only) gets the every-frame pass, whose speed the "--every-frame" row shows. Frames are still
decoded in full (loop filter included): `skip_loop_filter` was measured and left out, as the
frames then differ from the true ones by up to 29 grey levels.
The pass decodes in its own thread, which also makes each frame's 64x36 detection grid, while
the main thread detects and chooses; one thread hashes and merges chosen frames and another
writes the PNGs. The fast mode decodes the I-frames with two decoders at once (each takes every
other one; an I-frame depends on no other frame).

How the sets are made. (a) Three videos of about a minute at 1280x720, 30 frames/s (x264 CRF 23,
one slice per frame), each 14 segments of 3-6 s: runs of real video with no cut inside (GoldenEye
shots, an animated MKV, camera AVIs, a thermal phone clip, phone MOV/MP4s, testvideo.mp4's stills)
and real photos shown still, panned or zoomed (Ken Burns: camera motion that must not cut), joined
by hard cuts, 1 s dissolves and 1 s fades through black (the truth is the middle of the
transition), with 2-frame white flashes and 2-frame camera flashes (brightened x1.8) inside
segments that must not count. Seeds 1-3, so the same videos every run. Sources were left out or
trimmed where the true cut position would be a matter of convention: photos with no image data
(flat) and the first frames of sample.3gp and sample_mpeg4.mp4 (a near-white picture a logo
animates out of). (b) The videos and cuts in benchmarks/data/cuts.json: PySceneDetect's test videos
(truths from its own lists, two hand-checked additions: testvideo.mp4's dissolve at frame 544,
counter.mp4's colour changes) and real camera videos with no cut at all.

Caveats. These sets were in view while the detector was written: three rules (repeated frames
skipped in the adaptive ratio, stepped motion not a cut, equal spans in the dissolve steadiness
test) were added after looking at misses and false cuts on them. They address general footage
(frame-rate conversions, slideshows, pans) but the figures are not from held-out data; the gap
scaling was also chosen looking at them. The held-out run above is the check on that. The speed
video is one synthetic minute looped, so most keyframes after the first minute are merged as
near-duplicates instead of being written as PNGs.

<details><summary>Per video (true cuts, TP, FP, FN, cuts found in seconds)</summary>

| video | detector | true | TP | FP | FN | found |
|---|---|---|---|---|---|---|
{per_video}

</details>
"""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start = text.find("## Keyframes")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + body + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    RESULTS.write_text(text)
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    raise SystemExit(main())
