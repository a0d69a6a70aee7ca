"""The corpus file's schema: forward-only migrations, one per schema version."""

from __future__ import annotations

import sqlite3

# Items hashed by an older version of the code are re-hashed by the next `corpus add` that sees
# one of their files; until then they are searched with what they have (version 1: pHash only;
# 2: pHash and dHash from the 256-pixel working image, a bit or two from what 3 computes).
# 3: pHash and dHash read a 64-pixel copy of the working image (hashing.hash_copy).
# 4: a short video is sampled at least DENSE_SAMPLES times (worker.timeline_step); pictures and
# longer videos come out as 3 made them, so they are not redone (index_current).
# 5: a picture's stored local features come from three pyramid levels (worker.picture_features);
# those of 3 and 4, from eight, find the same crops and screenshots, so pictures are not redone.
HASH_VERSION = 5
DEFAULT_SAMPLE_SECONDS = 1.0
# A clip of a few seconds sampled once a second leaves a sped-up or trimmed copy two or three
# frames to align on: every video gets at least this many samples, no closer than
# MIN_SAMPLE_STEP seconds apart.
DENSE_SAMPLES = 16
MIN_SAMPLE_STEP = 0.25


def index_current(version: int, kind: str | None, duration: float | None) -> bool:
    """Whether an item analysed by the code of `version` holds what this code would store, or
    what matches as well."""
    if version >= 4:
        return True
    if version < 3:
        return False
    return kind != "video" or duration is None or \
        duration >= DENSE_SAMPLES * DEFAULT_SAMPLE_SECONDS


def bytes_current(conn: sqlite3.Connection, sha256: str) -> bool:
    """Whether the corpus holds these bytes already, analysed as this code would."""
    row = conn.execute("SELECT hash_version, kind, duration FROM items WHERE sha256 = ?",
                       (sha256,)).fetchone()
    return bool(row) and index_current(int(row[0]), row[1], row[2])


MIGRATIONS = [
    # 1: the walking skeleton: one pHash per image or sampled video frame.
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
    # 2: PDQ, dHash and colour hash per frame, a timeline of keyframes and samples per video,
    # local features for crops, provenance from metadata and manifests.
    """
    ALTER TABLE items ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE locations ADD COLUMN added_at TEXT;
    CREATE INDEX locations_item ON locations(item_id);
    CREATE TABLE frames (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        time REAL,
        keyframe INTEGER NOT NULL DEFAULT 0,
        pdq BLOB,
        quality INTEGER,
        phash INTEGER NOT NULL,
        dhash INTEGER,
        chash INTEGER
    );
    CREATE INDEX frames_item ON frames(item_id);
    INSERT INTO frames (item_id, time, phash)
        SELECT item_id, time, value FROM hashes WHERE kind = 'phash' ORDER BY rowid;
    DROP TABLE hashes;
    CREATE TABLE features (
        frame_id INTEGER PRIMARY KEY REFERENCES frames(id) ON DELETE CASCADE,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        descriptors BLOB NOT NULL,
        points BLOB NOT NULL
    );
    CREATE TABLE provenance (
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
        origin TEXT NOT NULL,
        date TEXT,
        published_at TEXT,
        source_url TEXT,
        publisher TEXT,
        notes TEXT,
        added_at TEXT NOT NULL
    );
    CREATE INDEX provenance_item ON provenance(item_id);
    CREATE UNIQUE INDEX provenance_once ON provenance(
        item_id, origin, coalesce(date, ''), coalesce(published_at, ''),
        coalesce(source_url, ''), coalesce(publisher, ''), coalesce(notes, ''));
    INSERT INTO provenance (item_id, origin, date, added_at)
        SELECT id, 'metadata', earliest_date, added_at FROM items
        WHERE earliest_date IS NOT NULL
    """,
]
