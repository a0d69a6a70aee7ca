"""`verifier check` end to end on a real photo and a real video with the real article.

Truths used: SHA-256 from hashlib, the Canon EOS 40D's EXIF make and model (and exifread's own
reading of the file), the article's own sentence, PySceneDetect's cut list for the video, the
case file re-opened with CaseStore, and raw sqlite for tampering."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import exifread
import pytest

from tests.conftest import ARTICLE, MEDIA
from tests.helpers import (
    CliResult,
    Node,
    isolated_user_dirs,
    parse_html,
    run_cli_redirected,
    sha256_of,
)
from verifier.case import CaseStore

PHOTO = "exif-samples/jpg/Canon_40D.jpg"
VIDEO = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
UNVERIFIABLE_CUE = "cannot be verified"


def _article_line(needle: str) -> str:
    """The article paragraph holding needle; in this article each such paragraph is one
    sentence, so it is the claim the rules must find."""
    return next(line.strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines()
                if needle in line)


@dataclass
class Checked:
    source: Path
    workdir: Path
    report: Path
    case: Path
    result: CliResult
    payload: dict[str, Any]
    html: str
    tree: Node


def _run_check(tmp_path_factory: pytest.TempPathFactory, relative: str) -> Checked:
    source = MEDIA / relative
    if not source.exists():
        pytest.skip(f"real media not available: {source}")
    if not ARTICLE.exists():
        pytest.skip(f"real article not available: {ARTICLE}")
    work = tmp_path_factory.mktemp("check")
    report = work / "out" / "report.html"
    case = work / "out" / "case.vcase"
    with isolated_user_dirs(work / "xdg"):
        result = run_cli_redirected("check", source, "--article", ARTICLE, "--report", report,
                                    "--case", case, "--json")
    assert result.rc == 0, result.err
    html = report.read_text(encoding="utf-8")
    return Checked(source, work, report, case, result, json.loads(result.out), html,
                   parse_html(html))


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    return _run_check(tmp_path_factory, PHOTO)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    return _run_check(tmp_path_factory, VIDEO)


@pytest.fixture(params=["photo", "video"])
def checked(request: pytest.FixtureRequest) -> Checked:
    return request.getfixturevalue(request.param)


def _metadata_rows(tree: Node) -> dict[str, str]:
    """name -> value of the report's metadata table (the one headed Field/Value/From)."""
    rows: dict[str, str] = {}
    for table in tree.by_tag("table"):
        headers = [th.text().strip() for th in table.by_tag("th")]
        if headers[:3] != ["Field", "Value", "From"]:
            continue
        for tr in table.by_tag("tr"):
            cells = [td.text().strip() for td in tr.by_tag("td")]
            if len(cells) == 3:
                rows[cells[0]] = cells[1]
    return rows


def _claim_box(tree: Node, needle: str) -> Node:
    boxes = [d for d in tree.by_class("claim") if needle in d.text()]
    assert len(boxes) == 1, f"{len(boxes)} claim boxes contain {needle!r}"
    return boxes[0]


# ---------------------------------------------------------------- both media


def test_exit_zero_and_quiet(checked: Checked) -> None:
    assert checked.result.rc == 0
    assert "Traceback" not in checked.result.err
    assert checked.report.is_file() and checked.case.is_file()


def test_report_names_the_files_sha256(checked: Checked) -> None:
    digest = sha256_of(checked.source)
    assert digest in checked.html
    hash_cells = [td.text().strip() for td in checked.tree.by_class("hash")]
    assert digest in hash_cells


def test_json_media_hash_and_size(checked: Checked) -> None:
    media = checked.payload["media"]
    assert media["sha256"] == sha256_of(checked.source)
    assert media["size"] == checked.source.stat().st_size
    assert media["original_name"] == checked.source.name


def test_json_report_sha256_is_the_report_files(checked: Checked) -> None:
    assert checked.payload["report_sha256"] == sha256_of(checked.report)
    assert Path(checked.payload["report"]) == checked.report
    assert Path(checked.payload["case"]) == checked.case


def test_json_lists_the_claims(checked: Checked) -> None:
    claims = checked.payload["claims"]
    assert isinstance(claims, list) and claims
    sentence = _article_line(UNVERIFIABLE_CUE)
    match = [c for c in claims if c["text"] == sentence]
    assert len(match) == 1, [c["text"] for c in claims]
    assert "unverifiable" in match[0]["kinds"]
    # It speaks of "the clip", so it is tied to the media item just checked.
    assert match[0]["media_id"] == checked.payload["media"]["id"]
    for c in claims:
        assert {"text", "start", "end", "kinds", "cues", "id"} <= c.keys()


def test_report_shows_unverifiable_claim_rated_unverified(checked: Checked) -> None:
    sentence = _article_line(UNVERIFIABLE_CUE)
    box = _claim_box(checked.tree, UNVERIFIABLE_CUE)
    quoted = [p.text().strip() for p in box.by_tag("p")]
    assert f"“{sentence}”" in quoted
    badges = [b.text().strip() for b in box.by_class("badge")]
    assert badges == ["Unverified"]


