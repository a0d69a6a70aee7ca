"""SQLite plumbing: connections, transactions and forward-only schema migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from verifier.errors import UserError

SQLITE_MAGIC = b"SQLite format 3\x00"
# PRAGMA application_id values, so a case is never mistaken for a corpus or vice versa.
APPLICATION_IDS = {"case": 0x56434153, "corpus": 0x56434F52}  # "VCAS", "VCOR"


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open a database with WAL and foreign keys; each thread must open its own.

    With create=False the file must already be an SQLite database: it is checked before SQLite
    touches it, so opening a wrong file never modifies it.
    """
    if not create or (path.exists() and path.stat().st_size > 0):
        _require_sqlite_file(path)
    try:
        conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise UserError(path, f"not a readable database ({exc})") from exc
    return conn


def _require_sqlite_file(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise UserError(path, "no such file") from None
    except IsADirectoryError:
        raise UserError(path, "is a folder, not a database file") from None
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None
    if head != SQLITE_MAGIC:
        reason = "the file is empty (0 bytes)" if not head else "not a database file"
        raise UserError(path, reason)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection, path: Path, migrations: Sequence[str], app: str,
            *, create: bool = True) -> None:
    """Apply the migrations past PRAGMA user_version, each in its own transaction.

    A database written by a newer version, or by another application, is refused rather than
    guessed at; with create=False an empty database is refused instead of initialised.
    """
    wanted_id = APPLICATION_IDS[app]
    try:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise UserError(path, f"not a {app} file ({exc})") from exc
    if current == 0 and not tables and not create:
        raise UserError(path, f"not a {app} file (empty database)")
    if (current == 0 and tables) or (current > 0 and app_id != wanted_id):
        other = next((k for k, v in APPLICATION_IDS.items() if v == app_id), None)
        detail = f"it is a {other} file" if other else "it holds other tables"
        raise UserError(path, f"not a {app} file ({detail})")
    if current > len(migrations):
        raise UserError(path, f"written by a newer version (schema {current}); please upgrade")
    for version in range(current, len(migrations)):
        with transaction(conn):
            for statement in _split_sql(migrations[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute(f"PRAGMA application_id = {wanted_id}")


def _split_sql(script: str) -> list[str]:
    """Statements of a script; executescript() would COMMIT our transaction, so we run them one
    by one. Triggers hold semicolons, hence sqlite3.complete_statement rather than split()."""
    statements: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        statements.append(pending.strip())
    return statements
