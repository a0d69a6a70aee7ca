"""Bad input: exit status 2, exactly one line on stderr naming the file and a reason, no
traceback, and nothing written or changed."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, shared_file
from tests.helpers import (
    assert_one_error_line,
    free_port,
    ratings_other_than_unverified,
    run_cli,
    sha256_of,
    tree_digest,
)
from verifier.case import CaseStore
from verifier.corpus import Corpus

REAL_JPEG = "exif-samples/jpg/gps/DSCN0010.jpg"
REAL_PHOTO = "exif-samples/jpg/Canon_40D.jpg"


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.jpg"
    path.write_bytes(b"")
    return path


def _truncated_jpeg(tmp: Path) -> Path:
    data = shared_file(REAL_JPEG).read_bytes()
    path = tmp / "truncated.jpg"
    path.write_bytes(data[: len(data) // 2])
    return path


def _text_as_mp4(tmp: Path) -> Path:
    path = tmp / "notes.mp4"
    path.write_text("These are my notes about the clip, not a video.\n", encoding="utf-8")
    return path


def _missing(tmp: Path) -> Path:
    return tmp / "does-not-exist.jpg"


def _named_pipe(tmp: Path) -> Path:
    """A named pipe must be refused unopened: opening one waits for a writer. Should a command
    open it after all, a writer comes after 20 s and the read ends empty, so that the test fails
    on its message instead of hanging the suite."""
    path = tmp / "pipe.jpg"
    os.mkfifo(path)

    def release() -> None:
        time.sleep(20)
        with contextlib.suppress(OSError):  # nobody waiting (ENXIO) or the pipe gone
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    threading.Thread(target=release, daemon=True).start()
    return path


BAD_FILES: dict[str, Callable[[Path], Path]] = {
    "empty": _empty,
    "truncated-jpeg": _truncated_jpeg,
    "text-named-mp4": _text_as_mp4,
    "missing": _missing,
    **({"named-pipe": _named_pipe} if hasattr(os, "mkfifo") else {}),
}


@pytest.fixture(params=sorted(BAD_FILES))
def bad_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    return BAD_FILES[request.param](folder)


@pytest.fixture
def article() -> Path:
    if not ARTICLE.exists():
        pytest.skip(f"real article not available: {ARTICLE}")
    return ARTICLE


@pytest.fixture
def empty_corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.sqlite"
    Corpus(path).close()
    return path


@pytest.fixture
def existing_case(tmp_path: Path, capsys: pytest.CaptureFixture[str], article: Path) -> Path:
    """A real case made by a successful check of a real photo."""
    report = tmp_path / "existing" / "report.html"
    result = run_cli(capsys, "check", shared_file(REAL_PHOTO), "--article", article,
                     "--report", report)
    assert result.rc == 0, result.err
    return report.with_suffix(".vcase")


# ---------------------------------------------------------------- each command, each bad file


def test_check_bad_media(bad_file: Path, article: Path, tmp_path: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    result = run_cli(capsys, "check", bad_file, "--article", article,
                     "--report", out / "report.html")
    assert_one_error_line(result, bad_file)
    assert result.out == ""
    # "Inputs are all validated before the case file is created": nothing is left behind.
    assert not (out / "report.html").exists()
    assert not (out / "report.vcase").exists()
    assert not (out / "report.evidence").exists()


def test_metadata_bad_file(bad_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           request: pytest.FixtureRequest) -> None:
    if bad_file.name == "truncated.jpg":
        # Its EXIF is intact, so metadata reports it, marked incomplete with the reason.
        result = run_cli(capsys, "metadata", bad_file, "--json")
        assert result.rc == 0, result.err
        payload = json.loads(result.out)
        assert payload["complete"] is False
        assert any("decode" in p for p in payload["problems"])
        return
    result = run_cli(capsys, "metadata", bad_file)
    assert_one_error_line(result, bad_file)


def test_match_bad_file(bad_file: Path, empty_corpus: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "match", bad_file, "--corpus", empty_corpus)
    assert_one_error_line(result, bad_file)


def test_keyframes_bad_file(bad_file: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "frames"
    result = run_cli(capsys, "keyframes", bad_file, "--out", out)
    assert_one_error_line(result, bad_file)
    assert not out.exists() or not any(out.iterdir())


def test_keyframes_of_a_photo_is_refused(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    photo = shared_file(REAL_PHOTO)
    line = assert_one_error_line(run_cli(capsys, "keyframes", photo, "--out", tmp_path / "k"),
                                 photo)
    assert "video" in line


def test_corpus_add_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere"
    corpus = tmp_path / "c.sqlite"
    assert_one_error_line(run_cli(capsys, "corpus", "add", missing, "--corpus", corpus),
                          missing)


def test_match_without_corpus_names_the_corpus(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "no-corpus.sqlite"
    result = run_cli(capsys, "match", shared_file(REAL_PHOTO), "--corpus", corpus)
    assert_one_error_line(result, corpus)
    assert not corpus.exists()


# ---------------------------------------------------------------- an existing case is never touched


def test_check_into_existing_case_leaves_it_unchanged(
        bad_file: Path, existing_case: Path, article: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = sha256_of(existing_case)
    evidence = existing_case.with_name(existing_case.stem + ".evidence")
    evidence_before = tree_digest(evidence)
    result = run_cli(capsys, "check", bad_file, "--article", article,
                     "--report", tmp_path / "second.html", "--case", existing_case)
    assert "Traceback" not in result.err
    assert result.rc == 2
    assert len(result.err_lines) == 1
    assert sha256_of(existing_case) == before
    assert tree_digest(evidence) == evidence_before
    assert not (tmp_path / "second.html").exists()


def test_check_good_media_into_existing_case_is_refused(
        existing_case: Path, article: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    before = sha256_of(existing_case)
    result = run_cli(capsys, "check", shared_file(REAL_PHOTO), "--article", article,
                     "--report", tmp_path / "second.html", "--case", existing_case)
    assert_one_error_line(result, existing_case)
    assert sha256_of(existing_case) == before
    assert not (tmp_path / "second.html").exists()


# ---------------------------------------------------------------- verdicts


def _case_counts(path: Path) -> tuple[int, int]:
    with CaseStore.open(path) as case:
        verdicts = sum(len(case.verdict_history(c.id)) for c in case.claims() if c.id)
        return verdicts, len(case.audit_trail())


@pytest.mark.parametrize(("claim", "rating", "extra", "subject"), [
    ("999", None, [], None),  # the error names the case file
    ("1", "Pants on fire", [], "--rating"),
    ("1", None, ["--confidence", "1.5"], "confidence"),
])
def test_verdict_bad_input_leaves_case_unchanged(
        existing_case: Path, claim: str, rating: str | None, extra: list[str], subject: str | None,
        capsys: pytest.CaptureFixture[str]) -> None:
    before_counts = _case_counts(existing_case)
    before = sha256_of(existing_case)
    rating = rating or ratings_other_than_unverified()[0]
    result = run_cli(capsys, "verdict", existing_case, "--claim", claim, "--rating", rating,
                     "--rationale", "Geolocated from the garden wall.", *extra)
    line = assert_one_error_line(result, subject or existing_case)
    if subject is None:
        assert claim in line
    assert sha256_of(existing_case) == before
    assert _case_counts(existing_case) == before_counts


def test_verdict_on_missing_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "missing.vcase"
    result = run_cli(capsys, "verdict", case, "--claim", "1",
                     "--rating", ratings_other_than_unverified()[0], "--rationale", "x")
    assert_one_error_line(result, case)
    assert not case.exists()


def test_verdict_on_empty_file_leaves_it_untouched(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    case = tmp_path / "blank.vcase"
    case.write_bytes(b"")
    result = run_cli(capsys, "verdict", case, "--claim", "1",
                     "--rating", ratings_other_than_unverified()[0], "--rationale", "x")
    assert_one_error_line(result, case)
    assert case.read_bytes() == b""


def test_match_with_a_case_file_as_corpus(existing_case: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "match", shared_file(REAL_PHOTO), "--corpus", existing_case)
    assert_one_error_line(result, existing_case)


# ---------------------------------------------------------------- an unreachable article URL


def test_article_url_with_nothing_listening(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/article.html"
    line = assert_one_error_line(run_cli(capsys, "claims", url), url)
    assert "fetch" in line or "connect" in line.lower()

    out = tmp_path / "out"
    result = run_cli(capsys, "check", shared_file(REAL_PHOTO), "--article", url,
                     "--report", out / "r.html")
    assert_one_error_line(result, url)
    assert not (out / "r.vcase").exists() and not (out / "r.html").exists()
