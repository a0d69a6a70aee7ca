"""Corpus matching: accuracy on real photos and videos, ingest speed, search latency, memory.

    .venv/bin/python benchmarks/bench_matching.py [--quick] [--no-write] [--only PART ...]

PARTs: images, videos, ingest, latency (default: all).

images   Real photos from ../shared/media, de-duplicated (no two within PDQ 70 / pHash 20 in any
         orientation), split in three by SHA-256: originals (in the corpus, queried),
         distractors (in the corpus, never queried) and outsiders (not in the corpus: their
         transformed copies must match nothing). Every original and outsider is transformed 20
         ways (below) and saved as a file; each file is matched with `Matcher.match_file` (the
         path `verifier match` takes) at the default thresholds. recall@1: the top match is the
         original. False matches: outsider queries with any match reported (and, separately,
         original queries whose top match is another item). Peer, same files and run: plain
         imagehash pHash (`imagehash.phash(Image.open(p))`) nearest within distance 10.
videos   Source videos (real clips) in the corpus with the images above; queries made with
         PyAV: re-encoded at 3/4 size, trimmed and halved, sped up 1.5x and 2x, cropped to the
         central 80 %, mirrored, letterboxed; a still frame as a JPEG (image -> video). Correct:
         top match is the source, the aligned source start within 1 s of the truth and the speed
         within 0.1. Clips not in the corpus, re-encoded, must match nothing.
ingest   Images/s of `Corpus.add(folder)` (2 worker processes, fresh corpus: SHA-256, metadata,
         PDQ + pHash + dHash + colour hash, local features, SQLite) against a plain
         `imagehash.phash(Image.open(p))` loop over the same files, in the same run; also as
         the first ingest of a fresh process, and the CPU per image of each worker stage.
latency  1M synthetic PDQ codes: our index's lookup for one image query (its 8 orientations in
         one batch) against FAISS IndexBinaryFlat on the same codes, single and 8-code batches;
         the index's memory per million frames.
approximate  8M synthetic PDQ codes (random: the hardest case for an inverted file) with 300
         planted near-duplicates 5-31 bits away: our index past APPROXIMATE_AFTER (inverted file)
         against the exact FAISS IndexBinaryFlat on the same codes: p50 latency, recall@10 of the
         planted codes, the one-off build on the first search, memory. Not in the default run
         (it needs about 1.5 GB); `--only approximate`.
votes    Local-feature votes at the feature budget (synthetic ORB descriptors: 7.5M of pictures,
         0.5M of video frames): one picture query (700 descriptors) and one video query's
         fallback (24 frames x 250 descriptors, video frames only) through FeatureIndex,
         against one FAISS IndexBinaryFlat over every descriptor with the same queries (what a
         single index scans). Not in the default run (about 1 GB); `--only votes`.

Writes the tables under "## Matching" in benchmarks/RESULTS.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import math
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import cv2
import imagehash
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
sys.path.insert(0, str(ROOT))

from verifier.corpus import Corpus  # noqa: E402
from verifier.matching.pdq import DIHEDRAL, distance, pdq_dihedral  # noqa: E402
from verifier.matching.search import Matcher  # noqa: E402

# Not PySceneDetect's image folders: they hold frames of the test videos.
IMAGE_ROOTS = ["metadata-extractor-images/jpg", "exif-samples/jpg", "imagededup",
               "ThreatExchange", "imagehash"]
SOURCE_VIDEOS = ["PySceneDetect/tests/resources/testvideo.mp4",
                 "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4",
                 "metadata-extractor-images/mp4/FLIR Thermal.mp4",
                 "metadata-extractor-images/mp4/Issue 515 (java).mp4"]
OUTSIDER_VIDEOS = ["PySceneDetect/tests/resources/delayed_start.mp4",
                   "PySceneDetect/tests/resources/fades.mp4",
                   "PySceneDetect/tests/resources/counter.mp4",
                   "metadata-extractor-images/mov/with-gps.mov",
                   "metadata-extractor-images/mp4/sample_mpeg4.mp4",
                   "metadata-extractor-images/mp4/uuid540.mp4"]
GROUPS = {
    "mild": ["resize 50%", "JPEG q30", "JPEG q60", "JPEG q90", "colour/brightness",
             "grayscale", "blur", "noise"],
    "overlay": ["text overlay", "logo overlay"],
    "framing": ["letterbox", "screenshot (UI padding)", "screenshot (web page, text around)"],
    "crop": ["crop 5%", "crop 10%", "crop 20%", "crop 30%"],
    "orientation": ["mirror", "rotate 90", "rotate 3°", "rotate 5°"],
}
CAPTION = "BREAKING: flood in the city centre"


# ---------------------------------------------------------------------------- picture sets


def _load(path: Path) -> Image.Image:
    with Image.open(path) as raw:
        return ImageOps.exif_transpose(raw).convert("RGB")


def distinct_photos(limit: int | None) -> list[Path]:
    """Decodable photos (shorter side >= 200), one per picture (no near-duplicates)."""
    seen_sha: set[str] = set()
    kept: list[tuple[Path, list[bytes], int]] = []
    for root in IMAGE_ROOTS:
        for path in sorted((MEDIA / root).rglob("*")):
            if path.suffix.lower() not in (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif"):
                continue
            try:
                img = _load(path)
            except Exception:
                continue
            if min(img.size) < 200:
                continue
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            if sha in seen_sha:
                continue
            seen_sha.add(sha)
            small = img.copy()
            small.thumbnail((256, 256))
            codes, quality = pdq_dihedral(np.asarray(small))
            if quality < 50:
                continue
            ph = int(str(imagehash.phash(small)), 16)
            if any(min(distance(codes[0], c) for c in other) <= 70 or
                   bin(ph ^ oph).count("1") <= 20 for _, other, oph in kept):
                continue
            kept.append((path, codes, ph))
    paths = [p for p, _, _ in kept]
    return paths[:limit] if limit else paths


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- transforms


def _crop(img: Image.Image, frac: float, rng: random.Random) -> Image.Image:
    w, h = img.size
    cw, ch = int(w * frac), int(h * frac)
    x0, y0 = rng.randint(0, cw), rng.randint(0, ch)
    return img.crop((x0, y0, w - (cw - x0), h - (ch - y0)))


def _rotate_small(img: Image.Image, degrees: float) -> Image.Image:
    w, h = img.size
    turned = img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False)
    # Cut the black corners away, as re-posters do.
    a = math.radians(abs(degrees))
    cw = int((w * math.cos(a) - h * math.sin(a)) * 0.98)
    ch = int((h * math.cos(a) - w * math.sin(a)) * 0.98)
    if cw < w * 0.5 or ch < h * 0.5:
        cw, ch = int(w * 0.8), int(h * 0.8)
    return turned.crop(((w - cw) // 2, (h - ch) // 2, (w + cw) // 2, (h + ch) // 2))


def _text(img: Image.Image) -> Image.Image:
    arr = np.array(img)
    h, w = arr.shape[:2]
    scale = w / 900
    y = int(h * 0.82)
    for colour, thick in (((0, 0, 0), 6), ((255, 255, 255), 2)):
        cv2.putText(arr, CAPTION, (int(w * 0.04), y), cv2.FONT_HERSHEY_DUPLEX, scale, colour,
                    max(1, int(thick * scale)), cv2.LINE_AA)
    return Image.fromarray(arr)


def _logo(img: Image.Image) -> Image.Image:
    out = img.copy().convert("RGBA")
    w, h = out.size
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    bw, bh = int(w * 0.22), int(h * 0.1)
    draw.rectangle((int(w * 0.03), int(h * 0.03), int(w * 0.03) + bw, int(h * 0.03) + bh),
                   fill=(200, 20, 20, 190))
    arr = np.array(Image.alpha_composite(out, layer).convert("RGB"))
    cv2.putText(arr, "NEWS 24", (int(w * 0.05), int(h * 0.03 + bh * 0.7)),
                cv2.FONT_HERSHEY_SIMPLEX, bh / 40, (255, 255, 255), max(1, bh // 15))
    return Image.fromarray(arr)


def _letterbox(img: Image.Image) -> Image.Image:
    w, h = img.size
    if w >= h:  # landscape into a square frame: bars above and below
        canvas = Image.new("RGB", (w, w), (0, 0, 0))
        canvas.paste(img, (0, (w - h) // 2))
    else:  # portrait into 16:9: bars left and right
        cw = int(h * 16 / 9)
        canvas = Image.new("RGB", (cw, h), (0, 0, 0))
        canvas.paste(img, ((cw - w) // 2, 0))
    canvas.thumbnail((1280, 1280))
    return canvas


def _screenshot(img: Image.Image, rng: random.Random) -> Image.Image:
    """A phone screenshot of a post: status bar, header, the picture, caption, buttons."""
    width = 720
    pic = img.copy()
    pic.thumbnail((width, width * 2))
    pw, ph = pic.size
    top, header, caption, buttons = 48, 96, 120, 110
    canvas = Image.new("RGB", (width, top + header + ph + caption + buttons), (250, 250, 250))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, width, top), fill=(20, 20, 20))
    draw.text((20, 14), f"12:4{rng.randint(0, 9)}  4G  87%", fill=(255, 255, 255))
    draw.ellipse((20, top + 20, 76, top + 76), fill=(rng.randint(0, 255), 120, 200))
    draw.text((92, top + 36), f"user_{rng.randint(100, 999)} - 2h", fill=(0, 0, 0))
    canvas.paste(pic, ((width - pw) // 2, top + header))
    y = top + header + ph + 16
    draw.text((20, y), "Look at this!! #news #breaking", fill=(10, 10, 10))
    draw.text((20, y + 30), f"{rng.randint(2, 90)}k likes  {rng.randint(1, 9)}k comments",
              fill=(90, 90, 90))
    y = top + header + ph + caption
    for i in range(4):
        draw.rectangle((30 + i * 170, y + 30, 80 + i * 170, y + 80), outline=(60, 60, 60),
                       width=4)
    return canvas


def _web_page(img: Image.Image) -> Image.Image:
    """A desktop screenshot of a news article with the picture at a third of the width and text
    all around (tests/article_page.py). Its own random numbers: the other transforms' stay as
    they were."""
    from tests.article_page import article_page

    return article_page(img, CAPTION, seed=img.width * 7919 + img.height)[0]


def image_transforms(rng: random.Random) -> dict[str, Callable[[Image.Image], tuple[Image.Image,
                                                                                      int]]]:
    """name -> function(picture) -> (copy, JPEG quality to save it with)."""
    def noise(img: Image.Image) -> Image.Image:
        arr = np.asarray(img).astype(np.float32)
        arr += np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 14, arr.shape)
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))

    def colour(img: Image.Image) -> Image.Image:
        img = ImageEnhance.Brightness(img).enhance(1.3)
        img = ImageEnhance.Contrast(img).enhance(0.8)
        return ImageEnhance.Color(img).enhance(1.5)

    return {
        "resize 50%": lambda i: (i.resize((max(1, i.width // 2), max(1, i.height // 2)),
                                          Image.Resampling.LANCZOS), 92),
        "JPEG q30": lambda i: (i, 30),
        "JPEG q60": lambda i: (i, 60),
        "JPEG q90": lambda i: (i, 90),
        "colour/brightness": lambda i: (colour(i), 92),
        "grayscale": lambda i: (i.convert("L").convert("RGB"), 92),
        "blur": lambda i: (i.filter(ImageFilter.GaussianBlur(max(1.5, i.width / 500))), 92),
        "noise": lambda i: (noise(i), 92),
        "text overlay": lambda i: (_text(i), 92),
        "logo overlay": lambda i: (_logo(i), 92),
        "letterbox": lambda i: (_letterbox(i), 90),
        "screenshot (UI padding)": lambda i: (_screenshot(i, rng), 92),
        "screenshot (web page, text around)": lambda i: (_web_page(i), 90),
        "crop 5%": lambda i: (_crop(i, 0.05, rng), 92),
        "crop 10%": lambda i: (_crop(i, 0.10, rng), 92),
        "crop 20%": lambda i: (_crop(i, 0.20, rng), 92),
        "crop 30%": lambda i: (_crop(i, 0.30, rng), 92),
        "mirror": lambda i: (ImageOps.mirror(i), 92),
        "rotate 90": lambda i: (i.transpose(Image.Transpose.ROTATE_270), 92),
        "rotate 3°": lambda i: (_rotate_small(i, 3), 92),
        "rotate 5°": lambda i: (_rotate_small(i, -5), 92),
    }


# ---------------------------------------------------------------------------- image accuracy


@dataclass
class Tally:
    ours_ok: int = 0
    ours_wrong: int = 0  # top-1 is another item
    peer_ok: int = 0
    peer_wrong: int = 0
    total: int = 0
    neg_total: int = 0
    ours_fm: int = 0
    peer_fm: int = 0
    seconds: float = 0.0


def _peer_index(paths: list[Path]) -> tuple[np.ndarray, list[str]]:
    codes, shas = [], []
    for p in paths:
        try:
            with Image.open(p) as im:
                codes.append(int(str(imagehash.phash(im)), 16))
            shas.append(sha_of(p))
        except Exception:
            continue
    return np.array(codes, dtype=np.uint64), shas


def _peer_match(index: tuple[np.ndarray, list[str]], query: Path) -> str | None:
    codes, shas = index
    with Image.open(query) as im:
        q = np.uint64(int(str(imagehash.phash(im)), 16))
    dist = np.bitwise_count(codes ^ q)
    best = int(np.argmin(dist))
    return shas[best] if dist[best] <= 10 else None


@dataclass
class PhotoSets:
    originals: list[Path]
    distractors: list[Path]
    outsiders: list[Path]
    corpus_dir: Path
    stats: dict[str, Any]


def build_corpus(work: Path, quick: bool, corpus_path: Path, extra: list[Path]) -> PhotoSets:
    photos = distinct_photos(None)
    ordered = sorted(photos, key=sha_of)
    originals, distractors, outsiders = ordered[0::3], ordered[1::3], ordered[2::3]
    if quick:
        originals, outsiders = originals[:12], outsiders[:8]
    print(f"photos: {len(photos)} distinct -> {len(originals)} originals, {len(distractors)} "
          f"distractors in the corpus, {len(outsiders)} outsiders", file=sys.stderr)
    linkdir = work / "corpus"
    linkdir.mkdir()
    for n, p in enumerate(originals + distractors):
        (linkdir / f"{n:04d}{p.suffix.lower()}").symlink_to(p)
    with Corpus(corpus_path) as corpus:
        corpus.add([linkdir, *extra], workers=2)
        stats = corpus.stats()
    return PhotoSets(originals, distractors, outsiders, linkdir, stats)


def run_images(work: Path, sets: PhotoSets, corpus_path: Path) -> dict[str, Any]:
    originals, outsiders = sets.originals, sets.outsiders
    peer = _peer_index(sorted(sets.corpus_dir.iterdir()))
    rng = random.Random(5)
    transforms = image_transforms(rng)
    qdir = work / "queries"
    qdir.mkdir()
    tallies: dict[str, Tally] = {name: Tally() for name in transforms}
    failures: list[str] = []
    with Corpus(corpus_path) as corpus:
        matcher = Matcher(corpus)
        for kind, pictures in (("pos", originals), ("neg", outsiders)):
            for n, src in enumerate(pictures):
                truth = sha_of(src)
                img = _load(src)
                for name, fn in transforms.items():
                    copy, quality = fn(img)
                    qpath = qdir / f"{kind}{n:03d}-{len(failures)}-{name[:6].replace(' ', '_')}" \
                                   f".jpg"
                    copy.convert("RGB").save(qpath, quality=quality)
                    t0 = time.perf_counter()
                    result = matcher.match_file(qpath)
                    tally = tallies[name]
                    tally.seconds += time.perf_counter() - t0
                    top = result.matches[0].corpus_sha256 if result.matches else None
                    peer_top = _peer_match(peer, qpath)
                    if kind == "pos":
                        tally.total += 1
                        tally.ours_ok += top == truth
                        tally.ours_wrong += top is not None and top != truth
                        tally.peer_ok += peer_top == truth
                        tally.peer_wrong += peer_top is not None and peer_top != truth
                        if top != truth:
                            failures.append(f"{name}: {src.relative_to(MEDIA)} -> "
                                            f"{'nothing' if top is None else 'another item'}")
                    else:
                        tally.neg_total += 1
                        tally.ours_fm += top is not None
                        tally.peer_fm += peer_top is not None
                        if top is not None:
                            m = result.matches[0]
                            failures.append(f"FALSE {name}: {src.relative_to(MEDIA)} -> "
                                            f"{m.corpus_path} score {m.score} "
                                            f"{m.hash_kind} {m.distance} conf {m.confirmed}")
                    qpath.unlink()
    return {"tallies": {k: vars(v) for k, v in tallies.items()}, "failures": failures,
            "stats": sets.stats, "originals": len(originals), "outsiders": len(outsiders),
            "distractors": len(sets.distractors)}


# ---------------------------------------------------------------------------- videos


def _write_video(out: Path, frames: list[np.ndarray], times: list[float]) -> None:
    """H.264 in MP4 with the given presentation times (variable frame rate kept)."""
    from fractions import Fraction

    h, w = frames[0].shape[:2]
    w, h = w - w % 2, h - h % 2
    base = Fraction(1, 1000)
    steps = np.diff(times) if len(times) > 1 else np.array([1 / 25])
    rate = Fraction(round(1000 / max(1e-3, float(np.median(steps)))), 1000)
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.codec_context.time_base = base
        stream.options = {"crf": "30", "preset": "ultrafast"}
        last = -1
        for arr, t in zip(frames, times, strict=True):
            pts = max(last + 1, round(t * 1000))
            last = pts
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(arr[:h, :w]), format="rgb24")
            frame.pts, frame.time_base = pts, base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _read_video(path: Path) -> tuple[list[np.ndarray], list[float], float]:
    frames, times = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 25)
        start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        for frame in container.decode(stream):
            img = frame.to_ndarray(format="rgb24")
            rot = round((getattr(frame, "rotation", 0) or 0) / 90) % 4
            frames.append(np.rot90(img, rot) if rot else img)
            times.append(float(frame.time or 0) - start)
    return frames, times, fps


def _scale(arr: np.ndarray, f: float) -> np.ndarray:
    h, w = arr.shape[:2]
    return cv2.resize(arr, (max(2, int(w * f)), max(2, int(h * f))), interpolation=cv2.INTER_AREA)


def video_queries(src: Path, work: Path) -> list[tuple[str, Path, float, float]]:
    """(name, file, expected source start, expected speed) for one source video."""
    frames, times, _fps = _read_video(src)
    n = len(frames)
    out: list[tuple[str, Path, float, float]] = []

    def make(name: str, fr: list[np.ndarray], ts: list[float], start: float,
             speed: float) -> None:
        safe = "".join(c if c.isalnum() else "_" for c in name)
        path = work / f"{src.stem[:12].replace(' ', '_')}-{safe}.mp4"
        _write_video(path, fr, ts)
        out.append((name, path, start, speed))

    make("re-encoded 3/4 size", [_scale(f, 0.75) for f in frames], times, 0.0, 1.0)
    a, b = int(n * 0.3), int(n * 0.8)
    make("trimmed, half size", [_scale(f, 0.5) for f in frames[a:b]],
         [t - times[a] for t in times[a:b]], times[a], 1.0)
    make("sped up 1.5x", frames, [t / 1.5 for t in times], 0.0, 1.5)
    make("sped up 2x", frames[::2], [t / 2 for t in times[::2]], 0.0, 2.0)
    h, w = frames[0].shape[:2]
    make("cropped 80%", [f[int(h * .1):int(h * .9), int(w * .1):int(w * .9)] for f in frames],
         times, 0.0, 1.0)
    make("mirrored", [np.ascontiguousarray(f[:, ::-1]) for f in frames], times, 0.0, 1.0)
    pad = h // 3
    make("letterboxed", [np.pad(f, ((pad, pad), (0, 0), (0, 0))) for f in frames], times,
         0.0, 1.0)
    make("logo and caption overlaid",
         [np.asarray(_text(_logo(Image.fromarray(f)))) for f in frames], times, 0.0, 1.0)
    # Screen-recorded from a phone app: the same status bar, header, caption and buttons around
    # every frame (one seed per clip).
    make("screen recording (app around it)",
         [np.asarray(_screenshot(Image.fromarray(f), random.Random(n))) for f in frames],
         times, 0.0, 1.0)
    k = int(n * 0.45)
    still = work / f"{src.stem[:12].replace(' ', '_')}-still.jpg"
    Image.fromarray(_scale(frames[k], 0.5)).save(still, quality=85)
    out.append(("still frame (image -> video)", still, times[k], 0.0))
    return out


def run_videos(work: Path, corpus_path: Path) -> dict[str, Any]:
    sources = [MEDIA / v for v in SOURCE_VIDEOS if (MEDIA / v).exists()]
    qdir = work / "vq"
    qdir.mkdir()
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    details: list[str] = []
    latency: list[float] = []
    with Corpus(corpus_path) as corpus:
        matcher = Matcher(corpus)
        for src in sources:
            truth = sha_of(src)
            for name, qpath, start, speed in video_queries(src, qdir):
                t0 = time.perf_counter()
                result = matcher.match_file(qpath)
                latency.append(time.perf_counter() - t0)
                top = result.matches[0] if result.matches else None
                ok = top is not None and top.corpus_sha256 == truth
                if ok and top is not None and speed:
                    ok = (top.source_start is not None and abs(top.source_start - start) <= 1.0
                          and abs((top.transform or {}).get("speed", 0) - speed) <= 0.1)
                elif ok and top is not None:  # a still: its time, or the static stretch
                    lo = top.source_start if top.source_start is not None else top.source_time
                    hi = top.source_end if top.source_end is not None else top.source_time
                    ok = lo is not None and hi is not None and lo - 1.0 <= start <= hi + 1.0
                rows[name][0] += int(ok)
                rows[name][1] += 1
                summary = (top.transform or {}).get("summary", "") if top else ""
                details.append(f"{'ok ' if ok else 'BAD'} {src.name} / {name}: "
                               f"{'nothing' if top is None else Path(top.corpus_path).name} "
                               f"{summary} (truth start {start:.2f}, speed {speed})")
        neg = [0, 0]
        for clip in OUTSIDER_VIDEOS:
            path = MEDIA / clip
            if not path.exists():
                continue
            frames, times, _fps = _read_video(path)
            if not frames:
                continue
            qpath = qdir / f"out-{path.stem[:12].replace(' ', '_')}.mp4"
            _write_video(qpath, [_scale(f, 0.75) for f in frames], times)
            result = matcher.match_file(qpath)
            neg[0] += bool(result.matches)
            neg[1] += 1
            if result.matches:
                details.append(f"FALSE {clip} -> {result.matches[0].corpus_path}")
    return {"rows": dict(rows), "negatives": neg, "details": details,
            "median_query_s": statistics.median(latency) if latency else None}


# ---------------------------------------------------------------------------- ingest speed


def _ingest_sets() -> dict[str, list[Path]]:
    small, large = [], []
    seen: set[str] = set()
    for p in sorted((MEDIA / "metadata-extractor-images/jpg").glob("*.jpg")):
        try:
            with Image.open(p) as im:
                im.verify()
        except Exception:
            continue
        small.append(p)
    for root in IMAGE_ROOTS:
        for p in sorted((MEDIA / root).rglob("*.jp*g")):
            try:
                with Image.open(p) as im:
                    w, h = im.size
            except Exception:
                continue
            sha = sha_of(p)
            if w * h >= 1_000_000 and sha not in seen:
                seen.add(sha)
                large.append(p)
    return {"camera JPEGs of metadata-extractor-images/jpg": small,
            "every distinct JPEG of 1 Mpx or more in the shared media": large}


def _time_ingest(folder: Path, files: list[Path], work: Path, tag: str,
                 full_metadata: bool = False) -> tuple[float, float, dict[str, Any]]:
    peer_times, ours_times = [], []
    for attempt in range(3):
        t0 = time.perf_counter()
        for f in files:
            with contextlib.suppress(Exception):
                imagehash.phash(Image.open(f))
        peer_times.append(time.perf_counter() - t0)
        db = work / f"ingest-{tag}-{attempt}.sqlite"
        t0 = time.perf_counter()
        with Corpus(db) as corpus:
            corpus.add([folder], workers=2, full_metadata=full_metadata)
        ours_times.append(time.perf_counter() - t0)
    with Corpus(work / f"ingest-{tag}-0.sqlite") as corpus:
        stats = corpus.stats()
    return min(peer_times), min(ours_times), stats


_COLD = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from verifier.corpus import Corpus
if __name__ == "__main__":
    t0 = time.perf_counter()
    with Corpus(Path(sys.argv[3])) as corpus:
        corpus.add([Path(sys.argv[2])], workers=2)
    print(time.perf_counter() - t0)
"""


