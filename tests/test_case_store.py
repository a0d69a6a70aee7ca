"""The case store: verdict history is append-only, the audit trail is a hash chain, the JSON
report carries the whole history."""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import shared_file
from tests.helpers import parse_html, ratings_other_than_unverified, run_cli, sha256_of
from verifier.article import LoadedArticle, from_text
from verifier.case import CaseStore
from verifier.errors import UserError
from verifier.models import Claim, Rating, Verdict

TEXT = ("Officials said the video was filmed last month in Baghdad.\n"
        "The footage cannot be independently verified.\n")


def _new_case(path: Path) -> tuple[CaseStore, list[Claim]]:
    case = CaseStore.create(path, name="history test", actor="tester")
    raw = TEXT.encode("utf-8")
    article = case.set_article(LoadedArticle(from_text(TEXT, "pasted", raw), raw))
    assert article.id is not None
    first = TEXT.splitlines()[0]
    second = TEXT.splitlines()[1]
    start2 = TEXT.index(second)
    claims = case.add_claims(article.id, [
        Claim(first, 0, len(first), ("attribution", "time"), ("said", "last month")),
        Claim(second, start2, start2 + len(second), ("unverifiable",), ("cannot be",)),
    ])
    return case, claims


@pytest.fixture
def case_path(tmp_path: Path) -> Path:
    path = tmp_path / "history.vcase"
    case, _ = _new_case(path)
    case.close()
    return path


def test_new_case_has_an_intact_chain(case_path: Path) -> None:
    with CaseStore.open(case_path) as case:
        trail = case.audit_trail()
        assert [e.action for e in trail] == ["case.created", "article.imported", "claims.found"]
        assert trail[0].prev_hash == ""
        for prev, ev in itertools.pairwise(trail):
            assert ev.prev_hash == prev.hash
        assert len({e.hash for e in trail}) == len(trail)
        assert case.verify_audit() is True
        assert case.article() is not None
        assert case.article().raw_sha256 == hashlib.sha256(TEXT.encode()).hexdigest()


