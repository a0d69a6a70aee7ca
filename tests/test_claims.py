"""Claims found in the real article, from the .txt file and from an HTML copy served over HTTP.

Truths: the article's own sentences (each of the paragraphs used here is one sentence), and
offsets checked against the article text itself."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli, serve_directory
from verifier.article import load_article
from verifier.claims import find_claims
from verifier.models import Claim

# (needle in the article, kind the rules must give the sentence holding it, cue it must record)
KEY_CLAIMS = [
    ("cannot be verified", "unverifiable", "cannot be verified"),
    ("allegedly showing", "hedge", "allegedly"),
    ("according to CNN Arabic", "attribution", "according to CNN Arabic"),
    ("last month", "time", "last month"),
]


def _paragraphs(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _squash(text: str) -> str:
    """Runs of whitespace (the article has a no-break space before "CNN") as one space."""
    return " ".join(text.split())


def _text(c: Any) -> str:
    return str(c["text"] if isinstance(c, dict) else c.text)


def _holding(claims: list[dict[str, Any]] | list[Claim], needle: str) -> list[Any]:
    return [c for c in claims if needle in _squash(_text(c))]


def _kinds(c: Any) -> list[str]:
    return list(c["kinds"] if isinstance(c, dict) else c.kinds)


def _cues(c: Any) -> list[str]:
    return list(c["cues"] if isinstance(c, dict) else c.cues)


def _assert_key_claims(claims: list[Any], article_path: Path, *, exact: bool = True) -> None:
    """The four key claims; with exact, the single-sentence paragraphs must come out byte for
    byte (a .txt article), otherwise up to whitespace (HTML extraction normalises it)."""
    paragraphs = _paragraphs(article_path)
    for needle, kind, cue in KEY_CLAIMS:
        found = _holding(claims, needle)
        assert found, f"no claim holds {needle!r}"
        assert any(kind in _kinds(c) for c in found), (needle, [_kinds(c) for c in found])
        assert any(any(_squash(x).lower().startswith(cue.lower()) for x in _cues(c))
                   for c in found), \
            (needle, [_cues(c) for c in found])
    # Single-sentence paragraphs come out whole, as written.
    same = (lambda a, b: a == b) if exact else (lambda a, b: _squash(a) == _squash(b))
    for needle in ("cannot be verified", "allegedly showing"):
        paragraph = next(p for p in paragraphs if needle in p)
        assert [c for c in _holding(claims, needle) if same(_text(c), paragraph)], paragraph


def _assert_offsets(claims: list[Claim], text: str) -> None:
    assert claims
    last_end = 0
    for c in claims:
        assert c.text == text[c.start:c.end], c
        assert c.text.strip() == c.text and c.text
        assert "\n" not in c.text  # a line break always ends a sentence
        assert c.start >= last_end, "claims overlap or are out of order"
        last_end = c.end


# ---------------------------------------------------------------- the .txt article


def test_rules_find_the_key_claims(article_path: Path) -> None:
    loaded = load_article(str(article_path))
    claims = find_claims(loaded.article.text)
    _assert_key_claims(claims, article_path)


def test_unverifiable_claim_is_only_the_clip_sentence(article_path: Path) -> None:
    claims = find_claims(load_article(str(article_path)).article.text)
    unverifiable = [c for c in claims if "unverifiable" in c.kinds]
    assert len(unverifiable) == 1
    assert "clip" in unverifiable[0].text and "media" in unverifiable[0].kinds


def test_every_claim_is_its_span_of_the_text(article_path: Path) -> None:
    loaded = load_article(str(article_path))
    assert loaded.raw == article_path.read_bytes()
    _assert_offsets(find_claims(loaded.article.text), loaded.article.text)


def test_datelines_are_not_claims(article_path: Path) -> None:
    claims = find_claims(load_article(str(article_path)).article.text)
    dateline = next(p for p in _paragraphs(article_path) if p.endswith("2020")
                    and len(p.split()) < 5)
    assert not [c for c in claims if c.text == dateline]


def test_cli_claims_json(article_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "claims", article_path, "--json")
    assert result.rc == 0, result.err
    payload = json.loads(result.out)
    assert payload["article"]["source"] == str(article_path)
    assert payload["article"]["title"] == _paragraphs(article_path)[0]
    claims = payload["claims"]
    _assert_key_claims(claims, article_path)
    text = article_path.read_text(encoding="utf-8")
    for c in claims:
        assert text[c["start"]:c["end"]] == c["text"]


# ---------------------------------------------------------------- the same article as a web page


@pytest.fixture
def served_article(article_path: Path, tmp_path: Path) -> Any:
    paragraphs = _paragraphs(article_path)
    title, body = paragraphs[0], paragraphs[1:]
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title></head>\n<body>\n"
        "<nav><a href=\"/\">Home</a> | <a href=\"/news\">News</a></nav>\n"
        f"<article>\n<h1>{html.escape(title)}</h1>\n"
        + "".join(f"<p>{html.escape(p)}</p>\n" for p in body)
        + "</article>\n<footer>Copyright</footer>\n</body></html>\n"
    )
    www = tmp_path / "www"
    www.mkdir()
    (www / "page.html").write_text(page, encoding="utf-8")
    with serve_directory(www) as base:
        yield f"{base}/page.html", page


def test_claims_from_a_served_html_page(served_article: Any, article_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    url, _page = served_article
    result = run_cli(capsys, "claims", url, "--json")
    assert result.rc == 0, result.err
    payload = json.loads(result.out)
    assert payload["article"]["source"] == url
    assert payload["article"]["title"] == _paragraphs(article_path)[0]
    _assert_key_claims(payload["claims"], article_path, exact=False)
    txt = json.loads(run_cli(capsys, "claims", article_path, "--json").out)["claims"]
    for needle, _kind, _cue in KEY_CLAIMS:
        from_html = {_squash(c["text"]) for c in _holding(payload["claims"], needle)}
        from_txt = {_squash(c["text"]) for c in _holding(txt, needle)}
        assert from_html & from_txt, (needle, from_html, from_txt)


def test_served_page_offsets_and_evidence(served_article: Any) -> None:
    import hashlib

    url, page = served_article
    loaded = load_article(url)
    assert loaded.raw == page.encode("utf-8")
    assert loaded.article.raw_sha256 == hashlib.sha256(page.encode("utf-8")).hexdigest()
    assert loaded.article.fetched_at
    assert "Copyright" not in loaded.article.text  # boilerplate is not article text
    _assert_offsets(find_claims(loaded.article.text), loaded.article.text)
