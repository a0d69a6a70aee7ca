"""Markup in what a case holds stays text in every report format. The case is built the way an
analyst builds it: `verifier check` of a photo whose EXIF (Artist, ImageDescription, Software)
holds markup, with an article whose text holds it, then `verifier claim add` over that text and
`verifier verdict` with a rationale and a --link note holding it too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Node, isolated_user_dirs, parse_html, run_cli_redirected
from verifier.case import CaseStore
from verifier.models import Rating

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TITLE = f"Markup {SCRIPT} in the headline"
CLAIM = f"Officials said {SCRIPT} the clip {IMG} was filmed in Baghdad last month."
ARTICLE = (f"{TITLE}\n\nBy a staff writer\n\n{CLAIM}\n\n"
           "Nobody could say where the photo came from, according to the ministry.\n")
RATIONALE = f"Checked the {IMG} frames and {SCRIPT} the shadows."
EXIF_ARTIST = SCRIPT
EXIF_DESCRIPTION = IMG
EXIF_SOFTWARE = f"{SCRIPT} {IMG}"
RATING = Rating.MANIPULATED


def _cli(*argv: object) -> str:
    result = run_cli_redirected(*argv)
    assert result.rc == 0, (argv, result.rc, result.err)
    return result.out


def _hostile_photo(path: Path) -> None:
    from PIL import Image

    img = Image.new("RGB", (320, 240))
    img.putdata([((x * 7) % 256, (y * 5) % 256, (x * y) % 256)
                 for y in range(240) for x in range(320)])
    exif = Image.Exif()
    exif[0x013B] = EXIF_ARTIST
    exif[0x010E] = EXIF_DESCRIPTION
    exif[0x0131] = EXIF_SOFTWARE
    img.save(path, format="JPEG", quality=90, exif=exif)


@dataclass
class Hostile:
    case: Path
    claim_id: int
    reports: dict[str, Path]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    base = tmp_path_factory.mktemp("reports-hostile")
    with isolated_user_dirs(base):
        photo = base / "photo.jpg"
        _hostile_photo(photo)
        archive = base / "archive"
        archive.mkdir()
        (archive / "archived.jpg").write_bytes(photo.read_bytes())
        article = base / "article.txt"
        article.write_text(ARTICLE, encoding="utf-8")
        db = base / "corpus.db"
        _cli("corpus", "add", archive, "--corpus", db, "--workers", "1")
        case = base / "hostile.vcase"
        _cli("check", photo, "--article", article, "--corpus", db, "--report",
             base / "check.html", "--case", case)
        with CaseStore.open(case) as store:
            text = store.article().text  # type: ignore[union-attr]
            (media,) = store.media()
        assert CLAIM in text  # the article keeps the markup as text
        start = text.index(CLAIM)
        added = json.loads(_cli("claim", "add", case, "--start", start,
                                "--end", start + len(CLAIM), "--media", media.id, "--json"))
        assert added["text"] == CLAIM
        _cli("verdict", case, "--claim", added["id"], "--rating", RATING.value,
             "--rationale", RATIONALE, "--link", f"note:{SCRIPT}={IMG}")
        reports = {}
        for fmt, suffix in (("html", "html"), ("pdf", "pdf"), ("json", "json"),
                            ("claimreview", "jsonld")):
            out = base / f"report.{suffix}"
            _cli("report", case, "--format", fmt, "--out", out)
            reports[fmt] = out
        yield Hostile(case, int(added["id"]), reports)


# ---------------------------------------------------------------- HTML


def _tree(h: Hostile) -> tuple[str, Node]:
    html = h.reports["html"].read_text(encoding="utf-8")
    return html, parse_html(html)


def test_html_runs_nothing(hostile: Hostile) -> None:
    html, tree = _tree(hostile)
    assert tree.by_tag("script") == []
    handlers = [(n.tag, k) for n in tree.iter() for k in n.attrs if k.lower().startswith("on")]
    assert handlers == []
    for img in tree.by_tag("img"):
        assert (img.attrs.get("src") or "").startswith("data:image/"), img.attrs
    assert SCRIPT not in html and "<img src=x" not in html


def test_html_shows_the_markup_as_text(hostile: Hostile) -> None:
    _, tree = _tree(hostile)
    body = tree.by_tag("body")[0].text()
    for text in (CLAIM, RATIONALE, TITLE, EXIF_SOFTWARE):
        assert text in body, text
    boxes = [b for b in tree.by_class("claim") if RATIONALE in b.text()]
    assert len(boxes) == 1
    box = boxes[0].text()
    assert CLAIM in box and RATING.value in box
    assert f"{SCRIPT} — {IMG}" in box  # the --link note: ref and note
    # The EXIF value sits in a table cell of its own, as text.
    cells = [td for td in tree.by_tag("td") if td.text() == EXIF_SOFTWARE]
    assert cells, "the Software tag is not shown as a cell"
    assert all(not [c for c in td.children if isinstance(c, Node)] for td in cells)


# ---------------------------------------------------------------- PDF


def _pdf_text(h: Hostile) -> str:
    from pypdf import PdfReader

    data = h.reports["pdf"].read_bytes()
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() or "" for page in PdfReader(h.reports["pdf"]).pages)


def _stripped(text: str) -> str:
    return "".join(text.split())


def test_pdf_shows_the_markup_literally(hostile: Hostile) -> None:
    text = _pdf_text(hostile)
    flat = _stripped(text)
    for value in (CLAIM, RATIONALE, TITLE, EXIF_SOFTWARE, f"{SCRIPT} — {IMG}"):
        assert _stripped(value) in flat, value
    assert SCRIPT in text and RATING.value in text


# ---------------------------------------------------------------- JSON


def _doc(h: Hostile) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(h.reports["json"].read_text(encoding="utf-8"))
    return doc


def test_json_round_trips_the_markup(hostile: Hostile) -> None:
    import jsonschema

    from verifier.reports.json_export import load_schema

    doc = _doc(hostile)
    jsonschema.validate(doc, load_schema())
    claims = {c["id"]: c for c in doc["claims"]}
    claim = claims[hostile.claim_id]
    assert claim["text"] == CLAIM
    assert claim["verdict"]["rating"] == RATING.value
    assert claim["verdict"]["rationale"] == RATIONALE
    assert claim["verdict"]["evidence_items"] == [{"kind": "note", "ref": SCRIPT, "note": IMG}]
    assert doc["article"]["text"] == ARTICLE
    assert doc["article"]["title"] == TITLE
    (media,) = doc["media"]
    raw = media["metadata"]["raw"]
    tags = {k: v for group in raw.values() for k, v in group.items()}
    assert tags.get("Artist") == EXIF_ARTIST
    assert tags.get("ImageDescription") == EXIF_DESCRIPTION
    assert tags.get("Software") == EXIF_SOFTWARE
    assert {"name": "software", "value": EXIF_SOFTWARE, "source": "Image Software"} in \
        media["metadata"]["fields"]


# ---------------------------------------------------------------- ClaimReview


def test_claimreview_keeps_the_claim_exactly(hostile: Hostile) -> None:
    items = json.loads(hostile.reports["claimreview"].read_text(encoding="utf-8"))
    reviews = [i for i in items if i.get("@type") == "ClaimReview"]
    # The claim rules may have found the same sentence; that copy keeps the automatic
    # "Unverified" and is not exported, so exactly one review carries the text.
    matching = [r for r in reviews if r["claimReviewed"] == CLAIM]
    assert len(matching) == 1, [r["claimReviewed"] for r in reviews]
    rating = matching[0]["reviewRating"]
    assert rating["alternateName"] == RATING.value
    assert rating.get("ratingExplanation", RATIONALE) == RATIONALE
    media_reviews = [i for i in items if i.get("@type") == "MediaReview"]
    assert len(media_reviews) == 1
