"""Import an article from pasted text, a .txt/.md/.html file or an http(s) URL.

HTML goes through trafilatura (main text, title, author, date, canonical URL); the raw bytes are
kept, with their SHA-256, as evidence of what was read.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.errors import UserError
from verifier.media.intake import fetch_url, require_file
from verifier.models import Article

MAX_ARTICLE_BYTES = 20 * 1024 * 1024
MIN_RECALL_WORDS = 40
_TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown", ""}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


@dataclass(frozen=True)
class LoadedArticle:
    article: Article
    raw: bytes  # the bytes as read or fetched, kept as evidence


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def load_article(source: str) -> LoadedArticle:
    """Load from a URL or a file path; raises UserError naming the source on failure."""
    if is_url(source):
        return _from_url(source)
    path = Path(source)
    if path.is_dir():
        raise UserError(path, "is a folder, not an article file")
    size = require_file(path).st_size
    if size == 0:
        raise UserError(path, "the file is empty (0 bytes)")
    if size > MAX_ARTICLE_BYTES:
        raise UserError(path, f"too large for an article ({size} bytes)")
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in _HTML_SUFFIXES or (suffix not in _TEXT_SUFFIXES and _looks_like_html(raw)):
        return LoadedArticle(from_html(raw, str(path)), raw)
    if suffix not in _TEXT_SUFFIXES and b"\x00" in raw[:4096]:
        raise UserError(path, "not a text or HTML article (binary content)")
    return LoadedArticle(from_text(_decode(raw, path), str(path), raw), raw)


def from_text(text: str, source: str = "pasted", raw: bytes | None = None) -> Article:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UserError(source, "the article has no text")
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = title.lstrip("#").strip()  # a Markdown heading
    raw = raw if raw is not None else text.encode("utf-8")
    return Article(source=source, title=title[:300], text=text,
                   raw_sha256=hashlib.sha256(raw).hexdigest())


def from_html(raw: bytes, source: str, fetched_at: str | None = None) -> Article:
    import trafilatura

    html = _decode(raw, source)
    doc: Any = None
    text = ""
    # The precise extractor first; the others find short or oddly built pages, but also pick up
    # menus and footers, so their text counts only when it reads like an article.
    for precision, recall in ((True, False), (False, False), (False, True)):
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                          favor_precision=precision, favor_recall=recall)
        text = (getattr(doc, "text", None) or "") if doc is not None else ""
        if text.strip() and (precision or len(text.split()) >= MIN_RECALL_WORDS):
            break
        text = ""
    if not text.strip():
        raise UserError(source, "no article text could be found in the HTML")
    return Article(
        source=source,
        title=(getattr(doc, "title", None) or "").strip()[:300],
        text=text.replace("\r\n", "\n"),
        raw_sha256=hashlib.sha256(raw).hexdigest(),
        author=getattr(doc, "author", None),
        published=getattr(doc, "date", None),
        url=getattr(doc, "url", None),
        fetched_at=fetched_at,
    )


def _from_url(url: str) -> LoadedArticle:
    with tempfile.TemporaryDirectory(prefix="verifier-article-") as tmp:
        download = fetch_url(url, Path(tmp), max_bytes=MAX_ARTICLE_BYTES)
        raw = download.path.read_bytes()
    ctype = {k.lower(): v for k, v in download.headers.items()}.get("content-type", "")
    if "html" in ctype or _looks_like_html(raw):
        article = from_html(raw, url, download.fetched_at)
        if not article.url:
            article = _replace(article, url=download.final_url)
    elif ctype.startswith("text/") or not ctype:
        article = from_text(_decode(raw, url), url, raw)
        article = _replace(article, url=download.final_url, fetched_at=download.fetched_at)
    else:
        raise UserError(url, f"not an article (the server sent {ctype})")
    return LoadedArticle(article, raw)


def _replace(article: Article, **changes: Any) -> Article:
    from dataclasses import replace

    return replace(article, **changes)


def _looks_like_html(raw: bytes) -> bool:
    head = raw[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


def _decode(raw: bytes, source: str | Path) -> str:
    """UTF-8 when it is, else the encoding charset_normalizer finds (Latin-1, Windows-1256,
    KOI8-R, ...): newsroom archives are full of legacy encodings."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:MAX_ARTICLE_BYTES]).best()
    if best is None:
        raise UserError(source, "the text encoding could not be recognised")
    if best.encoding in _DOS_CODEPAGES:
        # Short Western text fits DOS code pages as well as Windows-1252; web and newsroom
        # text is far more often the latter (0xA0 is a no-break space there, "á" in cp850).
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


_DOS_CODEPAGES = {"cp437", "cp850", "cp852", "cp858", "cp860", "cp861", "cp863", "cp865"}


