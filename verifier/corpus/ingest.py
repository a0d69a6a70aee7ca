"""Ingest: walk the folders, skip what is unchanged, let worker processes decode and hash, and
write each result in its own transaction in the parent (the only writer)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any

from verifier import db
from verifier.corpus.frames import FrameRow
from verifier.corpus.preload_main import MAIN_PATH_VARIABLE
from verifier.corpus.schema import HASH_VERSION, bytes_current, index_current
from verifier.corpus.worker import FileResult, Task, analyse, analyse_chunk, init_worker
from verifier.errors import Cancelled, UserError
from verifier.matching.manifest import Manifest, load_manifest
from verifier.media import intake
from verifier.progress import CancelToken, Progress

if TYPE_CHECKING:
    # Never imported here (importing it warms a process up); named so that bundlers that scan
    # imports (PyInstaller) ship the module the forkserver preloads by name.
    import verifier.corpus.preload  # noqa: F401
    from verifier.corpus.store import Corpus, IngestReport

log = logging.getLogger(__name__)

# Below this many files to analyse, the pool's start-up is not worth it.
_POOL_MIN_FILES = 6
_BATCH_SECONDS = 0.5
# Files per call to a worker (each call costs the parent about 0.4 ms of its own CPU), and the
# largest picture that shares a call.
_CHUNK_FILES = 4
_CHUNK_BYTES = 4 << 20
# What this process analyses itself while the workers start (pictures, never a long video).
_PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".tif", ".tiff",
                     ".bmp", ".gif")


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def walk(paths: list[Path], skip: set[str]) -> Iterator[tuple[Path, str]]:
    """Files under the given paths (folders recursively, hidden names skipped), each once, with
    the resolved path that keys its location."""
    seen: set[str] = set()
    for path in paths:
        path = Path(path).expanduser()
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                # One resolution per folder: only symlinked files need their own.
                real_root = os.path.realpath(root)
                for name in sorted(names):
                    if name.startswith("."):
                        continue
                    full = os.path.join(root, name)
                    key = os.path.realpath(full) if os.path.islink(full) \
                        else os.path.join(real_root, name)
                    if key not in seen and key not in skip:
                        seen.add(key)
                        yield Path(full), key
        elif path.exists():
            key = str(path.resolve())
            if key not in seen and key not in skip:
                seen.add(key)
                yield path, key
        else:
            raise UserError(path, "no such file or folder")


def run_ingest(corpus: Corpus, paths: list[Path], *, sample_seconds: float,
               manifest_path: Path | None, workers: int | None, progress: Progress,
               cancel: CancelToken, fast_dates: bool = True) -> IngestReport:
    from verifier.corpus.store import IngestReport

    if sample_seconds <= 0:
        raise UserError("--sample-seconds", "must be more than 0")
    manifest = load_manifest(manifest_path) if manifest_path is not None else None
    report = IngestReport()
    if manifest is not None:
        report.warnings.extend(manifest.warnings)
    own = {str(corpus.path.resolve()) + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    if manifest_path is not None:
        own.add(str(Path(manifest_path).resolve()))
    files = list(walk(paths, own))
    progress.start(len(files), "Adding to corpus")
    if manifest is not None:
        _apply_manifest_to_known(corpus, manifest, report)

    tasks: list[Task] = []
    for file, key in files:
        cancel.check()
        try:
            stat = file.stat()
        except OSError as exc:
            report.skipped.append(f"{file}: cannot be read ({exc.strerror or exc})")
            progress.advance()
            continue
        if not S_ISREG(stat.st_mode):  # opening a named pipe waits for a writer: forever
            report.skipped.append(f"{file}: {intake.NOT_REGULAR}")
            progress.advance()
            continue
        loc = corpus.location(key)
        current = loc is not None and index_current(loc["hash_version"], loc["kind"],
                                                    loc["duration"])
        if loc is not None and loc["size"] == stat.st_size and loc["mtime"] == stat.st_mtime \
                and current:
            report.unchanged += 1
            progress.advance()
            continue
        rehash = loc is not None and not current
        tasks.append(Task(key, stat.st_size, stat.st_mtime, sample_seconds, rehash, fast_dates))

    n_workers = workers if workers is not None else default_workers()
    if n_workers < 1:
        raise UserError("--workers", "must be at least 1")
    batch = _Batch(corpus, manifest, report)
    try:
        if n_workers == 1 or len(tasks) < _POOL_MIN_FILES:
            for task in tasks:
                cancel.check()
                result = analyse(task, known=lambda sha: bytes_current(corpus.conn, sha),
                                 cancel=cancel.check)
                batch.store(result)
                progress.advance()
        else:
            # Largest first: a long video started last would leave the other workers idle.
            tasks.sort(key=lambda t: -t.size)
            _run_pool(corpus, tasks, n_workers, batch, progress, cancel)
    except (Cancelled, KeyboardInterrupt):
        report.cancelled = True
        raise
    finally:
        batch.commit()  # whatever stopped the run, the files already stored are kept
    return report


def _pool_context() -> Any:
    """forkserver: a clean server process forks the workers. Plain fork copies whatever the
    parent holds (Qt in the GUI and under pytest-qt, OpenMP threads, open SQLite handles) and
    crashed workers in testing; spawn re-imports everything for every worker. Scripts that
    ingest need the usual `if __name__ == "__main__":` guard (without it the pool breaks and
    the ingest goes on in this process)."""
    ctx = multiprocessing.get_context("forkserver")
    # preload also warms the worker up; worker alone stays listed for builds that lack it.
    ctx.set_forkserver_preload(["verifier.corpus.worker", "verifier.corpus.preload"])
    main_path = getattr(sys.modules["__main__"], "__file__", None)
    if main_path and not getattr(sys, "frozen", False):
        # For verifier.corpus.preload: see there. The server starts once, with this environment.
        os.environ[MAIN_PATH_VARIABLE] = os.path.normpath(main_path)
    return ctx


def _run_pool(corpus: Corpus, tasks: list[Task], n_workers: int, batch: _Batch,
              progress: Progress, cancel: CancelToken) -> None:
    ctx = _pool_context()
    queue = deque(tasks)  # workers take from the front (largest), this process from the back

    def known(sha: str) -> bool:
        return bytes_current(corpus.conn, sha)

    # The first pool of a process waits for the forkserver's imports and warm-up (about a
    # second): meanwhile this process analyses small pictures itself.
    if not _server_started:
        starting = threading.Thread(target=_start_forkserver, args=(ctx,), daemon=True)
        starting.start()
        while starting.is_alive() and len(queue) > n_workers * 3 \
                and queue[-1].path.lower().endswith(_PICTURE_SUFFIXES):
            cancel.check()
            batch.store(analyse(queue.pop(), known=known, cancel=cancel.check))
            progress.advance()
        starting.join()
    stop = ctx.Event()
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx, initializer=init_worker,
                               initargs=(str(corpus.path.resolve()), stop))
    pending: dict[Future[list[FileResult]], list[Task]] = {}
    leftover: list[Task] = []
    clean_exit = False

    def submit() -> None:
        chunk = _next_chunk(queue, n_workers)
        pending[pool.submit(analyse_chunk, chunk)] = chunk

    try:
        while queue and len(pending) < n_workers * 2:
            submit()
        # Until the first worker delivers, this process goes on with small pictures.
        warm = False
        while pending:
            if not warm and queue and queue[-1].path.lower().endswith(_PICTURE_SUFFIXES):
                done, _ = wait(pending, timeout=0, return_when=FIRST_COMPLETED)
                if not done:
                    cancel.check()
                    batch.store(analyse(queue.pop(), known=known, cancel=cancel.check))
                    progress.advance()
                    continue
            else:
                done, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            if cancel.cancelled:
                raise Cancelled()
            for future in done:
                warm = True
                chunk = pending.pop(future)
                try:
                    results = future.result()
                except BrokenProcessPool:
                    # The pool died (a worker killed by the system, or a script without the
                    # `if __name__ == "__main__":` guard): finish in this process.
                    log.warning("worker processes failed; continuing in this process")
                    leftover = [*chunk, *(t for c in pending.values() for t in c), *queue]
                    pending.clear()
                    queue.clear()
                    break
                for result in results:
                    batch.store(result)
                    progress.advance()
                if queue:
                    submit()
        clean_exit = True
    finally:
        if not clean_exit:
            stop.set()  # workers abandon long videos at their next check
            for future in pending:
                future.cancel()
        pool.shutdown(wait=True, cancel_futures=not clean_exit)
    for task in leftover:
        cancel.check()
        batch.store(analyse(task, known=known, cancel=cancel.check))
        progress.advance()


def _next_chunk(queue: deque[Task], n_workers: int) -> list[Task]:
    """The files for one call to a worker, from the front of the queue: up to _CHUNK_FILES small
    pictures (fewer towards the end, so that the workers finish together), or one file that
    takes long (a video, a large picture), so that no worker is left with a run of them and
    progress and cancel stay prompt."""
    most = max(1, min(_CHUNK_FILES, len(queue) // (n_workers * 4)))
    chunk = [queue.popleft()]
    while len(chunk) < most and queue and _small_picture(chunk[-1]) and _small_picture(queue[0]):
        chunk.append(queue.popleft())
    return chunk


def _small_picture(task: Task) -> bool:
    return task.size <= _CHUNK_BYTES and task.path.lower().endswith(_PICTURE_SUFFIXES)


# Whether this process has seen its forkserver up (it then stays up: the probe, a fork of 8 ms,
# is not repeated).
_server_started = False


def _start_forkserver(ctx: Any) -> None:
    """Returns once the forkserver is up (preloaded, warm): it forks a process that does
    nothing."""
    global _server_started
    try:
        process = ctx.Process(target=_nothing)
        process.start()
        process.join()
        _server_started = process.exitcode == 0
    except Exception:  # the pool will meet the same trouble and say so
        log.debug("forkserver start failed", exc_info=True)


def _nothing() -> None:
    pass


class _Batch:
    """The parent's writes. One transaction per file cost as much as the rest of the parent's
    work, so files are committed together, each in its own savepoint (a file is written whole
    or not at all): a batch is committed once it is _BATCH_SECONDS old, at the end, and at a
    cancel or Ctrl-C (what was stored is kept). A crash loses at most the open batch, which the
    next run redoes."""

    def __init__(self, corpus: Corpus, manifest: Manifest | None, report: IngestReport) -> None:
        self.corpus, self.manifest, self.report = corpus, manifest, report
        self.opened: float | None = None
        self.rows: list[FrameRow] = []
        self.features: list[tuple[int, bytes, bool]] = []

    def store(self, result: FileResult) -> None:
        if result.error is not None:
            self.report.skipped.append(f"{result.path}: {result.error}")
            return
        conn = self.corpus.conn
        if self.opened is None:
            conn.execute("BEGIN IMMEDIATE")
            self.opened = time.monotonic()
        conn.execute("SAVEPOINT one_file")
        try:
            rows, features = _store(self.corpus, result, self.manifest, self.report)
        except BaseException:
            conn.execute("ROLLBACK TO one_file")
            conn.execute("RELEASE one_file")
            raise
        conn.execute("RELEASE one_file")
        self.rows += rows
        self.features += features
        if time.monotonic() - self.opened >= _BATCH_SECONDS:
            self.commit()

    def commit(self) -> None:
        if self.opened is None:
            return
        self.opened = None
        try:
            self.corpus.conn.execute("COMMIT")
        except sqlite3.Error:
            self.corpus.conn.execute("ROLLBACK")
            self.rows, self.features = [], []
            raise
        self.corpus.frames_written(self.rows, self.features)
        self.rows, self.features = [], []


def _store(corpus: Corpus, result: FileResult, manifest: Manifest | None,
           report: IngestReport) -> tuple[list[FrameRow], list[tuple[int, bytes, bool]]]:
    """Write one analysed file (inside the batch's transaction); returns its new frame rows and
    features for the loaded indexes."""
    assert result.sha256 is not None
    conn = corpus.conn
    new_rows: list[FrameRow] = []
    new_features: list[tuple[int, bytes, bool]] = []
    row = conn.execute("SELECT id, hash_version, kind, duration FROM items WHERE sha256 = ?",
                       (result.sha256,)).fetchone()
    previous = conn.execute("SELECT item_id FROM locations WHERE path = ?",
                            (result.path,)).fetchone()
    if row is not None and (index_current(row["hash_version"], row["kind"], row["duration"])
                            or not result.frames):
        item_id = int(row["id"])
        if previous is not None and previous["item_id"] == item_id:
            report.unchanged += 1  # touched: same bytes, new modification time
        elif previous is not None:
            report.updated += 1
        else:
            report.duplicates += 1
    elif row is not None:  # known bytes hashed by an older version: re-hash in place
        item_id = int(row["id"])
        conn.execute("DELETE FROM frames WHERE item_id = ?", (item_id,))
        conn.execute("UPDATE items SET hash_version = ?, width = ?, height = ?, duration = ?"
                     " WHERE id = ?", (HASH_VERSION, result.width, result.height,
                                       result.duration, item_id))
        if corpus._frames is not None:
            corpus._frames.kill_items([item_id])
        new_rows, new_features = _insert_frames(corpus, item_id, result)
        report.updated += 1
    else:
        cur = conn.execute(
            "INSERT INTO items (sha256, kind, mime, size, width, height, duration,"
            " earliest_date, added_at, hash_version) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (result.sha256, result.kind, result.mime, result.size, result.width,
             result.height, result.duration, None, intake.now_iso(), HASH_VERSION))
        item_id = int(cur.lastrowid or 0)
        new_rows, new_features = _insert_frames(corpus, item_id, result)
        report.added += 1  # a new item, whether or not its path was known
        if previous is not None:
            report.updated += 1
    if result.capture_date:
        corpus.add_provenance(item_id, "metadata", result.capture_date,
                              published_at=result.capture_time)
    corpus.set_location(result.path, item_id, result.size, result.mtime)
    if manifest is not None:
        _apply_manifest(corpus, manifest, item_id, result.sha256, [Path(result.path)],
                        report)
    corpus.refresh_earliest(item_id)
    report.frames += len(new_rows)
    return new_rows, new_features


def _insert_frames(corpus: Corpus, item_id: int,
                   result: FileResult) -> tuple[list[FrameRow], list[tuple[int, bytes, bool]]]:
    from verifier.corpus.store import to_db_int

    rows: list[FrameRow] = []
    features: list[tuple[int, bytes, bool]] = []
    for frame in result.frames:
        sig = frame.sig
        cur = corpus.conn.execute(
            "INSERT INTO frames (item_id, time, keyframe, pdq, quality, phash, dhash, chash)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (item_id, frame.time, int(frame.keyframe), sig.pdq, sig.quality,
             to_db_int(sig.phash), to_db_int(sig.dhash), sig.chash))
        frame_id = int(cur.lastrowid or 0)
        rows.append(FrameRow(frame_id, item_id, frame.time, frame.keyframe, sig.pdq,
                             sig.quality, sig.phash, sig.dhash, sig.chash))
        if frame.features is not None:
            width, height, desc, points = frame.features
            corpus.conn.execute("INSERT INTO features (frame_id, width, height, descriptors,"
                                " points) VALUES (?,?,?,?,?)",
                                (frame_id, width, height, desc, points))
            features.append((frame_id, desc, frame.time is not None))
    return rows, features


def _apply_manifest(corpus: Corpus, manifest: Manifest, item_id: int, sha256: str,
                    paths: list[Path], report: IngestReport) -> None:
    entries = manifest.for_item(sha256, paths)
    for e in entries:
        corpus.add_provenance(item_id, f"manifest {manifest.source.name}", e.date,
                              e.published_at, e.source_url, e.publisher, e.notes)
    if entries:
        report.manifest_matched += 1


def _apply_manifest_to_known(corpus: Corpus, manifest: Manifest, report: IngestReport) -> None:
    """Manifest rows about items already in the corpus (a manifest given on a later run)."""
    conn = corpus.conn
    items: dict[int, tuple[str, list[Path]]] = {}
    for e in manifest.entries:
        rows: list[Any] = []
        if e.sha256:
            rows += conn.execute("SELECT id, sha256 FROM items WHERE sha256 = ?",
                                 (e.sha256,)).fetchall()
        if e.path:
            rows += conn.execute("SELECT i.id, i.sha256 FROM locations l JOIN items i"
                                 " ON i.id = l.item_id WHERE l.path = ?",
                                 (str(e.path),)).fetchall()
        for r in rows:
            items.setdefault(int(r[0]), (str(r[1]), []))
            if e.path:
                items[int(r[0])][1].append(e.path)
    for item_id, (sha, paths) in items.items():
        with db.transaction(conn):
            _apply_manifest(corpus, manifest, item_id, sha, paths, report)
            corpus.refresh_earliest(item_id)
