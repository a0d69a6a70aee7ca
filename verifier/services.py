"""The use cases the CLI and the GUI both call. Each takes progress and cancel arguments and
leaves the case consistent: every step commits on its own, so a failure keeps earlier steps."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from verifier.article import LoadedArticle, load_article
from verifier.case import CaseStore
from verifier.claims import MEDIA, find_claims
from verifier.corpus import Corpus
from verifier.errors import UserError
from verifier.matching.hashing import DEFAULT_MAX_DISTANCE
from verifier.media import intake
from verifier.media.keyframes import KeyframeParams, KeyframeResult, extract_keyframes
from verifier.media.metadata import extract as extract_metadata
from verifier.models import Claim, Keyframe, Match, MediaItem, MediaKind, Rating, Verdict
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)

AUTOMATIC_ANALYST = "verifier (automatic)"
REPORT_FORMATS = ("html", "json")


def resolve_media(source: str, download_dir: Path | None = None) -> MediaItem:
    """A local path or an http(s) URL, sniffed, hashed and checked to decode."""
    if source.startswith(("http://", "https://")):
        download = intake.fetch_url(source, download_dir)
        item = intake.inspect(download.path, source_url=download.final_url)
        return item
    return intake.inspect(Path(source))


def import_article(case: CaseStore, loaded: LoadedArticle,
                   media_id: int | None = None) -> list[Claim]:
    """Store the article and its claims; claims that mention a clip or photo get media_id."""
    article = case.set_article(loaded)
    assert article.id is not None
    claims = [replace(c, media_id=media_id) if media_id and MEDIA in c.kinds else c
              for c in find_claims(article.text)]
    return case.add_claims(article.id, claims)


def keyframes_dir(case: CaseStore, item: MediaItem) -> Path:
    return case.evidence_dir / "keyframes" / item.sha256[:16]


def analyse_media(
    case: CaseStore,
    item: MediaItem,
    corpus: Corpus | None,
    *,
    max_distance: int = DEFAULT_MAX_DISTANCE,
    progress: Progress = NULL_PROGRESS,
    cancel: CancelToken = NEVER_CANCELLED,
) -> None:
    """Metadata, keyframes (video) and corpus matches of one media item already in the case."""
    assert item.id is not None
    progress.message(f"Reading metadata of {item.original_name}")
    case.set_metadata(item.id, extract_metadata(Path(item.path)))
    cancel.check()
    keyframes: list[Keyframe] = []
    if item.kind is MediaKind.VIDEO:
        result = extract_keyframes(Path(item.path), keyframes_dir(case, item),
                                   progress=progress, cancel=cancel)
        keyframes = case.set_keyframes(item.id, result.shots, result.keyframes,
                                       _params(result.params))
    if corpus is not None:
        cancel.check()
        progress.message(f"Matching {item.original_name} against the corpus")
        matches = match_item(Path(item.path), item.kind, corpus, keyframes, max_distance)
        case.set_matches(item.id, matches, {"corpus": str(corpus.path), "hash": "phash",
                                            "max_distance": max_distance,
                                            "corpus_items": corpus.stats()["items"]})


def match_item(path: Path, kind: MediaKind, corpus: Corpus, keyframes: list[Keyframe],
               max_distance: int = DEFAULT_MAX_DISTANCE, *, top: int | None = None,
               pdq_threshold: int | None = None, verify: bool = True,
               progress: Progress = NULL_PROGRESS,
               cancel: CancelToken = NEVER_CANCELLED) -> list[Match]:
    """Matches of an image or a video, best first (see verifier.matching.search).

    Videos are sampled afresh (every half second, plus every cut) rather than through their
    shot keyframes, so trimmed or sped-up copies align in time; `keyframes` is kept for callers
    of the first version. `max_distance` is the pHash threshold used where PDQ cannot decide.
    """
    from verifier.matching.search import Matcher, MatchOptions

    del keyframes
    options = MatchOptions(phash_threshold=max_distance, verify=verify,
                           **({"top": top} if top is not None else {}),
                           **({"pdq_threshold": pdq_threshold}
                              if pdq_threshold is not None else {}))
    matcher = Matcher(corpus, options)
    if kind is MediaKind.IMAGE:
        from verifier.matching.search import decode_query_image

        return sort_matches(matcher.match_image(decode_query_image(path)).matches)
    return sort_matches(matcher.match_video(path, progress=progress, cancel=cancel).matches)


def sort_matches(matches: list[Match]) -> list[Match]:
    """Best first: by score when the matcher gave one, then by distance and earliest date."""
    return sorted(matches, key=lambda m: (-(m.score if m.score is not None else -1.0),
                                          not m.confirmed, m.distance,
                                          m.earliest_date or "9999", m.corpus_path,
                                          m.query_start if m.query_start is not None
                                          else (m.query_time or 0.0)))


@dataclass
class CheckResult:
    case_path: Path
    report_path: Path
    media: MediaItem
    claims: list[Claim]
    matches: list[Match]
    report_sha256: str
    extra: dict[str, Any] = field(default_factory=dict)


def check(
    media_source: str,
    article_source: str,
    report_path: Path,
    *,
    case_path: Path | None = None,
    corpus_path: Path | None = None,
    progress: Progress = NULL_PROGRESS,
    cancel: CancelToken = NEVER_CANCELLED,
) -> CheckResult:
    """The whole path in one go. Inputs are all validated before the case file is created, so
    bad input leaves nothing behind."""
    report_format = _format_from_suffix(report_path)
    case_path = case_path or report_path.with_suffix(".vcase")
    if case_path.exists():
        raise UserError(case_path, "a case with this name already exists; choose another --case")
    if corpus_path is not None and not corpus_path.exists():
        raise UserError(corpus_path, "no such corpus")
    with tempfile.TemporaryDirectory(prefix="verifier-media-") as tmp:
        item = resolve_media(media_source, Path(tmp))
        loaded = load_article(article_source)
        case = CaseStore.create(case_path)
        item = case.add_media(item)
    with case:
        assert item.id is not None
        claims = import_article(case, loaded, media_id=item.id)
        corpus = Corpus(corpus_path) if corpus_path is not None else None
        try:
            analyse_media(case, item, corpus, progress=progress, cancel=cancel)
        finally:
            if corpus is not None:
                corpus.close()
        for claim in claims:
            if MEDIA in claim.kinds and claim.id is not None:
                case.add_verdict(Verdict(
                    claim.id, Rating.UNVERIFIED,
                    "Not yet reviewed: set automatically until an analyst records a verdict.",
                    confidence=0.0, analyst=AUTOMATIC_ANALYST))
        digest = export_report(case, report_format, report_path)
        return CheckResult(case_path, report_path, item, case.claims(), case.matches(item.id),
                           digest)


def _format_from_suffix(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    fmt = {"htm": "html"}.get(fmt, fmt)
    if fmt not in REPORT_FORMATS:
        raise UserError(path, f"unknown report format; use one of: {', '.join(REPORT_FORMATS)}")
    return fmt


def export_report(case: CaseStore, fmt: str, out: Path) -> str:
    """Write the report atomically and record its SHA-256 in the case's audit trail."""
    from verifier.reports.context import build_context
    from verifier.reports.html import render_html
    from verifier.reports.json_export import render_json

    if fmt not in REPORT_FORMATS:
        raise UserError(fmt, f"unknown report format; use one of: {', '.join(REPORT_FORMATS)}")
    context = build_context(case)
    data = (render_html(context) if fmt == "html" else render_json(context)).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    digest = hashlib.sha256(data).hexdigest()
    case.record("report.exported", {"format": fmt, "path": str(out), "sha256": digest})
    return digest


