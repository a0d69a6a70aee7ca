"""Corpus ingest and matching with real photos and a real video.

Truths: the query is made here from a known corpus file (re-encoded, resized, or a re-encoded
segment written with PyAV), so the right answer is known; identity is checked with hashlib."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from tests.conftest import MEDIA, shared_file
from tests.helpers import (
    isolated_user_dirs,
    run_cli,
    run_cli_redirected,
    sha256_of,
    write_segment,
)

CORPUS_PHOTOS = [
    "exif-samples/jpg/Canon_40D.jpg",
    "exif-samples/jpg/Nikon_D70.jpg",
    "exif-samples/jpg/Pentax_K10D.jpg",
    "exif-samples/jpg/Samsung_Digimax_i50_MP3.jpg",
    "exif-samples/jpg/gps/DSCN0010.jpg",
    "exif-samples/jpg/gps/DSCN0012.jpg",
    "exif-samples/jpg/gps/DSCN0021.jpg",
    "ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg",
]
GOLDENEYE = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
OTHER_VIDEO = "PySceneDetect/tests/resources/counter.mp4"
GOLDENEYE_FPS = 24000 / 1001


def _present(relatives: list[str]) -> list[Path]:
    paths = [MEDIA / r for r in relatives]
    missing = [p for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"real media not available: {missing[0]}")
    return paths


@pytest.fixture(scope="module")
def photo_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    photos = _present(CORPUS_PHOTOS)
    work = tmp_path_factory.mktemp("photo-corpus")
    db = work / "corpus.sqlite"
    with isolated_user_dirs(work):
        result = run_cli_redirected("corpus", "add", *photos, "--corpus", db, "--json")
    assert result.rc == 0, result.err
    report = json.loads(result.out)
    assert report["added"] == len(photos), report
    assert report["skipped"] == []
    assert report["stats"]["items"] == report["stats"]["images"] == len(photos)
    return db


def _near_copy(original: Path, target: Path) -> Path:
    """What a platform does: display orientation baked in, EXIF dropped, half size, JPEG q60."""
    with Image.open(original) as img:
        upright = ImageOps.exif_transpose(img) or img
        rgb = upright.convert("RGB")
    half = rgb.resize((max(1, rgb.width // 2), max(1, rgb.height // 2)),
                      Image.Resampling.LANCZOS)
    half.save(target, format="JPEG", quality=60)
    return target


@pytest.mark.parametrize("relative", [
    "ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg",
    "exif-samples/jpg/gps/DSCN0012.jpg",
    "exif-samples/jpg/Canon_40D.jpg",
])
def test_resized_reencoded_copy_finds_its_original(
        relative: str, photo_corpus: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    original = shared_file(relative)
    copy = _near_copy(original, tmp_path / "shared-on-social.jpg")
    assert sha256_of(copy) != sha256_of(original)
    result = run_cli(capsys, "match", copy, "--corpus", photo_corpus, "--json")
    assert result.rc == 0, result.err
    matches = json.loads(result.out)["matches"]
    assert matches, "the original was not found"
    first = matches[0]
    assert first["corpus_sha256"] == sha256_of(original)
    assert Path(first["corpus_path"]) == original.resolve()
    assert first["corpus_kind"] == "image"
    assert first["query_time"] is None and first["source_time"] is None
    assert 0 <= first["distance"] <= 10
    distances = [m["distance"] for m in matches]
    assert distances == sorted(distances)
    # The other corpus photos are different pictures, not near duplicates.
    assert len({m["corpus_sha256"] for m in matches}) == len(matches)
    assert len(matches) <= 2, matches


def test_unrelated_photo_matches_nothing(photo_corpus: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    stranger = shared_file("exif-samples/jpg/gps/DSCN0040.jpg")
    result = run_cli(capsys, "match", stranger, "--corpus", photo_corpus, "--json",
                     "--max-distance", "4")
    assert result.rc == 0, result.err
    assert json.loads(result.out)["matches"] == []


def test_earliest_date_comes_from_exif(photo_corpus: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import exifread

    original = shared_file("exif-samples/jpg/gps/DSCN0010.jpg")
    with original.open("rb") as fh:
        taken = str(exifread.process_file(fh, details=False)["EXIF DateTimeOriginal"])
    day, clock = taken.split(" ")
    result = run_cli(capsys, "match", original, "--corpus", photo_corpus, "--json")
    first = json.loads(result.out)["matches"][0]
    assert first["distance"] == 0
    earliest = first["earliest_date"]
    # ISO date, optionally with the EXIF clock time (the zone is unknown, so none is given).
    assert earliest[:10] == day.replace(":", "-"), earliest
    assert earliest[10:] in ("", f"T{clock}"), earliest


# ---------------------------------------------------------------- video


@pytest.fixture(scope="module")
def video_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    videos = _present([GOLDENEYE, OTHER_VIDEO])
    work = tmp_path_factory.mktemp("video-corpus")
    db = work / "corpus.sqlite"
    with isolated_user_dirs(work):
        result = run_cli_redirected("corpus", "add", *videos, "--corpus", db, "--json")
    assert result.rc == 0, result.err
    report = json.loads(result.out)
    assert report["added"] == 2 and report["stats"]["videos"] == 2, report
    return db


def test_reencoded_segment_finds_the_original_and_the_offset(
        video_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = shared_file(GOLDENEYE)
    segment = tmp_path / "segment.mp4"
    # Frames 100-180 of the 23.976 fps original, at half size, re-encoded with H.264.
    start = write_segment(source, segment, 100 / GOLDENEYE_FPS, 180 / GOLDENEYE_FPS, 0.5)
    import av

    with av.open(str(segment)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert (s.codec_context.width, s.codec_context.height) == (640, 272)

    result = run_cli(capsys, "match", segment, "--corpus", video_corpus, "--json")
    assert result.rc == 0, result.err
    matches = json.loads(result.out)["matches"]
    assert matches, "the source video was not found"
    first = matches[0]
    assert first["corpus_sha256"] == sha256_of(source)
    assert first["corpus_kind"] == "video"
    assert first["query_time"] is not None and first["source_time"] is not None
    # Where in the source the query's matched keyframe sits, minus where it sits in the
    # query, is where the segment starts in the source.
    offset = first["source_time"] - first["query_time"]
    assert abs(offset - start) <= 1.5, (offset, start, first)
    assert all(m["corpus_sha256"] != sha256_of(MEDIA / OTHER_VIDEO) for m in matches)


# ---------------------------------------------------------------- ingest bookkeeping


def test_same_bytes_under_two_paths_is_one_item(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    photo = shared_file("exif-samples/jpg/Canon_40D.jpg")
    a, b = tmp_path / "inbox" / "a.jpg", tmp_path / "archive" / "deep" / "b.jpeg"
    for p in (a, b):
        p.parent.mkdir(parents=True)
        shutil.copyfile(photo, p)
    db = tmp_path / "c.sqlite"
    first = run_cli(capsys, "corpus", "add", tmp_path / "inbox", tmp_path / "archive",
                    "--corpus", db, "--json")
    assert first.rc == 0, first.err
    report = json.loads(first.out)
    assert (report["added"], report["duplicates"], report["unchanged"]) == (1, 1, 0)
    assert report["stats"]["items"] == 1
    assert report["stats"]["locations"] == 2

    stats = run_cli(capsys, "corpus", "stats", "--corpus", db, "--json")
    assert json.loads(stats.out)["items"] == 1 and json.loads(stats.out)["locations"] == 2

    import sqlite3

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT l.path, i.sha256 FROM locations l JOIN items i "
                            "ON i.id = l.item_id ORDER BY l.path").fetchall()
    finally:
        conn.close()
    assert sorted(Path(r[0]) for r in rows) == sorted([a.resolve(), b.resolve()])
    assert {r[1] for r in rows} == {sha256_of(photo)}

    match = run_cli(capsys, "match", photo, "--corpus", db, "--json")
    matches = json.loads(match.out)["matches"]
    assert len(matches) == 1 and matches[0]["distance"] == 0
    assert Path(matches[0]["corpus_path"]) in (a.resolve(), b.resolve())


def test_running_add_again_reports_unchanged(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    photos = _present(CORPUS_PHOTOS[:3])
    folder = tmp_path / "photos"
    folder.mkdir()
    for p in photos:
        shutil.copyfile(p, folder / p.name)
    db = tmp_path / "c.sqlite"
    first = json.loads(run_cli(capsys, "corpus", "add", folder, "--corpus", db, "--json").out)
    assert first["added"] == 3
    again = run_cli(capsys, "corpus", "add", folder, "--corpus", db, "--json")
    assert again.rc == 0, again.err
    report = json.loads(again.out)
    assert (report["added"], report["duplicates"], report["unchanged"]) == (0, 0, 3)
    assert report["stats"]["items"] == 3 and report["stats"]["locations"] == 3
    text = run_cli(capsys, "corpus", "add", folder, "--corpus", db)
    assert "unchanged 3" in text.out

    # A file whose bytes change is looked at again (new item, same location).
    target = folder / photos[0].name
    _near_copy(photos[0], target)
    os.utime(target, (1_000_000_000, 1_000_000_000))
    changed = json.loads(run_cli(capsys, "corpus", "add", folder, "--corpus", db, "--json").out)
    assert (changed["added"], changed["unchanged"]) == (1, 2)
    assert changed["stats"]["locations"] == 3


def test_unreadable_file_in_a_folder_is_skipped_not_fatal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copyfile(shared_file("exif-samples/jpg/Canon_40D.jpg"), folder / "good.jpg")
    (folder / "notes.mp4").write_text("not a video\n")
    db = tmp_path / "c.sqlite"
    result = run_cli(capsys, "corpus", "add", folder, "--corpus", db, "--json")
    assert result.rc == 0, result.err
    report = json.loads(result.out)
    assert report["added"] == 1
    assert len(report["skipped"]) == 1 and "notes.mp4" in report["skipped"][0]
    assert "notes.mp4" in result.err and "Traceback" not in result.err
