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
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from verifier import __version__, db
from verifier.article import LoadedArticle
from verifier.errors import UserError
from verifier.media.intake import now_iso
from verifier.models import (
    Article,
    AuditEvent,
    Claim,
    EvidenceItem,
    ForensicMap,
    ForensicRecord,
    Keyframe,
    Match,
    MediaItem,
    MediaKind,
    MetadataField,
    MetadataReport,
    Rating,
    RedFlag,
    Shot,
    TimelineEntry,
    Verdict,
)
from verifier.provenance import credentials_from_dict

_T = TypeVar("_T")

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
    # 2: claims edited by hand (soft delete, merges), structured verdicts.
    """
    ALTER TABLE claims ADD COLUMN origin TEXT NOT NULL DEFAULT 'rules';
    ALTER TABLE claims ADD COLUMN deleted_at TEXT;
    ALTER TABLE claims ADD COLUMN merged_into INTEGER REFERENCES claims(id);
    ALTER TABLE verdicts ADD COLUMN reasons TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE verdicts ADD COLUMN evidence_items TEXT NOT NULL DEFAULT '[]'
    """,
    # 3: every field of a match (score, transform, aligned intervals, ...) as JSON.
    """
    ALTER TABLE matches ADD COLUMN detail TEXT
    """,
    # 4: keyframe kind and merges, shot transitions and frame spans.
    """
    ALTER TABLE keyframes ADD COLUMN detail TEXT;
    ALTER TABLE shots ADD COLUMN detail TEXT
    """,
    # 5: forensic lens results kept as evidence (their map images in the evidence folder).
    """
    CREATE TABLE forensics (
        id INTEGER PRIMARY KEY, media_id INTEGER NOT NULL REFERENCES media(id),
        lens TEXT NOT NULL, created_at TEXT NOT NULL, analyst TEXT NOT NULL,
        detail TEXT NOT NULL
    )
    """,
]


