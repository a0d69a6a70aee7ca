"""The bundled demo case: an article written for the demo and media generated here (nothing
downloaded or copied). An "archive" video from 2017 and a photo from 2016 go into a demo corpus;
the "viral" clip and photo are re-encoded, resized excerpts of them, so matching has a real
answer to find: the clip is not new."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image
from platformdirs import user_data_dir

from verifier.case import CaseStore
from verifier.corpus import Corpus
from verifier.errors import UserError
from verifier.media import intake
from verifier.models import EvidenceItem, Rating, Verdict
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress
from verifier.services import analyse_media, check, export_report

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "demo"
FPS = 25
SIZE = (640, 360)


@dataclass(frozen=True)
class DemoCase:
    case_path: Path
    report_path: Path
    corpus_path: Path


def default_demo_dir() -> Path:
    return Path(user_data_dir("verifier", appauthor=False)) / "demo"


def demo_article_path() -> Path:
    return RESOURCES / "article.txt"


def build_demo(
    out_dir: Path | None = None,
    *,
    progress: Progress = NULL_PROGRESS,
    cancel: CancelToken = NEVER_CANCELLED,
    force: bool = False,
) -> DemoCase:
    """Generate the demo media, corpus, case and report; reuse them when already built."""
    out_dir = out_dir or default_demo_dir()
    demo = DemoCase(out_dir / "demo.vcase", out_dir / "demo-report.html",
                    out_dir / "demo-corpus.sqlite")
    if demo.case_path.exists() and demo.report_path.exists() and not force and _opens(demo):
        return demo
    if out_dir.exists():
        shutil.rmtree(out_dir)
    archive, claimed = out_dir / "archive", out_dir / "claimed"
    archive.mkdir(parents=True)
    claimed.mkdir()
    progress.start(None, "Generating demo media")
    archive_video = archive / "harbour-storm-2017.mp4"
    write_scene_video(archive_video, seconds=12.0, creation_time="2017-03-14T09:41:00Z")
    clip = claimed / "viral-harbour-clip.mp4"
    write_excerpt(archive_video, clip, start=4.4, end=11.0, scale=0.75)
    photo = archive / "footbridge-2016.jpg"
    write_photo(photo)
    shared_photo = claimed / "shared-footbridge.jpg"
    with Image.open(photo) as img:
        small = img.resize((img.width * 3 // 5, img.height * 3 // 5), Image.Resampling.LANCZOS)
        small.save(shared_photo, quality=62)  # no exif= : stripped, as platforms do
    for seed in (11, 12, 13):
        _unrelated_photo(archive / f"unrelated-{seed}.jpg", seed)
    cancel.check()

    with Corpus(demo.corpus_path) as corpus:
        corpus.add([archive], progress=progress, cancel=cancel)
    check(str(clip), str(demo_article_path()), demo.report_path, case_path=demo.case_path,
          corpus_path=demo.corpus_path, progress=progress, cancel=cancel)
    with CaseStore.open(demo.case_path, actor="demo analyst") as case, \
            Corpus(demo.corpus_path) as corpus:
        case.conn.execute("UPDATE meta SET value = 'Demo: harbour flood clip' WHERE key = 'name'")
        item = case.add_media(intake.load(shared_photo).item)
        analyse_media(case, item, corpus, progress=progress, cancel=cancel)
        photo_claim = next((c for c in case.claims() if "photo" in c.text.lower()), None)
        if photo_claim is not None and photo_claim.id is not None and item.id is not None:
            case.link_media(photo_claim.id, item.id)
        clip_claim = next((c for c in case.claims() if "cannot be verified" in c.text), None)
        if clip_claim is not None and clip_claim.id is not None:
            case.add_verdict(Verdict(
                clip_claim.id, Rating.OUT_OF_CONTEXT,
                "Every keyframe of the clip matches harbour-storm-2017.mp4 in the archive "
                "(recorded 14 March 2017): the footage is real but not from this week's storm.",
                confidence=0.9,
                evidence_items=(
                    EvidenceItem("match", "archive/harbour-storm-2017.mp4",
                                 "the clip is 00:04.4-00:11.0 of the archive video"),
                    EvidenceItem("metadata", "creation_time",
                                 "the archive original was recorded on 2017-03-14"),
                    EvidenceItem("metadata", "re-encoded",
                                 "the viral copy was re-encoded and stripped of its metadata"),
                ),
                reasons=("earlier-appearance", "metadata-stripped", "re-encoded"),
            ))
        export_report(case, "html", demo.report_path)
    return demo


def _opens(demo: DemoCase) -> bool:
    """A demo left by an older version that can no longer be read is rebuilt."""
    try:
        with CaseStore.open(demo.case_path):
            return True
    except UserError:
        return False


# ---------------------------------------------------------------- synthetic media


def _scene(shot: int, t: float, rng_base: np.ndarray) -> np.ndarray:
    """One frame of one of three visually distinct scenes, with motion."""
    w, h = SIZE
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    img = np.zeros((h, w, 3), np.float32)
    if shot == 0:  # harbour: sky over sea with moving waves and a boat
        sky = y < 0.45
        img[..., 0] = np.where(sky, 120 + 80 * y, 20 + 30 * np.sin(30 * x + 4 * t + 12 * y))
        img[..., 1] = np.where(sky, 170 + 60 * y, 70 + 30 * np.sin(25 * x - 3 * t))
        img[..., 2] = np.where(sky, 230 - 20 * y, 120 + 20 * np.cos(20 * y + 2 * t))
        bx = int((0.1 + 0.05 * t) * w) % w
        cv2.rectangle(img, (bx, int(0.5 * h)), (bx + 90, int(0.58 * h)), (180, 40, 30), -1)
        cv2.rectangle(img, (0, int(0.62 * h)), (w, int(0.7 * h)), (90, 90, 95), -1)
    elif shot == 1:  # quay with houses, slow pan
        pan = int(8 * t)
        img[...] = (200, 200, 210)
        for i in range(-2, 12):
            left = i * 70 - pan % 70
            colour = ((i * 53) % 200 + 40, (i * 97) % 200 + 40, (i * 31) % 200 + 40)
            cv2.rectangle(img, (left, int(0.25 * h) + (i % 3) * 12), (left + 60, int(0.8 * h)),
                          colour, -1)
            cv2.rectangle(img, (left + 15, int(0.45 * h)), (left + 35, int(0.55 * h)),
                          (40, 40, 60), -1)
        img[int(0.8 * h):] = (60, 80, 140)
    else:  # close-up: waves over the harbour wall
        img[..., 0] = 60 + 60 * np.sin(18 * x + 1.5 * t) * np.cos(9 * y)
        img[..., 1] = 120 + 70 * np.sin(14 * y - 1.2 * t)
        img[..., 2] = 170 + 60 * np.cos(11 * x + 0.8 * t)
        cv2.circle(img, (int(w * (0.3 + 0.02 * t)), int(h * 0.4)), 70, (240, 240, 240), -1)
        cv2.rectangle(img, (0, int(0.75 * h)), (w, h), (110, 100, 90), -1)
    img += rng_base[shot]
    return np.clip(img, 0, 255).astype(np.uint8)


def write_scene_video(path: Path, *, seconds: float, creation_time: str) -> None:
    rng = np.random.default_rng(7)
    texture = rng.normal(0, 6, (3, SIZE[1], SIZE[0], 3)).astype(np.float32)
    with av.open(str(path), "w") as container:
        container.metadata["creation_time"] = creation_time
        container.metadata["title"] = "Harbour storm, Port Alder (archive)"
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        total = int(seconds * FPS)
        for i in range(total):
            t = i / FPS
            shot = 0 if t < 4.0 else (1 if t < 8.0 else 2)
            frame = av.VideoFrame.from_ndarray(_scene(shot, t, texture), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def write_excerpt(source: Path, target: Path, *, start: float, end: float, scale: float) -> None:
    """Re-encode part of a video at another size, as a re-upload would, without metadata."""
    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        stream = dst.add_stream("libx264", rate=FPS)
        stream.width = int(SIZE[0] * scale) // 2 * 2
        stream.height = int(SIZE[1] * scale) // 2 * 2
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "30", "preset": "veryfast"}
        written = 0
        for frame in src.decode(video=0):
            if frame.time is None or not start <= frame.time < end:
                continue
            small = frame.reformat(width=stream.width, height=stream.height, format="yuv420p")
            small.pts, small.time_base = written, Fraction(1, FPS)
            written += 1
            dst.mux(stream.encode(small))
        dst.mux(stream.encode(None))


def write_photo(path: Path) -> None:
    w, h = 1200, 800
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    img = np.zeros((h, w, 3), np.float32)
    img[..., 0] = 110 + 90 * y
    img[..., 1] = 150 + 60 * y
    img[..., 2] = 210 - 40 * y
    img[int(0.6 * h):] = np.stack([40 + 20 * np.sin(40 * x + 10 * y)] * 3, -1)[int(0.6 * h):] + \
        np.array([10, 50, 90], np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    cv2.line(img, (100, int(0.55 * h)), (1100, int(0.5 * h)), (70, 60, 50), 18)
    for px in range(150, 1100, 120):
        cv2.line(img, (px, int(0.55 * h) - 5), (px, int(0.72 * h)), (60, 50, 40), 10)
    cv2.rectangle(img, (480, int(0.42 * h)), (720, int(0.52 * h)), (230, 120, 30), -1)
    exif = Image.Exif()
    exif[0x010F] = "DemoCam"
    exif[0x0110] = "DC-100"
    exif[0x0132] = "2016:11:02 15:20:11"
    exif.get_ifd(0x8769)[0x9003] = "2016:11:02 15:20:11"
    Image.fromarray(img).save(path, quality=92, exif=exif)


def _unrelated_photo(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = cv2.resize(rng.integers(0, 255, (6, 8, 3), dtype=np.uint8), (800, 600),
                      interpolation=cv2.INTER_CUBIC)
    Image.fromarray(base).save(path, quality=90)
