"""Corpus ingest: resumable, incremental, one item per distinct bytes, bad files skipped,
old corpora migrated, provenance from metadata and manifests."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import shared_file
from verifier import db
from verifier.corpus import Corpus, IngestReport
from verifier.corpus.schema import MIGRATIONS
from verifier.errors import Cancelled, UserError
from verifier.matching.hashing import phash, to_signed
from verifier.matching.manifest import load_manifest, parse_date
from verifier.matching.search import Matcher
from verifier.progress import CancelToken

PHOTOS = [
    "metadata-extractor-images/jpg/Casio EX-S1.jpg",
    "metadata-extractor-images/jpg/HP PhotoSmart 735.jpg",
    "metadata-extractor-images/jpg/Kodak DC240.jpg",
    "metadata-extractor-images/jpg/Kodak DC210.jpg",
    "metadata-extractor-images/jpg/FujiFilm MX1700.jpg",
    "metadata-extractor-images/jpg/FujiFilm FinePix6800Zoom.jpg",
    "metadata-extractor-images/jpg/FujiFilm DS-7 (2).jpg",
    "metadata-extractor-images/jpg/Canon PowerShot S330.jpg",
    "metadata-extractor-images/jpg/Canon IXUS v3.jpg",
    "metadata-extractor-images/jpg/Canon EOS 7D.jpg",
    "exif-samples/jpg/Canon_40D.jpg",
    "ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg",
]


def _folder(tmp_path: Path, names: list[str] = PHOTOS) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    for i, name in enumerate(names):
        shutil.copy(shared_file(name), folder / f"{i:02d}-{Path(name).name}")
    return folder


class CancelAfter:
    """A Progress that cancels the job after n files."""

    def __init__(self, token: CancelToken, n: int) -> None:
        self.token, self.n, self.done = token, n, 0

    def start(self, total: int | None, message: str) -> None:
        pass

    def advance(self, step: int = 1) -> None:
        self.done += step
        if self.done >= self.n:
            self.token.cancel()

    def message(self, text: str) -> None:
        pass


def test_ingest_cancelled_halfway_continues_where_it_stopped(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    db_path = tmp_path / "corpus.sqlite"
    token = CancelToken()
    with Corpus(db_path) as corpus, pytest.raises(Cancelled):
        corpus.add([folder], workers=2, progress=CancelAfter(token, 5), cancel=token)
    with Corpus(db_path) as corpus:
        first = corpus.stats()["items"]
        assert 5 <= first < len(PHOTOS)  # what was committed before the cancel is kept
        report = corpus.add([folder], workers=2)
        assert report.unchanged == first
        assert report.added == len(PHOTOS) - first
        assert corpus.stats()["items"] == len(PHOTOS)
        again = corpus.add([folder], workers=2)
        assert again.unchanged == len(PHOTOS) and again.added == 0


def test_same_bytes_under_two_paths_are_one_item_with_two_locations(tmp_path: Path) -> None:
    folder = _folder(tmp_path, PHOTOS[:2])
    shutil.copy(next(folder.iterdir()), folder / "copy-of-first.jpg")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = corpus.add([folder])
        assert (report.added, report.duplicates) == (2, 1)
        stats = corpus.stats()
        assert (stats["items"], stats["locations"]) == (2, 3)
        top = Matcher(corpus).match_file(folder / "copy-of-first.jpg").matches[0]
        assert len(top.locations) == 2


def test_unreadable_files_are_listed_with_the_reason_and_skipped(tmp_path: Path) -> None:
    folder = _folder(tmp_path, PHOTOS[:2])
    (folder / "notes.txt").write_text("not a picture")
    (folder / "empty.jpg").write_bytes(b"")
    good = (folder / f"00-{Path(PHOTOS[0]).name}").read_bytes()
    (folder / "truncated.jpg").write_bytes(good[:300])
    (folder / "garbage.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(2000))
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = corpus.add([folder])
    assert report.added == 2
    reasons = {Path(line.split(":")[0]).name: line for line in report.skipped}
    assert set(reasons) == {"notes.txt", "empty.jpg", "truncated.jpg", "garbage.mp4"}
    assert "empty" in reasons["empty.jpg"] and "not a readable" in reasons["garbage.mp4"]


def test_changed_and_touched_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path, PHOTOS[:3])
    files = sorted(folder.iterdir())
    with Corpus(tmp_path / "c.sqlite") as corpus:
        corpus.add([folder])
        os.utime(files[0], (1_000_000_000, 1_000_000_000))  # same bytes, new time
        shutil.copy(shared_file(PHOTOS[5]), files[1])  # other bytes at a known path
        report = corpus.add([folder])
        assert (report.unchanged, report.updated, report.added) == (2, 1, 1)
        stats = corpus.stats()
        assert stats["items"] == 3 and stats["locations"] == 3  # the replaced item is gone


def test_a_first_version_corpus_is_migrated_and_rehashed(tmp_path: Path) -> None:
    photo = _folder(tmp_path, PHOTOS[:1])
    file = next(photo.iterdir())
    path = tmp_path / "old.sqlite"
    conn = db.connect(path)
    db.migrate(conn, path, MIGRATIONS[:1], "corpus")
    from PIL import Image

    with Image.open(file) as img:
        value = phash(img.convert("RGB"))
    stat = file.stat()
    from verifier.media import intake

    sha, _md5, size = intake.hash_file(file)
    with db.transaction(conn):
        conn.execute("INSERT INTO items (sha256, kind, mime, size, earliest_date, added_at)"
                     " VALUES (?, 'image', 'image/jpeg', ?, '2001-02-03', 'x')", (sha, size))
        conn.execute("INSERT INTO hashes (item_id, time, kind, value) VALUES (1, NULL, 'phash',"
                     " ?)", (to_signed(value),))
        conn.execute("INSERT INTO locations (path, item_id, size, mtime) VALUES (?, 1, ?, ?)",
                     (str(file.resolve()), stat.st_size, stat.st_mtime))
    conn.close()
    with Corpus(path) as corpus:
        assert corpus.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        stats = corpus.stats()
        assert (stats["items"], stats["hashes"], stats["needing_rehash"]) == (1, 1, 1)
        # Still found by its pHash before re-hashing.
        assert corpus.search(value, max_distance=0)[0].earliest_date == "2001-02-03"
        report = corpus.add([photo])
        assert report.updated == 1
        stats = corpus.stats()
        assert stats["needing_rehash"] == 0 and stats["features"] > 0
        assert corpus.item_by_sha256(sha).earliest_date == "2001-02-03"


def test_only_items_the_new_version_changes_are_redone(tmp_path: Path) -> None:
    """Version 4 samples short clips more densely: a corpus made by version 3 has its short
    clip analysed again by the next `corpus add`, while its pictures and longer videos, which
    version 4 would store the same, are left alone; version 5 redoes nothing of version 4."""
    folder = _folder(tmp_path, PHOTOS[:1])
    short = shared_file("metadata-extractor-images/mp4/Issue 515 (java).mp4")
    long = shared_file("PySceneDetect/tests/resources/testvideo.mp4")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        corpus.add([folder, short, long], workers=1)
        frames_before = corpus.stats()["hashes"]
        with db.transaction(corpus.conn):
            corpus.conn.execute("UPDATE items SET hash_version = 3")
            # fewer samples of the short clip, as version 3 stored
            corpus.conn.execute("DELETE FROM frames WHERE item_id IN (SELECT id FROM items"
                                " WHERE duration < 5) AND time > 0")
        assert corpus.stats()["needing_rehash"] == 1
        report = corpus.add([folder, short, long], workers=1)
        assert (report.updated, report.unchanged) == (1, 2)
        stats = corpus.stats()
        assert stats["needing_rehash"] == 0 and stats["hashes"] == frames_before
        # Version 5 takes a picture's local features from fewer pyramid levels: those of 4
        # find the same copies, so nothing is redone.
        with db.transaction(corpus.conn):
            corpus.conn.execute("UPDATE items SET hash_version = 4")
        assert corpus.stats()["needing_rehash"] == 0
        report = corpus.add([folder, short, long], workers=1)
        assert (report.updated, report.unchanged) == (0, 3)


def test_video_items_keep_duration_dimensions_and_dates(tmp_path: Path) -> None:
    video = shared_file("metadata-extractor-images/mov/with-gps.mov")
    with Corpus(tmp_path / "c.sqlite") as corpus:
        assert corpus.add([video]).added == 1
        row = corpus.conn.execute("SELECT * FROM items").fetchone()
        assert row["kind"] == "video" and row["width"] and row["height"]
        length_s = row["duration"]  # the clip's length, not a timing
        assert 3.5 <= length_s <= 4.5
        times = [r[0] for r in corpus.conn.execute("SELECT time FROM frames ORDER BY time")]
        assert times[0] == 0.0 and len(times) >= 4


def test_manifest_dates_become_the_earliest_date(tmp_path: Path) -> None:
    folder = _folder(tmp_path, PHOTOS[:3])
    files = sorted(folder.iterdir())
    from verifier.media import intake

    sha2 = intake.hash_file(files[2])[0]
    manifest = folder / "archive.csv"
    manifest.write_text(
        "path,source_url,publisher,published_at,notes\n"
        f"{files[0].name},https://example.org/a,Daily Example,1999-12-31T23:00:00Z,front page\n"
        f"{files[1].name},https://example.org/b,Daily Example,not a date,\n")
    jmanifest = tmp_path / "more.json"
    jmanifest.write_text(json.dumps([{"sha256": sha2, "url": "https://example.org/c",
                                      "published": "14.03.1990"}]))
    with Corpus(tmp_path / "c.sqlite") as corpus:
        report = corpus.add([folder], manifest=manifest)
        assert report.manifest_matched == 2
        assert any("unreadable date" in w for w in report.warnings)
        first = corpus.item(corpus.location(str(files[0].resolve()))["item_id"])
        assert first.earliest_date == "1999-12-31"
        assert first.source_url == "https://example.org/a"
        # A later run with another manifest dates items already in the corpus.
        corpus.add([folder], manifest=jmanifest)
        third = corpus.item_by_sha256(sha2)
        assert third.earliest_date == "1990-03-14"
        top = Matcher(corpus).match_file(files[0]).matches[0]
        assert top.earliest_date == "1999-12-31" and top.source_url == "https://example.org/a"


def test_manifest_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "m.csv"
    bad.write_text("file_name,date\nx.jpg,2020-01-01\n")
    with pytest.raises(UserError, match="needs a 'path' or 'sha256' column"):
        load_manifest(bad)
    assert parse_date("2016-11-02T10:00:00+01:00") == "2016-11-02"
    assert parse_date("Tue, 03 Mar 2015 10:00:00 GMT") == "2015-03-03"
    assert parse_date("3000-01-01") is None


def test_remove_and_verify_report_moved_changed_and_missing(tmp_path: Path) -> None:
    folder = _folder(tmp_path, PHOTOS[:4])
    files = sorted(folder.iterdir())
    with Corpus(tmp_path / "c.sqlite") as corpus:
        corpus.add([folder])
        files[0].rename(folder / "renamed.jpg")  # moved
        shutil.copy(shared_file(PHOTOS[6]), files[1])  # changed
        files[2].unlink()  # missing
        report = corpus.verify()
        assert report.moved == [{"from": str(files[0].resolve()),
                                 "to": str((folder / "renamed.jpg").resolve())}]
        assert [c["path"] for c in report.changed] == [str(files[1].resolve())]
        assert report.missing == [str(files[2].resolve())]
        assert report.ok == 1 and not report.clean
        removed = corpus.remove([files[2], tmp_path / "never-there.jpg"])
        assert removed.removed_locations == [str(files[2].resolve())]
        assert len(removed.removed_items) == 1 and removed.not_found
        assert corpus.stats()["items"] == 3
        whole = corpus.remove([folder])
        assert len(whole.removed_locations) == 3 and corpus.stats()["items"] == 0


def test_a_corrupt_corpus_file_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "corpus.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UserError):
        Corpus(bad)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(UserError):
        Corpus(other)


_SCRIPT = """
import os, sys
from pathlib import Path
with open(os.environ["MARKS"], "a") as fh:
    fh.write(f"{os.getpid()}\\n")
