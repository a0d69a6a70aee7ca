"""A case: one SQLite file (*.vcase) beside an evidence folder holding unaltered copies.

Every change is one transaction that also appends an audit event; events are chained by hash so a
later edit of the history shows.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import shutil
import sqlite3
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from verifier import __version__, db
from verifier.article import LoadedArticle
from verifier.errors import UserError
from verifier.media.intake import now_iso
from verifier.models import (
    Article,
    AuditEvent,
    Claim,
    Keyframe,
    Match,
    MediaItem,
    MediaKind,
    MetadataField,
    MetadataReport,
    Rating,
    RedFlag,
    Shot,
    Verdict,
)

CASE_SUFFIX = ".vcase"

_MIGRATIONS = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL,
        raw_sha256 TEXT NOT NULL, raw_path TEXT, author TEXT, published TEXT, url TEXT,
        fetched_at TEXT, added_at TEXT NOT NULL
    );
    CREATE TABLE media (
        id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, md5 TEXT NOT NULL,
        size INTEGER NOT NULL, kind TEXT NOT NULL, mime TEXT NOT NULL, original_name TEXT NOT NULL,
        source_url TEXT, added_at TEXT NOT NULL, metadata TEXT
    );
    CREATE TABLE claims (
        id INTEGER PRIMARY KEY, article_id INTEGER NOT NULL REFERENCES articles(id),
        start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
        kinds TEXT NOT NULL, cues TEXT NOT NULL, media_id INTEGER REFERENCES media(id)
    );
    CREATE TABLE shots (
        media_id INTEGER NOT NULL REFERENCES media(id), idx INTEGER NOT NULL,
        start REAL NOT NULL, end REAL NOT NULL
    );
    CREATE TABLE keyframes (
        id INTEGER PRIMARY KEY, media_id INTEGER NOT NULL REFERENCES media(id),
        time REAL NOT NULL, frame INTEGER NOT NULL, shot INTEGER NOT NULL,
        sharpness REAL NOT NULL, path TEXT NOT NULL, phash TEXT NOT NULL
    );
    CREATE TABLE matches (
        id INTEGER PRIMARY KEY, media_id INTEGER NOT NULL REFERENCES media(id),
        corpus_path TEXT NOT NULL, corpus_sha256 TEXT NOT NULL, distance INTEGER NOT NULL,
        hash_kind TEXT NOT NULL, query_time REAL, source_time REAL, earliest_date TEXT,
        corpus_kind TEXT NOT NULL
    );
    CREATE TABLE verdicts (
        id INTEGER PRIMARY KEY, claim_id INTEGER NOT NULL REFERENCES claims(id),
        rating TEXT NOT NULL, confidence REAL NOT NULL, rationale TEXT NOT NULL,
        evidence TEXT NOT NULL, analyst TEXT NOT NULL, created_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
    );
    CREATE TRIGGER verdicts_append_only_u BEFORE UPDATE ON verdicts
        BEGIN SELECT RAISE(ABORT, 'verdict history is append-only'); END;
    CREATE TRIGGER verdicts_append_only_d BEFORE DELETE ON verdicts
        BEGIN SELECT RAISE(ABORT, 'verdict history is append-only'); END;
    CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
    CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END
    """,
]


def current_analyst() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "analyst"


def evidence_dir_for(case_path: Path) -> Path:
    return case_path.with_name(case_path.stem + ".evidence")


