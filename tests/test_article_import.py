"""Article import: pasted text, .txt, .md and .html files and an http URL served on 127.0.0.1;
legacy encodings; bad articles (too large, no article text, unreachable) refused with one line
and no case left behind; the import into a case stored all or nothing.

Truths: the bytes written here (SHA-256 from hashlib), the real article's own text, pages built
here whose navigation, script and footer carry marker words that must not reach the text, the
author and date written into the page's meta tags, str.encode for the legacy encodings."""

from __future__ import annotations

import hashlib
import html
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_file
from tests.helpers import assert_one_error_line, free_port, run_cli, serve_directory
from verifier import services
from verifier.article import MAX_ARTICLE_BYTES, from_html, from_text, load_article
from verifier.case import CaseStore, evidence_dir_for
from verifier.claims import UNVERIFIABLE, find_claims
from verifier.errors import UserError

PHOTO = "exif-samples/jpg/Canon_40D.jpg"
MARKERS = ("NAVTOKEN", "SCRIPTTEXT", "FOOTERTOKEN", "ASIDETOKEN")
AUTHOR = "Jane Reporter"
PUBLISHED = "2020-02-19"
CANONICAL = "https://news.example.org/2020/02/19/soleimani-volleyball"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _paragraphs(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _page(title: str, body: list[str], *, charset: str = "utf-8", meta: bool = True) -> str:
    """A news page: navigation, a script, an aside and a footer around the <article>."""
    esc = html.escape
    head_meta = (f'<meta name="author" content="{AUTHOR}">\n'
                 f'<meta property="article:published_time" content="{PUBLISHED}T09:30:00+00:00">\n'
                 f'<link rel="canonical" href="{CANONICAL}">\n') if meta else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head>\n"
        f"<meta charset=\"{charset}\">\n<title>{esc(title)}</title>\n{head_meta}"
        "<script>var secret='SCRIPTTEXT'; window.trackPage(secret);</script>\n"
        "</head>\n<body>\n"
        "<nav><ul><li><a href=\"/\">NAVTOKEN Home</a></li><li><a href=\"/world\">World news"
        "</a></li><li><a href=\"/sport\">Sport</a></li></ul></nav>\n"
        f"<article>\n<h1>{esc(title)}</h1>\n"
        + "".join(f"<p>{esc(p)}</p>\n" for p in body)
        + "</article>\n"
        "<aside><h2>Most read</h2><ul><li><a href=\"/a\">ASIDETOKEN Ten things</a></li></ul>"
        "</aside>\n"
        "<footer><p>FOOTERTOKEN Copyright 2020 Example News. All rights reserved.</p>"
        "<p>Contact us · Privacy · Terms</p></footer>\n"
        "</body></html>\n"
    )


def _long(paragraphs: list[str]) -> list[str]:
    """Paragraphs long enough that an extractor must keep them (not captions or datelines)."""
    return [p for p in paragraphs if len(p.split()) >= 8]


# ================================================================ pasted text, .txt, .md


def test_pasted_text() -> None:
    text = ("Drone footage resurfaces\r\n\r\nA video allegedly shows two commanders in a garden."
            "\r\nIts date cannot be verified.\r\n")
    article = from_text(text)
    assert article.source == "pasted"
    assert "\r" not in article.text
    assert article.text == text.replace("\r\n", "\n")
    assert article.title == "Drone footage resurfaces"
    assert article.raw_sha256 == hashlib.sha256(article.text.encode("utf-8")).hexdigest()
    claims = find_claims(article.text)
    assert [c.text for c in claims if UNVERIFIABLE in c.kinds] == ["Its date cannot be verified."]


@pytest.mark.parametrize("blank", ["", "   ", "\n\n\t\n"])
def test_pasted_blank_text_is_refused(blank: str) -> None:
    with pytest.raises(UserError) as info:
        from_text(blank)
    assert info.value.subject == "pasted"


def test_txt_file_is_read_as_is(article_path: Path) -> None:
    loaded = load_article(str(article_path))
    raw = article_path.read_bytes()
    assert loaded.raw == raw
    assert loaded.article.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert loaded.article.text == raw.decode("utf-8")
    assert loaded.article.title == _paragraphs(article_path)[0]
    assert loaded.article.source == str(article_path)


