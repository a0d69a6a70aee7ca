"""The use cases the CLI and the GUI both call. Each takes progress and cancel arguments and
leaves the case consistent: every step commits on its own, so a failure keeps earlier steps."""

from __future__ import annotations

import hashlib
import logging
import re
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
from verifier.models import (
    CONFIDENCE_LEVELS,
    Claim,
    EvidenceItem,
    Keyframe,
    Match,
    MediaItem,
    MediaKind,
    Rating,
    Verdict,
)
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)

AUTOMATIC_ANALYST = "verifier (automatic)"
REPORT_FORMATS = ("html", "pdf", "json", "claimreview")


def import_article(case: CaseStore, loaded: LoadedArticle,
                   media_id: int | None = None) -> list[Claim]:
    """Store the article and its claims; claims that mention a clip or photo get media_id."""
    claims = [replace(c, media_id=media_id) if media_id and MEDIA in c.kinds else c
              for c in find_claims(loaded.article.text)]
    return case.import_article(loaded, claims)[1]


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
    download = case.download_evidence(item.id)
    article = case.article()
    case.set_metadata(item.id, extract_metadata(
        Path(item.path),
        # The article's date bounds the claim: footage captured long before it is a red flag.
        claim_date=article.published if article and article.published else None,
        http_headers=download.get("headers") if download else None,
        source_url=download.get("final_url") if download else item.source_url))
    cancel.check()
    keyframes: list[Keyframe] = []
    if item.kind is MediaKind.VIDEO:
        result = extract_keyframes(Path(item.path), keyframes_dir(case, item),
                                   progress=progress, cancel=cancel)
        keyframes = case.set_keyframes(item.id, result.shots, result.keyframes,
                                       _params(result.params) | {"notes": list(result.notes)})
    if corpus is not None:
        cancel.check()
        progress.message(f"Matching {item.original_name} against the corpus")
        matches = match_item(Path(item.path), item.kind, corpus, keyframes, max_distance)
        case.set_matches(item.id, matches, _match_params(corpus, max_distance))


def intake_detail(source: str, loaded: intake.Loaded, origin: str,
                  note: str | None = None) -> dict[str, Any]:
    """What the "media.intake" audit event keeps: the path, or the URL with the final address,
    redirects and response headers (cookies left out)."""
    detail: dict[str, Any] = {"origin": origin, "source": source}
    if note:
        detail["note"] = note
    if loaded.download is not None:
        evidence = loaded.download.evidence()
        evidence["headers"] = {k: v for k, v in evidence["headers"].items()
                               if k.lower() != "set-cookie"}
        detail["download"] = evidence
    return detail


def _match_params(corpus: Corpus, max_distance: int) -> dict[str, Any]:
    """What a corpus search ran with, for the case's audit trail and the report's method."""
    from verifier.matching.search import DEFAULT_PDQ_THRESHOLD

    stats = corpus.stats()
    return {"corpus": str(corpus.path),
            "hashes": ["pdq (8 orientations, borders cropped)", "phash", "dhash", "colorhash"],
            "pdq_threshold": DEFAULT_PDQ_THRESHOLD, "phash_max_distance": max_distance,
            "geometric_verification": "ORB + RANSAC homography",
            "corpus_items": stats["items"],
            "snapshot": _corpus_snapshot(corpus)}