from verifier.corpus import Corpus
if __name__ == "__main__":
    with Corpus(Path(sys.argv[2])) as corpus:
        report = corpus.add([Path(sys.argv[1])], workers=2)
    print(report.added)
"""


def test_pool_workers_do_not_run_the_main_script_again(tmp_path: Path) -> None:
    """The forkserver imports the script once (what CPython 3.13 does itself); before, each of
    the two workers ran it again at start."""
    import subprocess
    import sys

    folder = _folder(tmp_path)
    script, marks = tmp_path / "ingest_script.py", tmp_path / "marks.txt"
    script.write_text(_SCRIPT)
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "MARKS": str(marks),
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, str(script), str(folder), str(tmp_path / "c.sqlite")],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout.split()[-1]) == len(PHOTOS)  # the pool did the work
    assert len(marks.read_text().split()) == 2  # this process and the forkserver, no worker


def test_after_an_ingest_the_corpus_file_alone_holds_everything(tmp_path: Path) -> None:
    """The workers' read connections are gone before the corpus closes, so that its close moves
    the write-ahead log into the corpus file, which can then be copied or sent alone."""
    folder = _folder(tmp_path)
    db_path = tmp_path / "c.sqlite"
    with Corpus(db_path) as corpus:
        assert corpus.add([folder], workers=2).added == len(PHOTOS)
    assert not Path(f"{db_path}-wal").exists()
    alone = tmp_path / "sent" / "c.sqlite"
    alone.parent.mkdir()
    shutil.copy(db_path, alone)
    with Corpus(alone) as corpus:
        assert corpus.stats()["items"] == len(PHOTOS)


def test_workers_get_small_pictures_in_chunks_and_long_files_alone() -> None:
    from collections import deque

    from verifier.corpus.ingest import _CHUNK_FILES, _next_chunk
    from verifier.corpus.worker import Task

    def task(name: str, size: int) -> Task:
        return Task(name, size, 0.0, 1.0)

    queue = deque([task("clip.mp4", 50 << 20), task("scan.tif", 40 << 20),
                   *(task(f"{i}.jpg", 300_000) for i in range(40))])
    chunks = []
    while queue:
        chunks.append([t.path for t in _next_chunk(queue, 2)])
    assert chunks[:2] == [["clip.mp4"], ["scan.tif"]]
    assert len(chunks[2]) == _CHUNK_FILES
    assert [len(c) for c in chunks[-3:]] == [1, 1, 1]  # the last ones one by one
    assert sorted(p for c in chunks for p in c) == sorted(
        ["clip.mp4", "scan.tif", *(f"{i}.jpg" for i in range(40))])


def _finishes(job: Callable[[], object]) -> object:
    """job()'s result, or a failure if it has not returned in a minute (a named pipe blocks an
    open() until a writer comes: a regression would hang here, not the suite)."""
    import threading

    out: list[object] = []
    worker = threading.Thread(target=lambda: out.append(_caught(job)), daemon=True)
    worker.start()
    worker.join(60)
    assert out, "still waiting on the named pipe"
    return out[0]


def _caught(job: Callable[[], object]) -> object:
    try:
        return job()
    except UserError as exc:
        return exc


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_named_pipes_are_skipped_not_waited_on(tmp_path: Path) -> None:
    folder = _folder(tmp_path, PHOTOS[:1])
    os.mkfifo(folder / "pipe.jpg")
    manifest = tmp_path / "manifest.csv"
    os.mkfifo(manifest)

    def ingest() -> object:
        with Corpus(tmp_path / "c.sqlite") as corpus:
            return corpus.add([folder])

    report = _finishes(ingest)
    assert isinstance(report, IngestReport) and report.added == 1
    assert len(report.skipped) == 1 and "pipe.jpg: not a regular file" in report.skipped[0]
    def match() -> object:
        with Corpus(tmp_path / "c.sqlite") as corpus:
            return Matcher(corpus).match_file(folder / "pipe.jpg")

    for job in (match, lambda: load_manifest(manifest)):
        err = _finishes(job)
        assert isinstance(err, UserError) and "not a regular file" in str(err)
