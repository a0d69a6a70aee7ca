"""The corpus file (SQLite): items (one per distinct bytes), their locations (paths), frames
(hashes per image or video sample/keyframe), local features and provenance; and the in-memory
indexes over them."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from verifier import db
from verifier.corpus.frames import FeatureIndex, FrameIndex, FrameRow
from verifier.corpus.schema import DEFAULT_SAMPLE_SECONDS, MIGRATIONS, index_current
from verifier.errors import UserError
from verifier.matching.hashing import PHASH, to_signed, to_unsigned
from verifier.matching.index import int64_codes, search_kind
from verifier.matching.verify import LocalFeatures, unpack_features
from verifier.media import intake
from verifier.models import Match, MediaKind
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

# Kept for callers of the first version: images were hashed from a decode this size.
HASH_DECODE_SIDE = 512


def default_corpus_path() -> Path:
    return Path(user_data_dir("verifier", appauthor=False)) / "corpus.sqlite"


@contextmanager
def database_errors(path: Path) -> Iterator[None]:
    """SQLite failures as one-line UserErrors naming the corpus file."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "locked" in text or "busy" in text:
            raise UserError(path, "the corpus is locked by another program (another ingest?); "
                                  "try again when it has finished") from None
        raise UserError(path, f"not a readable corpus ({text})") from None
    except sqlite3.DatabaseError as exc:
        raise UserError(path, f"not a readable corpus ({exc})") from None


@dataclass
class IngestReport:
    added: int = 0
    duplicates: int = 0  # same bytes already known under another path
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: reason"
    # known paths whose bytes changed (their new items count in `added` too), and items
    # re-hashed by a newer version
    updated: int = 0
    frames: int = 0  # frame rows written (images: 1 each; videos: keyframes + samples)
    manifest_matched: int = 0  # items that got provenance from the manifest
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"added": self.added, "duplicates": self.duplicates,
                "unchanged": self.unchanged, "skipped": self.skipped, "updated": self.updated,
                "frames": self.frames, "manifest_matched": self.manifest_matched,
                "warnings": self.warnings, "cancelled": self.cancelled}


@dataclass
class RemoveReport:
    removed_locations: list[str] = field(default_factory=list)
    removed_items: list[str] = field(default_factory=list)  # sha256 of items with no location left
    not_found: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"removed_locations": self.removed_locations,
                "removed_items": self.removed_items, "not_found": self.not_found}


@dataclass
class VerifyReport:
    ok: int = 0
    missing: list[str] = field(default_factory=list)
    moved: list[dict[str, str]] = field(default_factory=list)  # {"from", "to"}
    changed: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}
    touched: list[str] = field(default_factory=list)  # same bytes, new modification time

    @property
    def clean(self) -> bool:
        return not (self.missing or self.moved or self.changed)

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "missing": self.missing, "moved": self.moved,
                "changed": self.changed, "touched": self.touched, "clean": self.clean}


@dataclass(frozen=True)
class Provenance:
    origin: str  # "metadata" or "manifest <file>"
    date: str | None
    published_at: str | None
    source_url: str | None
    publisher: str | None
    notes: str | None


@dataclass(frozen=True)
class ItemInfo:
    id: int
    sha256: str
    kind: MediaKind
    mime: str
    size: int
    width: int | None
    height: int | None
    duration: float | None
    earliest_date: str | None
    locations: tuple[str, ...]
    provenance: tuple[Provenance, ...]

    @property
    def path(self) -> str:
        """The first location that still exists, else the first recorded one."""
        for loc in self.locations:
            if os.path.exists(loc):
                return loc
        return self.locations[0] if self.locations else ""

    @property
    def source_url(self) -> str | None:
        """The URL of the earliest dated provenance that has one, else any URL."""
        dated = sorted((p for p in self.provenance if p.source_url),
                       key=lambda p: p.date or "9999")
        return dated[0].source_url if dated else None

    @property
    def earliest(self) -> Provenance | None:
        dated = sorted((p for p in self.provenance if p.date),
                       key=lambda p: (p.date or "", p.origin != "metadata"))
        return dated[0] if dated else None


