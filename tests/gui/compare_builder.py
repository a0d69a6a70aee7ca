"""A case whose photo is a doctored copy of a real photo in a small corpus: mirrored, cropped,
shrunk, re-compressed, with a "logo" pasted in one corner. Built for the comparison tests and
the comparison screenshot. No Qt here."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from verifier.case import CaseStore
from verifier.corpus import Corpus
from verifier.media import intake
from verifier.services import analyse_media

ORIGINAL = "ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg"
DISTRACTORS = ("exif-samples/jpg/Canon_40D.jpg", "exif-samples/jpg/Nikon_D70.jpg",
               "exif-samples/jpg/Fujifilm_FinePix_E500.jpg")
# The part of the original the copy keeps (fractions), before it is mirrored.
CROP = (0.10, 0.15, 0.85, 0.95)
QUERY_WIDTH = 520
# The pasted logo, in fractions of the query.
LOGO = (0.06, 0.06, 0.30, 0.20)
# What the archive's manifest says of the original (the example.org address is never fetched).
SOURCE_URL = "https://archive.example.org/photos/bridge-2015"
PUBLISHED = "2015-05-02"


@dataclass(frozen=True)
class CompareCase:
    case_path: Path
    corpus_path: Path
    media_id: int
    query: Path
    original: Path  # the corpus copy of the original


def make_query(original: Path, out: Path) -> None:
    with Image.open(original) as raw:
        img = ImageOps.exif_transpose(raw).convert("RGB")
    w, h = img.size
    box = (round(CROP[0] * w), round(CROP[1] * h), round(CROP[2] * w), round(CROP[3] * h))
    copy = ImageOps.mirror(img.crop(box))
    copy = copy.resize((QUERY_WIDTH, round(QUERY_WIDTH * copy.height / copy.width)),
                       Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(copy)
    cw, ch = copy.size
    draw.rectangle((LOGO[0] * cw, LOGO[1] * ch, LOGO[2] * cw, LOGO[3] * ch),
                   fill=(250, 250, 250), outline=(200, 30, 30), width=4)
    copy.save(out, quality=80)


def build_compare_case(out_dir: Path, original: Path, distractors: list[Path], *,
                       make: Callable[[Path, Path], None] | None = None) -> CompareCase:
    """A case whose media is a copy of `original` made by `make` (default: make_query), and a
    corpus of the original and the distractors."""
    archive = out_dir / "archive"
    archive.mkdir(parents=True)
    kept = archive / "bridge-2015.jpg"
    shutil.copy2(original, kept)
    for path in distractors:
        shutil.copy2(path, archive / path.name)
    query = out_dir / "viral-bridge.jpg"
    (make or make_query)(kept, query)
    corpus_path = out_dir / "corpus.sqlite"
    manifest = out_dir / "manifest.csv"
    manifest.write_text("path,source_url,publisher,published_at\n"
                        f"{kept},{SOURCE_URL},Example archive,{PUBLISHED}\n", encoding="utf-8")
    with Corpus(corpus_path) as corpus:
        corpus.add([archive], manifest=manifest)
        with CaseStore.create(out_dir / "bridge.vcase", name="Bridge photo") as case:
            item = case.add_media(intake.inspect(query))
            analyse_media(case, item, corpus)
            assert item.id is not None
            return CompareCase(case.path, corpus_path, item.id, query, kept)