def record_verdict(case: CaseStore, claim_id: int, rating: str, rationale: str,
                   confidence: float = 0.5, evidence: tuple[str, ...] = ()) -> Verdict:
    try:
        parsed = Rating.parse(rating)
    except ValueError as exc:
        raise UserError("--rating", str(exc)) from None
    if not rationale.strip():
        raise UserError("--rationale", "a verdict needs a rationale")
    return case.add_verdict(Verdict(claim_id, parsed, rationale.strip(), confidence, evidence))


def keyframes_of(video: Path, out_dir: Path, *, fast: bool = False,
                 progress: Progress = NULL_PROGRESS,
                 cancel: CancelToken = NEVER_CANCELLED) -> KeyframeResult:
    sniffed = intake.sniff(video)
    if sniffed.kind is not MediaKind.VIDEO:
        raise UserError(video, f"not a video ({sniffed.mime})")
    return extract_keyframes(video, out_dir, fast=fast, progress=progress, cancel=cancel)


def match_file(path: Path, corpus: Corpus, *, max_distance: int = DEFAULT_MAX_DISTANCE,
               progress: Progress = NULL_PROGRESS,
               cancel: CancelToken = NEVER_CANCELLED, top: int | None = None,
               pdq_threshold: int | None = None, verify: bool = True) -> list[Match]:
    item = intake.inspect(path)
    return match_item(path, item.kind, corpus, [], max_distance, top=top,
                      pdq_threshold=pdq_threshold, verify=verify, progress=progress,
                      cancel=cancel)


def _params(params: KeyframeParams) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(params)