def _time_cold(folder: Path, work: Path, tag: str) -> float:
    """Corpus.add as the first ingest of a fresh process (`verifier corpus add`): the
    forkserver's start and warm-up included (later ingests in one process reuse it)."""
    import subprocess

    script = work / "cold.py"
    script.write_text(_COLD)
    out = subprocess.run([sys.executable, str(script), str(ROOT), str(folder),
                          str(work / f"cold-{tag}.sqlite")], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _stage_cpu(files: list[Path]) -> dict[str, float]:
    """CPU ms per image of each worker stage, in this process (one core): where the time goes."""
    from verifier.corpus import worker
    from verifier.matching.hashing import Signature, colour_hash, signature, work_image

    worker.warm_up()
    tasks = [worker.Task(str(f), 0, 0.0, 1.0) for f in files]
    stages = {"peer: decode + pHash": 0.0, "worker total": 0.0, "decode": 0.0,
              "hashes": 0.0, "ORB": 0.0}
    for _ in range(2):  # the first pass warms the page cache and lazy imports
        for key in stages:
            stages[key] = 0.0
        for f, task in zip(files, tasks, strict=True):
            c0 = time.process_time()
            with contextlib.suppress(Exception):
                imagehash.phash(Image.open(f))
            c1 = time.process_time()
            worker.analyse(task, known=lambda _sha: False)
            c2 = time.process_time()
            try:
                rgb = worker.decode_image(f, f.read_bytes()).rgb
            except Exception:
                continue
            c3 = time.process_time()
            gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            sig = signature(work_image(gray), colour=False)
            Signature(sig.pdq, sig.quality, sig.phash, sig.dhash, colour_hash(rgb))
            c4 = time.process_time()
            worker.picture_features(gray)
            c5 = time.process_time()
            for key, dt in (("peer: decode + pHash", c1 - c0), ("worker total", c2 - c1),
                            ("decode", c3 - c2), ("hashes", c4 - c3), ("ORB", c5 - c4)):
                stages[key] += dt
    return {k: v / len(files) * 1000 for k, v in stages.items()}


def run_ingest(work: Path) -> dict[str, Any]:
    rows = []
    for n, (name, files) in enumerate(_ingest_sets().items()):
        folder = work / f"ingest{n}"
        folder.mkdir()
        links = []
        for i, p in enumerate(files):
            link = folder / f"{i:04d}{p.suffix.lower()}"
            link.symlink_to(p)
            links.append(link)
            link.read_bytes()  # warm the page cache for both
        mpx = []
        for p in files:
            with Image.open(p) as im:
                mpx.append(im.size[0] * im.size[1] / 1e6)
        cold = _time_cold(folder, work, str(n))
        stages = _stage_cpu(links)
        modes = [False, True] if n == 0 else [False]
        for full in modes:
            peer, ours, stats = _time_ingest(folder, links, work, f"{n}{full}", full)
            rows.append({"set": name, "files": len(files), "mpx": statistics.mean(mpx),
                         "full_metadata": full, "peer_s": peer, "ours_s": ours,
                         "peer_rate": len(files) / peer, "ours_rate": len(files) / ours,
                         "ratio": peer / ours, "cold_s": None if full else cold,
                         "cold_ratio": None if full else peer / cold,
                         "stages_ms": None if full else stages,
                         "db_bytes_per_item": stats["file_bytes"] / max(1, stats["items"]),
                         "features_per_item": stats["features"] / max(1, stats["items"])})
    return {"rows": rows}


# ---------------------------------------------------------------------------- latency


def timed(fn: Callable[[], Any], reps: int = 31) -> float:
    """Median wall time of `reps` calls, in milliseconds."""
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1000


def run_latency(n: int = 1_000_000) -> dict[str, Any]:
    import faiss

    from verifier.corpus.frames import FrameIndex, FrameRow

    rng = np.random.default_rng(1)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    phashes = rng.integers(0, 1 << 63, n, dtype=np.int64)
    import psutil

    gc.collect()
    rss0 = psutil.Process().memory_info().rss
    t0 = time.perf_counter()
    index = FrameIndex()
    blob = codes.tobytes()
    index.append(FrameRow(i, i // 2, None, True, blob[i * 32:(i + 1) * 32], 100,
                          int(phashes[i]), int(phashes[i]), None) for i in range(n))
    index.flush()
    build_s = time.perf_counter() - t0
    del blob
    gc.collect()
    rss1 = psutil.Process().memory_info().rss
    raw = faiss.IndexBinaryFlat(256)
    raw.add(codes)
    faiss.omp_set_num_threads(1)
    queries = rng.integers(0, 256, (60, 32), dtype=np.uint8)
    # Real query variants: the 8 orientations of a real photo's PDQ.
    photo = _load(MEDIA / "ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg")
    photo.thumbnail((256, 256))
    dihedral, _q = pdq_dihedral(np.asarray(photo))
    batch8 = np.frombuffer(b"".join(dihedral), np.uint8).reshape(len(DIHEDRAL), 32)

    ours1 = timed(lambda: index.pdq.search(queries[:1], 10))
    faiss1 = timed(lambda: raw.search(queries[:1], 10))
    ours8 = timed(lambda: index.pdq.search(batch8, 64))
    faiss8 = timed(lambda: raw.search(batch8, 64))
    return {"n": n, "build_s": build_s, "ours_1_ms": ours1, "faiss_1_ms": faiss1,
            "ours_8_ms": ours8, "faiss_8_ms": faiss8,
            "index_mb_per_million": index.memory_bytes / n * 1e6 / 2**20,
            "rss_mb_per_million": (rss1 - rss0) / 2**20 / n * 1e6}


def run_approximate(n: int = 8_000_000) -> dict[str, Any]:
    import faiss

    from verifier.matching.index import BinaryIndex

    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    planted = rng.choice(n, 300, replace=False)
    queries = []
    for row in planted:
        bits = np.unpackbits(codes[row])
        bits[rng.choice(256, int(rng.integers(5, 32)), replace=False)] ^= 1
        queries.append(np.packbits(bits))
    q = np.stack(queries)
    faiss.omp_set_num_threads(1)
    flat = faiss.IndexBinaryFlat(256)
    flat.add(codes)
    ours = BinaryIndex(256, approximate_after=4_000_000)
    ours.add(codes)
    t0 = time.perf_counter()
    ours.search(q[:1], 10)  # the first search builds the inverted file
    build_s = time.perf_counter() - t0

    _d, rows = ours.search(q, 10)
    recall = float(np.mean([planted[i] in rows[i] for i in range(len(planted))]))
    _d, exact_rows = flat.search(q, 10)
    exact_recall = float(np.mean([planted[i] in exact_rows[i] for i in range(len(planted))]))
    return {"n": n, "build_s": build_s, "describe": ours.describe(),
            "ours_1_ms": timed(lambda: ours.search(q[:1], 10)),
            "flat_1_ms": timed(lambda: flat.search(q[:1], 10), reps=11),
            "ours_8_ms": timed(lambda: ours.search(q[:8], 64)),
            "flat_8_ms": timed(lambda: flat.search(q[:8], 64), reps=11),
            "recall": recall, "exact_recall": exact_recall,
            "ours_mb_per_million": ours.memory_bytes / n * 1e6 / 2**20,
            "flat_mb_per_million": n * 32 / n * 1e6 / 2**20}


# ---------------------------------------------------------------------------- report


def _pct(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def run_votes(pictures: int = 7_500_000, video: int = 500_000) -> dict[str, Any]:
    import faiss

    from verifier.corpus.frames import FeatureIndex

    rng = np.random.default_rng(4)
    per_frame = 128
    index = FeatureIndex()
    faiss.omp_set_num_threads(1)  # what our searches use (index._threads)
    flat = faiss.IndexBinaryFlat(256)
    for count, is_video, first in ((pictures, False, 0), (video, True, pictures // per_frame)):
        for start in range(0, count, 1_000_000):
            block = rng.integers(0, 256, (min(1_000_000, count - start), 32), dtype=np.uint8)
            frames = first + (start + np.arange(len(block))) // per_frame
            index.append((int(f), block[i:i + per_frame].tobytes(), is_video)
                         for f, i in zip(frames[::per_frame], range(0, len(block), per_frame),
                                         strict=True))
            flat.add(block)
    picture_query = rng.integers(0, 256, (700, 32), dtype=np.uint8)
    video_query = rng.integers(0, 256, (24 * 250, 32), dtype=np.uint8)
    out = {"pictures": pictures, "video": video,
           "ours_picture_ms": timed(lambda: index.vote(picture_query), reps=5),
           "flat_picture_ms": timed(lambda: flat.search(picture_query, 2), reps=5),
           "ours_video_ms": timed(lambda: index.vote(video_query, k=8, video_only=True),
                                  reps=5),
           "flat_video_ms": timed(lambda: flat.search(video_query, 8), reps=3)}
    faiss.omp_set_num_threads(multiprocessing.cpu_count())
    out["cores"] = faiss.omp_get_max_threads()
    out["omp_picture_ms"] = timed(lambda: flat.search(picture_query, 2), reps=5)
    out["omp_video_ms"] = timed(lambda: flat.search(video_query, 8), reps=3)
    faiss.omp_set_num_threads(1)
    return out


def markdown(res: dict[str, Any], command: str) -> str:
    lines = ["## Matching", "", f"Command: `{command}` "
             f"({time.strftime('%Y-%m-%d')}, 2-core machine shared with other jobs: compare "
             "columns of the same run, not absolute times).", ""]
    if "images" in res:
        im = res["images"]
        t = im["tallies"]
        lines += [f"### Images: recall@1 per transform ({im['originals']} originals queried; "
                  f"corpus {im['stats']['items']} items = originals + {im['distractors']} "
                  f"distractor photos + the source videos; {im['outsiders']} outsiders)", "",
                  "| transform | ours recall@1 | pHash@10 recall@1 | ours wrong top-1 | "
                  "ours false (outsiders) | pHash false (outsiders) | ours ms/query |",
                  "|---|---|---|---|---|---|---|"]
        for group, names in GROUPS.items():
            ok = sum(t[n]["ours_ok"] for n in names)
            peer = sum(t[n]["peer_ok"] for n in names)
            tot = sum(t[n]["total"] for n in names)
            for n in names:
                x = t[n]
                lines.append(f"| {n} | {_pct(x['ours_ok'], x['total'])} | "
                             f"{_pct(x['peer_ok'], x['total'])} | {x['ours_wrong']} | "
                             f"{x['ours_fm']}/{x['neg_total']} | {x['peer_fm']}/{x['neg_total']} |"
                             f" {1000 * x['seconds'] / max(1, x['total'] + x['neg_total']):.0f} |")
            lines.append(f"| **{group}** | **{_pct(ok, tot)}** | **{_pct(peer, tot)}** | | | | |")
        fm = sum(x["ours_fm"] for x in t.values())
        pfm = sum(x["peer_fm"] for x in t.values())
        neg = sum(x["neg_total"] for x in t.values())
        wrong = sum(x["ours_wrong"] for x in t.values())
        pos = sum(x["total"] for x in t.values())
        lines += ["", f"False matches at the default thresholds: ours {fm}/{neg} outsider queries "
                  f"({fm / max(1, neg):.2%}), pHash@10 {pfm}/{neg} ({pfm / max(1, neg):.2%}); "
                  f"ours top-1 on another item for {wrong}/{pos} original queries.", ""]
    if "videos" in res:
        v = res["videos"]
        lines += ["### Videos (top match is the source, start within 1 s, speed within 0.1)", "",
                  "| query | correct |", "|---|---|"]
        for name, (ok, tot) in v["rows"].items():
            lines.append(f"| {name} | {ok}/{tot} |")
        neg = v["negatives"]
        lines += [f"| clips not in the corpus (any match is false) | {neg[0]}/{neg[1]} false |",
                  "", f"Median video query time: {v['median_query_s']:.2f} s.", ""]
    if "ingest" in res:
        rows = res["ingest"]["rows"]
        lines += ["### Ingest speed", "",
                  "Each folder ingested into a fresh corpus by `Corpus.add` with 2 worker "
                  "processes (SHA-256, capture date, PDQ + pHash + dHash + colour hash, up to "
                  "128 ORB features, SQLite writes, pool start-up included) against a plain "
                  "`imagehash.phash(Image.open(p))` loop over the same files; page cache warm, "
                  "best of 3 runs each, interleaved. The worker processes fork from a "
                  "forkserver that is started, preloaded and warmed once per process: "
                  "\"first ingest\" is "
                  "`Corpus.add` as the first ingest of a fresh process (what `verifier corpus "
                  "add` pays), forkserver start included.", "",
                  "| folder | files | Mpx avg | ours images/s | plain pHash loop images/s | "
                  "ratio | first ingest of a process: ratio |", "|---|---|---|---|---|---|---|"]
        for r in rows:
            name = r["set"] + (" — with `--full-metadata`" if r["full_metadata"] else "")
            cold = f"{r['cold_ratio']:.2f}x" if r.get("cold_ratio") else "-"
            lines.append(f"| {name} | {r['files']} | {r['mpx']:.1f} | {r['ours_rate']:.0f} | "
                         f"{r['peer_rate']:.0f} | {r['ratio']:.2f}x | {cold} |")
        lines += ["", "CPU per image on one core (ms), by stage of the worker:", "",
                  "| folder | peer: decode + pHash | ours: worker total | decode (draft) | "
                  "hashes | ORB | decode share |", "|---|---|---|---|---|---|---|"]
        for r in rows:
            st = r.get("stages_ms")
            if not st:
                continue
            lines.append(f"| {r['set']} | {st['peer: decode + pHash']:.1f} | "
                         f"{st['worker total']:.1f} | {st['decode']:.1f} | {st['hashes']:.1f} | "
                         f"{st['ORB']:.1f} | {st['decode'] / st['worker total']:.0%} |")
        lines += ["", f"Target >= 3x. Corpus file: {rows[0]['db_bytes_per_item'] / 1024:.1f} KiB "
                  "per image (hashes, features, provenance).", ""]
    if "latency" in res:
        lat = res["latency"]
        lines += ["### Search latency and memory at 1M frames (synthetic PDQ codes)", "",
                  "| lookup | ours (FrameIndex) p50 | FAISS IndexBinaryFlat p50 | ratio |",
                  "|---|---|---|---|",
                  f"| 1 code, top 10 | {lat['ours_1_ms']:.2f} ms | {lat['faiss_1_ms']:.2f} ms | "
                  f"{lat['ours_1_ms'] / lat['faiss_1_ms']:.2f} |",
                  f"| one image query: 8 orientations, top 64 | {lat['ours_8_ms']:.2f} ms | "
                  f"{lat['faiss_8_ms']:.2f} ms | {lat['ours_8_ms'] / lat['faiss_8_ms']:.2f} |",
                  "", f"In-memory index: {lat['index_mb_per_million']:.0f} MiB per million frames "
                  f"(PDQ and pHash codes in FAISS plus the row arrays); the process's RSS grew "
                  f"{lat['rss_mb_per_million']:.0f} MiB (building took {lat['build_s']:.1f} s"
                  "). Local features are extra: 128 x 36 bytes per image when loaded (the "
                  "crop shortlist; capped at 8M features, about 290 MB).", ""]
    if "approximate" in res:
        ap = res["approximate"]
        lines += [f"### Approximate search at {ap['n'] / 1e6:.0f}M frames (synthetic PDQ codes)",
                  "", f"Ours: {ap['describe']}; peer: FAISS IndexBinaryFlat (exact) on the same "
                  "codes, one thread each.", "",
                  "| lookup | ours p50 | IndexBinaryFlat p50 | ratio |", "|---|---|---|---|",
                  f"| 1 code, top 10 | {ap['ours_1_ms']:.2f} ms | {ap['flat_1_ms']:.2f} ms | "
                  f"{ap['ours_1_ms'] / ap['flat_1_ms']:.2f} |",
                  f"| one image query: 8 orientations, top 64 | {ap['ours_8_ms']:.2f} ms | "
                  f"{ap['flat_8_ms']:.2f} ms | {ap['ours_8_ms'] / ap['flat_8_ms']:.2f} |", "",
                  f"Recall@10 of 300 planted near-duplicates (5-31 bits from a corpus code): "
                  f"{ap['recall']:.3f} (exact: {ap['exact_recall']:.3f}). Random codes have no "
                  "clusters, the hardest case for an inverted file; PDQ codes of real pictures "
                  f"cluster. The first search builds the inverted file: {ap['build_s']:.1f} s "
                  f"(once per process). Memory: {ap['ours_mb_per_million']:.0f} MiB per million "
                  f"codes (codes, ids, direct map) against {ap['flat_mb_per_million']:.0f}.", ""]
    if "votes" in res:
        vo = res["votes"]
        lines += [f"### Local-feature votes at the feature budget ({vo['pictures'] / 1e6:.1f}M "
                  f"picture and {vo['video'] / 1e6:.1f}M video-frame descriptors, synthetic)",
                  "", "Ours: FeatureIndex (pictures' and video frames' descriptors apart, exact; "
                  "a long scan shared by queries among Python threads, one OpenMP thread "
                  "each); peer: one FAISS IndexBinaryFlat over every descriptor with the same "
                  f"queries, on one OpenMP thread and on {vo['cores']}.", "",
                  "| vote | ours p50 | IndexBinaryFlat p50, 1 thread | ratio | "
                  f"IndexBinaryFlat p50, {vo['cores']} threads | ratio |",
                  "|---|---|---|---|---|---|",
                  f"| a picture query (700 descriptors, k=2) | {vo['ours_picture_ms']:.0f} ms | "
                  f"{vo['flat_picture_ms']:.0f} ms | "
                  f"{vo['ours_picture_ms'] / vo['flat_picture_ms']:.2f} | "
                  f"{vo['omp_picture_ms']:.0f} ms | "
                  f"{vo['ours_picture_ms'] / vo['omp_picture_ms']:.2f} |",
                  f"| a video query's fallback (24 x 250 descriptors, k=8, video frames) | "
                  f"{vo['ours_video_ms']:.0f} ms | {vo['flat_video_ms']:.0f} ms | "
                  f"{vo['ours_video_ms'] / vo['flat_video_ms']:.2f} | "
                  f"{vo['omp_video_ms']:.0f} ms | "
                  f"{vo['ours_video_ms'] / vo['omp_video_ms']:.2f} |", ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    start = old.find("## Matching")
    if start >= 0:
        end = old.find("\n## ", start + 5)
        old = old[:start] + old[end + 1:] if end >= 0 else old[:start]
    RESULTS.write_text(old.rstrip() + "\n\n" + text.rstrip() + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few pictures: a smoke run")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--only", nargs="*", default=["images", "videos", "ingest", "latency"])
    parser.add_argument("--json", metavar="FILE", help="also write the raw figures here")
    args = parser.parse_args()
    if not MEDIA.exists():
        sys.exit(f"real media not available: {MEDIA}")
    command = "python benchmarks/bench_matching.py" + (" --quick" if args.quick else "") + \
        (f" --only {' '.join(args.only)}" if set(args.only) != {"images", "videos", "ingest",
                                                                 "latency"} else "")
    res: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as tmp:
        work = Path(tmp)
        corpus_path = work / "corpus.sqlite"
        videos = [MEDIA / v for v in SOURCE_VIDEOS if (MEDIA / v).exists()]
        if "images" in args.only or "videos" in args.only:
            sets = build_corpus(work, args.quick, corpus_path, videos)
        if "images" in args.only:
            res["images"] = run_images(work, sets, corpus_path)
            for line in res["images"]["failures"]:
                print(line, file=sys.stderr)
        if "videos" in args.only:
            res["videos"] = run_videos(work, corpus_path)
            for line in res["videos"]["details"]:
                print(line, file=sys.stderr)
        if "ingest" in args.only:
            res["ingest"] = run_ingest(work)
        if "latency" in args.only:
            res["latency"] = run_latency()
        if "approximate" in args.only:
            res["approximate"] = run_approximate()
        if "votes" in args.only:
            res["votes"] = run_votes()
    text = markdown(res, command)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str))
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
