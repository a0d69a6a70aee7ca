"""The corpus and match commands: JSON shapes, the text's first line, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from tests.conftest import shared_file
from verifier.cli import main

PHOTOS = ["metadata-extractor-images/jpg/Canon EOS 7D.jpg",
          "metadata-extractor-images/jpg/Kodak DC240.jpg",
          "metadata-extractor-images/jpg/HP PhotoSmart 735.jpg"]
MATCH_KEYS = {"corpus_path", "corpus_sha256", "distance", "hash_kind", "query_time",
              "source_time", "earliest_date", "corpus_kind", "score", "confirmed", "transform",
              "query_start", "query_end", "source_start", "source_end"}


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    for name in PHOTOS:
        shutil.copy(shared_file(name), folder / Path(name).name)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (folder / "manifest.csv").write_text(
        "path,source_url,publisher,published_at\n"
        "Canon EOS 7D.jpg,https://news.example/2009/harbour,Example News,2009-05-01\n")
    return folder


def test_add_stats_match_remove_verify(archive: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "corpus.sqlite")
    code, out, err = _run(capsys, "corpus", "add", str(archive), "--corpus", db, "--manifest",
                          str(archive / "manifest.csv"), "--workers", "1", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["added"] == 3 and report["manifest_matched"] == 1
    assert len(report["skipped"]) == 1 and "broken.jpg" in err

    code, out, _ = _run(capsys, "corpus", "stats", "--corpus", db, "--json")
    assert code == 0 and json.loads(out)["items"] == 3

    with Image.open(archive / "Canon EOS 7D.jpg") as img:
        mirrored = ImageOps.mirror(img.convert("RGB"))
    query = tmp_path / "viral.jpg"
    mirrored.save(query, quality=80)
    code, out, _ = _run(capsys, "match", str(query), "--corpus", db, "--top", "3", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["file"] == str(query)
    top = payload["matches"][0]
    assert set(top) >= MATCH_KEYS
    assert top["confirmed"] is True and top["transform"]["mirror"] is True
    assert payload["earliest_known"]["date"] == "2009-05-01"
    assert payload["earliest_known"]["source_url"] == "https://news.example/2009/harbour"
    json.dumps(payload, allow_nan=False)  # plain JSON types only

    code, out, _ = _run(capsys, "match", str(query), "--corpus", db)
    assert out.splitlines()[0].startswith(
        "earliest known: 2009-05-01, https://news.example/2009/harbour")

    (archive / "Kodak DC240.jpg").rename(archive / "moved.jpg")
    code, out, _ = _run(capsys, "corpus", "verify", "--corpus", db, "--json")
    assert code == 0 and json.loads(out)["moved"][0]["to"].endswith("moved.jpg")
    code, out, _ = _run(capsys, "corpus", "remove", str(archive / "Kodak DC240.jpg"),
                        "--corpus", db, "--json")
    assert code == 0 and len(json.loads(out)["removed_items"]) == 1


def test_no_match_is_an_empty_list_and_no_earliest(archive: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "corpus.sqlite")
    _run(capsys, "corpus", "add", str(archive / "Kodak DC240.jpg"), "--corpus", db)
    query = shared_file("metadata-extractor-images/jpg/FujiFilm MX1700.jpg")
    code, out, _ = _run(capsys, "match", str(query), "--corpus", db, "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["matches"] == [] and payload["earliest_known"] is None
    code, out, _ = _run(capsys, "match", str(query), "--corpus", db)
    assert out.startswith("earliest known: none")


def test_garbage_corpus_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "corpus.sqlite"
    bad.write_bytes(b"garbage, not SQLite " * 200)
    query = shared_file("metadata-extractor-images/jpg/Kodak DC240.jpg")
    for argv in (["match", str(query), "--corpus", str(bad)],
                 ["corpus", "stats", "--corpus", str(bad)],
                 ["corpus", "add", str(query), "--corpus", str(bad)]):
        code, _out, err = _run(capsys, *argv)
        assert code == 2, argv
        assert err.startswith("verifier: error: ") and str(bad) in err
        assert len(err.strip().splitlines()) == 1


def test_missing_corpus_and_bad_arguments_exit_2(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    query = shared_file("metadata-extractor-images/jpg/Kodak DC240.jpg")
    code, _out, err = _run(capsys, "match", str(query), "--corpus", str(tmp_path / "none.db"))
    assert code == 2 and "no such corpus" in err
    code, _out, err = _run(capsys, "corpus", "add", str(tmp_path / "nowhere"), "--corpus",
                           str(tmp_path / "c.sqlite"))
    assert code == 2 and "no such file or folder" in err


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """`verifier corpus stats | head -1`: the pipe closes before the command writes."""
    import subprocess
    import sys

    from verifier.corpus import Corpus

    Corpus(tmp_path / "c.sqlite").close()
    proc = subprocess.Popen([sys.executable, "-m", "verifier.cli", "corpus", "stats",
                             "--corpus", str(tmp_path / "c.sqlite")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout is not None
    proc.stdout.close()  # long before the interpreter has started and opened the corpus
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err[-500:]
