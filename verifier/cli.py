"""The `verifier` command: every operation of the workbench, headless.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file and the reason),
130 cancelled. Names and --json output are a public interface: extend, never rename.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from verifier import __version__
from verifier.errors import Cancelled, UserError
from verifier.models import Rating
from verifier.verdicts import REASONS

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ALTERED, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 1, 2, 130


class BarProgress:
    """tqdm progress bars on stderr (hidden when stderr is not a terminal)."""

    def __init__(self) -> None:
        self._bar: Any = None

    def start(self, total: int | None, message: str) -> None:
        from tqdm import tqdm

        self.close()
        self._bar = tqdm(total=total, desc=message, file=sys.stderr, disable=None, leave=False,
                         unit="it", dynamic_ncols=True)

    def advance(self, step: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(step)

    def message(self, text: str) -> None:
        if self._bar is not None:
            self._bar.set_description_str(text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _emit(args: argparse.Namespace, payload: Any, text: Callable[[], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    else:
        print(text())


def _corpus_path(args: argparse.Namespace) -> Path:
    from verifier.settings import configured_corpus_path

    return Path(args.corpus) if args.corpus else configured_corpus_path()


def _match_dict(m: Any) -> dict[str, Any]:
    d = asdict(m)
    d["corpus_kind"] = m.corpus_kind.value
    d["locations"] = list(m.locations)
    return d


# ---------------------------------------------------------------- commands


def cmd_corpus_add(args: argparse.Namespace) -> int:
    from verifier.corpus import Corpus

    path = _corpus_path(args)
    bar = BarProgress()
    with Corpus(path) as corpus:
        try:
            report = corpus.add([Path(p) for p in args.paths],
                                sample_seconds=args.sample_seconds,
                                manifest=Path(args.manifest) if args.manifest else None,
                                workers=args.workers, full_metadata=args.full_metadata,
                                progress=bar)
        finally:
            bar.close()
        stats = corpus.stats()
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    for line in report.warnings:
        print(f"warning {line}", file=sys.stderr)
    manifest = (f", {report.manifest_matched} items dated by the manifest"
                if args.manifest else "")
    _emit(args, {**report.as_dict(), "corpus": str(path), "stats": stats},
          lambda: f"added {report.added}, same bytes elsewhere {report.duplicates}, "
                  f"unchanged {report.unchanged}, updated {report.updated}, skipped "
                  f"{len(report.skipped)}{manifest}; corpus now holds {stats['items']} items "
                  f"({stats['images']} images, {stats['videos']} videos) in {path}")
    return EXIT_OK


def _existing_corpus(args: argparse.Namespace) -> Path:
    path = _corpus_path(args)
    if not path.exists():
        raise UserError(path, "no such corpus; add media with 'verifier corpus add'")
    return path


def cmd_corpus_stats(args: argparse.Namespace) -> int:
    from verifier.corpus import Corpus

    path = _existing_corpus(args)
    with Corpus(path) as corpus:
        stats = corpus.stats()
    _emit(args, {"corpus": str(path), **stats},
          lambda: "\n".join(f"{k}: {v}" for k, v in stats.items()))
    return EXIT_OK


def cmd_corpus_remove(args: argparse.Namespace) -> int:
    from verifier.corpus import Corpus

    path = _existing_corpus(args)
    with Corpus(path) as corpus:
        report = corpus.remove([Path(p) for p in args.paths])
    for line in report.not_found:
        print(f"not in the corpus: {line}", file=sys.stderr)
    _emit(args, {"corpus": str(path), **report.as_dict()},
          lambda: f"removed {len(report.removed_locations)} locations and "
                  f"{len(report.removed_items)} items (their last location); "
                  f"{len(report.not_found)} paths were not in the corpus")
    return EXIT_OK if report.removed_locations or not report.not_found else EXIT_BAD_INPUT


def cmd_corpus_verify(args: argparse.Namespace) -> int:
    from verifier.corpus import Corpus

    path = _existing_corpus(args)
    bar = BarProgress()
    with Corpus(path) as corpus:
        try:
            report = corpus.verify(roots=[Path(r) for r in args.roots], progress=bar)
        finally:
            bar.close()

    def text() -> str:
        lines = [f"{report.ok} files as ingested"
                 + (f" ({len(report.touched)} with a new modification time)"
                    if report.touched else "")]
        lines += [f"MOVED    {m['from']} -> {m['to']}" for m in report.moved]
        lines += [f"CHANGED  {c['path']}: {c['reason']}" for c in report.changed]
        lines += [f"MISSING  {p}" for p in report.missing]
        if report.moved:
            lines.append("re-link moved files with 'verifier corpus add NEW_PATH' and forget "
                         "the old ones with 'verifier corpus remove OLD_PATH'")
        return "\n".join(lines)

    _emit(args, {"corpus": str(path), **report.as_dict()}, text)
    return EXIT_OK


def _describe_match(m: Any) -> str:
    from verifier.matching.align import format_time

    t = m.transform or {}
    parts = []
    if m.query_start is not None and m.source_start is not None:
        parts.append(f"query {format_time(m.query_start)}-{format_time(m.query_end or 0)} = "
                     f"source {format_time(m.source_start)}-{format_time(m.source_end or 0)}, "
                     f"speed {t.get('speed_text') or t.get('speed', 1.0)}")
    elif m.source_time is not None:
        parts.append(f"frame at {format_time(m.source_time)} ({m.source_time:.2f} s) "
                     "of the video")
    elif m.query_time is not None:
        parts.append(f"seen at {format_time(m.query_time)} of the query")
    if t.get("orientation") and t["orientation"] != "original":
        parts.append(str(t["orientation"]))
    box = t.get("crop_box")
    if box and (box[0] > 0.02 or box[1] > 0.02 or box[2] < 0.98 or box[3] < 0.98):
        parts.append(f"shows x {box[0]:.2f}-{box[2]:.2f}, y {box[1]:.2f}-{box[3]:.2f} "
                     "of the source")
    qbox = t.get("query_box")
    if qbox and (qbox[0] > 0.02 or qbox[1] > 0.02 or qbox[2] < 0.98 or qbox[3] < 0.98):
        parts.append("with borders or other content around it")
    if t.get("scale") and abs(float(t["scale"]) - 1) > 0.05:
        parts.append(f"scale {float(t['scale']):.2f}")
    return "; ".join(parts)


def cmd_match(args: argparse.Namespace) -> int:
    from verifier.corpus import Corpus
    from verifier.matching.search import Matcher, MatchOptions, earliest_known
    from verifier.media import intake
    from verifier.services import sort_matches

    path = _existing_corpus(args)
    if args.top < 1:
        raise UserError("--top", "must be at least 1")
    file = Path(args.file)
    intake.inspect(file)  # one clear line for a missing, unsupported or undecodable file
    bar = BarProgress()
    options = MatchOptions(top=args.top, pdq_threshold=args.pdq_threshold,
                           phash_threshold=args.max_distance, verify=not args.no_verify)
    with Corpus(path) as corpus:
        try:
            result = Matcher(corpus, options).match_file(file, progress=bar)
        finally:
            bar.close()
        matches = sort_matches(result.matches)
        first = earliest_known(matches) or (matches[0] if matches else None)
        earliest: dict[str, Any] | None = None
        if first is not None:
            origin = corpus.item_by_sha256(first.corpus_sha256).earliest
            earliest = {"date": first.earliest_date, "corpus_path": first.corpus_path,
                        "corpus_sha256": first.corpus_sha256, "source_url": first.source_url,
                        "publisher": origin.publisher if origin else None,
                        "from": origin.origin if origin else None,
                        "confirmed": first.confirmed, "score": first.score}

    def text() -> str:
        if earliest is not None and earliest["date"]:
            source = earliest["source_url"] or earliest["corpus_path"]
            by = f" ({earliest['publisher']})" if earliest["publisher"] else ""
            head = f"earliest known: {earliest['date']}, {source}{by}"
        elif matches:
            head = "earliest known: no date known for the matches"
        else:
            head = "earliest known: none (no match in the corpus)"
        lines = [head]
        lines += [f"note: {n}" for n in result.notes]
        for n, m in enumerate(matches, 1):
            state = "confirmed" if m.confirmed else "hash only"
            detail = _describe_match(m)
            dist = m.distances or {}
            hashes = (f"PDQ {dist['pdq']:3d} " if "pdq" in dist else "") + \
                f"pHash {m.distance:2d}"
            lines.append(f"{n:2d}. {m.score or 0:.2f} {state:9s} by {m.hash_kind:5s} {hashes}  "
                         f"{m.corpus_path}" + (f"  [{detail}]" if detail else "")
                         + f"  earliest {m.earliest_date or 'unknown'}"
                         + (f"  {m.source_url}" if m.source_url else ""))
        return "\n".join(lines)

    _emit(args, {"file": args.file, "matches": [_match_dict(m) for m in matches],
                 "earliest_known": earliest, "notes": result.notes,
                 "query_kind": result.query_kind.value, "duration": result.duration}, text)
    return EXIT_OK


def cmd_metadata(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from verifier.media import intake
    from verifier.media.metadata import extract

    source = str(args.file)
    download = None
    tmp_dir: Path | None = None
    try:
        if source.startswith(("http://", "https://")):
            tmp_dir = Path(tempfile.mkdtemp(prefix="verifier-metadata-"))
            download = intake.fetch_url(source, tmp_dir)
            path = download.path
        else:
            path = Path(source)
        sha, md5, size = intake.hash_file(path) if path.is_file() else ("", "", 0)
        try:
            report = extract(
                path,
                claim_date=getattr(args, "claim_date", None),
                claimed_place=getattr(args, "claimed_place", None),
                http_headers=download.headers if download else None,
                source_url=download.final_url if download else None,
            )
        except UserError as exc:
            if download is None or exc.subject != str(path):
                raise
            raise UserError(source, exc.reason) from None
    finally:
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    payload: dict[str, Any] = {"file": source, "sha256": sha, "md5": md5, "size": size,
                               **asdict(report)}
    if download is not None:
        payload["download"] = {k: v for k, v in download.evidence().items() if k != "headers"}

    def text() -> str:
        lines = [source, f"  sha256: {sha}", f"  md5: {md5}", f"  size: {size} bytes"]
        if download is not None and download.final_url != source:
            lines.append(f"  fetched from: {download.final_url}")
        lines += [f"  {f.name}: {f.value}   [{f.source}]" for f in report.fields]
        lines += [f"  FLAG {f.title}: {f.explanation}" for f in report.flags]
        from verifier.provenance.text import describe

        lines += [f"  {line}" for line in describe(report.credentials)]
        if not report.complete:
            lines += [f"  INCOMPLETE: {p}" for p in report.problems]
        if report.timeline:
            lines.append("  Timeline:")
            lines += [f"    {e.time}{'' if e.zone_known else ' (zone unknown)'}  {e.source}"
                      for e in report.timeline]
        for group, tags in report.raw.items():
            if group == "Timeline":
                continue
            lines.append(f"  [{group}]")
            lines += [f"    {key}: {value}" for key, value in tags.items()]
        return "\n".join(lines)

    _emit(args, payload, text)
    return EXIT_OK


def cmd_keyframes(args: argparse.Namespace) -> int:
    from verifier.media.keyframes import format_timestamp
    from verifier.services import keyframes_of

    bar = BarProgress()
    result = keyframes_of(Path(args.video), Path(args.out), fast=args.fast,
                          every_frame=args.every_frame, progress=bar)
    bar.close()
    spans = {s.index: s for s in result.shots}
    keyframes = []
    for k in result.keyframes:
        shot = spans.get(k.shot)
        keyframes.append({**asdict(k), "timestamp": format_timestamp(k.time),
                          "shot_start": shot.start if shot else None,
                          "shot_end": shot.end if shot else None})
    merged_into: dict[int, list[int]] = {}
    for m in result.merges:
        merged_into.setdefault(m.shot, []).append(m.into)
    shots = [{**asdict(s), "start_timestamp": format_timestamp(s.start),
              "end_timestamp": format_timestamp(s.end),
              "keyframes": [k["frame"] for k in keyframes if k["shot"] == s.index],
              "merged_into": merged_into.get(s.index, [])}
             for s in result.shots]
    payload = {"video": args.video, "duration": result.duration, "fast": result.fast,
               "partial": result.partial, "problems": list(result.problems),
               "frames_decoded": result.frames, "frames_in_video": result.frames_in_video,
               "notes": list(result.notes), "fps": result.fps, "shots": shots,
               "keyframes": keyframes, "merges": [asdict(m) for m in result.merges]}

    def text() -> str:
        # stdout: one line per keyframe; what the reader should know goes to stderr.
        notes = [] if result.fast else [
            f"{len(result.shots)} shots, {len(keyframes)} keyframes, {len(result.merges)} "
            f"near-duplicate keyframes merged"]
        if result.partial:
            notes.append("PARTIAL: the video could not be decoded to its end")
        notes += list(result.problems) + list(result.notes)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        return "\n".join(f"{k['timestamp']}  frame {k['frame']:6d}  shot {k['shot']:3d}  "
                         f"{k['path']}" for k in keyframes)

    _emit(args, payload, text)
    return EXIT_OK


def cmd_forensics(args: argparse.Namespace) -> int:
    from verifier.forensics.command import run

    bar = BarProgress()
    try:
        return run(args, bar, lambda payload, text: _emit(args, payload, text))
    finally:
        bar.close()


def cmd_claims(args: argparse.Namespace) -> int:
    from verifier.article import load_article
    from verifier.claims import find_claims

    loaded = load_article(args.article)
    claims = find_claims(loaded.article.text)
    _emit(args, {"article": asdict(loaded.article) | {"text": None},
                 "claims": [asdict(c) for c in claims]},
          lambda: "\n".join(f"[{', '.join(c.kinds)}] {c.text}" for c in claims)
          or "no hedged or checkable claims found")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from verifier.services import check

    bar = BarProgress()
    result = check(args.file, args.article, Path(args.report),
                   case_path=Path(args.case) if args.case else None,
                   corpus_path=_corpus_path(args) if args.corpus else _default_corpus_if_any(),
                   progress=bar)
    bar.close()
    payload = {
        "case": str(result.case_path), "report": str(result.report_path),
        "report_sha256": result.report_sha256,
        "media": asdict(result.media) | {"kind": result.media.kind.value},
        "claims": [asdict(c) for c in result.claims],
        "matches": [_match_dict(m) for m in result.matches],
    }
    _emit(args, payload, lambda: (
        f"case {result.case_path}\nreport {result.report_path} (sha256 {result.report_sha256})\n"
        f"{len(result.claims)} claims, {len(result.matches)} corpus matches"))
    return EXIT_OK


def _default_corpus_if_any() -> Path | None:
    from verifier.settings import configured_corpus_path

    path = configured_corpus_path()
    return path if path.exists() else None


def cmd_verdict(args: argparse.Namespace) -> int:
    from verifier.case import CaseStore
    from verifier.services import parse_evidence_item, record_verdict

    links = tuple(parse_evidence_item(t) for t in args.link or ())
    with CaseStore.open(Path(args.case)) as case:
        verdict = record_verdict(case, args.claim, args.rating, args.rationale,
                                 args.confidence, tuple(args.evidence or ()),
                                 reasons=tuple(args.reason or ()), evidence_items=links)
    _emit(args, asdict(verdict) | {"rating": verdict.rating.value,
                                   "confidence_label": verdict.confidence_label},
          lambda: f"claim {verdict.claim_id}: {verdict.rating.value} "
                  f"(recorded {verdict.created_at})")
    return EXIT_OK


def _claim_dict(case: Any, claim: Any) -> dict[str, Any]:
    verdict = case.current_verdict(claim.id)
    return asdict(claim) | {"verdict": _verdict_dict(verdict) if verdict else None}


def _verdict_dict(verdict: Any) -> dict[str, Any]:
    return asdict(verdict) | {"rating": verdict.rating.value,
                              "confidence_label": verdict.confidence_label}


def cmd_case_show(args: argparse.Namespace) -> int:
    from verifier.case import CaseStore

    with CaseStore.open(Path(args.case)) as case:
        article = case.article()
        claims = [_claim_dict(case, c) for c in case.claims()]
        media = [asdict(m) | {"kind": m.kind.value} for m in case.media()]
        head = {"id": case.case_id, "name": case.name, "path": str(case.path)}
        payload: dict[str, Any] = {"case": head,
                   "article": asdict(article) | {"text": None} if article else None,
                   "claims": claims, "media": media,
                   "audit_events": len(case.audit_trail()), "intact": case.verify_audit()}

    def text() -> str:
        lines = [f"case {head['name']} ({head['id']})"]
        if article:
            lines.append(f"article: {article.title} [{article.source}]")
        for c in claims:
            rating = c["verdict"]["rating"] if c["verdict"] else "no verdict"
            media_ref = f" (media {c['media_id']})" if c["media_id"] else ""
            lines.append(f"  claim {c['id']}{media_ref}: [{rating}] {c['text']}")
        for m in media:
            lines.append(f"  media {m['id']}: {m['original_name']} {m['kind']} sha256 "
                         f"{m['sha256']}")
        return "\n".join(lines)

    _emit(args, payload, text)
    return EXIT_OK


def cmd_case_verify(args: argparse.Namespace) -> int:
    from verifier.case import CaseStore

    with CaseStore.open(Path(args.case)) as case:
        problems = case.verify()
        head = case.audit_trail()[-1].hash if case.audit_trail() else ""
    _emit(args, {"case": args.case, "intact": not problems, "problems": problems,
                 "audit_head": head},
          lambda: "\n".join(["ALTERED:", *problems]) if problems
          else f"intact: audit chain and evidence files match (head {head})")
    return EXIT_OK if not problems else EXIT_ALTERED


def cmd_case_suggest(args: argparse.Namespace) -> int:
    from verifier.case import CaseStore
    from verifier.verdicts import REASONS, suggest

    with CaseStore.open(Path(args.case)) as case:
        case.media_item(args.media)
        found = suggest(case, args.media)
    _emit(args, {"reasons": [{"code": r, "text": REASONS[r]} for r in found.reasons],
                 "evidence": [asdict(e) for e in found.evidence]},
          lambda: "\n".join([*(f"reason {r}: {REASONS[r]}" for r in found.reasons),
                             *(f"evidence {e.kind}:{e.ref} {e.note}" for e in found.evidence)]))
    return EXIT_OK


def _claim_command(args: argparse.Namespace, action: Callable[[Any], Any]) -> int:
    from verifier.case import CaseStore

    with CaseStore.open(Path(args.case)) as case:
        claim = action(case)
        payload = _claim_dict(case, claim) if claim is not None else {"claim": args.claim,
                                                                      "deleted": True}
    _emit(args, payload, lambda: (f"claim {claim.id}: {claim.text}" if claim is not None
                                  else f"claim {args.claim} deleted"))
    return EXIT_OK


def cmd_claim_add(args: argparse.Namespace) -> int:
    return _claim_command(args, lambda case: case.add_claim(args.start, args.end, args.media))


def cmd_claim_edit(args: argparse.Namespace) -> int:
    return _claim_command(args, lambda case: case.edit_claim(args.claim, args.start, args.end))


def cmd_claim_delete(args: argparse.Namespace) -> int:
    return _claim_command(args, lambda case: case.delete_claim(args.claim))


def cmd_claim_merge(args: argparse.Namespace) -> int:
    return _claim_command(args, lambda case: case.merge_claims(args.claims))


def cmd_claim_link(args: argparse.Namespace) -> int:
    def link(case: Any) -> Any:
        case.link_media(args.claim, args.media or None)
        return case.claim(args.claim)

    return _claim_command(args, link)


def cmd_settings(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from verifier.settings import (
        PHASH_MAX_DISTANCE_RANGE,
        load_settings,
        save_settings,
        settings_path,
    )

    settings = load_settings()
    corpus = str(Path(args.corpus).expanduser().resolve()) if args.corpus else None
    low, high = PHASH_MAX_DISTANCE_RANGE
    if args.phash_max_distance is not None and not low <= args.phash_max_distance <= high:
        raise UserError("--phash-max-distance", f"must be from {low} to {high}")
    changes: dict[str, Any] = {
        k: v for k, v in (("analyst", args.analyst), ("corpus", corpus),
                          ("phash_max_distance", args.phash_max_distance)) if v is not None}
    if changes:
        settings = replace(settings, **changes)
        save_settings(settings)
    _emit(args, asdict(settings) | {"path": str(settings_path())},
          lambda: f"analyst: {settings.analyst or '(login name)'}\n"
                  f"corpus: {settings.corpus or '(default)'}\n"
                  f"phash max distance (window): {settings.phash_max_distance}\n"
                  f"file: {settings_path()}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from verifier.case import CaseStore
    from verifier.services import export_report

    with CaseStore.open(Path(args.case)) as case:
        digest = export_report(case, args.format, Path(args.out))
    _emit(args, {"report": args.out, "format": args.format, "sha256": digest},
          lambda: f"report {args.out} (sha256 {digest})")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from verifier.demo import build_demo

    bar = BarProgress()
    demo = build_demo(Path(args.out) if args.out else None, progress=bar, force=args.force)
    bar.close()
    _emit(args, {"case": str(demo.case_path), "report": str(demo.report_path),
                 "corpus": str(demo.corpus_path)},
          lambda: f"demo case {demo.case_path}\nreport {demo.report_path}\n"
                  f"open it with: verifier gui {demo.case_path}")
    return EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from verifier.gui.app import run_gui

    return run_gui(Path(args.case) if args.case else None, demo=args.demo,
                   measure_startup=args.measure_startup, quit_after=args.quit_after)


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verifier", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"verifier {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str,
            json_flag: bool = True, parent: Any = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        if json_flag:
            p.add_argument("--json", action="store_true", help="machine-readable output")
        return p

    corpus = sub.add_parser("corpus", help="manage the local corpus of known media")
    corpus_sub = corpus.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    p = add("add", cmd_corpus_add, "ingest images and videos (folders recursively); unchanged "
            "files are skipped, so an interrupted run just continues", parent=corpus_sub)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--corpus", metavar="DB", help="corpus file (default: in the user data dir)")
    p.add_argument("--manifest", metavar="CSV|JSON",
                   help="provenance rows (path or sha256, source_url, publisher, published_at, "
                        "notes) exported by an archive")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="decoding processes (default: min(2, CPUs))")
    p.add_argument("--full-metadata", action="store_true",
                   help="read every file's metadata in full for its date (slower); by default "
                        "a photo's EXIF DateTimeOriginal is read while decoding")
    p.add_argument("--sample-seconds", type=float, default=1.0,
                   help="index one video frame every this many seconds, besides the first "
                        "frame of every shot (default 1; a clip too short for 16 samples at "
                        "this rate gets 16, at most 4 a second)")
    p = add("stats", cmd_corpus_stats, "counts of items, locations, frames and dates",
            parent=corpus_sub)
    p.add_argument("--corpus", metavar="DB")
    p = add("remove", cmd_corpus_remove, "forget locations (a folder: all under it); an item "
            "goes with its last location; files are not touched", parent=corpus_sub)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--corpus", metavar="DB")
    p = add("verify", cmd_corpus_verify, "list files moved, missing or changed since ingest",
            parent=corpus_sub)
    p.add_argument("roots", nargs="*", metavar="ROOT",
                   help="folders to search for moved files (besides the known folders)")
    p.add_argument("--corpus", metavar="DB")

    p = add("match", cmd_match, "find where an image or video appeared before (best first)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--corpus", metavar="DB")
    p.add_argument("--top", type=int, default=10, metavar="K",
                   help="at most this many matches (default 10)")
    p.add_argument("--pdq-threshold", type=int, default=31, metavar="N",
                   help="largest PDQ Hamming distance counted as a match (default 31 of 256)")
    p.add_argument("--max-distance", type=int, default=10,
                   help="largest pHash distance counted as a match where PDQ quality is below "
                        "50 (default 10 of 64)")
    p.add_argument("--no-verify", action="store_true",
                   help="hashes only: skip the local-feature check (faster, finds no crops)")

    p = add("metadata", cmd_metadata, "what a file says about itself, with red flags")
    p.add_argument("file", metavar="FILE", help="image or video (path or http(s) URL)")
    p.add_argument("--claim-date", metavar="DATE",
                   help="when the claim says it was recorded (flags capture times that disagree)")
    p.add_argument("--claimed-place", metavar="LAT,LON",
                   help="where the claim says it was recorded (flags GPS over 50 km away)")

    p = add("keyframes", cmd_keyframes, "one keyframe per shot of a video")
    p.add_argument("video", metavar="VIDEO")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--fast", action="store_true", help="decode only I-frames: a quick preview")
    p.add_argument("--every-frame", action="store_true",
                   help="decode every frame, also those no other frame depends on (skipped "
                   "by default in H.264/HEVC): cuts to the exact frame, about twice the time")

    from verifier.forensics.command import add_arguments as forensics_arguments

    p = add("forensics", cmd_forensics, "forensic lenses (ELA, noise, JPEG, clones, ...): "
            "maps as PNG, findings with what each lens can and cannot show")
    forensics_arguments(p)

    p = add("claims", cmd_claims, "find hedged and checkable claims in an article")
    p.add_argument("article", metavar="ARTICLE", help=".txt, .md, .html or an http(s) URL")

    p = add("check", cmd_check, "the whole path: case, article, media, metadata, keyframes, "
            "matches, report")
    p.add_argument("file", metavar="FILE", help="image or video (path or http(s) URL)")
    p.add_argument("--article", required=True, metavar="ARTICLE")
    p.add_argument("--corpus", metavar="DB")
    p.add_argument("--case", metavar="OUT.vcase", help="default: beside the report")
    p.add_argument("--report", required=True, metavar="OUT.html")

    p = add("verdict", cmd_verdict, "record a verdict on a claim (history is kept)")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--claim", type=int, required=True, metavar="N")
    p.add_argument("--rating", required=True, metavar="R",
                   help="one of: " + ", ".join(r.value for r in Rating))
    p.add_argument("--rationale", required=True, metavar="TEXT")
    p.add_argument("--confidence", default="0.5", metavar="LEVEL",
                   help="low, medium, high, or a number from 0 to 1 (default 0.5)")
    p.add_argument("--evidence", nargs="*", metavar="TEXT", help="free-text evidence lines")
    p.add_argument("--link", action="append", metavar="KIND:REF[=NOTE]",
                   help="evidence the verdict rests on: match:, metadata:, keyframe:, "
                        "forensic:, url: (repeatable)")
    p.add_argument("--reason", action="append", metavar="CODE",
                   help="structured reason (repeatable): " + ", ".join(REASONS))

    case_parser = sub.add_parser("case", help="show or verify a case file")
    case_sub = case_parser.add_subparsers(dest="case_command", required=True, metavar="ACTION")
    p = add("show", cmd_case_show, "the article, claims with their current verdicts, media",
            parent=case_sub)
    p.add_argument("case", metavar="CASE")
    p = add("verify", cmd_case_verify, "check the audit chain and the evidence files' hashes; "
            "exit 1 and say what was altered", parent=case_sub)
    p.add_argument("case", metavar="CASE")
    p = add("suggest", cmd_case_suggest, "reasons and evidence the analysis supports for a "
            "media item's claims", parent=case_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--media", type=int, required=True, metavar="M")

    claim_parser = sub.add_parser("claim", help="add, edit, delete, merge or link claims")
    claim_sub = claim_parser.add_subparsers(dest="claim_command", required=True, metavar="ACTION")
    p = add("add", cmd_claim_add, "a claim from a span of the article text", parent=claim_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--start", type=int, required=True)
    p.add_argument("--end", type=int, required=True)
    p.add_argument("--media", type=int, metavar="M")
    p = add("edit", cmd_claim_edit, "move a claim's span", parent=claim_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--claim", type=int, required=True, metavar="N")
    p.add_argument("--start", type=int, required=True)
    p.add_argument("--end", type=int, required=True)
    p = add("delete", cmd_claim_delete, "hide a claim (kept in the history)", parent=claim_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--claim", type=int, required=True, metavar="N")
    p = add("merge", cmd_claim_merge, "one claim spanning several", parent=claim_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--claims", type=int, nargs="+", required=True, metavar="N")
    p = add("link", cmd_claim_link, "link a claim to a media item (--media 0 unlinks)",
            parent=claim_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--claim", type=int, required=True, metavar="N")
    p.add_argument("--media", type=int, required=True, metavar="M")

    p = add("settings", cmd_settings, "show or set the analyst name and the default corpus")
    p.add_argument("--analyst", metavar="NAME")
    p.add_argument("--corpus", metavar="DB")
    p.add_argument("--phash-max-distance", type=int, metavar="N",
                   help="the window's matching threshold (pHash bits, where PDQ cannot decide)")

    p = add("report", cmd_report, "export a verification report")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--format", choices=["html", "pdf", "json", "claimreview"], default="html",
                   help="html (self-contained), pdf, json (the whole case, versioned schema) or "
                        "claimreview (schema.org JSON-LD)")
    p.add_argument("--out", required=True, metavar="FILE")

    p = add("demo", cmd_demo, "build the demo case headless and write its report")
    p.add_argument("--out", metavar="DIR", help="default: the user data dir")
    p.add_argument("--force", action="store_true", help="rebuild even if it exists")

    p = add("gui", cmd_gui, "open the workbench window", json_flag=False)
    p.add_argument("case", nargs="?", metavar="CASE")
    p.add_argument("--demo", action="store_true", help="open the demo case (built if missing)")
    p.add_argument("--measure-startup", action="store_true",
                   help="print the seconds from process start to a usable window, then quit")
    p.add_argument("--quit-after", type=float, metavar="SECONDS",
                   help="close the window after this many seconds (a smoke test of an install)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except UserError as exc:
        print(f"verifier: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (Cancelled, KeyboardInterrupt):
        print("verifier: cancelled; work already committed is kept", file=sys.stderr)
        return EXIT_CANCELLED
    except BrokenPipeError:
        # The reader stopped early (`| head`): no traceback, and none again when Python
        # flushes stdout on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
