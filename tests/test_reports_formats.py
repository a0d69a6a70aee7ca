"""Every report format (HTML, PDF, JSON, ClaimReview) of cases built the way an analyst builds
them: a real photo with EXIF and a real video, checked against the real article and a corpus
that holds their originals (so there are matches), with a human verdict recorded on top of the
automatic one. Expected values come from the inputs (hashlib, Pillow, the manifest we write),
never from an earlier run of the exporter."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTICLE, shared_file
from tests.helpers import Node, isolated_user_dirs, parse_html, run_cli_redirected
from verifier.case import CaseStore
from verifier.models import Match, Rating

PHOTO = "exif-samples/jpg/Canon_40D.jpg"
VIDEO = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
CORPUS_NAME = "newsroom-archive.db"
VIDEO_PUBLISHED = "2016-04-09"  # the date our manifest gives the corpus copy of the video
VIDEO_SOURCE_URL = "https://archive.example.org/broadcasts/goldeneye"
FORMATS = ("html", "pdf", "json", "claimreview")
SUFFIX = {"html": "html", "pdf": "pdf", "json": "json", "claimreview": "jsonld"}
AUTOMATIC = Rating.UNVERIFIED.value


# ---------------------------------------------------------------- building the cases


@dataclass
class Corpus:
    db: Path
    photo: Path  # the corpus copies of the originals
    video: Path
    items: int  # as the corpus itself counts them


@dataclass
class Built:
    kind: str
    case: Path
    media: Path  # the file given to `verifier check`
    corpus: Corpus
    corpus_original: Path  # the corpus file the media must match
    claim_id: int  # the media claim with a human verdict
    claim_text: str
    rating: str
    rationale: str
    other_claim_id: int | None  # a non-media claim with a human verdict (or None)
    other_rating: str | None
    earliest: str | None  # the earliest date the corpus has for the original (YYYY-MM-DD)
    earliest_url: str | None


def _cli(*argv: object) -> str:
    result = run_cli_redirected(*argv)
    assert result.rc == 0, (argv, result.rc, result.err)
    return result.out


def exif_earliest_date(path: Path) -> str:
    """The earliest date the photo's own EXIF gives, read with Pillow."""
    from PIL import Image

    with Image.open(path) as img:
        exif = img.getexif()
        dates = [exif.get(0x0132)]  # DateTime
        dates += [exif.get_ifd(0x8769).get(t) for t in (0x9003, 0x9004)]  # Original, Digitized
    found = sorted(str(d)[:10].replace(":", "-") for d in dates if d)
    assert found, f"{path} has no EXIF date"
    return found[0]


def build_corpus(base: Path) -> Corpus:
    archive = base / "archive"
    archive.mkdir(parents=True)
    photo = archive / "canon-original.jpg"
    video = archive / "goldeneye-broadcast.mp4"
    shutil.copyfile(shared_file(PHOTO), photo)
    shutil.copyfile(shared_file(VIDEO), video)
    manifest = base / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "source_url", "publisher", "published_at", "notes"])
        writer.writerow([str(video), VIDEO_SOURCE_URL, "Example Archive", VIDEO_PUBLISHED,
                         "first broadcast"])
    db = base / CORPUS_NAME
    _cli("corpus", "add", archive, "--corpus", db, "--manifest", manifest, "--workers", "1")
    stats = json.loads(_cli("corpus", "stats", "--corpus", db, "--json"))
    assert stats["items"] == 2, stats
    return Corpus(db, photo.resolve(), video.resolve(), int(stats["items"]))


