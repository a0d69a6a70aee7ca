"""The `verifier` command: every operation of the workbench, headless.

Exit codes: 0 success, 2 bad input (one line on stderr naming the file and the reason),
130 cancelled. Names and --json output are a public interface: extend, never rename.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from verifier import __version__
from verifier.errors import Cancelled, UserError
from verifier.models import Rating

log = logging.getLogger(__name__)

EXIT_OK, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 2, 130


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
    from verifier.corpus import default_corpus_path

    return Path(args.corpus) if args.corpus else default_corpus_path()


def _match_dict(m: Any) -> dict[str, Any]:
    d = asdict(m)
    d["corpus_kind"] = m.corpus_kind.value
    return d


# ---------------------------------------------------------------- commands


def cmd_corpus_add(args: argparse.Namespace) -> int:
    from verifier.corpus import Corpus

    bar = BarProgress()
    with Corpus(_corpus_path(args)) as corpus:
        report = corpus.add([Path(p) for p in args.paths], sample_seconds=args.sample_seconds,
                            progress=bar)
        bar.close()
        stats = corpus.stats()
    for line in report.skipped:
        print(f"skipped {line}", file=sys.stderr)
    _emit(args, {**report.as_dict(), "corpus": str(_corpus_path(args)), "stats": stats},
          lambda: f"added {report.added}, same bytes elsewhere {report.duplicates}, "
                  f"unchanged {report.unchanged}, skipped {len(report.skipped)}; corpus now "
                  f"holds {stats['items']} items ({_corpus_path(args)})")
    return EXIT_OK


def cmd_corpus_stats(args: argparse.Namespace) -> int:
    from verifier.corpus import Corpus

    path = _corpus_path(args)
    if not path.exists():
        raise UserError(path, "no such corpus")
    with Corpus(path) as corpus:
        stats = corpus.stats()
    _emit(args, {"corpus": str(path), **stats},
          lambda: "\n".join(f"{k}: {v}" for k, v in stats.items()))
    return EXIT_OK


def cmd_match(args: argparse.Namespace) -> int:
    from verifier.corpus import Corpus
    from verifier.services import match_file

    path = _corpus_path(args)
    if not path.exists():
        raise UserError(path, "no such corpus; add media with 'verifier corpus add'")
    bar = BarProgress()
    with Corpus(path) as corpus:
        matches = match_file(Path(args.file), corpus, max_distance=args.max_distance, progress=bar)
    bar.close()

    def text() -> str:
        if not matches:
            return "no match in the corpus"
        lines = []
        for m in matches:
            times = ""
            if m.query_time is not None or m.source_time is not None:
                q = f"{m.query_time:.3f}s" if m.query_time is not None else "-"
                s = f"{m.source_time:.3f}s" if m.source_time is not None else "-"
                times = f"  query {q} -> source {s}"
            lines.append(f"{m.distance:3d}  {m.corpus_path}{times}  "
                         f"earliest {m.earliest_date or 'unknown'}")
        return "\n".join(lines)

    _emit(args, {"file": args.file, "matches": [_match_dict(m) for m in matches]}, text)
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
    result = keyframes_of(Path(args.video), Path(args.out), fast=args.fast, progress=bar)
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
               "frames_decoded": result.frames, "fps": result.fps, "shots": shots,
               "keyframes": keyframes, "merges": [asdict(m) for m in result.merges]}

    def text() -> str:
        # stdout: one line per keyframe; what the reader should know goes to stderr.
        notes = [] if result.fast else [
            f"{len(result.shots)} shots, {len(keyframes)} keyframes, {len(result.merges)} "
            f"near-duplicate keyframes merged"]
        if result.partial:
            notes.append("PARTIAL: the video could not be decoded to its end")
        notes += list(result.problems)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        return "\n".join(f"{k['timestamp']}  frame {k['frame']:6d}  shot {k['shot']:3d}  "
                         f"{k['path']}" for k in keyframes)

    _emit(args, payload, text)
    return EXIT_OK


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
    from verifier.corpus import default_corpus_path

    path = default_corpus_path()
    return path if path.exists() else None


def cmd_verdict(args: argparse.Namespace) -> int:
    from verifier.case import CaseStore
    from verifier.services import record_verdict

    with CaseStore.open(Path(args.case)) as case:
        verdict = record_verdict(case, args.claim, args.rating, args.rationale,
                                 args.confidence, tuple(args.evidence or ()))
    _emit(args, asdict(verdict) | {"rating": verdict.rating.value},
          lambda: f"claim {verdict.claim_id}: {verdict.rating.value} "
                  f"(recorded {verdict.created_at})")
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

    return run_gui(Path(args.case) if args.case else None, demo=args.demo)


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
    p = add("add", cmd_corpus_add, "ingest images and videos (folders recursively)",
            parent=corpus_sub)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--corpus", metavar="DB", help="corpus file (default: in the user data dir)")
    p.add_argument("--sample-seconds", type=float, default=1.0,
                   help="index one video frame every this many seconds (default 1)")
    p = add("stats", cmd_corpus_stats, "counts of items, locations and hashes", parent=corpus_sub)
    p.add_argument("--corpus", metavar="DB")

    p = add("match", cmd_match, "find an image or a video's keyframes in the corpus")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--corpus", metavar="DB")
    p.add_argument("--max-distance", type=int, default=10,
                   help="largest pHash Hamming distance reported (default 10 of 64)")

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
    p.add_argument("--confidence", type=float, default=0.5, metavar="0..1")
    p.add_argument("--evidence", nargs="*", metavar="ITEM")

    p = add("report", cmd_report, "export a verification report")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--format", choices=["html", "json"], default="html")
    p.add_argument("--out", required=True, metavar="FILE")

    p = add("demo", cmd_demo, "build the demo case headless and write its report")
    p.add_argument("--out", metavar="DIR", help="default: the user data dir")
    p.add_argument("--force", action="store_true", help="rebuild even if it exists")

    p = add("gui", cmd_gui, "open the workbench window", json_flag=False)
    p.add_argument("case", nargs="?", metavar="CASE")
    p.add_argument("--demo", action="store_true", help="open the demo case (built if missing)")
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


if __name__ == "__main__":
    sys.exit(main())
