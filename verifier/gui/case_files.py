"""File ▸ Save case as…: a consistent copy of the case file (SQLite's online backup, safe while
the case is open) and of its evidence folder, then the window works in the copy.

There is no Save: every change is written to the case file as it is made."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from verifier.case import CASE_SUFFIX, evidence_dir_for
from verifier.errors import UserError
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

AUTOSAVE_NOTE = "Every change is saved in the case file as you make it."


def normalise_target(path: Path) -> Path:
    path = path.expanduser().absolute()
    return path if path.suffix == CASE_SUFFIX else path.with_name(path.name + CASE_SUFFIX)


def save_case_as(source: Path, target: Path, *, progress: Progress = NULL_PROGRESS,
                 cancel: CancelToken = NEVER_CANCELLED) -> Path:
    """Copy the case at source (and its evidence folder) to target; returns target.

    Written under temporary names and renamed at the end, so a failure or a cancel leaves no
    half-copied case behind. Refuses to overwrite: a case is evidence.
    """
    target = normalise_target(target)
    source = source.absolute()
    if target == source:
        raise UserError(target, "is the case already open; choose another name")
    if target.exists() or evidence_dir_for(target).exists():
        raise UserError(target, "a case (or its evidence folder) already exists there; choose "
                                "another name")
    if not target.parent.is_dir():
        raise UserError(target.parent, "no such folder")
    tmp_case = target.with_name(f".{target.name}.partial")
    tmp_evidence = target.with_name(f".{evidence_dir_for(target).name}.partial")
    files = [p for p in evidence_dir_for(source).rglob("*") if p.is_file()] \
        if evidence_dir_for(source).is_dir() else []
    progress.start(len(files) + 1, f"Copying {source.name} to {target.name}")
    try:
        _backup(source, tmp_case)
        progress.advance()
        src_evidence = evidence_dir_for(source)
        if src_evidence.is_dir():
            for file in files:
                cancel.check()
                out = tmp_evidence / file.relative_to(src_evidence)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, out)
                progress.advance()
        cancel.check()
        if tmp_evidence.exists():
            tmp_evidence.rename(evidence_dir_for(target))
        tmp_case.rename(target)
    except OSError as exc:
        raise UserError(target, f"could not be written ({exc.strerror or exc})") from None
    finally:
        tmp_case.unlink(missing_ok=True)
        if tmp_evidence.exists():
            shutil.rmtree(tmp_evidence, ignore_errors=True)
    return target


def _backup(source: Path, out: Path) -> None:
    """SQLite's backup API: a consistent snapshot even while another connection writes."""
    out.unlink(missing_ok=True)
    src = sqlite3.connect(source.as_uri() + "?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(out)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise UserError(source, f"could not be copied ({exc})") from None
    finally:
        src.close()