def check_case(base: Path, kind: str, corpus: Corpus, rating: Rating,
               other_rating: Rating | None = None) -> Built:
    """`verifier check` of the real photo or video with the real article against the corpus,
    then a human verdict (rating, rationale, reason, link) on the first media claim."""
    if not ARTICLE.exists():
        pytest.skip(f"real article not available: {ARTICLE}")
    media = shared_file(PHOTO if kind == "photo" else VIDEO)
    original = corpus.photo if kind == "photo" else corpus.video
    case = base / f"{kind}.vcase"
    _cli("check", media, "--article", ARTICLE, "--corpus", corpus.db,
         "--report", base / f"{kind}-check.html", "--case", case)
    with CaseStore.open(case) as store:
        claims = store.claims()
        media_claims = [c for c in claims if c.media_id is not None]
        other_claims = [c for c in claims if c.media_id is None]
    # The article has several media claims: one gets a human verdict, the others keep the
    # automatic "Unverified" one (which ClaimReview must leave out).
    assert len(media_claims) >= 2, [c.text for c in claims]
    target = media_claims[0]
    assert target.id is not None
    rationale = (f"The {kind} is in the archive from {VIDEO_PUBLISHED if kind == 'video' else 2008}"
                 ", long before the events the article describes.")
    _cli("verdict", case, "--claim", target.id, "--rating", rating.value, "--rationale",
         rationale, "--confidence", "high", "--reason", "earlier-appearance",
         "--link", f"match:{original}=same pixels as the archive copy")
    other_id = None
    if other_rating is not None and other_claims:
        other_id = other_claims[0].id
        _cli("verdict", case, "--claim", other_id, "--rating", other_rating.value,
             "--rationale", "Reported by several outlets; nothing in the media bears on it.")
    if kind == "photo":
        earliest, earliest_url = exif_earliest_date(media), None
    else:
        earliest, earliest_url = VIDEO_PUBLISHED, VIDEO_SOURCE_URL
    return Built(kind, case, media, corpus, original, target.id, target.text, rating.value,
                 rationale, other_id, other_rating.value if other_rating else None,
                 earliest, earliest_url)


# ---------------------------------------------------------------- exporting


@dataclass
class Export:
    built: Built
    fmt: str
    out: Path
    head_before: str  # the audit head just before the export
    trail_after: list[Any]  # the audit trail just after it
    case_id: str


def export(built: Built, fmt: str, out_dir: Path) -> Export:
    with CaseStore.open(built.case) as store:
        trail = store.audit_trail()
        head = trail[-1].hash if trail else ""
        case_id = store.case_id
    out = out_dir / f"{built.kind}-report.{SUFFIX[fmt]}"
    _cli("report", built.case, "--format", fmt, "--out", out)
    with CaseStore.open(built.case) as store:
        after = store.audit_trail()
    return Export(built, fmt, out, head, after, case_id)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], Export]]:
    base = tmp_path_factory.mktemp("reports-formats")
    with isolated_user_dirs(base):
        corpus = build_corpus(base)
        cases = [check_case(base / "photo", "photo", corpus, Rating.OUT_OF_CONTEXT),
                 check_case(base / "video", "video", corpus, Rating.EDITED,
                            other_rating=Rating.INCONCLUSIVE)]
        done = {}
        for built in cases:
            for fmt in FORMATS:
                done[(built.kind, fmt)] = export(built, fmt, base / "out")
        yield done


KINDS = ("photo", "video")