def test_two_verdicts_via_cli_keep_both(case_path: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    first_rating, second_rating = ratings_other_than_unverified()[:2]
    with CaseStore.open(case_path) as case:
        claim_id = case.claims()[0].id
    assert claim_id is not None
    r1 = run_cli(capsys, "verdict", case_path, "--claim", claim_id, "--rating", first_rating,
                 "--rationale", "First look: matches the satellite view.", "--confidence", "0.4",
                 "--json")
    assert r1.rc == 0, r1.err
    assert json.loads(r1.out)["rating"] == first_rating
    r2 = run_cli(capsys, "verdict", case_path, "--claim", claim_id, "--rating", second_rating,
                 "--rationale", "Second look: the shadows disagree.", "--confidence", "0.9",
                 "--evidence", "https://example.org/shadows", "sun-angle.png")
    assert r2.rc == 0, r2.err

    with CaseStore.open(case_path) as case:
        history = case.verdict_history(claim_id)
        assert [v.rating.value for v in history] == [first_rating, second_rating]
        assert [v.rationale for v in history] == ["First look: matches the satellite view.",
                                                  "Second look: the shadows disagree."]
        assert [v.confidence for v in history] == [0.4, 0.9]
        assert history[1].evidence == ("https://example.org/shadows", "sun-angle.png")
        current = case.current_verdict(claim_id)
        assert current is not None and current.id == history[-1].id
        assert current.rating.value == second_rating
        # The other claim has no verdict at all.
        other = next(c.id for c in case.claims() if c.id != claim_id)
        assert other is not None and case.verdict_history(other) == []
        assert case.current_verdict(other) is None
        recorded = [e for e in case.audit_trail() if e.action == "verdict.recorded"]
        assert [e.detail["rating"] for e in recorded] == [first_rating, second_rating]
        assert case.verify_audit() is True

    out = tmp_path / "report.json"
    rep = run_cli(capsys, "report", case_path, "--format", "json", "--out", out, "--json")
    assert rep.rc == 0, rep.err
    assert json.loads(rep.out)["sha256"] == sha256_of(out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    claim = next(c for c in doc["claims"] if c["id"] == claim_id)
    assert [v["rating"] for v in claim["history"]] == [first_rating, second_rating]
    assert [v["rationale"] for v in claim["history"]] == [
        "First look: matches the satellite view.", "Second look: the shadows disagree."]
    assert claim["verdict"]["rating"] == second_rating
    assert doc["audit_intact"] is True
    # The export itself is in the trail, with the digest of the bytes written.
    with CaseStore.open(case_path) as case:
        exported = [e for e in case.audit_trail() if e.action == "report.exported"]
        assert exported[-1].detail["sha256"] == sha256_of(out)

    html_out = tmp_path / "report.html"
    assert run_cli(capsys, "report", case_path, "--out", html_out).rc == 0
    tree = parse_html(html_out.read_text(encoding="utf-8"))
    history_rows = []
    for table in tree.by_tag("table"):
        if [th.text() for th in table.by_tag("th")][:4] == ["Claim", "When", "Analyst", "Rating"]:
            history_rows = [[td.text().strip() for td in tr.by_tag("td")]
                            for tr in table.by_tag("tr") if tr.by_tag("td")]
    assert [row[3] for row in history_rows if row[0] == str(claim_id)] == [first_rating,
                                                                           second_rating]


def test_verdict_rows_cannot_be_updated_or_deleted(case_path: Path) -> None:
    with CaseStore.open(case_path) as case:
        claim_id = case.claims()[0].id
        assert claim_id is not None
        case.add_verdict(Verdict(claim_id, Rating.UNVERIFIED, "Not yet reviewed.", 0.0))
    conn = sqlite3.connect(case_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE verdicts SET rationale = 'rewritten'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM verdicts")
        assert conn.execute("SELECT rationale FROM verdicts").fetchall() == [
            ("Not yet reviewed.",)]
    finally:
        conn.close()


def test_forged_audit_event_breaks_the_chain_and_the_report_says_so(
        case_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # INSERT is allowed (append-only), but an event not chained to the last one is detected.
    conn = sqlite3.connect(case_path)
    try:
        conn.execute("INSERT INTO audit (at, actor, action, detail, prev_hash, hash) VALUES "
                     "('2020-01-01T00:00:00+00:00', 'mallory', 'verdict.recorded', '{}', "
                     "'0000', 'ffff')")
        conn.commit()
    finally:
        conn.close()
    with CaseStore.open(case_path) as case:
        assert case.verify_audit() is False
    out = tmp_path / "r.html"
    assert run_cli(capsys, "report", case_path, "--out", out).rc == 0
    html = out.read_text(encoding="utf-8")
    parse_html(html)
    assert "BROKEN" in html and "chain is intact" not in html


def test_verdict_on_unknown_claim_or_bad_confidence_is_refused(case_path: Path) -> None:
    with CaseStore.open(case_path) as case:
        before = len(case.audit_trail())
        with pytest.raises(UserError):
            case.add_verdict(Verdict(12345, Rating.UNVERIFIED, "x", 0.5))
        claim_id = case.claims()[0].id
        assert claim_id is not None
        for bad in (-0.1, 1.01):
            with pytest.raises(UserError):
                case.add_verdict(Verdict(claim_id, Rating.UNVERIFIED, "x", bad))
        assert len(case.audit_trail()) == before
        assert case.verdict_history(claim_id) == []


def test_create_refuses_an_existing_file(case_path: Path) -> None:
    before = sha256_of(case_path)
    with pytest.raises(UserError):
        CaseStore.create(case_path)
    assert sha256_of(case_path) == before


def test_open_refuses_a_photo_and_leaves_it_alone(tmp_path: Path) -> None:
    photo = tmp_path / "photo.vcase"  # a private copy: never risk writing to ../shared
    photo.write_bytes(shared_file("exif-samples/jpg/Canon_40D.jpg").read_bytes())
    before = sha256_of(photo)
    with pytest.raises(UserError):
        CaseStore.open(photo)
    assert sha256_of(photo) == before


def test_evidence_copy_is_read_only_and_identical(tmp_path: Path) -> None:
    from verifier.media.intake import inspect

    photo = shared_file("exif-samples/jpg/Canon_40D.jpg")
    case, _ = _new_case(tmp_path / "c.vcase")
    with case:
        item = case.add_media(inspect(photo))
        copy = Path(item.path)
        assert copy.parent == case.evidence_dir
        assert sha256_of(copy) == hashlib.sha256(photo.read_bytes()).hexdigest() == item.sha256
        assert not copy.stat().st_mode & 0o222
        assert case.verify_audit() is True
