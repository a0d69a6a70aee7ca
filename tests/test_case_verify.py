"""`verifier case verify`: a fresh case is intact; a changed or missing evidence copy and an
audit row altered behind the application's back (raw sqlite, append-only trigger dropped first,
as an attacker would) are each named, with exit status 1.

Truths: the case built here with `verifier check` on a real photo and the real article, files
changed with plain file operations, the audit table changed with the sqlite3 module."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, MEDIA
from tests.helpers import (
    CliResult,
    checked_photo_case,
    copy_case,
    run_cli,
    sha256_of,
)
from verifier.case import CaseStore, evidence_dir_for

PHOTO = "exif-samples/jpg/Canon_40D.jpg"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return checked_photo_case(tmp_path_factory, "verify-template", MEDIA / PHOTO, ARTICLE)


@pytest.fixture
def case(template: Path, tmp_path: Path) -> Path:
    return copy_case(template, tmp_path)


def _verify(capsys: pytest.CaptureFixture[str], case: Path, *extra: str) -> CliResult:
    result = run_cli(capsys, "case", "verify", case, *extra)
    assert "Traceback" not in result.err, result.err
    return result


def _media_copy(case: Path) -> Path:
    with CaseStore.open(case) as store:
        media = store.media()
    assert len(media) == 1
    return Path(media[0].path)


def _article_copy(case: Path) -> Path:
    copies = list(evidence_dir_for(case).glob("article-*"))
    assert len(copies) == 1, copies
    return copies[0]


def _problem_lines(result: CliResult) -> list[str]:
    return [line for line in result.out.splitlines() if line.strip()]


def test_a_fresh_case_is_intact(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The evidence copies really are the inputs, byte for byte.
    assert sha256_of(_media_copy(case)) == sha256_of(MEDIA / PHOTO)
    assert _article_copy(case).read_bytes() == ARTICLE.read_bytes()
    result = _verify(capsys, case)
    assert result.rc == 0, result.out
    assert "intact" in result.out.lower()
    payload = json.loads(_verify(capsys, case, "--json").out)
    assert payload["intact"] is True and payload["problems"] == []
    with CaseStore.open(case) as store:
        assert payload["audit_head"] == store.audit_trail()[-1].hash


def test_verify_changes_nothing(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p: sha256_of(p) for p in [case, *evidence_dir_for(case).rglob("*")]
              if p.is_file()}
    assert _verify(capsys, case).rc == 0
    after = {p: sha256_of(p) for p in [case, *evidence_dir_for(case).rglob("*")]
             if p.is_file()}
    assert after == before


def test_evidence_copies_are_read_only(case: Path) -> None:
    for path in (_media_copy(case), _article_copy(case)):
        assert path.stat().st_mode & 0o222 == 0, oct(path.stat().st_mode)


def test_one_byte_changed_in_the_media_copy(case: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    copy = _media_copy(case)
    copy.chmod(0o644)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    result = _verify(capsys, case)
    assert result.rc == 1, result.out
    lines = [line for line in _problem_lines(result) if "changed" in line]
    assert len(lines) == 1, result.out
    assert "media" in lines[0] and (MEDIA / PHOTO).name in lines[0]
    assert "intact" not in result.out.lower()
    payload = json.loads(_verify(capsys, case, "--json").out)
    assert payload["intact"] is False and len(payload["problems"]) == 1
    # The new digest is reported, computed from the changed file.
    assert sha256_of(copy) in payload["problems"][0]


def test_the_media_copy_deleted(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _media_copy(case).unlink()
    result = _verify(capsys, case)
    assert result.rc == 1
    lines = [line for line in _problem_lines(result) if "missing" in line]
    assert len(lines) == 1 and (MEDIA / PHOTO).name in lines[0], result.out


def test_the_article_copy_deleted(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = _article_copy(case)
    copy.unlink()
    result = _verify(capsys, case)
    assert result.rc == 1, result.out
    lines = [line for line in _problem_lines(result) if "missing" in line]
    assert len(lines) == 1, result.out
    assert "article" in lines[0] and copy.name in lines[0]
    assert not [line for line in _problem_lines(result) if "media" in line]


def test_the_article_copy_changed(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = _article_copy(case)
    copy.chmod(0o644)
    copy.write_bytes(copy.read_bytes().replace(b"cannot be verified", b"has been verified"))
    result = _verify(capsys, case)
    assert result.rc == 1
    lines = [line for line in _problem_lines(result) if "changed" in line]
    assert len(lines) == 1 and "article" in lines[0] and copy.name in lines[0], result.out


def _tamper_audit(case: Path, action: str, key: str, value: object) -> int:
    """Rewrite one detail field of the first `action` event; returns its id."""
    con = sqlite3.connect(case)
    try:
        con.execute("DROP TRIGGER IF EXISTS audit_append_only_u")
        row = con.execute("SELECT id, detail FROM audit WHERE action = ? ORDER BY id LIMIT 1",
                          (action,)).fetchone()
        assert row is not None, action
        detail = json.loads(row[1])
        assert key in detail and detail[key] != value
        detail[key] = value
        con.execute("UPDATE audit SET detail = ? WHERE id = ?",
                    (json.dumps(detail, sort_keys=True), row[0]))
        con.commit()
        return int(row[0])
    finally:
        con.close()


@pytest.mark.parametrize(("action", "key", "value"), [
    ("article.imported", "source", "/elsewhere/another-article.txt"),
    ("media.added", "sha256", "0" * 64),
    ("verdict.recorded", "rating", "Verified authentic"),
])
def test_an_altered_audit_row_is_named(case: Path, action: str, key: str, value: object,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    event_id = _tamper_audit(case, action, key, value)
    result = _verify(capsys, case)
    assert result.rc == 1, result.out
    lines = [line for line in _problem_lines(result) if "altered" in line
             and f"event {event_id}" in line]
    assert len(lines) == 1, result.out
    payload = json.loads(_verify(capsys, case, "--json").out)
    assert payload["intact"] is False
    assert [p for p in payload["problems"] if f"event {event_id}" in p]
    # Only that event: the ones after it still follow it.
    assert not [p for p in payload["problems"] if f"event {event_id}" not in p]


def test_a_removed_audit_row_is_found(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    con = sqlite3.connect(case)
    try:
        con.execute("DROP TRIGGER IF EXISTS audit_append_only_d")
        event_id = con.execute(
            "SELECT id FROM audit WHERE action = 'media.added'").fetchone()[0]
        con.execute("DELETE FROM audit WHERE id = ?", (event_id,))
        con.commit()
    finally:
        con.close()
    result = _verify(capsys, case)
    assert result.rc == 1, result.out
    assert "intact" not in result.out.lower()


def test_verify_of_a_missing_case_exits_2(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.vcase"
    result = _verify(capsys, missing)
    assert result.rc == 2 and len(result.err_lines) == 1
    assert str(missing) in result.err


def test_a_replaced_media_copy_with_a_rewritten_row_is_found(
        case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = _media_copy(case)
    other = MEDIA / "exif-samples/jpg/Nikon_D70.jpg"
    if not other.exists():
        pytest.skip(f"real media not available: {other}")
    copy.chmod(0o644)
    shutil.copyfile(other, copy)
    con = sqlite3.connect(case)
    try:
        con.execute("UPDATE media SET sha256 = ?", (sha256_of(other),))
        con.commit()
    finally:
        con.close()
    with CaseStore.open(case) as store:
        recorded = [e.detail["sha256"] for e in store.audit_trail() if e.action == "media.added"]
    assert recorded == [sha256_of(MEDIA / PHOTO)]  # the chain still knows the real bytes
    result = _verify(capsys, case)
    assert result.rc == 1, result.out
    assert (MEDIA / PHOTO).name in result.out
