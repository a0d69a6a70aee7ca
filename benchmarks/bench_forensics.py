"""Time per forensic lens on a 12 Mpx real photo, with a plain peer where one exists, in one run.

    .venv/bin/python benchmarks/bench_forensics.py [--rounds N] [--accuracy]

The photo is ../shared/media/exif-samples/jpg/tests/42_IndexError.jpg (4032 x 3024, a real
phone JPEG with plenty of texture, so clone detection has thousands of keypoints to match).
Each lens runs on the decoded picture (decoding is timed on its own); every figure is the
median of N interleaved rounds (ours and the peer alternate, so a busy machine slows both
alike). Peers, each the plain way common tools do the same job:

- ELA: Pillow save at the same quality, ImageChops.difference, scaled by a point table (the
  recipe of most ELA scripts and web tools);
- noise: the same three maps the plain way (median residual, pywt.dwt2 diagonal band, NumPy
  per-block medians), without our region finding;
- jpeg: a Pillow + NumPy JPEG ghost loop over the same 10 qualities in colour (ours works on
  the luminance and adds table lookup, double-compression and grid checks);
- clone: SIFT + brute-force kNN matching on the full-resolution picture (no working copy);
- pca: NumPy covariance and projection in float64 over every pixel;
- gradient: np.gradient of the luminance in float64 and the same colour map;
- thumbnail: no peer;
- frames (PySceneDetect's testvideo.mp4, a real 24 s video of 720 frames): a decode-only
  PyAV loop with the same frame threading.

Prints a Markdown table with ratios (ours / peer; below 1 means faster) and the targets
(ELA under 0.5 s, clone under 5 s on 12 Mpx).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MEDIA = ROOT.parent / "shared" / "media"
# A real 12 Mpx phone photo full of texture (a painting in a gallery; the exifread sample is
# named after the parser bug its EXIF once caused, its picture is intact).
PHOTO = MEDIA / "exif-samples/jpg/tests/42_IndexError.jpg"
VIDEO = MEDIA / "PySceneDetect/tests/resources/testvideo.mp4"
QUALITIES = tuple(range(50, 100, 5))


def peer_ela(rgb: np.ndarray, quality: int = 90, scale: float = 15.0) -> object:
    from PIL import Image, ImageChops

    img = Image.fromarray(rgb)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    diff = ImageChops.difference(img, Image.open(buf))
    return diff.point(lambda v: min(255, int(v * scale)))


def peer_noise(rgb: np.ndarray) -> object:
    """The same three maps the plain way: median residual, pywt.dwt2 diagonal band, and a
    per-block median absolute value (Donoho's estimate) with NumPy."""
    import cv2
    import pywt

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    residual = cv2.absdiff(gray, cv2.medianBlur(gray, 3))
    _, (_, _, hh) = pywt.dwt2(gray.astype(np.float32), "db8", mode="periodization")
    band = np.abs(hh)
    h, w = (band.shape[0] // 16) * 16, (band.shape[1] // 16) * 16
    tiles = band[:h, :w].reshape(h // 16, 16, w // 16, 16).transpose(0, 2, 1, 3)
    level = np.median(tiles.reshape(h // 16, w // 16, -1), axis=2) / 0.6745
    return residual, band, level


def peer_gradient(rgb: np.ndarray) -> object:
    """np.gradient of the luminance in float64 and a red/green/blue direction map."""
    lum = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    gy, gx = np.gradient(lum)
    mag = np.hypot(gx, gy)
    out = np.empty((*lum.shape, 3), dtype=np.uint8)
    out[..., 0] = np.clip(128 + gx * 4, 0, 255)
    out[..., 1] = np.clip(128 + gy * 4, 0, 255)
    out[..., 2] = np.clip(mag * 255 / max(np.percentile(mag, 99), 1e-6), 0, 255)
    return out


def peer_ghost(rgb: np.ndarray) -> object:
    from PIL import Image

    img = Image.fromarray(rgb)
    base = rgb.astype(np.float32)
    maps = []
    for q in QUALITIES:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=q)
        buf.seek(0)
        again = np.asarray(Image.open(buf).convert("RGB"), dtype=np.float32)
        d = ((base - again) ** 2).mean(axis=2)
        h, w = (d.shape[0] // 16) * 16, (d.shape[1] // 16) * 16
        maps.append(d[:h, :w].reshape(h // 16, 16, w // 16, 16).mean(axis=(1, 3)))
    return maps


def peer_clone(rgb: np.ndarray) -> object:
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    sift = cv2.SIFT_create(nfeatures=8000)  # type: ignore[attr-defined]
    _kp, desc = sift.detectAndCompute(gray, None)
    return cv2.BFMatcher(cv2.NORM_L2).knnMatch(desc, desc, k=4)


def peer_pca(rgb: np.ndarray) -> object:
    pixels = rgb.reshape(-1, 3).astype(np.float64)
    centred = pixels - pixels.mean(axis=0)
    _values, vectors = np.linalg.eigh(np.cov(centred.T))
    return centred @ vectors


def peer_decode(path: Path) -> object:
    import av

    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "FRAME"
        return sum(1 for _ in c.decode(stream))


def looped(src: Path, dst: Path, times: int) -> None:
    """The video's packets remuxed `times` over, one after the other (no re-encoding)."""
    import av

    with av.open(str(src)) as first:
        duration = first.streams.video[0].duration or 0
    with av.open(str(dst), "w") as out:
        stream_out = None
        for k in range(times):
            with av.open(str(src)) as inp:
                stream = inp.streams.video[0]
                if stream_out is None:
                    stream_out = out.add_stream_from_template(stream)
                for packet in inp.demux(stream):
                    if packet.dts is None:
                        continue
                    packet.pts = (packet.pts or 0) + k * duration
                    packet.dts += k * duration
                    packet.stream = stream_out
                    out.mux(packet)


def frames_memory(video: Path) -> tuple[int, float]:
    """(frames, peak RSS in MB) of the frames lens alone in a fresh process."""
    import json
    import subprocess

    # VmHWM, not ru_maxrss: the latter carries the parent's peak over fork and exec.
    code = ("import json, sys; from verifier.forensics.frames import frames; "
            "r = frames(sys.argv[1]); "
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
            "print(json.dumps([r.numbers['frames'], int(hwm.split()[1]) / 1024]))")
    out = subprocess.run([sys.executable, "-c", code, str(video)], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    count, peak = json.loads(out)
    return int(count), float(peak)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def accuracy() -> None:
    """How often each lens's automatic pointer fires on genuine camera photos, and how often it
    finds constructed edits at the right place (the maps themselves are for the eye)."""
    from PIL import Image

    from verifier.errors import UserError
    from verifier.forensics import ForensicInput, from_array, load, run_lens
    from verifier.forensics.result import Region

    genuine = []
    for path in sorted((MEDIA / "metadata-extractor-images/jpg").glob("*.jpg")):
        try:
            src = load(path)
        except UserError:
            continue
        if min(src.size) >= 400:
            genuine.append(src)
    genuine = genuine[:30]

    def jpeg(rgb: np.ndarray, quality: int) -> bytes:
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
        return buf.getvalue()

    def decoded(data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))

    import tempfile

    import cv2

    tmp = Path(tempfile.mkdtemp(prefix="forensics-accuracy-"))
    sets: dict[str, list[tuple[ForensicInput, tuple[int, int, int, int]]]] = {
        "paste on grid": [], "paste off grid": [], "moved copy": [], "blurred patch": []}
    for i, src in enumerate(genuine):
        base, other = src.rgb[:768, :1024], genuine[(i + 5) % len(genuine)].rgb
        if base.shape[0] < 600 or base.shape[1] < 800 or min(other.shape[:2]) < 300:
            continue
        patch = decoded(jpeg(np.ascontiguousarray(other[:300, :300]), 60))[40:168, 40:200]
        for name, (x, y) in (("paste on grid", (400, 304)), ("paste off grid", (403, 302))):
            img = base.copy()
            img[y: y + 128, x: x + 160] = patch
            path = tmp / f"{name.replace(' ', '-')}-{i}.jpg"
            path.write_bytes(jpeg(img, 92))
            sets[name].append((load(path), (x, y, 160, 128)))
        img = base.copy()
        img[300:428, 400:560] = base[40:168, 40:200]
        sets["moved copy"].append((from_array(decoded(jpeg(img, 92))), (400, 300, 160, 128)))
        img = base.copy()
        img[300:428, 400:560] = cv2.GaussianBlur(img[300:428, 400:560], (7, 7), 2)
        sets["blurred patch"].append((from_array(decoded(jpeg(img, 92))), (400, 300, 160, 128)))
        if len(sets["moved copy"]) >= 10:
            break

    def hit(regions: tuple[Region, ...], box: tuple[int, int, int, int]) -> bool:
        return bool(regions) and max(r.overlaps(box) for r in regions) > 0.5

    q: dict[str, Any] = {"ghost_qualities": (50, 60, 70, 80, 90)}
    checks: list[tuple[str, dict[str, Any], tuple[str, ...], int]] = [
        ("ela", {}, ("paste on grid", "paste off grid"), len(genuine)),
        ("jpeg", q, ("paste on grid", "paste off grid"), len(genuine)),
        ("jpeg", q | {"ghost_shifts": 64}, ("paste off grid",), 10),
        ("clone", {}, ("moved copy",), len(genuine)),
        ("noise", {}, ("blurred patch",), len(genuine)),
    ]
    print()
    print(f"Accuracy: {len(genuine)} genuine camera photos (metadata-extractor samples, at "
          f"least 400 px) and edits built from the first of them (a 160x128 area)")
    print("| lens | parameters | genuine photos flagged | edits found at the right place |")
    print("|---|---|---|---|")
    for lens, params, names, count in checks:
        flagged = sum(1 for src in genuine[:count] if run_lens(lens, src, params).regions)
        found = []
        for name in names:
            ok = sum(1 for src, box in sets[name] if hit(run_lens(lens, src, params).regions,
                                                           box))
            found.append(f"{name} {ok} of {len(sets[name])}")
        shown = ", ".join(f"{k} {v}" for k, v in params.items()) or "defaults"
        print(f"| {lens} | {shown} | {flagged} of {count} | {'; '.join(found)} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--accuracy", action="store_true",
                        help="also count flags on genuine photos and finds on constructed "
                             "edits (a few minutes)")
    args = parser.parse_args()
    if not PHOTO.exists():
        print(f"needs {PHOTO} (../shared/media)", file=sys.stderr)
        return 2
    from verifier.forensics import load, run_lens
    from verifier.forensics.frames import frames

    decode = [timed(lambda: load(PHOTO)) for _ in range(args.rounds)]
    src = load(PHOTO)
    w, h = src.size
    print(f"photo {PHOTO.name}: {w} x {h} ({w * h / 1e6:.1f} Mpx); decode median "
          f"{statistics.median(decode):.2f} s; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    rgb = src.rgb
    cases: list[tuple[str, Callable[[], object], str, Callable[[], object] | None]] = [
        ("ela", lambda: run_lens("ela", src), "Pillow ELA", lambda: peer_ela(rgb)),
        ("noise", lambda: run_lens("noise", src), "median residual + pywt.dwt2 + NumPy medians",
         lambda: peer_noise(rgb)),
        ("jpeg", lambda: run_lens("jpeg", src), "Pillow+NumPy ghost loop",
         lambda: peer_ghost(rgb)),
        ("clone", lambda: run_lens("clone", src), "full-res SIFT + brute force",
         lambda: peer_clone(rgb)),
        ("gradient", lambda: run_lens("gradient", src), "NumPy np.gradient map",
         lambda: peer_gradient(rgb)),
        ("pca", lambda: run_lens("pca", src), "NumPy float64 PCA", lambda: peer_pca(rgb)),
        ("thumbnail", lambda: run_lens("thumbnail", src), "", None),
        ("frames", lambda: frames(VIDEO), "PyAV decode only", lambda: peer_decode(VIDEO)),
    ]
    rows = []
    for name, ours, peer_name, peer in cases:
        mine, theirs = [], []
        for _ in range(args.rounds):
            mine.append(timed(ours))
            if peer is not None:
                theirs.append(timed(peer))
        m = statistics.median(mine)
        p = statistics.median(theirs) if theirs else None
        rows.append((name, m, mine, peer_name, p, theirs))
        ratio = f"{m / p:.2f}x" if p else "-"
        print(f"{name:10s} ours {m:6.2f} s  {peer_name or '-':44s} "
              f"{(f'{p:6.2f} s' if p else '   -  ')}  ratio {ratio}", flush=True)
    print()
    print("| lens | ours (s, median) | ours (s, best) | all rounds | peer | peer (s, median) "
          "| ours / peer |")
    print("|---|---|---|---|---|---|---|")
    for name, m, mine, peer_name, p, _theirs in rows:
        print(f"| {name} | {m:.2f} | {min(mine):.2f} | {[round(x, 2) for x in mine]} | "
              f"{peer_name or '-'} | {f'{p:.2f}' if p else '-'} | "
              f"{f'{m / p:.2f}x' if p else '-'} |")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        long_video = Path(tmp) / "looped.mp4"
        looped(VIDEO, long_video, 8)
        print()
        print("Frames lens memory (a fresh process each; the second video is the first remuxed "
              "8 times over):")
        for video in (VIDEO, long_video):
            count, peak = frames_memory(video)
            print(f"- {count} frames: peak RSS {peak:.0f} MB")
    print()
    ela = next(r[1] for r in rows if r[0] == "ela")
    clone = next(r[1] for r in rows if r[0] == "clone")
    print()
    ela_best = min(next(r[2] for r in rows if r[0] == "ela"))
    print(f"- ELA under 0.5 s on {w * h / 1e6:.1f} Mpx: median {ela:.2f} s, best "
          f"{ela_best:.2f} s: {'met' if ela < 0.5 else 'MISSED'} (median)")
    print(f"- clone detection under 5 s on {w * h / 1e6:.1f} Mpx: {clone:.2f} s: "
          f"{'met' if clone < 5 else 'MISSED'}")
    print(f"- load average at the end: {os.getloadavg()[0]:.1f}")
    if args.accuracy:
        accuracy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