def test_report_is_self_contained(checked: Checked) -> None:
    # No external requests: every src is an embedded data URI, no stylesheet or script links.
    for node in checked.tree.iter():
        if "src" in node.attrs:
            assert (node.attrs["src"] or "").startswith("data:image/"), node.attrs
    assert not checked.tree.by_tag("script")
    assert not [n for n in checked.tree.by_tag("link") if n.attrs.get("href")]


def test_case_reopens_with_intact_audit(checked: Checked) -> None:
    with CaseStore.open(checked.case) as case:
        assert case.verify_audit() is True
        media = case.media()
        assert [m.sha256 for m in media] == [sha256_of(checked.source)]
        # The evidence copy is byte for byte the original.
        assert sha256_of(Path(media[0].path)) == sha256_of(checked.source)
        trail = case.audit_trail()
        actions = [e.action for e in trail]
        assert actions[0] == "case.created"
        for needed in ("media.added", "article.imported", "claims.found",
                       "metadata.extracted", "report.exported"):
            assert needed in actions, actions
        exported = [e for e in trail if e.action == "report.exported"]
        assert exported[-1].detail["sha256"] == sha256_of(checked.report)
        article = case.article()
        assert article is not None
        assert article.raw_sha256 == sha256_of(ARTICLE)


def test_audit_table_refuses_raw_update_and_delete(checked: Checked, tmp_path: Path) -> None:
    copy = tmp_path / "copy.vcase"
    shutil.copyfile(checked.case, copy)
    conn = sqlite3.connect(copy)
    try:
        before = conn.execute("SELECT * FROM audit ORDER BY id").fetchall()
        assert before
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit")
        conn.commit()
        assert conn.execute("SELECT * FROM audit ORDER BY id").fetchall() == before
    finally:
        conn.close()
    with CaseStore.open(copy) as case:
        assert case.verify_audit() is True


def test_audit_chain_detects_a_rewritten_event(checked: Checked, tmp_path: Path) -> None:
    # Someone who drops the triggers can rewrite history, but the hash chain shows it.
    copy = tmp_path / "copy.vcase"
    shutil.copyfile(checked.case, copy)
    conn = sqlite3.connect(copy)
    try:
        conn.execute("DROP TRIGGER audit_append_only_u")
        conn.execute("UPDATE audit SET actor = 'mallory' WHERE id = 2")
        conn.commit()
    finally:
        conn.close()
    with CaseStore.open(copy) as case:
        assert case.verify_audit() is False


# ---------------------------------------------------------------- photo only


def test_photo_report_shows_camera_make_and_model(photo: Checked) -> None:
    with photo.source.open("rb") as fh:
        tags = exifread.process_file(fh, details=False)
    make, model = str(tags["Image Make"]).strip(), str(tags["Image Model"]).strip()
    assert (make, model) == ("Canon", "Canon EOS 40D")  # the sample's known camera
    rows = _metadata_rows(photo.tree)
    assert rows.get("make") == make
    assert rows.get("model") == model


def test_photo_report_has_a_thumbnail(photo: Checked) -> None:
    thumbs = photo.tree.by_class("thumb")
    assert len(thumbs) == 1
    assert (thumbs[0].attrs.get("src") or "").startswith("data:image/jpeg;base64,")


# ---------------------------------------------------------------- video only


def test_video_report_lists_three_shots(video: Checked) -> None:
    golden = MEDIA / "PySceneDetect/tests/resources/goldens/" \
        "goldeneye-vfr-drop3.mp4.ContentDetector.default.json"
    if not golden.exists():
        pytest.skip(f"golden cut list not available: {golden}")
    cuts = json.loads(golden.read_text())["cuts"]
    headings = [h.text().strip() for h in video.tree.by_tag("h4")
                if h.text().startswith("Keyframes")]
    assert headings == [f"Keyframes ({len(cuts) + 1} shots)"]
    figures = video.tree.by_tag("figure")
    assert len(figures) >= len(cuts) + 1
    for fig in figures:
        imgs = fig.by_tag("img")
        assert imgs and (imgs[0].attrs.get("src") or "").startswith("data:image/jpeg;base64,")


# ---------------------------------------------------------------- the console script


def test_installed_console_script(tmp_path: Path) -> None:
    photo_path = MEDIA / PHOTO
    if not photo_path.exists():
        pytest.skip(f"real media not available: {photo_path}")
    if not ARTICLE.exists():
        pytest.skip(f"real article not available: {ARTICLE}")
    script = Path(sys.executable).with_name("verifier")
    if not script.exists():
        pytest.skip(f"console script not installed beside {sys.executable}")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    report = tmp_path / "r.html"
    proc = subprocess.run([str(script), "check", str(photo_path), "--article", str(ARTICLE),
                           "--report", str(report), "--json"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    payload = json.loads(proc.stdout)
    assert payload["media"]["sha256"] == sha256_of(photo_path)
    assert payload["report_sha256"] == sha256_of(report)
    assert (tmp_path / "r.vcase").is_file()  # default: beside the report

    missing = tmp_path / "nope.jpg"
    proc = subprocess.run([str(script), "metadata", str(missing)], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and str(missing) in lines[0] and "Traceback" not in proc.stderr
