"""A match says where the query sits in the original (homography and region), and the overlay
helper brings the original into the query's frame with it: checked on doctored copies of a real
photo (cropped and mirrored, turned a quarter, framed by a screenshot's padding)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.conftest import shared_file
from tests.helpers import run_cli
from verifier.corpus import Corpus
from verifier.matching.overlay import (
    FEATURES,
    STORED,
    TRANSFORM,
    compare,
    from_transform,
    load_picture,
    region_of,
)
from verifier.matching.search import Matcher
from verifier.models import Match

PHOTO = "ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg"
OTHERS = ["metadata-extractor-images/jpg/Canon EOS 7D.jpg",
          "metadata-extractor-images/jpg/Casio EX-S1.jpg",
          "exif-samples/jpg/Nikon_D70.jpg"]
CROP = (0.12, 0.08, 0.80, 0.90)  # fractions of the original the copy keeps


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    files = [shared_file(PHOTO)] + [shared_file(p) for p in OTHERS]
    db = tmp_path_factory.mktemp("corpus") / "corpus.sqlite"
    with Corpus(db) as c:
        c.add(files, workers=1)
        yield c


def _original() -> Image.Image:
    with Image.open(shared_file(PHOTO)) as img:
        return ImageOps.exif_transpose(img).convert("RGB")


def _cropped(img: Image.Image) -> Image.Image:
    w, h = img.size
    return img.crop((round(CROP[0] * w), round(CROP[1] * h), round(CROP[2] * w),
                     round(CROP[3] * h)))


def _best(corpus: Corpus, img: Image.Image, path: Path) -> Match:
    img.save(path, quality=85)
    top = Matcher(corpus).match_file(path).matches[0]
    assert Path(top.corpus_path).name == Path(PHOTO).name and top.confirmed
    return top


def _bounds(region: object) -> tuple[float, float, float, float]:
    points = np.array(region, dtype=float)
    return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()),
            float(points[:, 1].max()))


def _error(query: np.ndarray, aligned: np.ndarray, mask: np.ndarray) -> float:
    def gray(rgb: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32),
                                (0, 0), 1.5)
    return float(np.abs(gray(query) - gray(aligned))[mask].mean())


def test_a_mirrored_crop_carries_its_homography_and_region(corpus: Corpus,
                                                            tmp_path: Path) -> None:
    query = tmp_path / "mirrored-crop.jpg"
    match = _best(corpus, ImageOps.mirror(_cropped(_original())), query)
    assert match.alignment is not None
    assert np.array(match.alignment["homography"]).shape == (3, 3)
    bounds = _bounds(match.alignment["region"])
    assert all(abs(a - b) < 0.02 for a, b in zip(bounds, CROP, strict=True)), bounds
    # The region is the query's outline: mirrored, its top-left corner lands top-right.
    first = match.alignment["region"][0]
    assert abs(first[0] - CROP[2]) < 0.02 and abs(first[1] - CROP[1]) < 0.02

    q, s = load_picture(query), load_picture(Path(match.corpus_path))
    stored = compare(q, s, alignment=match.alignment, transform=match.transform)
    assert stored.method == STORED and stored.coverage > 0.97
    plain = cv2.resize(stored.original, (q.shape[1], q.shape[0]))
    assert _error(stored.query, stored.aligned, stored.mask) < 8
    assert _error(stored.query, plain, stored.mask) > 4 * _error(stored.query, stored.aligned,
                                                                  stored.mask)
    # A match stored before alignments were kept: the features are found again.
    again = compare(q, s, alignment=None, transform=match.transform)
    assert again.method == FEATURES
    assert np.allclose(_bounds(again.region), _bounds(stored.region), atol=0.02)
    # Only the transform (mirror, crop box) left: still about the same frame.
    fallback = from_transform(match.transform)
    assert fallback is not None
    assert np.allclose(_bounds(region_of(fallback)), bounds, atol=0.03)


def test_a_quarter_turn_aligns_and_the_transform_alone_agrees(corpus: Corpus,
                                                              tmp_path: Path) -> None:
    turned = _original().rotate(-90, expand=True)  # a quarter turn clockwise
    query = tmp_path / "turned.jpg"
    match = _best(corpus, turned, query)
    assert match.transform is not None and match.transform["rotation"] == 90
    assert match.alignment is not None
    stored = np.array(match.alignment["homography"])
    fallback = from_transform(match.transform)
    assert fallback is not None
    corners = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float).reshape(-1, 1, 2)
    a = cv2.perspectiveTransform(corners, stored).reshape(-1, 2)
    b = cv2.perspectiveTransform(corners, fallback).reshape(-1, 2)
    assert np.allclose(a, b, atol=0.03), (a, b)
    result = compare(load_picture(query), load_picture(Path(match.corpus_path)),
                     alignment=match.alignment)
    assert _error(result.query, result.aligned, result.mask) < 8


def test_a_screenshot_with_padding_keeps_the_region_on_the_original(
        corpus: Corpus, tmp_path: Path) -> None:
    photo = _original().resize((640, 427))
    shot = Image.new("RGB", (photo.width + 160, photo.height + 220), (245, 245, 247))
    shot.paste(photo, (80, 120))
    query = tmp_path / "screenshot.png"
    match = _best(corpus, shot, query)
    assert match.alignment is not None
    bounds = _bounds(match.alignment["region"])
    assert bounds[0] >= 0 and bounds[1] >= 0 and bounds[2] <= 1 and bounds[3] <= 1
    assert bounds[2] - bounds[0] > 0.95 and bounds[3] - bounds[1] > 0.95  # the whole photo
    result = compare(load_picture(query), load_picture(Path(match.corpus_path)),
                     alignment=match.alignment)
    share = (640 * 427) / (shot.width * shot.height)
    assert abs(result.coverage - share) < 0.05  # the original fills the photo, not the padding
    assert result.mean_difference < 10
    # And in the query, the original's outline is where the photo was pasted.
    pasted = (80 / shot.width, 120 / shot.height, 720 / shot.width, 547 / shot.height)
    assert np.allclose(_bounds(result.query_region), pasted, atol=0.03)


def test_unrelated_pictures_are_shown_unaligned_not_refused() -> None:
    a = load_picture(shared_file(OTHERS[0]))
    b = load_picture(shared_file(OTHERS[1]))
    result = compare(a, b)
    assert result.method not in (STORED, TRANSFORM)
    assert result.aligned.shape == result.query.shape
    assert result.difference.shape == result.query.shape


def test_match_json_adds_the_alignment_and_keeps_the_public_keys(
        corpus: Corpus, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = tmp_path / "copy.jpg"
    ImageOps.mirror(_cropped(_original())).save(query, quality=85)
    result = run_cli(capsys, "match", query, "--corpus", corpus.path, "--json")
    assert result.rc == 0, result.err
    top = json.loads(result.out)["matches"][0]
    for key in ("corpus_path", "distance", "score", "confirmed", "transform", "query_start",
                "query_end", "source_start", "source_end", "earliest_date"):
        assert key in top
    assert len(top["alignment"]["homography"]) == 3 and len(top["alignment"]["region"]) >= 4
