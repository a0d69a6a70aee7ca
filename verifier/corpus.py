"""The local corpus of known media: ingest folders (resumable, one transaction per file) and find
where a picture or frame appeared before."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from platformdirs import user_data_dir

from verifier import db
from verifier.errors import UserError
from verifier.matching.hashing import PHASH, phash, phash_array, to_signed, to_unsigned
from verifier.matching.index import HammingIndex
from verifier.media import intake
from verifier.media.imageio import decode_image
from verifier.media.metadata import extract as extract_metadata
from verifier.media.video import iter_frames
from verifier.models import Match, MediaKind
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)

# Images are hashed from a reduced decode: pHash looks at 32x32 pixels anyway.
HASH_DECODE_SIDE = 512
DEFAULT_SAMPLE_SECONDS = 1.0

_MIGRATIONS = [
    """
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        mime TEXT NOT NULL,
        size INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        duration REAL,
        earliest_date TEXT,
        added_at TEXT NOT NULL
    );
    CREATE TABLE locations (
        path TEXT PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL
    );
    CREATE TABLE hashes (
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        time REAL,
        kind TEXT NOT NULL,
        value INTEGER NOT NULL
    );
    CREATE INDEX hashes_item ON hashes(item_id);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)
    """,
]


def default_corpus_path() -> Path:
    return Path(user_data_dir("verifier", appauthor=False)) / "corpus.sqlite"


@dataclass
class IngestReport:
    added: int = 0
    duplicates: int = 0  # same bytes already known under another path
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: reason"

    def as_dict(self) -> dict[str, object]:
        return {"added": self.added, "duplicates": self.duplicates,
                "unchanged": self.unchanged, "skipped": self.skipped}


class Corpus:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = db.connect(self.path)
        db.migrate(self.conn, self.path, _MIGRATIONS, "corpus")
        self._index: tuple[HammingIndex, list[sqlite3.Row]] | None = None

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
        progress: Progress = NULL_PROGRESS,
        cancel: CancelToken = NEVER_CANCELLED,
    ) -> IngestReport:
        files = list(_walk(paths))
        report = IngestReport()
        progress.start(len(files), "Adding to corpus")
        for file in files:
            cancel.check()
            try:
                self._add_one(file, sample_seconds, report)
            except UserError as exc:
                report.skipped.append(str(exc))
            progress.advance()
        self._index = None
        return report

    def _add_one(self, file: Path, sample_seconds: float, report: IngestReport) -> None:
        stat = file.stat()
        row = self.conn.execute(
            "SELECT size, mtime FROM locations WHERE path = ?", (str(file.resolve()),)
        ).fetchone()
        if row and row["size"] == stat.st_size and row["mtime"] == stat.st_mtime:
            report.unchanged += 1
            return
        sniffed = intake.sniff(file)
        sha, _md5, size = intake.hash_file(file)
        known = self.conn.execute("SELECT id FROM items WHERE sha256 = ?", (sha,)).fetchone()
        if known:
            with db.transaction(self.conn):
                self._set_location(file, known["id"], stat)
            report.duplicates += 1
            return
        hashes, width, height, duration = _hash_media(file, sniffed.kind, sample_seconds)
        earliest = _earliest_date(file)
        with db.transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO items (sha256, kind, mime, size, width, height, duration,"
                " earliest_date, added_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (sha, sniffed.kind.value, sniffed.mime, size, width, height, duration, earliest,
                 intake.now_iso()),
            )
            item_id = cur.lastrowid
            self.conn.executemany(
                "INSERT INTO hashes (item_id, time, kind, value) VALUES (?,?,?,?)",
                [(item_id, t, PHASH, to_signed(h)) for t, h in hashes],
            )
            self._set_location(file, item_id, stat)
        report.added += 1

    def _set_location(self, file: Path, item_id: int | None, stat: os.stat_result) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO locations (path, item_id, size, mtime) VALUES (?,?,?,?)",
            (str(file.resolve()), item_id, stat.st_size, stat.st_mtime),
        )

    # ------------------------------------------------------------ search

    def _load_index(self) -> tuple[HammingIndex, list[sqlite3.Row]]:
        if self._index is None:
            rows = self.conn.execute(
                "SELECT h.item_id, h.time, h.value, i.sha256, i.kind, i.earliest_date,"
                " (SELECT path FROM locations l WHERE l.item_id = i.id ORDER BY path LIMIT 1)"
                " AS path FROM hashes h JOIN items i ON i.id = h.item_id WHERE h.kind = ?",
                (PHASH,),
            ).fetchall()
            self._index = (HammingIndex([to_unsigned(r["value"]) for r in rows]), rows)
        return self._index

    def search(
        self, query_hash: int, *, max_distance: int, query_time: float | None = None
    ) -> list[Match]:
        """Best match per corpus item within max_distance, nearest first."""
        index, rows = self._load_index()
        best: dict[int, Match] = {}
        for row_no, dist in index.search(query_hash, max_distance):
            row = rows[row_no]
            if row["item_id"] in best:
                continue  # results come nearest first
            best[row["item_id"]] = Match(
                corpus_path=row["path"] or "",
                corpus_sha256=row["sha256"],
                distance=dist,
                hash_kind=PHASH,
                query_time=query_time,
                source_time=row["time"],
                earliest_date=row["earliest_date"],
                corpus_kind=MediaKind(row["kind"]),
            )
        return list(best.values())

    def stats(self) -> dict[str, int]:
        q = self.conn.execute
        return {
            "items": q("SELECT count(*) FROM items").fetchone()[0],
            "images": q("SELECT count(*) FROM items WHERE kind='image'").fetchone()[0],
            "videos": q("SELECT count(*) FROM items WHERE kind='video'").fetchone()[0],
            "locations": q("SELECT count(*) FROM locations").fetchone()[0],
            "hashes": q("SELECT count(*) FROM hashes").fetchone()[0],
        }


def _walk(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    if not name.startswith("."):
                        yield Path(root) / name
        elif path.exists():
            yield path
        else:
            raise UserError(path, "no such file or folder")


def _hash_media(
    file: Path, kind: MediaKind, sample_seconds: float
) -> tuple[list[tuple[float | None, int]], int | None, int | None, float | None]:
    if kind is MediaKind.IMAGE:
        img = decode_image(file, max_side=HASH_DECODE_SIDE)
        with Image.open(file) as raw:
            image_size = raw.size
        return [(None, phash(img))], image_size[0], image_size[1], None
    hashes: list[tuple[float | None, int]] = []
    next_time = 0.0
    width: int | None = None
    height: int | None = None
    last_time = 0.0
    for decoded in iter_frames(file):
        width, height = decoded.frame.width, decoded.frame.height
        last_time = decoded.time
        if decoded.time + 1e-6 >= next_time:
            hashes.append((round(decoded.time, 3), phash_array(decoded.gray_upright(128))))
            next_time = decoded.time + sample_seconds
    if not hashes:
        raise UserError(file, "not a readable video (no frame could be decoded)")
    return hashes, width, height, last_time


def _earliest_date(file: Path) -> str | None:
    try:
        report = extract_metadata(file)
    except UserError:
        return None
    value = report.value("capture_time")
    return value.split(" ")[0] if value else None
