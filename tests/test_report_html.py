"""Hostile text in a case (article, claim, rationale, evidence, case name, file name) is shown
as text in the HTML report, never run or turned into markup."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import shared_file
from tests.helpers import Node, parse_html, ratings_other_than_unverified, run_cli
from verifier.article import LoadedArticle, from_text
from verifier.case import CaseStore
from verifier.media.intake import inspect
from verifier.models import Claim, Rating, Verdict

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
CLAIM_TEXT = f"Officials said {SCRIPT} the clip {IMG} was filmed last month."
RATIONALE = f"Checked the {IMG} frames and {SCRIPT} the shadows."
EVIDENCE = f"https://example.org/?q={SCRIPT}"
CASE_NAME = f"case {SCRIPT}"


@pytest.fixture
def hostile_case(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.vcase"
    # A real photo under a hostile name (the name is shown in a heading and an alt attribute).
    photo = tmp_path / "in" / f"{IMG}.jpg"
    photo.parent.mkdir()
    shutil.copyfile(shared_file("exif-samples/jpg/Canon_40D.jpg"), photo)
    text = f"Title {SCRIPT}\n{CLAIM_TEXT}\n"
    with CaseStore.create(path, name=CASE_NAME, actor=f"analyst {IMG}") as case:
        raw = text.encode("utf-8")
        article = case.set_article(LoadedArticle(from_text(text, "pasted", raw), raw))
        assert article.id is not None
        start = text.index(CLAIM_TEXT)
        media = case.add_media(inspect(photo))
        (claim,) = case.add_claims(article.id, [
            Claim(CLAIM_TEXT, start, start + len(CLAIM_TEXT), ("attribution", "media"),
                  (SCRIPT, IMG), media.id)])
        assert claim.id is not None
        rating = Rating(ratings_other_than_unverified()[0])
        case.add_verdict(Verdict(claim.id, rating, RATIONALE, 0.7, (EVIDENCE, IMG)))
    return path


def _render(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
            fmt: str = "html") -> str:
    out = tmp_path / f"report.{fmt}"
    result = run_cli(capsys, "report", case, "--format", fmt, "--out", out)
    assert result.rc == 0, result.err
    return out.read_text(encoding="utf-8")


def _event_handlers(tree: Node) -> list[tuple[str, str]]:
    return [(n.tag, k) for n in tree.iter() for k in n.attrs if k.lower().startswith("on")]


def test_no_script_and_no_event_handler(hostile_case: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    tree = parse_html(_render(hostile_case, tmp_path, capsys))
    assert tree.by_tag("script") == []
    assert _event_handlers(tree) == []
    # The only images are our embedded thumbnails; none comes from the hostile markup.
    for img in tree.by_tag("img"):
        assert (img.attrs.get("src") or "").startswith("data:image/jpeg;base64,"), img.attrs


def test_hostile_text_is_visible_as_text(hostile_case: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    html = _render(hostile_case, tmp_path, capsys)
    tree = parse_html(html)
    body = tree.by_tag("body")[0].text()
    for text in (CLAIM_TEXT, RATIONALE, EVIDENCE, f"{IMG}.jpg"):
        assert text in body, text
    claim_boxes = tree.by_class("claim")
    assert len(claim_boxes) == 1
    box = claim_boxes[0].text()
    assert CLAIM_TEXT in box and RATIONALE in box and EVIDENCE in box
    assert CASE_NAME in tree.by_tag("title")[0].text()
    assert "&lt;script&gt;" in html
    assert SCRIPT not in html and "<img src=x" not in html


def test_hostile_name_stays_inside_the_alt_attribute(hostile_case: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    tree = parse_html(_render(hostile_case, tmp_path, capsys))
    thumbs = tree.by_class("thumb")
    assert len(thumbs) == 1
    assert thumbs[0].attrs.get("alt") == f"{IMG}.jpg"
    assert set(thumbs[0].attrs) == {"class", "alt", "src"}


def test_json_report_round_trips_hostile_text(hostile_case: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(_render(hostile_case, tmp_path, capsys, "json"))
    (claim,) = doc["claims"]
    assert claim["text"] == CLAIM_TEXT
    assert claim["verdict"]["rationale"] == RATIONALE
    assert claim["verdict"]["evidence"] == [EVIDENCE, IMG]
    assert doc["case"]["name"] == CASE_NAME
    assert doc["media"][0]["name"] == f"{IMG}.jpg"
    assert "thumbnail" not in json.dumps(doc)