def _corpus_snapshot(corpus: Corpus) -> str:
    """Identifies the corpus content a search ran against: the sorted item hashes."""
    digest = hashlib.sha256()
    for (sha,) in corpus.conn.execute("SELECT sha256 FROM items ORDER BY sha256"):
        digest.update(sha.encode())
    return digest.hexdigest()[:16]


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
    def transformed(m: Match) -> bool:
        t = m.transform or {}
        return bool(t.get("mirror")) or bool(t.get("rotation"))

    return sorted(matches, key=lambda m: (-(m.score if m.score is not None else -1.0),
                                          not m.confirmed, transformed(m), m.distance,
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
        media = intake.load(media_source, Path(tmp))
        loaded = load_article(article_source)
        case = CaseStore.create(case_path)
        try:
            item = case.add_media(media.item)
            origin = "url" if media.download is not None else "file"
            case.record("media.intake", {"media_id": item.id,
                                         **intake_detail(media_source, media, origin)})
        except BaseException:
            case.close()
            raise
    with case:
        assert item.id is not None
        claims = import_article(case, loaded, media_id=item.id)
        corpus = Corpus(corpus_path) if corpus_path is not None else None
        named = _NamedProgress(progress, {Path(item.path).name: item.original_name})
        try:
            analyse_media(case, item, corpus, progress=named, cancel=cancel)
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
    fmt = {"htm": "html", "jsonld": "claimreview"}.get(fmt, fmt)
    if fmt not in REPORT_FORMATS:
        raise UserError(path, "unknown report format; name the report .html, .pdf, .json or "
                              ".jsonld (ClaimReview)")
    return fmt


def export_report(case: CaseStore, fmt: str, out: Path) -> str:
    """Write the report atomically and record its SHA-256 in the case's audit trail."""
    data = render_report(case, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)
    digest = hashlib.sha256(data).hexdigest()
    case.record("report.exported", {"format": fmt, "path": str(out), "sha256": digest})
    return digest


def render_report(case: CaseStore, fmt: str) -> bytes:
    """The report's bytes in one format (html, pdf, json, claimreview), e.g. for a preview."""
    from verifier.reports.claimreview import render_claimreview
    from verifier.reports.context import build_context
    from verifier.reports.html import render_html
    from verifier.reports.json_export import render_json
    from verifier.reports.pdf import render_pdf

    if fmt not in REPORT_FORMATS:
        raise UserError(fmt, f"unknown report format; use one of: {', '.join(REPORT_FORMATS)}")
    context = build_context(case)
    if fmt == "pdf":
        return render_pdf(context)
    text = {"html": render_html, "json": render_json, "claimreview": render_claimreview}[fmt]
    return text(context).encode("utf-8")


def record_verdict(case: CaseStore, claim_id: int, rating: str, rationale: str,
                   confidence: float | str = 0.5, evidence: tuple[str, ...] = (),
                   *, reasons: tuple[str, ...] = (),
                   evidence_items: tuple[EvidenceItem, ...] = ()) -> Verdict:
    """Append a verdict to a claim's history; ratings, confidences and reasons are checked."""
    from verifier.verdicts import parse_reason

    try:
        parsed = Rating.parse(rating)
    except ValueError as exc:
        raise UserError("--rating", str(exc)) from None
    if not rationale.strip():
        raise UserError("--rationale", "a verdict needs a rationale")
    try:
        codes = tuple(parse_reason(r) for r in reasons)
    except ValueError as exc:
        raise UserError("--reason", str(exc)) from None
    return case.add_verdict(Verdict(claim_id, parsed, rationale.strip(),
                                    parse_confidence(confidence), evidence,
                                    evidence_items=evidence_items, reasons=codes))


UNDO_PREFIX = "Undo: "
_UNDO_HEAD = re.compile(r"^Undo: .*? withdrawn; (?:back to the verdict of [^.]*|no earlier "
                        r"verdict, so back to Unverified)\.\s*")


def restore_verdict(case: CaseStore, undone: Verdict, previous: Verdict | None) -> Verdict:
    """Undo a verdict without erasing it: append one that restores the verdict before it
    (rating, confidence, reasons and evidence), or Unverified when there was none. Its rationale
    starts with "Undo: " and says what was withdrawn; the undone verdict stays in the history."""
    withdrawn = f"{UNDO_PREFIX}“{undone.rating.value}” of {_when(undone.created_at)} withdrawn"
    if previous is None:
        return case.add_verdict(Verdict(
            undone.claim_id, Rating.UNVERIFIED,
            f"{withdrawn}; no earlier verdict, so back to Unverified.", confidence=0.0))
    original = previous.rationale
    while _UNDO_HEAD.match(original):  # an undo of an undo: keep the analyst's own words once
        original = _UNDO_HEAD.sub("", original, count=1)
    rationale = f"{withdrawn}; back to the verdict of {_when(previous.created_at)}. {original}"
    return case.add_verdict(replace(previous, claim_id=undone.claim_id,
                                    rationale=rationale.strip(), analyst="", created_at="",
                                    id=None))


def _when(iso: str) -> str:
    """2026-11-25T04:41:23+00:00 -> 2026-11-25 04:41:23 UTC (no full stop: see _UNDO_HEAD)."""
    text = iso.replace("T", " ")
    return text[:-6] + " UTC" if text.endswith("+00:00") else text or "an unknown time"


def parse_confidence(value: float | str) -> float:
    """0..1, or the words low, medium, high."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in CONFIDENCE_LEVELS:
            return CONFIDENCE_LEVELS[word]
        try:
            value = float(word)
        except ValueError:
            raise UserError("--confidence", "use low, medium, high or a number from 0 to 1")\
                from None
    if not 0.0 <= value <= 1.0:
        raise UserError("--confidence", "must be between 0 and 1")
    return float(value)


def parse_evidence_item(text: str) -> EvidenceItem:
    """KIND:REF or KIND:REF=NOTE, e.g. match:archive/2017.mp4=same broadcast."""
    kind, sep, rest = text.partition(":")
    kinds = ("match", "metadata", "keyframe", "forensic", "url", "note")
    if not sep or kind not in kinds or not rest.strip():
        raise UserError("--link", f"write KIND:REF[=NOTE] with KIND one of {', '.join(kinds)}")
    if kind == "url":  # URLs hold '=' in their query strings: the note follows ' = '
        ref, _, note = rest.partition(" = ")
    else:
        ref, _, note = rest.partition("=")
    ref = ref.strip()
    if kind == "forensic" and ref.isdigit():  # forensic:3 is saved forensic result 3
        ref = f"forensics {ref}"
    return EvidenceItem(kind, ref, note.strip())


def keyframes_of(video: Path, out_dir: Path, *, fast: bool = False, every_frame: bool = False,
                 progress: Progress = NULL_PROGRESS,
                 cancel: CancelToken = NEVER_CANCELLED) -> KeyframeResult:
    """Keyframes of a video file; every_frame decodes the pictures the fast path skips too
    (cuts placed to the exact frame, at about twice the time on most H.264 files)."""
    sniffed = intake.sniff(video)
    if sniffed.kind is not MediaKind.VIDEO:
        raise UserError(video, f"not a video ({sniffed.mime})")
    return extract_keyframes(video, out_dir, fast=fast, progress=progress, cancel=cancel,
                             params=KeyframeParams(skip_unreferenced=not every_frame))


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


# ---------------------------------------------------------------- the workbench's media commands


@dataclass(frozen=True)
class AddedMedia:
    """A media item brought into an open case (see add_media_to_case)."""

    item: MediaItem
    already_in_case: bool = False  # the same bytes were in the case: nothing new was stored
    origin: str = "file"  # "file", "url" or "clipboard"


def add_media_to_case(
    case: CaseStore,
    source: str,
    corpus: Corpus | None,
    *,
    origin: str | None = None,
    note: str | None = None,
    max_distance: int = DEFAULT_MAX_DISTANCE,
    progress: Progress = NULL_PROGRESS,
    cancel: CancelToken = NEVER_CANCELLED,
) -> AddedMedia:
    """Bring a local file or an http(s) URL into an open case and analyse it.

    The source is sniffed, hashed and checked to decode before anything is stored, so an
    unreachable URL, a file too large or one that is not media leaves the case as it was (a
    UserError names the source). The evidence copy and a "media.intake" audit event record
    where it came from: the path, or the URL with the final address, redirects and response
    headers. Bytes already in the case are not stored twice: the existing item is returned.
    Analysis (metadata, keyframes, matches with a corpus) commits step by step; a cancel or an
    error part-way keeps the item and what was done.
    """
    import tempfile as _tempfile

    is_url = source.startswith(("http://", "https://"))
    origin = origin or ("url" if is_url else "file")
    with _tempfile.TemporaryDirectory(prefix="verifier-add-") as tmp:
        if is_url:
            progress.start(None, f"Downloading {source}")
            cancel.check()
            with _watched_session(source, progress, cancel) as session:
                loaded = intake.load(source, Path(tmp), session=session)
        else:
            progress.start(None, f"Checking {Path(source).name}")
            loaded = intake.load(source)
        cancel.check()
        detail = intake_detail(source, loaded, origin, note)
        existing = next((m for m in case.media() if m.sha256 == loaded.item.sha256), None)
        if existing is not None:
            case.record("media.intake", {"media_id": existing.id, "already_in_case": True,
                                         **detail})
            return AddedMedia(existing, True, origin)
        stored = case.add_media(loaded.item)  # copied while the download still exists
        case.record("media.intake", {"media_id": stored.id, **detail})
    named = _NamedProgress(progress, {Path(stored.path).name: stored.original_name})
    analyse_media(case, stored, corpus, max_distance=max_distance, progress=named,
                  cancel=cancel)
    return AddedMedia(stored, False, origin)


@dataclass(frozen=True)
class KeyframeRun:
    keyframes: list[Keyframe]
    shots: int
    fast: bool
    partial: bool
    problems: tuple[str, ...]


def extract_case_keyframes(case: CaseStore, media_id: int, *, fast: bool = False,
                           every_frame: bool = False,
                           progress: Progress = NULL_PROGRESS,
                           cancel: CancelToken = NEVER_CANCELLED) -> KeyframeRun:
    """(Re)extract a case video's keyframes into a fresh folder and replace the stored ones.

    fast=True keeps a preview from the stream's I-frames (no shot list); every_frame decodes
    the non-reference pictures the default pass skips (cuts to the exact frame). The files of the
    keyframes replaced are removed once the new ones are stored; a cancel or an error leaves the
    case and its files as they were.
    """
    import shutil as _shutil

    from verifier.media.intake import now_iso

    item = case.media_item(media_id)
    if item.kind is not MediaKind.VIDEO:
        raise UserError(item.original_name, "is not a video; only videos have keyframes")
    base = keyframes_dir(case, item)
    stamp = now_iso().replace(":", "").replace("-", "").replace("+0000", "Z")
    out = base / f"{'preview' if fast else 'shots'}-{stamp}"
    n = 2
    while out.exists():
        out = base / f"{'preview' if fast else 'shots'}-{stamp}-{n}"
        n += 1
    old = case.keyframes(media_id)
    named = _NamedProgress(progress, {Path(item.path).name: item.original_name})
    try:
        result = extract_keyframes(Path(item.path), out, fast=fast, progress=named,
                                   cancel=cancel,
                                   params=KeyframeParams(skip_unreferenced=not every_frame))
        params = _params(result.params) | {"fast": fast, "partial": result.partial,
                                           "problems": list(result.problems),
                                           "notes": list(result.notes)}
        stored = case.set_keyframes(media_id, result.shots, result.keyframes, params)
    except BaseException:
        _shutil.rmtree(out, ignore_errors=True)
        raise
    keep = {Path(k.path) for k in stored}
    root = (case.evidence_dir / "keyframes").resolve()
    for k in old:
        png = Path(k.path)
        if png in keep or root not in png.resolve().parents:
            continue
        for path in (png, png.with_name(png.stem + ".thumb.jpg")):
            path.unlink(missing_ok=True)
        folder = png.parent
        if folder != base and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return KeyframeRun(stored, len(result.shots), fast, result.partial, result.problems)


def match_case_media(case: CaseStore, media_id: int, corpus: Corpus, *,
                     max_distance: int = DEFAULT_MAX_DISTANCE,
                     progress: Progress = NULL_PROGRESS,
                     cancel: CancelToken = NEVER_CANCELLED) -> list[Match]:
    """Search the corpus for a case's media item again and store the matches found."""
    item = case.media_item(media_id)
    named = _NamedProgress(progress, {Path(item.path).name: item.original_name})
    named.start(None, f"Matching {item.original_name} against {corpus.path.name}")
    matches = match_item(Path(item.path), item.kind, corpus, case.keyframes(media_id),
                         max_distance, progress=named, cancel=cancel)
    cancel.check()
    case.set_matches(media_id, matches, _match_params(corpus, max_distance))
    return case.matches(media_id)


def match_keyframe(case: CaseStore, media_id: int, keyframe: Keyframe, corpus: Corpus, *,
                   max_distance: int = DEFAULT_MAX_DISTANCE,
                   progress: Progress = NULL_PROGRESS,
                   cancel: CancelToken = NEVER_CANCELLED) -> list[Match]:
    """Matches of one keyframe of a case video, best first. The video's own stored matches are
    left alone; the search and its best results are recorded in the audit trail."""
    from verifier.media.keyframes import format_timestamp

    item = case.media_item(media_id)
    when = format_timestamp(keyframe.time)
    progress.start(None, f"Searching {corpus.path.name} for {item.original_name} at {when}")
    matches = match_item(Path(keyframe.path), MediaKind.IMAGE, corpus, [], max_distance,
                         progress=progress, cancel=cancel)
    cancel.check()
    case.record("keyframe.matched", {
        "media_id": media_id, "keyframe_id": keyframe.id, "time": keyframe.time,
        "frame": keyframe.frame, "corpus": str(corpus.path), "max_distance": max_distance,
        "count": len(matches),
        "best": [{"corpus_path": m.corpus_path, "corpus_sha256": m.corpus_sha256,
                  "distance": m.distance, "hash": m.hash_kind, "score": m.score,
                  "confirmed": m.confirmed, "source_time": m.source_time}
                 for m in matches[:5]],
    })
    return matches


class _NamedProgress:
    """Progress whose messages name the original file instead of its evidence copy."""

    def __init__(self, inner: Progress, names: dict[str, str]) -> None:
        self._inner = inner
        self._names = {k: v for k, v in names.items() if k and k != v}

    def _rename(self, text: str) -> str:
        for stored, original in self._names.items():
            text = text.replace(stored, original)
        return text

    def start(self, total: int | None, message: str) -> None:
        self._inner.start(total, self._rename(message))

    def advance(self, step: int = 1) -> None:
        self._inner.advance(step)

    def message(self, text: str) -> None:
        self._inner.message(self._rename(text))


def _watched_session(label: str, progress: Progress, cancel: CancelToken) -> Any:
    """A requests session for intake.fetch_url that reports the download's progress in KiB
    and stops at the next chunk when the job is cancelled."""
    import requests

    session = requests.Session()

    def on_response(response: Any, *args: Any, **kwargs: Any) -> Any:
        cancel.check()
        length = response.headers.get("Content-Length", "")
        progress.start(int(length) // 1024 if length.isdigit() else None,
                       f"Downloading {label}")
        inner = response.iter_content

        def iter_content(chunk_size: int | None = 1, decode_unicode: bool = False) -> Any:
            received = reported = 0
            for chunk in inner(chunk_size, decode_unicode):
                cancel.check()
                received += len(chunk)
                if received // 1024 > reported:
                    progress.advance(received // 1024 - reported)
                    reported = received // 1024
                yield chunk

        response.iter_content = iter_content
        return response

    session.hooks["response"].append(on_response)
    return session


# ---------------------------------------------------------------- forensic lenses


def case_media_for_file(case: CaseStore, path: Path) -> tuple[int, Keyframe | None]:
    """The case's media item a file belongs to: the media's own bytes (same SHA-256), or one of
    its keyframe PNGs. Anything else is refused: results are only kept for the case's media."""
    path = Path(path)
    intake.require_file(path)
    resolved = path.resolve()
    for item in case.media():
        if item.id is None:
            continue
        for k in case.keyframes(item.id):
            if Path(k.path).resolve() == resolved:
                return item.id, k
    sha, _md5, _size = intake.hash_file(path)
    for item in case.media():
        if item.sha256 == sha and item.id is not None:
            return item.id, None
    raise UserError(path, f"is not a media item or keyframe of the case {case.path.name}")


def save_forensics(case: CaseStore, path: Path, results: list[Any],
                   time: float | None = None) -> list[Any]:
    """Keep lens results (verifier.forensics.LensResult) for the case media `path` belongs to;
    returns the stored ForensicRecords (with the ids a verdict cites)."""
    from verifier.forensics import map_png
    from verifier.models import ForensicMap, ForensicRecord

    media_id, keyframe = case_media_for_file(case, path)
    item = case.media_item(media_id)
    stored = []
    for result in results:
        if keyframe is not None:
            source = f"keyframe at {keyframe.time:.3f} s of {item.original_name}"
            at: float | None = keyframe.time
        elif result.lens != "frames" and item.kind is MediaKind.VIDEO:
            at = time or 0.0
            source = f"{item.original_name} @ {at:.3f} s"
        else:
            source, at = item.original_name, None
        as_dict = result.as_dict()
        record = ForensicRecord(
            media_id, result.lens, source, as_dict["parameters"], as_dict["numbers"],
            tuple(result.findings), result.note,
            tuple(ForensicMap(m.name, "", "", m.caption, m.overlay) for m in result.maps),
            tuple(as_dict["regions"]), as_dict["details"], at)
        stored.append(case.add_forensic_result(record, {m.name: map_png(m)
                                                        for m in result.maps}))
    return stored


def forensic_evidence(record: Any, note: str = "") -> EvidenceItem:
    """An evidence item citing a saved forensic result (for record_verdict)."""
    summary = note or (record.findings[0] if record.findings else record.lens)
    return EvidenceItem("forensic", record.evidence_ref, summary)


def forensics_of_media(case: CaseStore, media_id: int, lenses: tuple[str, ...] | None = None,
                       *, time: float | None = None, keyframe_id: int | None = None,
                       params: dict[str, dict[str, Any]] | None = None,
                       progress: Progress = NULL_PROGRESS,
                       cancel: CancelToken = NEVER_CANCELLED) -> list[Any]:
    """Lens results for a case's media item, read from its evidence copy (or from one of its
    keyframes); save_forensics(case, path, results) keeps the ones the analyst wants."""
    from verifier.forensics import analyse

    item = case.media_item(media_id)
    path = Path(item.path)
    if keyframe_id is not None:
        match = [k for k in case.keyframes(media_id) if k.id == keyframe_id]
        if not match:
            raise UserError(case.path, f"media {media_id} has no keyframe {keyframe_id}")
        path, time = Path(match[0].path), None
    return analyse(path, lenses, time=time, params=params, progress=progress, cancel=cancel)
