"""`verifier forensics FILE ...`: the lenses from the command line (verifier.cli wires it in).

Maps go to --out as PNG (STEM-MAP.png), the summary to stdout (or JSON with --json); with
--case and --save the results and their maps are also kept in the case as evidence.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from verifier.errors import UserError
from verifier.forensics import LENSES, SLOW_LENSES, iter_lenses, write_maps
from verifier.forensics.credentials import available as c2pa_available
from verifier.progress import NULL_PROGRESS, Progress


def lens_choices() -> tuple[str, ...]:
    return LENSES + (("c2pa",) if c2pa_available() else ())


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="image, video, or a case keyframe PNG")
    p.add_argument("--lens", action="append", choices=lens_choices(), metavar="LENS",
                   help="repeatable: " + ", ".join(lens_choices())
                        + " (default: every image lens, plus frames for a video)")
    p.add_argument("--out", metavar="DIR", help="folder for the map PNGs")
    p.add_argument("--time", type=float, metavar="S",
                   help="for a video: the frame (seconds) the image lenses look at (default 0)")
    p.add_argument("--case", metavar="CASE", help="the case FILE belongs to (with --save)")
    p.add_argument("--save", action="store_true",
                   help="keep the results and maps in the case as evidence")
    g = p.add_argument_group("lens parameters")
    g.add_argument("--ela-quality", type=int, default=90, metavar="Q",
                   help="ELA: JPEG quality of the resave (default 90)")
    g.add_argument("--ela-scale", type=float, default=15.0, metavar="X",
                   help="ELA: brightness multiplier of the map (default 15)")
    g.add_argument("--noise-block", type=int, default=32, metavar="PX",
                   help="noise: block size of the level map (default 32)")
    g.add_argument("--ghost-qualities", default="50:95:5", metavar="FROM:TO:STEP|Q,Q,...",
                   help="jpeg: qualities of the ghost maps (default 50:95:5)")
    g.add_argument("--ghost-shifts", type=int, choices=(1, 4, 16, 64), default=1,
                   help="jpeg: 8x8 grid offsets tried per ghost quality (default 1: pastes "
                        "lined up with the picture's grid; 64 finds any paste, 64x slower)")
    g.add_argument("--clone-detector", choices=("sift", "orb"), default="sift",
                   help="clone: keypoints (default sift; orb is faster, coarser)")
    g.add_argument("--clone-max-side", type=int, default=1600, metavar="PX",
                   help="clone: working size (default 1600)")
    g.add_argument("--clone-min-pairs", type=int, default=8, metavar="N",
                   help="clone: keypoint pairs a copied area needs (default 8)")
    g.add_argument("--frames-duplicate-level", type=float, default=0.3, metavar="X",
                   help="frames: mean grey difference under which a frame repeats the one "
                        "before (default 0.3)")


def parse_qualities(text: str) -> tuple[int, ...]:
    try:
        if ":" in text:
            start, stop, *step = (int(v) for v in text.split(":"))
            values = tuple(range(start, stop + 1, step[0] if step else 5))
        else:
            values = tuple(int(v) for v in text.split(",") if v.strip())
    except (ValueError, IndexError):
        values = ()
    if not values or any(not 1 <= v <= 100 for v in values) or len(values) > 30:
        raise UserError("--ghost-qualities", "give FROM:TO:STEP or a list like 60,70,80 of at "
                                             "most 30 qualities between 1 and 100")
    return values


def lens_params(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    return {
        "ela": {"quality": args.ela_quality, "scale": args.ela_scale},
        "noise": {"block": args.noise_block},
        "jpeg": {"ghost_qualities": parse_qualities(args.ghost_qualities),
                 "ghost_shifts": args.ghost_shifts},
        "clone": {"detector": args.clone_detector, "max_side": args.clone_max_side,
                  "min_pairs": args.clone_min_pairs},
        "frames": {"duplicate_level": args.frames_duplicate_level},
    }


def run(args: argparse.Namespace, bar: Progress = NULL_PROGRESS,
        emit: Callable[[Any, Callable[[], str]], None] | None = None) -> int:
    path = Path(args.file)
    if not args.out and not args.save:
        raise UserError("forensics", "name a folder for the maps with --out DIR, or keep the "
                                     "results in a case with --case CASE --save")
    if args.save and not args.case:
        raise UserError("--save", "needs --case CASE")
    params = lens_params(args)
    lenses = tuple(args.lens or ())
    want_c2pa = "c2pa" in lenses
    lenses = tuple(n for n in lenses if n != "c2pa")
    case = None
    if args.case:
        from verifier.case import CaseStore
        from verifier.services import case_media_for_file

        case = CaseStore.open(Path(args.case))
    try:
        if case is not None:
            case_media_for_file(case, path)  # refuse a foreign file before any work
        out_dir = Path(args.out) if args.out else None
        stem = path.stem + (f"-t{args.time:g}" if args.time is not None else "")
        entries: list[dict[str, Any]] = []
        results_to_save = []
        if want_c2pa and not lenses:
            runner: Any = iter(())
        else:
            runner = iter_lenses(path, lenses or None, time=args.time, params=params,
                                 progress=bar)
        for result in runner:
            entry = result.as_dict()
            if out_dir is not None:
                saved = write_maps(result, out_dir, stem)
                entry["maps"] = [m.as_dict() | {"width": int(lm.image.shape[1]),
                                                "height": int(lm.image.shape[0])}
                                 for m, lm in zip(saved, result.maps, strict=True)]
            entry["slow"] = result.lens in SLOW_LENSES
            if args.save:
                results_to_save.append(result)
            entries.append(entry)
        if want_c2pa:
            from verifier.forensics.credentials import credentials_lens
            from verifier.media.intake import sniff

            entries.append(credentials_lens(path, sniff(path).mime).as_dict())
        if args.save and case is not None:
            from verifier.services import save_forensics

            stored = save_forensics(case, path, results_to_save, time=args.time)
            by_lens = {r.lens: r for r in stored}
            for entry in entries:
                record = by_lens.get(entry["lens"])
                if record is not None:
                    entry["saved_id"] = record.id
                    entry["evidence_ref"] = f"forensic:{record.id}"
    finally:
        if case is not None:
            case.close()
    payload = {"file": str(path), "time": args.time, "out": str(out_dir) if out_dir else None,
               "case": args.case if args.save else None, "results": entries}
    if emit is not None:
        emit(payload, lambda: _text(entries))
    return 0


def _text(entries: list[dict[str, Any]]) -> str:
    lines = []
    for e in entries:
        shown = ", ".join(f"{k} {v}" for k, v in e["parameters"].items()
                          if not isinstance(v, list | dict))
        lines.append(f"== {e['lens']}{f' ({shown})' if shown else ''}: {e['source']}")
        numbers = ", ".join(f"{k} {v}" for k, v in e["numbers"].items())
        if numbers:
            lines.append(f"  {numbers}")
        lines += [f"  - {f}" for f in e["findings"]]
        for m in e.get("maps", []):
            if "path" in m:
                lines.append(f"  map {m['path']}  sha256 {m['sha256']}")
        if "saved_id" in e:
            lines.append(f"  saved in the case; cite it with --link {e['evidence_ref']}")
        lines.append(f"  note: {e['note']}")
    return "\n".join(lines)