class Corpus:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(self.path, f"cannot create its folder ({exc.strerror})") from None
        if self.path.is_dir():
            raise UserError(self.path, "is a folder, not a corpus file")
        self.conn = db.connect(self.path)
        self.conn.create_function("index_current", 3, index_current, deterministic=True)
        try:
            with database_errors(self.path):
                db.migrate(self.conn, self.path, MIGRATIONS, "corpus")
        except BaseException:
            self.conn.close()
            raise
        self._frames: FrameIndex | None = None
        self._features: FeatureIndex | None = None
        self._items: dict[int, ItemInfo] = {}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ ingest

    def add(
        self,
        paths: Iterable[Path],
        *,
        sample_seconds: float = DEFAULT_SAMPLE_SECONDS,
        manifest: Path | None = None,
        workers: int | None = None,
        full_metadata: bool = False,
        progress: Progress = NULL_PROGRESS,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> IngestReport:
        """Ingest files and folders (recursively). Each file commits on its own: a crash or
        cancel keeps everything committed, and the next run skips it as unchanged.

        An image's capture date is its EXIF DateTimeOriginal read while decoding; only files
        without one go through metadata.extract() (XMP, IPTC, container dates...), unless
        `full_metadata` asks for extract() on every file (about 25 ms more per photo)."""
        from verifier.corpus.ingest import run_ingest

        with database_errors(self.path):
            return run_ingest(self, list(paths), sample_seconds=sample_seconds,
                              manifest_path=manifest, workers=workers,
                              fast_dates=not full_metadata, progress=progress, cancel=cancel)

    # ------------------------------------------------------------ writing (parent process)

    def location(self, path: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT l.path, l.item_id, l.size, l.mtime, i.hash_version, i.kind, i.duration,"
            " i.sha256"
            " FROM locations l JOIN items i ON i.id = l.item_id WHERE l.path = ?",
            (path,)).fetchone()

    def set_location(self, path: str, item_id: int, size: int, mtime: float) -> int | None:
        """Point `path` at `item_id`; returns the item it pointed at before, if another."""
        old = self.conn.execute("SELECT item_id FROM locations WHERE path = ?",
                                (path,)).fetchone()
        self.conn.execute(
            "INSERT INTO locations (path, item_id, size, mtime, added_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(path) DO UPDATE SET item_id = excluded.item_id,"
            " size = excluded.size, mtime = excluded.mtime",
            (path, item_id, size, mtime, intake.now_iso()))
        if old and old["item_id"] != item_id:
            self.drop_if_orphan(old["item_id"])
            return int(old["item_id"])
        return None

    def drop_if_orphan(self, item_id: int) -> str | None:
        """Delete an item that has no location left; returns its SHA-256 when deleted."""
        left = self.conn.execute("SELECT count(*) FROM locations WHERE item_id = ?",
                                 (item_id,)).fetchone()[0]
        if left:
            return None
        row = self.conn.execute("SELECT sha256 FROM items WHERE id = ?", (item_id,)).fetchone()
        self.conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
        self._items.pop(item_id, None)
        if self._frames is not None:
            self._frames.kill_items([item_id])
        return str(row["sha256"]) if row else None

    def add_provenance(self, item_id: int, origin: str, date: str | None,
                       published_at: str | None = None, source_url: str | None = None,
                       publisher: str | None = None, notes: str | None = None) -> bool:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO provenance (item_id, origin, date, published_at, source_url,"
            " publisher, notes, added_at) VALUES (?,?,?,?,?,?,?,?)",
            (item_id, origin, date, published_at, source_url, publisher, notes,
             intake.now_iso()))
        self._items.pop(item_id, None)
        return cur.rowcount > 0

    def refresh_earliest(self, item_id: int) -> None:
        self.conn.execute(
            "UPDATE items SET earliest_date = (SELECT min(date) FROM provenance"
            " WHERE item_id = ? AND date IS NOT NULL) WHERE id = ?", (item_id, item_id))

    def frames_written(self, rows: list[FrameRow],
                       features: list[tuple[int, bytes, bool]]) -> None:
        """Tell the loaded indexes about rows just committed."""
        if self._frames is not None:
            self._frames.append(rows)
        if self._features is not None:
            self._features.append(features)

    # ------------------------------------------------------------ remove and verify

    def remove(self, paths: Iterable[Path]) -> RemoveReport:
        """Forget locations (a folder: every location under it); an item goes with its last
        location. The files themselves are never touched."""
        report = RemoveReport()
        with database_errors(self.path):
            for given in paths:
                target = str(Path(given).expanduser().absolute())
                resolved = str(Path(given).expanduser().resolve())
                rows = self.conn.execute(
                    "SELECT path, item_id FROM locations WHERE path IN (?, ?)"
                    " OR path LIKE ? ESCAPE '\\' OR path LIKE ? ESCAPE '\\'",
                    (target, resolved, _like_prefix(target), _like_prefix(resolved)),
                ).fetchall()
                if not rows:
                    report.not_found.append(str(given))
                    continue
                with db.transaction(self.conn):
                    for row in rows:
                        self.conn.execute("DELETE FROM locations WHERE path = ?", (row["path"],))
                        report.removed_locations.append(row["path"])
                        gone = self.drop_if_orphan(row["item_id"])
                        if gone:
                            report.removed_items.append(gone)
        return report

    def verify(self, *, roots: Iterable[Path] = (), progress: Progress = NULL_PROGRESS,
               cancel: CancelToken = NEVER_CANCELLED) -> VerifyReport:
        """Compare every location with the file on disk: missing, changed (other bytes), moved
        (the same bytes found under another name in a known folder or in `roots`)."""
        report = VerifyReport()
        with database_errors(self.path):
            rows = self.conn.execute(
                "SELECT l.path, l.size, l.mtime, i.sha256 FROM locations l"
                " JOIN items i ON i.id = l.item_id ORDER BY l.path").fetchall()
            known = {r["path"] for r in rows}
            progress.start(len(rows), "Verifying the corpus")
            missing: list[sqlite3.Row] = []
            for row in rows:
                cancel.check()
                progress.advance()
                path = Path(row["path"])
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    missing.append(row)
                    continue
                except OSError as exc:
                    report.changed.append({"path": row["path"],
                                           "reason": f"cannot be read ({exc.strerror})"})
                    continue
                if stat.st_size == row["size"] and stat.st_mtime == row["mtime"]:
                    report.ok += 1
                    continue
                try:
                    sha, _md5, _size = intake.hash_file(path)
                except UserError as exc:
                    report.changed.append({"path": row["path"], "reason": exc.reason})
                    continue
                if sha == row["sha256"]:
                    report.ok += 1
                    report.touched.append(row["path"])
                else:
                    report.changed.append({"path": row["path"],
                                           "reason": f"other bytes (sha256 {sha[:16]}…, "
                                                     f"{stat.st_size} bytes)"})
            if missing:
                self._find_moved(missing, known, list(roots), report, cancel)
        return report

    def _find_moved(self, missing: list[sqlite3.Row], known: set[str], roots: list[Path],
                    report: VerifyReport, cancel: CancelToken) -> None:
        deep = sorted({str(Path(r).expanduser().resolve()) for r in roots})
        shallow = sorted({str(Path(p).parent) for p in known} - set(deep))
        wanted = {int(r["size"]) for r in missing}
        by_size: dict[int, list[Path]] = {}

        def consider(full: str) -> None:
            if full in known:
                return
            try:
                size = os.stat(full).st_size
            except OSError:
                return
            if size in wanted:
                by_size.setdefault(size, []).append(Path(full))

        for folder in deep:  # folders the user named: recursively
            for root, _dirs, names in os.walk(folder):
                cancel.check()
                for name in names:
                    consider(os.path.join(root, name))
        for folder in shallow:  # folders the corpus knows: their own files only
            cancel.check()
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.is_file():
                            consider(entry.path)
            except OSError:
                continue
        digests: dict[Path, str] = {}
        for row in missing:
            found = None
            for candidate in by_size.get(int(row["size"]), []):
                if candidate not in digests:
                    try:
                        digests[candidate] = intake.hash_file(candidate)[0]
                    except UserError:
                        digests[candidate] = ""
                if digests[candidate] == row["sha256"]:
                    found = candidate
                    break
            if found is not None:
                report.moved.append({"from": row["path"], "to": str(found)})
            else:
                report.missing.append(row["path"])

    # ------------------------------------------------------------ reading

    @property
    def frame_index(self) -> FrameIndex:
        if self._frames is None:
            with database_errors(self.path):
                self._frames = FrameIndex.load(self.conn)
        self._frames.flush()
        return self._frames

    @property
    def feature_index(self) -> FeatureIndex:
        if self._features is None:
            with database_errors(self.path):
                self._features = FeatureIndex.load(self.conn)
        return self._features

    def item(self, item_id: int) -> ItemInfo:
        cached = self._items.get(item_id)
        if cached is not None:
            return cached
        with database_errors(self.path):
            row = self.conn.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise UserError(self.path, f"has no item {item_id}")
            locations = tuple(r[0] for r in self.conn.execute(
                "SELECT path FROM locations WHERE item_id = ? ORDER BY path", (item_id,)))
            provenance = tuple(Provenance(*r) for r in self.conn.execute(
                "SELECT origin, date, published_at, source_url, publisher, notes FROM provenance"
                " WHERE item_id = ? ORDER BY coalesce(date, '9999'), id", (item_id,)))
        info = ItemInfo(row["id"], row["sha256"], MediaKind(row["kind"]), row["mime"],
                        row["size"], row["width"], row["height"], row["duration"],
                        row["earliest_date"], locations, provenance)
        self._items[item_id] = info
        return info

    def item_by_sha256(self, sha256: str) -> ItemInfo:
        with database_errors(self.path):
            row = self.conn.execute("SELECT id FROM items WHERE sha256 = ?",
                                    (sha256,)).fetchone()
        if row is None:
            raise UserError(self.path, f"has no item with sha256 {sha256}")
        return self.item(int(row[0]))

    def stored_features(self, frame_id: int) -> LocalFeatures | None:
        with database_errors(self.path):
            row = self.conn.execute("SELECT width, height, descriptors, points FROM features"
                                    " WHERE frame_id = ?", (frame_id,)).fetchone()
        if row is None:
            return None
        return unpack_features(row["descriptors"], row["points"], (row["width"], row["height"]))

    def search(
        self, query_hash: int, *, max_distance: int, query_time: float | None = None
    ) -> list[Match]:
        """Best pHash match per corpus item within max_distance, nearest first (the first
        version's search; `verifier.matching.search` does the full job)."""
        index = self.frame_index
        if not len(index):
            return []
        distances, rows = index.phash_index.search(int64_codes([to_unsigned(query_hash)]),
                                                   len(index))
        best: dict[int, Match] = {}
        for dist, row in zip(distances[0], rows[0], strict=True):
            if dist > max_distance:
                break
            if row < 0 or not index.alive[row]:
                continue
            item_id = int(index.item_id[row])
            if item_id in best:
                continue
            info = self.item(item_id)
            t = float(index.time[row])
            best[item_id] = Match(
                corpus_path=info.path, corpus_sha256=info.sha256, distance=int(dist),
                hash_kind=PHASH, query_time=query_time, source_time=None if t != t else t,
                earliest_date=info.earliest_date, corpus_kind=info.kind)
        return list(best.values())

    def stats(self) -> dict[str, Any]:
        with database_errors(self.path):
            q = self.conn.execute
            stats: dict[str, Any] = {
                "items": q("SELECT count(*) FROM items").fetchone()[0],
                "images": q("SELECT count(*) FROM items WHERE kind='image'").fetchone()[0],
                "videos": q("SELECT count(*) FROM items WHERE kind='video'").fetchone()[0],
                "locations": q("SELECT count(*) FROM locations").fetchone()[0],
                "hashes": q("SELECT count(*) FROM frames").fetchone()[0],
                "keyframes": q("SELECT count(*) FROM frames WHERE keyframe = 1 AND time IS NOT"
                               " NULL").fetchone()[0],
                "features": q("SELECT coalesce(sum(length(descriptors)), 0) / 32"
                              " FROM features").fetchone()[0],
                "video_seconds": round(q("SELECT coalesce(sum(duration), 0) FROM items"
                                         " WHERE kind='video'").fetchone()[0], 1),
                "dated_items": q("SELECT count(*) FROM items WHERE earliest_date IS NOT NULL"
                                 ).fetchone()[0],
                "earliest_date": q("SELECT min(earliest_date) FROM items").fetchone()[0],
                "with_source_url": q("SELECT count(DISTINCT item_id) FROM provenance"
                                     " WHERE source_url IS NOT NULL").fetchone()[0],
                "needing_rehash": q("SELECT count(*) FROM items"
                                    " WHERE NOT index_current(hash_version, kind, duration)"
                                    ).fetchone()[0],
                "bytes": q("SELECT coalesce(sum(size), 0) FROM items").fetchone()[0],
                "file_bytes": self.path.stat().st_size if self.path.exists() else 0,
            }
            stats["search"] = search_kind(stats["hashes"])
        return stats


def _like_prefix(folder: str) -> str:
    escaped = folder.rstrip(os.sep).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + os.sep + "%"


def to_db_int(value: int | None) -> int | None:
    return None if value is None else to_signed(value & 0xFFFFFFFFFFFFFFFF)