def test_txt_with_crlf_and_a_bom(article_path: Path, tmp_path: Path) -> None:
    text = article_path.read_text(encoding="utf-8")
    raw = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")
    path = tmp_path / "windows.txt"
    path.write_bytes(raw)
    loaded = load_article(str(path))
    assert loaded.article.text == text
    assert loaded.article.title == _paragraphs(article_path)[0]  # no BOM in front
    assert loaded.article.raw_sha256 == hashlib.sha256(raw).hexdigest()  # the bytes as read
    for c in find_claims(loaded.article.text):
        assert loaded.article.text[c.start:c.end] == c.text


def test_md_file(article_path: Path, tmp_path: Path) -> None:
    paragraphs = _paragraphs(article_path)
    md = f"# {paragraphs[0]}\n\n" + "\n\n".join(paragraphs[1:]) + "\n"
    path = tmp_path / "article.md"
    path.write_text(md, encoding="utf-8")
    loaded = load_article(str(path))
    assert loaded.raw == md.encode("utf-8")
    assert loaded.article.raw_sha256 == hashlib.sha256(md.encode("utf-8")).hexdigest()
    assert loaded.article.text == md
    assert paragraphs[0] in loaded.article.title
    claims = find_claims(loaded.article.text)
    assert [c for c in claims if UNVERIFIABLE in c.kinds and "cannot be verified" in c.text]


def test_md_title_has_no_heading_marker(article_path: Path, tmp_path: Path) -> None:
    paragraphs = _paragraphs(article_path)
    path = tmp_path / "article.md"
    path.write_text(f"# {paragraphs[0]}\n\n{paragraphs[1]}\n", encoding="utf-8")
    assert load_article(str(path)).article.title == paragraphs[0]


# ================================================================ HTML


def _assert_extracted(article: Any, paragraphs: list[str], raw: bytes) -> None:
    text = _squash(article.text)
    for p in _long(paragraphs[1:]):
        assert _squash(p) in text, p
    for marker in MARKERS:
        assert marker not in article.text, marker
    assert "Copyright 2020" not in article.text
    assert article.title == paragraphs[0]
    assert article.raw_sha256 == hashlib.sha256(raw).hexdigest()


def test_html_file_main_text_title_and_meta(article_path: Path, tmp_path: Path) -> None:
    paragraphs = _paragraphs(article_path)
    page = _page(paragraphs[0], paragraphs[1:]).encode("utf-8")
    path = tmp_path / "page.html"
    path.write_bytes(page)
    loaded = load_article(str(path))
    assert loaded.raw == page
    _assert_extracted(loaded.article, paragraphs, page)
    assert loaded.article.author == AUTHOR
    assert loaded.article.published is not None
    assert loaded.article.published.startswith(PUBLISHED)
    assert loaded.article.url == CANONICAL
    for c in find_claims(loaded.article.text):
        assert loaded.article.text[c.start:c.end] == c.text


def test_html_without_meta_tags_has_no_author(article_path: Path, tmp_path: Path) -> None:
    paragraphs = _paragraphs(article_path)
    page = _page(paragraphs[0], paragraphs[1:], meta=False).encode("utf-8")
    article = from_html(page, "page.html")
    _assert_extracted(article, paragraphs, page)
    assert not article.author
    assert article.url != CANONICAL


@pytest.fixture
def served(article_path: Path, tmp_path: Path) -> Iterator[tuple[str, bytes, Path]]:
    paragraphs = _paragraphs(article_path)
    page = _page(paragraphs[0], paragraphs[1:]).encode("utf-8")
    www = tmp_path / "www"
    www.mkdir()
    (www / "story.html").write_bytes(page)
    with serve_directory(www) as base:
        yield f"{base}/story.html", page, www