def current_analyst() -> str:
    """The analyst name from the settings, else the login name."""
    from verifier.settings import load_settings

    name = load_settings().analyst.strip()
    if name:
        return name
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
        return not self.audit_problems()

    def audit_problems(self) -> list[str]:
        """Where the hash chain breaks: an event edited, inserted or removed."""
        return [problem for _ev, problem in self._broken_events()]

    def _broken_events(self) -> list[tuple[AuditEvent, str]]:
        broken = []
        prev = ""
        for ev in self.audit_trail():
            if ev.prev_hash != prev:
                broken.append((ev, f"audit event {ev.id} ({ev.action}): does not follow the "
                                   "event before it (an event was removed or inserted)"))
            elif ev.hash != _event_hash(prev, ev.at, ev.actor, ev.action, ev.detail):
                broken.append((ev, f"audit event {ev.id} ({ev.action}): its content was altered"))
            prev = ev.hash
        return broken

    def verify(self) -> list[str]:
        """Everything that no longer matches what was recorded: the audit chain, and the
        evidence copies of the media and the article. Empty when the case is intact."""
        import hashlib

        broken = self._broken_events()
        problems = [problem for _ev, problem in broken]
        untrusted = {ev.id for ev, _problem in broken}

        def digest(path: Path) -> str | None:
            try:
                return hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                return None

        # The hash-chained events are the record: the tables could be edited without them.
        trusted = [ev for ev in self.audit_trail() if ev.id not in untrusted]
        recorded = {ev.detail.get("media_id"): ev.detail.get("sha256")
                    for ev in trusted if ev.action == "media.added"}
        recorded_articles = {ev.detail.get("article_id"): ev.detail.get("sha256")
                             for ev in trusted if ev.action == "article.imported"}
        for item in self.media():
            if recorded.get(item.id) not in (None, item.sha256):
                problems.append(f"media {item.id} ({item.original_name}): its recorded SHA-256 "
                                f"was changed in the case file (audit trail says "
                                f"{recorded.get(item.id)}, table says {item.sha256})")
                continue
            found = digest(Path(item.path))
            if found is None:
                problems.append(f"media {item.id} ({item.original_name}): evidence copy "
                                f"{Path(item.path).name} is missing")
            elif found != item.sha256:
                problems.append(f"media {item.id} ({item.original_name}): evidence copy changed "
                                f"(SHA-256 {found}, recorded {item.sha256})")
        for row in self.conn.execute("SELECT id, raw_path, raw_sha256 FROM articles"):
            if not row["raw_path"]:
                continue
            if recorded_articles.get(row["id"]) not in (None, row["raw_sha256"]):
                problems.append(f"article {row['id']}: its recorded SHA-256 was changed in the "
                                f"case file (audit trail says {recorded_articles.get(row['id'])},"
                                f" table says {row['raw_sha256']})")
                continue
            found = digest(self.evidence_dir / row["raw_path"])
            if found is None:
                problems.append(f"article {row['id']}: evidence copy {row['raw_path']} is missing")
            elif found != row["raw_sha256"]:
                problems.append(f"article {row['id']}: evidence copy {row['raw_path']} changed "
                                f"(SHA-256 {found}, recorded {row['raw_sha256']})")
        problems += self._forensic_map_problems(trusted)
        return problems

    def _forensic_map_problems(self, trusted: list[AuditEvent]) -> list[str]:
        """Saved forensic map images that are missing or differ from their recorded hash."""
        problems = []
        for ev in trusted:
            if ev.action != "forensics.saved":
                continue
            for name, (rel, sha) in (ev.detail.get("maps") or {}).items():
                path = self.evidence_dir / rel
                try:
                    found = hashlib.sha256(path.read_bytes()).hexdigest()
                except OSError:
                    problems.append(f"forensic result {ev.detail.get('forensics_id')} "
                                    f"({ev.detail.get('lens')}): map {name} ({rel}) is missing")
                    continue
                if found != sha:
                    problems.append(f"forensic result {ev.detail.get('forensics_id')} "
                                    f"({ev.detail.get('lens')}): map {name} ({rel}) changed "
                                    f"(SHA-256 {found}, recorded {sha})")
        return problems

    def download_evidence(self, media_id: int) -> dict[str, Any] | None:
        """How a media item was fetched (URL, final URL, status, headers, time), from its intake
        audit event; None for a local file."""
        for ev in reversed(self.audit_trail()):
            if ev.action == "media.intake" and ev.detail.get("media_id") == media_id:
                download = ev.detail.get("download")
                return download if isinstance(download, dict) else None
        return None

    def match_search_recorded(self, media_id: int) -> bool:
        """Whether the media was ever searched against a corpus (even with no match)."""
        return self.match_params(media_id) is not None

    def match_params(self, media_id: int) -> dict[str, Any] | None:
        """The parameters of the latest corpus search of a media item, None if never searched."""
        for ev in reversed(self.audit_trail()):
            if ev.action == "matches.found" and ev.detail.get("media_id") == media_id:
                params = ev.detail.get("params")
                return params if isinstance(params, dict) else {}
        return None

    # ------------------------------------------------------------ article and claims

    def set_article(self, loaded: LoadedArticle) -> Article:
        return self.import_article(loaded, [])[0]

    def import_article(self, loaded: LoadedArticle,
                       claims: list[Claim]) -> tuple[Article, list[Claim]]:
        """The article and the claims found in it, in one transaction: never half stored."""
        art = loaded.article
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        suffix = ".html" if loaded.raw.lstrip()[:1] == b"<" else ".txt"
        raw_path = self.evidence_dir / f"article-{art.raw_sha256[:16]}{suffix}"
        written = not raw_path.exists()
        if written:
            raw_path.write_bytes(loaded.raw)
            raw_path.chmod(0o444)
        try:
            with db.transaction(self.conn):
                cur = self.conn.execute(
                    "INSERT INTO articles (source, title, text, raw_sha256, raw_path, author,"
                    " published, url, fetched_at, added_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (art.source, art.title, art.text, art.raw_sha256, raw_path.name, art.author,
                     art.published, art.url, art.fetched_at, now_iso()),
                )
                self._audit("article.imported", {"article_id": cur.lastrowid,
                                                 "source": art.source, "sha256": art.raw_sha256})
                stored = self._insert_claims(int(cur.lastrowid or 0), claims) if claims else []
        except BaseException:
            if written:  # nothing points at the copy once the transaction is rolled back
                raw_path.unlink(missing_ok=True)
            raise
        return _replace_id(art, cur.lastrowid), stored

    def article(self) -> Article | None:
        row = self.conn.execute("SELECT * FROM articles ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return Article(row["source"], row["title"], row["text"], row["raw_sha256"], row["author"],
                       row["published"], row["url"], row["fetched_at"], row["id"])

    def add_claims(self, article_id: int, claims: list[Claim]) -> list[Claim]:
        with db.transaction(self.conn):
            return self._insert_claims(article_id, claims)

    def _insert_claims(self, article_id: int, claims: list[Claim]) -> list[Claim]:
        """Callers hold the transaction."""
        out = []
        for c in claims:
            cur = self.conn.execute(
                "INSERT INTO claims (article_id, start, end, text, kinds, cues, media_id, origin)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (article_id, c.start, c.end, c.text, json.dumps(c.kinds), json.dumps(c.cues),
                 c.media_id, c.origin),
            )
            out.append(_replace_id(c, cur.lastrowid))
        self._audit("claims.found", {"article_id": article_id, "count": len(claims)})
        return out

    def claims(self, *, include_deleted: bool = False) -> list[Claim]:
        where = "" if include_deleted else "WHERE deleted_at IS NULL"
        return [_claim_row(r) for r in self.conn.execute(
            f"SELECT * FROM claims {where} ORDER BY start, id")]

    def claim(self, claim_id: int) -> Claim:
        row = self.conn.execute(
            "SELECT * FROM claims WHERE id = ? AND deleted_at IS NULL", (claim_id,)).fetchone()
        if row is None:
            raise UserError(self.path, f"has no claim {claim_id}")
        return _claim_row(row)

    def link_media(self, claim_id: int, media_id: int | None) -> None:
        previous = self.claim(claim_id).media_id
        if media_id is not None:
            self.media_item(media_id)
        with db.transaction(self.conn):
            self.conn.execute("UPDATE claims SET media_id = ? WHERE id = ?", (media_id, claim_id))
            self._audit("claim.media_linked", {"claim_id": claim_id, "media_id": media_id,
                                               "previous": previous})

    def add_claim(self, start: int, end: int, media_id: int | None = None) -> Claim:
        """A claim the analyst selected in the article text."""
        from verifier.claims import classify

        text, start, end = self._span(start, end)
        kinds, cues = classify(text)
        media_id = media_id or None  # 0 means "no media", as in link_media
        if media_id is not None:
            self.media_item(media_id)
        with db.transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO claims (article_id, start, end, text, kinds, cues, media_id, origin)"
                " VALUES (?,?,?,?,?,?,?, 'analyst')",
                (self._article_id(), start, end, text, json.dumps(kinds), json.dumps(cues),
                 media_id))
            self._audit("claim.added", {"claim_id": cur.lastrowid, "start": start, "end": end,
                                        "text": text})
        return self.claim(int(cur.lastrowid or 0))

    def edit_claim(self, claim_id: int, start: int, end: int) -> Claim:
        """Move a claim's span; its kinds and cues are found again for the new text."""
        from verifier.claims import classify

        old = self.claim(claim_id)
        text, start, end = self._span(start, end)
        kinds, cues = classify(text)
        with db.transaction(self.conn):
            self.conn.execute(
                "UPDATE claims SET start = ?, end = ?, text = ?, kinds = ?, cues = ? WHERE id = ?",
                (start, end, text, json.dumps(kinds), json.dumps(cues), claim_id))
            self._audit("claim.edited", {"claim_id": claim_id, "start": start, "end": end,
                                         "text": text, "previous": {"start": old.start,
                                                                    "end": old.end,
                                                                    "text": old.text}})
        return self.claim(claim_id)

    def delete_claim(self, claim_id: int) -> None:
        """Hide a claim; it stays in the file with its verdict history, as the audit shows."""
        old = self.claim(claim_id)
        with db.transaction(self.conn):
            self.conn.execute("UPDATE claims SET deleted_at = ? WHERE id = ?",
                              (now_iso(), claim_id))
            self._audit("claim.deleted", {"claim_id": claim_id, "previous": {"text": old.text}})

    def merge_claims(self, claim_ids: list[int]) -> Claim:
        """One claim spanning several; the merged ones are hidden and point to it."""
        if len(set(claim_ids)) < 2:
            raise UserError("merge", "choose at least two claims to merge")
        olds = [self.claim(i) for i in claim_ids]
        merged = self.add_claim(min(c.start for c in olds), max(c.end for c in olds),
                                next((c.media_id for c in olds if c.media_id), None))
        with db.transaction(self.conn):
            for c in olds:
                self.conn.execute(
                    "UPDATE claims SET deleted_at = ?, merged_into = ? WHERE id = ?",
                    (now_iso(), merged.id, c.id))
            self._audit("claims.merged", {"claim_id": merged.id,
                                          "merged": [c.id for c in olds]})
        return merged

    # Undoing a hand edit never erases: it is one more change, with its own audit event.

    def any_claim(self, claim_id: int) -> Claim:
        """A claim whether shown or hidden (deleted, or merged into another)."""
        row = self.conn.execute("SELECT * FROM claims WHERE id = ?", (claim_id,)).fetchone()
        if row is None:
            raise UserError(self.path, f"has no claim {claim_id}")
        return _claim_row(row)

    def claim_hidden(self, claim_id: int) -> bool:
        row = self.conn.execute("SELECT deleted_at FROM claims WHERE id = ?",
                                (claim_id,)).fetchone()
        if row is None:
            raise UserError(self.path, f"has no claim {claim_id}")
        return row[0] is not None

    def restore_claim(self, claim_id: int) -> Claim:
        """Show a hidden claim again (e.g. undoing its deletion); its verdict history was kept.
        The audit event records when it had been hidden and what it had been merged into."""
        row = self.conn.execute("SELECT text, deleted_at, merged_into FROM claims WHERE id = ?",
                                (claim_id,)).fetchone()
        if row is None:
            raise UserError(self.path, f"has no claim {claim_id}")
        if row["deleted_at"] is None:
            raise UserError("claim", f"claim {claim_id} is not hidden")
        with db.transaction(self.conn):
            self.conn.execute(
                "UPDATE claims SET deleted_at = NULL, merged_into = NULL WHERE id = ?",
                (claim_id,))
            self._audit("claim.restored", {"claim_id": claim_id, "text": row["text"],
                                           "previous": {"deleted_at": row["deleted_at"],
                                                        "merged_into": row["merged_into"]}})
        return self.claim(claim_id)

    def unmerge_claims(self, merged_id: int) -> list[Claim]:
        """Undo a merge: hide the claim the merge made and show the claims it replaced."""
        merged = self.claim(merged_id)
        parts = [int(r[0]) for r in self.conn.execute(
            "SELECT id FROM claims WHERE merged_into = ? ORDER BY start, id", (merged_id,))]
        if not parts:
            raise UserError("merge", f"claim {merged_id} was not made by merging claims")
        with db.transaction(self.conn):
            self.conn.execute("UPDATE claims SET deleted_at = ? WHERE id = ?",
                              (now_iso(), merged_id))
            self.conn.execute("UPDATE claims SET deleted_at = NULL, merged_into = NULL"
                              " WHERE merged_into = ?", (merged_id,))
            self._audit("claims.unmerged", {"claim_id": merged_id, "restored": parts,
                                            "previous": {"text": merged.text,
                                                         "merged": parts}})
        return [self.claim(i) for i in parts]

    def remerge_claims(self, merged_id: int, claim_ids: list[int]) -> Claim:
        """Redo a merge that was undone: show the merged claim again (with its verdict
        history) and hide the claims it spans, as merge_claims did."""
        if not self.claim_hidden(merged_id):
            raise UserError("merge", f"claim {merged_id} is already shown")
        olds = [self.claim(i) for i in claim_ids]
        with db.transaction(self.conn):
            self.conn.execute("UPDATE claims SET deleted_at = NULL WHERE id = ?", (merged_id,))
            for c in olds:
                self.conn.execute(
                    "UPDATE claims SET deleted_at = ?, merged_into = ? WHERE id = ?",
                    (now_iso(), merged_id, c.id))
            self._audit("claims.merged", {"claim_id": merged_id,
                                          "merged": [c.id for c in olds], "again": True})
        return self.claim(merged_id)

    def _article_id(self) -> int:
        art = self.article()
        if art is None or art.id is None:
            raise UserError(self.path, "has no article yet; import one first")
        return art.id

    def _span(self, start: int, end: int) -> tuple[str, int, int]:
        art = self.article()
        if art is None:
            raise UserError(self.path, "has no article yet; import one first")
        if not 0 <= start < end <= len(art.text):
            raise UserError("selection", f"span {start}-{end} is outside the article text")
        # Trim surrounding whitespace so the span is exactly the selected words.
        while start < end and art.text[start].isspace():
            start += 1
        while end > start and art.text[end - 1].isspace():
            end -= 1
        if start == end:
            raise UserError("selection", "the selected text is empty")
        return art.text[start:end], start, end

    # ------------------------------------------------------------ media

    def add_media(self, item: MediaItem) -> MediaItem:
        """Copy the file byte for byte into the evidence folder and record it."""
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        suffix = Path(item.original_name).suffix.lower()[:10]
        target = self.evidence_dir / f"{item.sha256}{suffix}"
        if not target.exists():
            tmp = target.with_name(target.name + ".part")
            shutil.copy2(item.path, tmp)  # keeps the modification time: a date in the timeline
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
            tuple(_record(MetadataField, f) for f in d.get("fields", [])),
            tuple(_record(RedFlag, f) for f in d.get("flags", [])),
            d.get("raw", {}), d.get("complete", True), tuple(d.get("problems", [])),
            tuple(_record(TimelineEntry, t) for t in d.get("timeline", [])),
            credentials_from_dict(d.get("credentials")),
        )

    def set_keyframes(self, media_id: int, shots: tuple[Shot, ...],
                      keyframes: tuple[Keyframe, ...], params: dict[str, Any]) -> list[Keyframe]:
        out = []
        with db.transaction(self.conn):
            self.conn.execute("DELETE FROM keyframes WHERE media_id = ?", (media_id,))
            self.conn.execute("DELETE FROM shots WHERE media_id = ?", (media_id,))
            self.conn.executemany(
                "INSERT INTO shots (media_id, idx, start, end, detail) VALUES (?,?,?,?,?)",
                [(media_id, s.index, s.start, s.end,
                  json.dumps({"transition": s.transition, "start_frame": s.start_frame,
                              "end_frame": s.end_frame})) for s in shots])
            for k in keyframes:
                detail = {"thumbnail": self._relative(k.thumbnail) if k.thumbnail else "",
                          "kind": k.kind, "merged": list(k.merged), "pdq": k.pdq,
                          "pdq_quality": k.pdq_quality}
                cur = self.conn.execute(
                    "INSERT INTO keyframes (media_id, time, frame, shot, sharpness, path, phash,"
                    " detail) VALUES (?,?,?,?,?,?,?,?)",
                    (media_id, k.time, k.frame, k.shot, k.sharpness, self._relative(k.path),
                     k.phash, json.dumps(detail)))
                out.append(_replace_id(k, cur.lastrowid))
            self._audit("keyframes.extracted", {"media_id": media_id, "shots": len(shots),
                                                "keyframes": len(keyframes), "params": params})
        return out

    def keyframes(self, media_id: int) -> list[Keyframe]:
        out = []
        for r in self.conn.execute(
                "SELECT * FROM keyframes WHERE media_id = ? ORDER BY time", (media_id,)):
            detail = json.loads(r["detail"]) if r["detail"] else {}
            thumb = detail.get("thumbnail") or ""
            out.append(Keyframe(
                r["time"], r["frame"], r["shot"], r["sharpness"],
                str(self.evidence_dir / r["path"]), r["phash"], r["id"],
                thumbnail=str(self.evidence_dir / thumb) if thumb else "",
                kind=detail.get("kind", "shot"), merged=tuple(detail.get("merged", ())),
                pdq=detail.get("pdq", ""), pdq_quality=detail.get("pdq_quality")))
        return out

    def shots(self, media_id: int) -> list[Shot]:
        out = []
        for r in self.conn.execute(
                "SELECT * FROM shots WHERE media_id = ? ORDER BY idx", (media_id,)):
            detail = json.loads(r["detail"]) if r["detail"] else {}
            out.append(Shot(r["idx"], r["start"], r["end"], detail.get("transition", ""),
                            detail.get("start_frame"), detail.get("end_frame")))
        return out

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
                " query_time, source_time, earliest_date, corpus_kind, detail)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(media_id, m.corpus_path, m.corpus_sha256, m.distance, m.hash_kind, m.query_time,
                  m.source_time, m.earliest_date, m.corpus_kind.value,
                  json.dumps(asdict(m), default=str)) for m in matches],
            )
            self._audit("matches.found", {"media_id": media_id, "count": len(matches),
                                          "params": params})

    def matches(self, media_id: int) -> list[Match]:
        out = []
        for r in self.conn.execute(
                "SELECT * FROM matches WHERE media_id = ? ORDER BY id", (media_id,)):
            detail = json.loads(r["detail"]) if r["detail"] else {
                k: r[k] for k in ("corpus_path", "corpus_sha256", "distance", "hash_kind",
                                  "query_time", "source_time", "earliest_date")}
            detail["corpus_kind"] = MediaKind(r["corpus_kind"])
            detail["locations"] = tuple(detail.get("locations") or ())
            out.append(_record(Match, detail))
        return out  # in the order the matcher ranked them, best first

    # ------------------------------------------------------------ forensic results

    def add_forensic_result(self, record: ForensicRecord,
                            pngs: dict[str, bytes]) -> ForensicRecord:
        """Keep a lens result: its numbers and findings in the case, each map (PNG bytes, keyed
        by the names in record.maps) read-only in the evidence folder, and an audit event
        recording every map's SHA-256."""
        self.media_item(record.media_id)
        folder = self.evidence_dir / "forensics"
        folder.mkdir(parents=True, exist_ok=True)
        created = now_iso()
        with db.transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO forensics (media_id, lens, created_at, analyst, detail)"
                " VALUES (?,?,?,?,?)", (record.media_id, record.lens, created, self.actor, "{}"))
            rid = int(cur.lastrowid or 0)
            maps = []
            for m in record.maps:
                data = pngs[m.name]
                rel = f"forensics/{rid}-{_safe_part(record.lens)}-{_safe_part(m.name)}.png"
                target = self.evidence_dir / rel
                tmp = target.with_name(target.name + ".part")
                tmp.write_bytes(data)
                tmp.replace(target)
                target.chmod(0o444)
                maps.append({"name": m.name, "path": rel, "caption": m.caption,
                             "overlay": m.overlay,
                             "sha256": hashlib.sha256(data).hexdigest()})
            detail = {"source": record.source, "parameters": record.parameters,
                      "numbers": record.numbers, "findings": list(record.findings),
                      "note": record.note, "maps": maps, "regions": list(record.regions),
                      "details": record.details, "time": record.time}
            self.conn.execute("UPDATE forensics SET detail = ? WHERE id = ?",
                              (json.dumps(detail, default=str), rid))
            self._audit("forensics.saved", {
                "forensics_id": rid, "media_id": record.media_id, "lens": record.lens,
                "source": record.source, "parameters": record.parameters,
                "findings": len(record.findings),
                "maps": {m["name"]: [m["path"], m["sha256"]] for m in maps}})
        return self.forensic_result(rid)

    def forensic_results(self, media_id: int | None = None) -> list[ForensicRecord]:
        """Saved lens results, oldest first (of one media item, or all)."""
        if media_id is None:
            rows = self.conn.execute("SELECT * FROM forensics ORDER BY id")
        else:
            rows = self.conn.execute("SELECT * FROM forensics WHERE media_id = ? ORDER BY id",
                                     (media_id,))
        return [self._forensic_row(r) for r in rows]

    def forensic_result(self, result_id: int) -> ForensicRecord:
        row = self.conn.execute("SELECT * FROM forensics WHERE id = ?", (result_id,)).fetchone()
        if row is None:
            raise UserError(self.path, f"has no forensic result {result_id}")
        return self._forensic_row(row)

    def _forensic_row(self, r: sqlite3.Row) -> ForensicRecord:
        d = json.loads(r["detail"])
        maps = tuple(ForensicMap(m["name"], str(self.evidence_dir / m["path"]), m["sha256"],
                                 m.get("caption", ""), m.get("overlay", True))
                     for m in d.get("maps", []))
        return ForensicRecord(
            r["media_id"], r["lens"], d.get("source", ""), d.get("parameters", {}),
            d.get("numbers", {}), tuple(d.get("findings", [])), d.get("note", ""), maps,
            tuple(d.get("regions", [])), d.get("details", {}), d.get("time"), r["analyst"],
            r["created_at"], r["id"])

    # ------------------------------------------------------------ verdicts

    def add_verdict(self, verdict: Verdict) -> Verdict:
        self.claim(verdict.claim_id)
        if not 0.0 <= verdict.confidence <= 1.0:
            raise UserError("confidence", "must be between 0 and 1")
        analyst = verdict.analyst or self.actor
        created = now_iso()
        previous = self.current_verdict(verdict.claim_id)
        with db.transaction(self.conn):
            cur = self.conn.execute(
                "INSERT INTO verdicts (claim_id, rating, confidence, rationale, evidence, analyst,"
                " created_at, reasons, evidence_items) VALUES (?,?,?,?,?,?,?,?,?)",
                (verdict.claim_id, verdict.rating.value, verdict.confidence, verdict.rationale,
                 json.dumps(list(verdict.evidence)), analyst, created,
                 json.dumps(list(verdict.reasons)),
                 json.dumps([asdict(e) for e in verdict.evidence_items])),
            )
            self._audit("verdict.recorded", {
                "claim_id": verdict.claim_id, "verdict_id": cur.lastrowid,
                "rating": verdict.rating.value, "confidence": verdict.confidence,
                "reasons": list(verdict.reasons),
                "previous": previous.rating.value if previous else None})
        return replace(verdict, analyst=analyst, created_at=created, id=cur.lastrowid)

    def verdict_history(self, claim_id: int) -> list[Verdict]:
        return [
            Verdict(r["claim_id"], Rating(r["rating"]), r["rationale"], r["confidence"],
                    tuple(json.loads(r["evidence"])), r["analyst"], r["created_at"], r["id"],
                    tuple(EvidenceItem(**e) for e in json.loads(r["evidence_items"])),
                    tuple(json.loads(r["reasons"])))
            for r in self.conn.execute(
                "SELECT * FROM verdicts WHERE claim_id = ? ORDER BY id", (claim_id,))
        ]

    def current_verdict(self, claim_id: int) -> Verdict | None:
        history = self.verdict_history(claim_id)
        return history[-1] if history else None


def _event_hash(prev: str, at: str, actor: str, action: str, detail: dict[str, Any]) -> str:
    payload = json.dumps([prev, at, actor, action, detail], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _record(cls: type[_T], data: dict[str, Any]) -> _T:
    """A record from stored JSON, ignoring keys a newer or older version wrote."""
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in known})


def _replace_id(obj: Any, new_id: int | None) -> Any:
    return replace(obj, id=new_id)


def _safe_part(text: str) -> str:
    """A lens or map name as a file-name part."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:40] or "map"


def _claim_row(r: sqlite3.Row) -> Claim:
    return Claim(r["text"], r["start"], r["end"], tuple(json.loads(r["kinds"])),
                 tuple(json.loads(r["cues"])), r["media_id"], r["id"], r["origin"])