class CaseStore:
    def __init__(self, path: Path, conn: sqlite3.Connection, actor: str) -> None:
        self.path = path
        self.conn = conn
        self.actor = actor
        self.evidence_dir = evidence_dir_for(path)

    # ------------------------------------------------------------ life cycle

    @classmethod
    def create(cls, path: Path, name: str | None = None, actor: str | None = None) -> CaseStore:
        path = Path(path)
        if path.exists():
            raise UserError(path, "a file with this name already exists")
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = db.connect(path)
        db.migrate(conn, path, _MIGRATIONS, "case")
        store = cls(path, conn, actor or current_analyst())
        case_id = str(uuid.uuid4())
        with db.transaction(conn):
            for key, value in (("case_id", case_id), ("name", name or path.stem),
                               ("created_at", now_iso()), ("app_version", __version__)):
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            store._audit("case.created", {"case_id": case_id, "name": name or path.stem})
        return store

    @classmethod
    def open(cls, path: Path, actor: str | None = None) -> CaseStore:
        path = Path(path)
        if not path.is_file():
            raise UserError(path, "no such case file")
        conn = db.connect(path, create=False)
        try:
            db.migrate(conn, path, _MIGRATIONS, "case", create=False)
        except UserError:
            conn.close()
            raise
        try:
            conn.execute("SELECT value FROM meta WHERE key = 'case_id'").fetchone()[0]
        except (sqlite3.DatabaseError, TypeError):
            conn.close()
            raise UserError(path, "not a case file (no case ID)") from None
        return cls(path, conn, actor or current_analyst())

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> CaseStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def meta(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    @property
    def case_id(self) -> str:
        return self.meta("case_id")

    @property
    def name(self) -> str:
        return self.meta("name")

    # ------------------------------------------------------------ audit

    def _audit(self, action: str, detail: dict[str, Any]) -> None:
        """Append to the hash chain; callers hold the transaction."""
        row = self.conn.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else ""
        at = now_iso()
        digest = _event_hash(prev, at, self.actor, action, detail)
        self.conn.execute(
            "INSERT INTO audit (at, actor, action, detail, prev_hash, hash) VALUES (?,?,?,?,?,?)",
            (at, self.actor, action, json.dumps(detail, sort_keys=True), prev, digest),
        )

    def record(self, action: str, detail: dict[str, Any]) -> None:
        """An audit event on its own, e.g. a report exported."""
        with db.transaction(self.conn):
            self._audit(action, detail)

    def audit_trail(self) -> list[AuditEvent]:
        return [
            AuditEvent(r["at"], r["actor"], r["action"], json.loads(r["detail"]),
                       r["prev_hash"], r["hash"], r["id"])
            for r in self.conn.execute("SELECT * FROM audit ORDER BY id")
        ]

    def verify_audit(self) -> bool:
        prev = ""
        for ev in self.audit_trail():
            if ev.prev_hash != prev or ev.hash != _event_hash(prev, ev.at, ev.actor, ev.action,
                                                              ev.detail):
                return False
            prev = ev.hash
        return True

    # ------------------------------------------------------------ article and claims

    def set_article(self, loaded: LoadedArticle) -> Article:
        art = loaded.article
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        suffix = ".html" if loaded.raw.lstrip()[:1] == b"<" else ".txt"
        raw_path = self.evidence_dir / f"article-{art.raw_sha256[:16]}{suffix}"
        if not raw_path.exists():
            raw_path.write_bytes(loaded.raw)
        with db.transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO articles (source, title, text, raw_sha256, raw_path, author,"
                " published, url, fetched_at, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (art.source, art.title, art.text, art.raw_sha256, raw_path.name, art.author,
                 art.published, art.url, art.fetched_at, now_iso()),
            )
            self._audit("article.imported", {"article_id": cur.lastrowid, "source": art.source,
                                             "sha256": art.raw_sha256})
        return _replace_id(art, cur.lastrowid)

    def article(self) -> Article | None:
        row = self.conn.execute("SELECT * FROM articles ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return Article(row["source"], row["title"], row["text"], row["raw_sha256"], row["author"],
                       row["published"], row["url"], row["fetched_at"], row["id"])

    def add_claims(self, article_id: int, claims: list[Claim]) -> list[Claim]:
        out = []
        with db.transaction(self.conn):
            for c in claims:
                cur = self.conn.execute(
                    "INSERT INTO claims (article_id, start, end, text, kinds, cues, media_id)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (article_id, c.start, c.end, c.text, json.dumps(c.kinds), json.dumps(c.cues),
                     c.media_id),
                )
                out.append(_replace_id(c, cur.lastrowid))
            self._audit("claims.found", {"article_id": article_id, "count": len(claims)})
        return out

    def claims(self) -> list[Claim]:
        return [
            Claim(r["text"], r["start"], r["end"], tuple(json.loads(r["kinds"])),
                  tuple(json.loads(r["cues"])), r["media_id"], r["id"])
            for r in self.conn.execute("SELECT * FROM claims ORDER BY start, id")
        ]

    def claim(self, claim_id: int) -> Claim:
        for c in self.claims():
            if c.id == claim_id:
                return c
        raise UserError(self.path, f"has no claim {claim_id}")

    def link_media(self, claim_id: int, media_id: int | None) -> None:
        self.claim(claim_id)
        with db.transaction(self.conn):
            self.conn.execute("UPDATE claims SET media_id = ? WHERE id = ?", (media_id, claim_id))
            self._audit("claim.media_linked", {"claim_id": claim_id, "media_id": media_id})

    # ------------------------------------------------------------ media

    def add_media(self, item: MediaItem) -> MediaItem:
        """Copy the file byte for byte into the evidence folder and record it."""
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        suffix = Path(item.original_name).suffix.lower()[:10]
        target = self.evidence_dir / f"{item.sha256}{suffix}"
        if not target.exists():
            tmp = target.with_name(target.name + ".part")
            shutil.copyfile(item.path, tmp)
            tmp.replace(target)
            target.chmod(0o444)
        with db.transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO media (path, sha256, md5, size, kind, mime, original_name,"
                " source_url, added_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (target.name, item.sha256, item.md5, item.size, item.kind.value, item.mime,
                 item.original_name, item.source_url, item.added_at or now_iso()),
            )
            self._audit("media.added", {"media_id": cur.lastrowid, "sha256": item.sha256,
                                        "name": item.original_name, "source_url": item.source_url})
        return self.media_item(int(cur.lastrowid or 0))

    def media(self) -> list[MediaItem]:
        return [self._media_row(r) for r in self.conn.execute("SELECT * FROM media ORDER BY id")]

    def media_item(self, media_id: int) -> MediaItem:
        row = self.conn.execute("SELECT * FROM media WHERE id = ?", (media_id,)).fetchone()
        if row is None:
            raise UserError(self.path, f"has no media item {media_id}")
        return self._media_row(row)

    def _media_row(self, r: sqlite3.Row) -> MediaItem:
        return MediaItem(str(self.evidence_dir / r["path"]), r["sha256"], r["md5"], r["size"],
                         MediaKind(r["kind"]), r["mime"], r["original_name"], r["source_url"],
                         r["added_at"], r["id"])

    def set_metadata(self, media_id: int, report: MetadataReport) -> None:
        with db.transaction(self.conn):
            self.conn.execute("UPDATE media SET metadata = ? WHERE id = ?",
                              (json.dumps(asdict(report)), media_id))
            self._audit("metadata.extracted", {"media_id": media_id,
                                               "flags": [f.code for f in report.flags]})

    def metadata(self, media_id: int) -> MetadataReport | None:
        row = self.conn.execute("SELECT metadata FROM media WHERE id = ?", (media_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        d = json.loads(row[0])
        return MetadataReport(
            tuple(MetadataField(**f) for f in d["fields"]),
            tuple(RedFlag(**f) for f in d["flags"]),
            d["raw"], d["complete"], tuple(d["problems"]),
        )

    def set_keyframes(self, media_id: int, shots: tuple[Shot, ...],
                      keyframes: tuple[Keyframe, ...], params: dict[str, Any]) -> list[Keyframe]:
        out = []
        with db.transaction(self.conn):
            self.conn.execute("DELETE FROM keyframes WHERE media_id = ?", (media_id,))
            self.conn.execute("DELETE FROM shots WHERE media_id = ?", (media_id,))
            self.conn.executemany(
                "INSERT INTO shots (media_id, idx, start, end) VALUES (?,?,?,?)",
                [(media_id, s.index, s.start, s.end) for s in shots])
            for k in keyframes:
                cur = self.conn.execute(
                    "INSERT INTO keyframes (media_id, time, frame, shot, sharpness, path, phash)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (media_id, k.time, k.frame, k.shot, k.sharpness, self._relative(k.path),
                     k.phash))
                out.append(_replace_id(k, cur.lastrowid))
            self._audit("keyframes.extracted", {"media_id": media_id, "shots": len(shots),
                                                "keyframes": len(keyframes), "params": params})
        return out

    def keyframes(self, media_id: int) -> list[Keyframe]:
        return [
            Keyframe(r["time"], r["frame"], r["shot"], r["sharpness"],
                     str(self.evidence_dir / r["path"]), r["phash"], r["id"])
            for r in self.conn.execute(
                "SELECT * FROM keyframes WHERE media_id = ? ORDER BY time", (media_id,))
        ]

    def shots(self, media_id: int) -> list[Shot]:
        return [Shot(r["idx"], r["start"], r["end"]) for r in self.conn.execute(
            "SELECT * FROM shots WHERE media_id = ? ORDER BY idx", (media_id,))]

    def _relative(self, path: str) -> str:
        try:
            return str(Path(path).resolve().relative_to(self.evidence_dir.resolve()))
        except ValueError:
            return path

    def set_matches(self, media_id: int, matches: list[Match], params: dict[str, Any]) -> None:
        with db.transaction(self.conn):
            self.conn.execute("DELETE FROM matches WHERE media_id = ?", (media_id,))
            self.conn.executemany(
                "INSERT INTO matches (media_id, corpus_path, corpus_sha256, distance, hash_kind,"
                " query_time, source_time, earliest_date, corpus_kind) VALUES (?,?,?,?,?,?,?,?,?)",
                [(media_id, m.corpus_path, m.corpus_sha256, m.distance, m.hash_kind, m.query_time,
                  m.source_time, m.earliest_date, m.corpus_kind.value) for m in matches],
            )
            self._audit("matches.found", {"media_id": media_id, "count": len(matches),
                                          "params": params})

    def matches(self, media_id: int) -> list[Match]:
        return [
            Match(r["corpus_path"], r["corpus_sha256"], r["distance"], r["hash_kind"],
                  r["query_time"], r["source_time"], r["earliest_date"],
                  MediaKind(r["corpus_kind"]))
            for r in self.conn.execute(
                "SELECT * FROM matches WHERE media_id = ? ORDER BY distance, id", (media_id,))
        ]

    # ------------------------------------------------------------ verdicts

    def add_verdict(self, verdict: Verdict) -> Verdict:
        self.claim(verdict.claim_id)
        if not 0.0 <= verdict.confidence <= 1.0:
            raise UserError("confidence", "must be between 0 and 1")
        analyst = verdict.analyst or self.actor
        created = now_iso()
        with db.transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO verdicts (claim_id, rating, confidence, rationale, evidence, analyst,"
                " created_at) VALUES (?,?,?,?,?,?,?)",
                (verdict.claim_id, verdict.rating.value, verdict.confidence, verdict.rationale,
                 json.dumps(list(verdict.evidence)), analyst, created),
            )
            self._audit("verdict.recorded", {"claim_id": verdict.claim_id,
                                             "verdict_id": cur.lastrowid,
                                             "rating": verdict.rating.value,
                                             "confidence": verdict.confidence})
        return Verdict(verdict.claim_id, verdict.rating, verdict.rationale, verdict.confidence,
                       verdict.evidence, analyst, created, cur.lastrowid)

    def verdict_history(self, claim_id: int) -> list[Verdict]:
        return [
            Verdict(r["claim_id"], Rating(r["rating"]), r["rationale"], r["confidence"],
                    tuple(json.loads(r["evidence"])), r["analyst"], r["created_at"], r["id"])
            for r in self.conn.execute(
                "SELECT * FROM verdicts WHERE claim_id = ? ORDER BY id", (claim_id,))
        ]

    def current_verdict(self, claim_id: int) -> Verdict | None:
        history = self.verdict_history(claim_id)
        return history[-1] if history else None


def _event_hash(prev: str, at: str, actor: str, action: str, detail: dict[str, Any]) -> str:
    payload = json.dumps([prev, at, actor, action, detail], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _replace_id(obj: Any, new_id: int | None) -> Any:
    from dataclasses import replace

    return replace(obj, id=new_id)