def test_url_article(served: tuple[str, bytes, Path], article_path: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    url, page, _ = served
    assert url.startswith("http://127.0.0.1:")
    loaded = load_article(url)
    assert loaded.raw == page
    _assert_extracted(loaded.article, _paragraphs(article_path), page)
    assert loaded.article.source == url
    assert loaded.article.fetched_at
    assert loaded.article.author == AUTHOR
    assert loaded.article.url == CANONICAL

    result = run_cli(capsys, "claims", url, "--json")
    assert result.rc == 0, result.err
    payload = json.loads(result.out)
    head = payload["article"]
    assert head["raw_sha256"] == hashlib.sha256(page).hexdigest()
    assert (head["source"], head["author"], head["url"]) == (url, AUTHOR, CANONICAL)
    assert head["published"].startswith(PUBLISHED)
    assert [c for c in payload["claims"] if UNVERIFIABLE in c["kinds"]
            and "cannot be verified" in c["text"]]
    for c in payload["claims"]:
        for marker in MARKERS:
            assert marker not in c["text"]


def test_url_article_without_canonical_keeps_the_address(
        article_path: Path, tmp_path: Path) -> None:
    paragraphs = _paragraphs(article_path)
    page = _page(paragraphs[0], paragraphs[1:], meta=False).encode("utf-8")
    (tmp_path / "p.html").write_bytes(page)
    with serve_directory(tmp_path) as base:
        loaded = load_article(f"{base}/p.html")
    assert loaded.article.url == f"{base}/p.html"
    assert loaded.article.raw_sha256 == hashlib.sha256(page).hexdigest()


def test_url_plain_text_article(article_path: Path, tmp_path: Path) -> None:
    raw = article_path.read_bytes()
    (tmp_path / "story.txt").write_bytes(raw)
    with serve_directory(tmp_path) as base:
        loaded = load_article(f"{base}/story.txt")
    assert loaded.raw == raw
    assert loaded.article.text == raw.decode("utf-8")
    assert loaded.article.raw_sha256 == hashlib.sha256(raw).hexdigest()


def test_html_article_imported_into_a_case_keeps_its_bytes(
        served: tuple[str, bytes, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    url, page, _ = served
    case = tmp_path / "case.vcase"
    result = run_cli(capsys, "check", shared_file(PHOTO), "--article", url, "--report",
                     tmp_path / "r.html", "--case", case)
    assert result.rc == 0, result.err
    copies = list(evidence_dir_for(case).glob("article-*"))
    assert len(copies) == 1 and copies[0].read_bytes() == page
    with CaseStore.open(case) as store:
        article = store.article()
        assert article is not None and article.source == url
        assert article.raw_sha256 == hashlib.sha256(page).hexdigest()
        assert store.verify() == []


# ================================================================ legacy encodings

FRENCH = ("Le président a déclaré à la presse que la vidéo, diffusée mercredi, était « très "
          "préoccupante ». Selon l’Agence France-Presse, l’authenticité des images n’a pas été "
          "confirmée.\nLes élèves du lycée ont été évacués à cause de la tempête, a précisé la "
          "préfecture.\n")
ARABIC = ("قال مسؤولون إن الفيديو الذي انتشر على مواقع التواصل الاجتماعي هذا الأسبوع يظهر قاسم "
          "سليماني وهو يلعب الكرة الطائرة مع عناصر من الحشد الشعبي في بغداد.\n"
          "ولا يمكن التحقق من صحة المقطع أو تاريخ تصويره، بحسب ما نقلت شبكة سي إن إن العربية.\n")


@pytest.mark.parametrize(("name", "text", "encoding"), [
    ("french-cp1252.txt", FRENCH, "cp1252"),
    ("arabic-1256.txt", ARABIC, "windows-1256"),
])
def test_legacy_encoded_text_file(tmp_path: Path, name: str, text: str, encoding: str) -> None:
    raw = text.encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really not UTF-8
    path = tmp_path / name
    path.write_bytes(raw)
    loaded = load_article(str(path))
    assert loaded.article.text == text
    assert loaded.article.raw_sha256 == hashlib.sha256(raw).hexdigest()


def test_arabic_html_page_in_windows_1256(tmp_path: Path) -> None:
    lines = [line for line in ARABIC.splitlines() if line]
    title = "سليماني يلعب الكرة الطائرة"
    page = _page(title, lines, charset="windows-1256", meta=False).encode("windows-1256")
    path = tmp_path / "arabic.html"
    path.write_bytes(page)
    article = load_article(str(path)).article
    assert article.title == title
    for line in lines:
        assert line in article.text
    assert article.raw_sha256 == hashlib.sha256(page).hexdigest()


def test_the_real_article_in_cp1252(article_path: Path, tmp_path: Path) -> None:
    text = article_path.read_text(encoding="utf-8")
    raw = text.encode("cp1252")
    path = tmp_path / "article-cp1252.txt"
    path.write_bytes(raw)
    assert load_article(str(path)).article.text == text


# ================================================================ bad articles


def _big_page(tmp_path: Path) -> Path:
    """A 50 MB HTML page, written sparsely (a hole between the head and the tail)."""
    path = tmp_path / "huge-page.html"
    size = 50 * 1024 * 1024
    with path.open("wb") as fh:
        fh.write(b"<!DOCTYPE html><html><body><article><p>"
                 + b"Officials said the clip was filmed last month. " * 20)
        tail = b"</p></article></body></html>\n"
        fh.seek(size - len(tail))
        fh.write(tail)
    assert path.stat().st_size == size > MAX_ARTICLE_BYTES
    return path


def _no_text_page(tmp_path: Path) -> Path:
    path = tmp_path / "app-shell.html"
    path.write_text("<!DOCTYPE html><html><head><title>Loading</title></head><body>"
                    "<div id=\"root\"></div><script>var secret='SCRIPTTEXT'; render();</script>"
                    "</body></html>\n", encoding="utf-8")
    return path


def test_a_50_mb_page_is_refused_with_one_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = _big_page(tmp_path)
    assert_one_error_line(run_cli(capsys, "claims", path), path)


def test_a_page_with_no_article_text_is_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _no_text_page(tmp_path)
    assert_one_error_line(run_cli(capsys, "claims", path), path)


@pytest.mark.parametrize("part", ["nav", "footer"])
def test_a_page_of_navigation_or_footer_only_is_refused(
        tmp_path: Path, part: str, capsys: pytest.CaptureFixture[str]) -> None:
    inner = {"nav": "<nav><ul><li><a href=\"/\">Home</a></li><li><a href=\"/w\">World</a></li>"
                    "<li><a href=\"/s\">Sport</a></li></ul></nav>",
             "footer": "<footer><p>Copyright 2020 Example News. All rights reserved.</p>"
                       "</footer>"}[part]
    path = tmp_path / f"{part}.html"
    path.write_text(f"<!DOCTYPE html><html><head><title>Example News</title></head><body>"
                    f"{inner}</body></html>\n", encoding="utf-8")
    assert_one_error_line(run_cli(capsys, "claims", path), path)


def test_an_unreachable_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/story.html"
    assert_one_error_line(run_cli(capsys, "claims", url), url)


def test_a_missing_page_and_a_photo_url_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = shared_file(PHOTO)
    (tmp_path / "photo.jpg").write_bytes(photo.read_bytes())
    with serve_directory(tmp_path) as base:
        for url in (f"{base}/gone.html", f"{base}/photo.jpg"):
            assert_one_error_line(run_cli(capsys, "claims", url), url)


@pytest.mark.parametrize("kind", ["huge", "no-text", "unreachable", "missing", "empty"])
def test_check_with_a_bad_article_leaves_no_case(tmp_path: Path, kind: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    photo = shared_file(PHOTO)
    source: Path | str
    if kind == "huge":
        source = _big_page(tmp_path)
    elif kind == "no-text":
        source = _no_text_page(tmp_path)
    elif kind == "unreachable":
        source = f"http://127.0.0.1:{free_port()}/story.html"
    elif kind == "missing":
        source = tmp_path / "no-such-article.txt"
    else:
        source = tmp_path / "empty.txt"
        source.write_bytes(b"")
    out = tmp_path / "out"
    result = run_cli(capsys, "check", photo, "--article", source, "--report",
                     out / "report.html", "--case", out / "case.vcase")
    assert_one_error_line(result, source)
    assert not (out / "case.vcase").exists()
    assert not evidence_dir_for(out / "case.vcase").exists()
    assert not (out / "report.html").exists()
    assert not out.exists() or not any(out.iterdir())


# ================================================================ atomic import into a case


def test_import_into_a_case_is_all_or_nothing(article_path: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "atomic.vcase"
    loaded = load_article(str(article_path))
    assert find_claims(loaded.article.text)  # so the claims step really runs
    reached: list[int] = []

    def failing_insert(self: CaseStore, article_id: int, claims: list[Any]) -> list[Any]:
        # Called inside the import's transaction, after the article row went in.
        reached.append(self.conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        raise RuntimeError("disk full while storing the claims")

    with CaseStore.create(path, actor="tester") as case:
        trail = case.audit_trail()
        monkeypatch.setattr(CaseStore, "_insert_claims", failing_insert)
        with pytest.raises(RuntimeError):
            services.import_article(case, loaded)
        assert reached == [1]
        assert case.article() is None
        assert case.audit_trail() == trail
    monkeypatch.undo()

    con = sqlite3.connect(path)  # another connection sees the same: nothing committed
    try:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
    finally:
        con.close()
    with CaseStore.open(path) as case:
        assert case.article() is None
        assert case.claims(include_deleted=True) == []
        assert [e.action for e in case.audit_trail()] == ["case.created"]
        assert case.verify() == []
        # Trying again works, and stores the article once.
        claims = services.import_article(case, loaded)
        stored = case.article()
        assert claims and stored is not None
        assert stored.raw_sha256 == hashlib.sha256(article_path.read_bytes()).hexdigest()
        assert len(case.claims()) == len(find_claims(loaded.article.text))
        assert case.verify() == []