def _hashes(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()


# ---------------------------------------------------------------- every format


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_export_is_recorded_with_the_written_files_hash(exports: dict[tuple[str, str], Export],
                                                        kind: str, fmt: str) -> None:
    ex = exports[(kind, fmt)]
    digest = hashlib.sha256(ex.out.read_bytes()).hexdigest()
    new = ex.trail_after[-1]
    assert new.action == "report.exported", [e.action for e in ex.trail_after[-3:]]
    assert new.detail["sha256"] == digest
    assert new.detail["format"] == fmt
    assert Path(new.detail["path"]).resolve() == ex.out.resolve()
    assert new.prev_hash == ex.head_before  # appended to the chain the report showed


# ---------------------------------------------------------------- HTML


def _html(ex: Export) -> tuple[str, Node]:
    text = ex.out.read_text(encoding="utf-8")
    return text, parse_html(text)


def _section(tree: Node, title: str) -> list[Node | str]:
    """The nodes after <h2>title</h2>, up to the next <h2>."""
    body = tree.by_tag("body")[0]
    out: list[Node | str] = []
    inside = False
    for child in body.children:
        if isinstance(child, Node) and child.tag == "h2":
            if inside:
                break
            inside = child.text().strip() == title
            continue
        if inside:
            out.append(child)
    assert out, f"no section {title!r}"
    return out


def _text_of(nodes: list[Node | str]) -> str:
    return "".join(n if isinstance(n, str) else n.text() for n in nodes)


@pytest.mark.parametrize("kind", KINDS)
def test_html_is_balanced_and_self_contained(exports: dict[tuple[str, str], Export],
                                             kind: str) -> None:
    _, tree = _html(exports[(kind, "html")])
    external = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
    for node in tree.iter():
        if node.tag in {"img", "script", "link", "iframe", "source", "video", "audio", "embed",
                        "object", "frame"}:
            for attr in ("src", "href", "data", "srcset", "poster"):
                value = node.attrs.get(attr) or ""
                assert not external.match(value), (node.tag, attr, value[:80])
    images = tree.by_tag("img")
    assert images, "no picture embedded: the media and its match should be shown"
    for img in images:
        assert (img.attrs.get("src") or "").startswith("data:"), img.attrs
    assert tree.by_tag("script") == [] and tree.by_tag("iframe") == []


@pytest.mark.parametrize("kind", KINDS)
def test_html_shows_claim_verdict_hashes_match_and_audit_head(
        exports: dict[tuple[str, str], Export], kind: str) -> None:
    ex = exports[(kind, "html")]
    built = ex.built
    _, tree = _html(ex)
    body = tree.by_tag("body")[0].text()
    # The claim, in its box, with the human rating on the badge and the rationale.
    boxes = [b for b in tree.by_class("claim") if built.claim_text in b.text()]
    assert len(boxes) == 1, [b.text()[:80] for b in tree.by_class("claim")]
    badges = boxes[0].by_class("badge")
    assert [b.text().strip() for b in badges] == [built.rating]
    assert built.rationale in boxes[0].text()
    sha, md5 = _hashes(built.media)
    media_text = _text_of(_section(tree, "Media"))
    assert sha in media_text and md5 in media_text
    assert str(built.corpus_original) in media_text
    assert built.earliest is not None and built.earliest in media_text
    assert ex.head_before and ex.head_before in _text_of(_section(tree, "Chain of custody"))
    assert ex.case_id in body
    # Each hash's distance out of its own bits, and what found the match (the pHash distance
    # once read "6 (pdq)").
    best = _stored_matches(built)[0]
    assert best.distances is not None and best.distances.get("pdq") is not None
    assert f"PDQ {best.distances['pdq']} of 256" in media_text
    assert f"pHash {best.distance} of 64" in media_text
    assert f"({best.hash_kind})" not in media_text
    if kind == "video":  # and how the frames it aligned compare, not only the best one
        median = best.distances.get("pdq_median")
        assert median is not None and f"median of the matched frames {median}" in media_text


def _stored_matches(built: Built) -> list[Match]:
    with CaseStore.open(built.case) as case:
        return [m for item in case.media() if item.id is not None
                for m in case.matches(item.id)]


@pytest.mark.parametrize("kind", KINDS)
def test_html_method_section_names_the_corpus(exports: dict[tuple[str, str], Export],
                                              kind: str) -> None:
    _, tree = _html(exports[(kind, "html")])
    method = _text_of(_section(tree, "Method"))
    assert CORPUS_NAME in method


@pytest.mark.parametrize("kind", KINDS)
def test_html_method_section_gives_the_corpus_size(exports: dict[tuple[str, str], Export],
                                                   kind: str) -> None:
    ex = exports[(kind, "html")]
    _, tree = _html(ex)
    rows = [r for r in _section_nodes(tree, "Method") if r.tag == "tr"
            and r.by_tag("th") and r.by_tag("th")[0].text().strip() == "Corpus"]
    assert len(rows) == 1
    cell = rows[0].by_tag("td")[0].text()
    assert "built-in method" not in cell, cell
    assert f"{ex.built.corpus.items} items" in cell, cell


def _section_nodes(tree: Node, title: str) -> list[Node]:
    return [n for top in _section(tree, title) if isinstance(top, Node) for n in top.iter()]


# ---------------------------------------------------------------- PDF


def _pdf_pages(ex: Export) -> list[str]:
    from pypdf import PdfReader

    data = ex.out.read_bytes()
    assert data.startswith(b"%PDF"), data[:16]
    reader = PdfReader(ex.out)
    pages = [page.extract_text() or "" for page in reader.pages]
    assert pages
    return pages


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def _stripped(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_reads_back_with_claim_rating_and_hash(exports: dict[tuple[str, str], Export],
                                                   kind: str) -> None:
    ex = exports[(kind, "pdf")]
    text = "\n".join(_pdf_pages(ex))
    words = ex.built.claim_text.split()
    assert len(words) >= 8, words
    # A distinctive run of words from the middle of the claim (lines wrap, so whitespace is
    # collapsed) and the whole claim with all whitespace removed.
    middle = len(words) // 2
    assert " ".join(words[middle - 2:middle + 3]) in _collapsed(text)
    assert _stripped(ex.built.claim_text) in _stripped(text)
    assert ex.built.rating in _collapsed(text)
    assert _stripped(ex.built.rationale) in _stripped(text)
    sha, md5 = _hashes(ex.built.media)
    assert sha in _stripped(text) and md5 in _stripped(text)
    assert str(ex.built.corpus_original) in _stripped(text)
    assert ex.head_before in _stripped(text)
    assert CORPUS_NAME in text
    best = _stored_matches(ex.built)[0]
    assert f"pHash {best.distance} of 64" in _collapsed(text)


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_every_page_has_the_footer(exports: dict[tuple[str, str], Export],
                                       kind: str) -> None:
    ex = exports[(kind, "pdf")]
    pages = _pdf_pages(ex)
    assert len(pages) >= 2  # a real case does not fit on one page: the footer is exercised
    for number, page in enumerate(pages, start=1):
        flat = _collapsed(page)
        assert f"page {number} of {len(pages)}" in flat, (number, flat[-200:])
        assert ex.case_id in _stripped(page), (number, flat[-200:])


# ---------------------------------------------------------------- JSON


def _validator() -> Any:
    import jsonschema

    from verifier.reports.json_export import load_schema

    schema = load_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _doc(ex: Export) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(ex.out.read_text(encoding="utf-8"))
    return doc


@pytest.mark.parametrize("kind", KINDS)
def test_json_validates_and_holds_the_case(exports: dict[tuple[str, str], Export],
                                           kind: str) -> None:
    ex = exports[(kind, "json")]
    built = ex.built
    doc = _doc(ex)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(doc)]
    assert errors == []
    assert doc["schema_version"] == "1.0"
    assert doc["case"]["id"] == ex.case_id
    assert doc["audit_head"] == ex.head_before
    assert doc["audit_intact"] is True and doc["integrity_problems"] == []
    claims = {c["id"]: c for c in doc["claims"]}
    claim = claims[built.claim_id]
    assert claim["text"] == built.claim_text
    assert claim["verdict"]["rating"] == built.rating
    assert claim["verdict"]["rationale"] == built.rationale
    assert claim["verdict"]["reasons"] == ["earlier-appearance"]
    assert [e["ref"] for e in claim["verdict"]["evidence_items"]] == [str(built.corpus_original)]
    # History: the automatic placeholder first, the analyst's verdict last.
    assert [v["rating"] for v in claim["history"]] == [AUTOMATIC, built.rating]
    assert claim["history"][-1] == claim["verdict"]
    (media,) = doc["media"]
    sha, md5 = _hashes(built.media)
    assert (media["sha256"], media["md5"]) == (sha, md5)
    assert media["size"] == built.media.stat().st_size
    paths = [m["corpus_path"] for m in media["matches"]]
    assert str(built.corpus_original) in paths
    corpus_sha = _hashes(built.corpus_original)[0]
    assert all(m["corpus_sha256"] == corpus_sha for m in media["matches"]
               if m["corpus_path"] == str(built.corpus_original))
    assert media["earliest_known"]["earliest_date"] == built.earliest
    assert doc["method"]["corpus"]["name"] == CORPUS_NAME
    assert doc["method"]["corpus"]["items"] == built.corpus.items


def _data_uris(value: Any, where: str = "$") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _data_uris(v, f"{where}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _data_uris(v, f"{where}[{i}]")]
    return [where] if isinstance(value, str) and value.startswith("data:") else []


@pytest.mark.parametrize("kind", KINDS)
def test_json_carries_no_embedded_pictures(exports: dict[tuple[str, str], Export],
                                           kind: str) -> None:
    doc = _doc(exports[(kind, "json")])
    assert doc["media"][0]["matches"], "the case should have a match"
    assert _data_uris(doc) == []


def _first_claim_with_verdict(doc: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in doc["claims"] if c["verdict"])


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "no audit_head": lambda d: d.pop("audit_head"),
    "media sha256 'xyz'": lambda d: d["media"][0].__setitem__("sha256", "xyz"),
    "md5 upper case": lambda d: d["media"][0].__setitem__("md5", d["media"][0]["md5"].upper()),
    "schema_version 2.0": lambda d: d.__setitem__("schema_version", "2.0"),
    "unknown rating": lambda d: _first_claim_with_verdict(d)["verdict"].__setitem__(
        "rating", "Probably fine"),
    "confidence 1.5": lambda d: _first_claim_with_verdict(d)["verdict"].__setitem__(
        "confidence", 1.5),
    "claim without history": lambda d: _first_claim_with_verdict(d).pop("history"),
    "match distance -1": lambda d: d["media"][0]["matches"][0].__setitem__("distance", -1),
    "match without corpus_sha256": lambda d: d["media"][0]["matches"][0].pop("corpus_sha256"),
    "media kind audio": lambda d: d["media"][0].__setitem__("kind", "audio"),
    "audit event hash 'abc'": lambda d: d["audit"][0].__setitem__("hash", "abc"),
    "case id not a UUID": lambda d: d["case"].__setitem__("id", "x" * 36),
    "claims not a list": lambda d: d.__setitem__("claims", {}),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_json_schema_rejects_a_broken_export(exports: dict[tuple[str, str], Export],
                                             mutation: str) -> None:
    doc = _doc(exports[("video", "json")])
    validator = _validator()
    assert validator.is_valid(doc)
    broken = copy.deepcopy(doc)
    MUTATIONS[mutation](broken)
    assert not validator.is_valid(broken), mutation


# ---------------------------------------------------------------- ClaimReview (the file itself)


@pytest.mark.parametrize("kind", KINDS)
def test_claimreview_file_reviews_the_human_verdicts_only(
        exports: dict[tuple[str, str], Export], kind: str) -> None:
    ex = exports[(kind, "claimreview")]
    items = json.loads(ex.out.read_text(encoding="utf-8"))
    assert isinstance(items, list)
    reviewed = [i["claimReviewed"] for i in items if i.get("@type") == "ClaimReview"]
    expected = [ex.built.claim_text]
    if ex.built.other_claim_id is not None:
        with CaseStore.open(ex.built.case) as store:
            expected.append(store.claim(ex.built.other_claim_id).text)
    assert sorted(reviewed) == sorted(expected)
