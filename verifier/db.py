"""SQLite plumbing: connections, transactions and forward-only schema migrations."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from verifier.errors import UserError


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open a database with WAL and foreign keys; each thread must open its own."""
    if not create and not path.exists():
        raise UserError(path, "no such file")
    try:
        conn = sqlite3.connect(path, timeout=10, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise UserError(path, f"not a readable database ({exc})") from exc
    return conn


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


def migrate(conn: sqlite3.Connection, path: Path, migrations: Sequence[str], app: str) -> None:
    """Apply the migrations past PRAGMA user_version, each in its own transaction.

    A database written by a newer version is refused rather than guessed at.
    """
    try:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current == 0:
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables:
                raise UserError(path, f"not a {app} file (it holds other tables)")
    except sqlite3.DatabaseError as exc:
        raise UserError(path, f"not a {app} file ({exc})") from exc
    if current > len(migrations):
        raise UserError(path, f"written by a newer version (schema {current}); please upgrade")
    for version in range(current, len(migrations)):
        with transaction(conn):
            for statement in _split_sql(migrations[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")


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
