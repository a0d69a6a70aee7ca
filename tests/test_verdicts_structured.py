"""Structured verdicts (confidence words, reason codes, evidence links, append-only history),
the reasons `verifier case suggest` derives from a case, and the user settings (analyst name,
default corpus).

Truths: CONFIDENCE_LEVELS and REASONS as the modules define them, the Canon EOS 40D's EXIF
Software tag read with exifread, corpora built here from copies whose SHA-256 is checked with
hashlib, the case file re-opened with CaseStore, XDG_CONFIG_HOME isolated by conftest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import exifread
import pytest

from tests.conftest import ARTICLE, MEDIA
from tests.helpers import (
    CliResult,
    assert_one_error_line,
    isolated_user_dirs,
    ratings_other_than_unverified,
    run_cli,
    run_cli_redirected,
    sha256_of,
)
from verifier.case import CaseStore, evidence_dir_for
from verifier.models import CONFIDENCE_LEVELS, EvidenceItem, Rating
from verifier.verdicts import REASONS

PHOTO = "exif-samples/jpg/Canon_40D.jpg"
OTHERS = ("exif-samples/jpg/Nikon_D70.jpg", "exif-samples/jpg/Pentax_K10D.jpg")


def _photo() -> Path:
    path = MEDIA / PHOTO
    if not path.exists():
        pytest.skip(f"real media not available: {path}")
    if not ARTICLE.exists():
        pytest.skip(f"real article not available: {ARTICLE}")
    return path


@dataclass
class Built:
    work: Path
    plain: Path  # case made without a corpus
    with_corpus: Path  # case made with a corpus holding a copy of the photo
    without_corpus: Path  # case made with a corpus of other photos only
    corpus_with: Path
    corpus_without: Path
    archived_copy: Path  # the photo's copy inside corpus_with's folder


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    photo = _photo()
    others = [MEDIA / o for o in OTHERS]
    if not all(o.exists() for o in others):
        pytest.skip("real media not available")
    work = tmp_path_factory.mktemp("verdicts")
    with_dir, without_dir = work / "archive-with", work / "archive-without"
    with_dir.mkdir()
    without_dir.mkdir()
    archived = with_dir / "archived-2008.jpg"
    shutil.copyfile(photo, archived)
    shutil.copyfile(others[0], with_dir / others[0].name)
    for o in others:
        shutil.copyfile(o, without_dir / o.name)
    corpus_with, corpus_without = work / "with.db", work / "without.db"
    cases = {}
    with isolated_user_dirs(work / "xdg"):
        for folder, db in ((with_dir, corpus_with), (without_dir, corpus_without)):
            result = run_cli_redirected("corpus", "add", folder, "--corpus", db)
            assert result.rc == 0, result.err
        for name, corpus in (("plain", None), ("with", corpus_with),
                             ("without", corpus_without)):
            case = work / f"{name}.vcase"
            extra = ("--corpus", corpus) if corpus else ()
            result = run_cli_redirected("check", photo, "--article", ARTICLE, "--report",
                                        work / f"{name}.html", "--case", case, *extra)
            assert result.rc == 0, result.err
            cases[name] = case
    return Built(work, cases["plain"], cases["with"], cases["without"], corpus_with,
                 corpus_without, archived)


def _copy_case(template: Path, folder: Path) -> Path:
    path = folder / template.name
    shutil.copy2(template, path)
    shutil.copytree(evidence_dir_for(template), evidence_dir_for(path))
    return path


@pytest.fixture
def case(built: Built, tmp_path: Path) -> Path:
    return _copy_case(built.plain, tmp_path)


def _show(capsys: pytest.CaptureFixture[str], case: Path) -> dict[str, Any]:
    result = run_cli(capsys, "case", "show", case, "--json")
    assert result.rc == 0, result.err
    return dict(json.loads(result.out))


def _claim(capsys: pytest.CaptureFixture[str], case: Path, needle: str) -> dict[str, Any]:
    hits = [c for c in _show(capsys, case)["claims"] if needle in " ".join(c["text"].split())]
    assert len(hits) == 1, needle
    return hits[0]


def _verdict(capsys: pytest.CaptureFixture[str], case: Path, claim: int, *extra: object,
             rating: str | None = None) -> CliResult:
    return run_cli(capsys, "verdict", case, "--claim", claim, "--rating",
                   rating or ratings_other_than_unverified()[0], "--rationale",
                   "Reverse search found the same frames in an older broadcast.", *extra)


def _rows(case: Path, claim: int) -> int:
    with CaseStore.open(case) as store:
        return len(store.verdict_history(claim))


def _audit_length(case: Path) -> int:
    with CaseStore.open(case) as store:
        return len(store.audit_trail())


# ================================================================ confidence


@pytest.mark.parametrize("word", sorted(CONFIDENCE_LEVELS))
def test_confidence_words_map_to_the_levels(case: Path, word: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "according to CNN Arabic")["id"]
    result = _verdict(capsys, case, claim, "--confidence", word.upper(), "--json")
    assert result.rc == 0, result.err
    payload = json.loads(result.out)
    assert payload["confidence"] == CONFIDENCE_LEVELS[word]
    assert payload["confidence_label"] == word
    with CaseStore.open(case) as store:
        current = store.current_verdict(claim)
    assert current is not None and current.confidence == CONFIDENCE_LEVELS[word]


@pytest.mark.parametrize("number", ["0", "0.33", "1", "0.999"])
def test_a_number_is_a_confidence(case: Path, number: str,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "according to CNN Arabic")["id"]
    result = _verdict(capsys, case, claim, "--confidence", number, "--json")
    assert result.rc == 0, result.err
    assert json.loads(result.out)["confidence"] == float(number)


@pytest.mark.parametrize("bad", ["1.5", "-0.1", "nan", "very", ""])
def test_bad_confidence_exits_2_and_records_nothing(case: Path, bad: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "according to CNN Arabic")["id"]
    rows, events = _rows(case, claim), _audit_length(case)
    result = _verdict(capsys, case, claim, "--confidence", bad)
    assert_one_error_line(result, "--confidence")
    assert (_rows(case, claim), _audit_length(case)) == (rows, events)


# ================================================================ reasons and evidence links


def test_reason_codes_are_stored(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "cannot be verified")["id"]
    codes = list(REASONS)[:2] + list(REASONS)[-1:]
    argv: list[object] = []
    for code in codes:
        argv += ["--reason", code]
    result = _verdict(capsys, case, claim, *argv, "--json")
    assert result.rc == 0, result.err
    assert json.loads(result.out)["reasons"] == codes
    with CaseStore.open(case) as store:
        current = store.current_verdict(claim)
        event = store.audit_trail()[-1]
    assert current is not None and list(current.reasons) == codes
    assert event.action == "verdict.recorded" and event.detail["reasons"] == codes
    shown = _claim(capsys, case, "cannot be verified")
    assert shown["verdict"]["reasons"] == codes


def test_an_unknown_reason_exits_2_and_records_nothing(
        case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "cannot be verified")["id"]
    rows, events = _rows(case, claim), _audit_length(case)
    result = _verdict(capsys, case, claim, "--reason", next(iter(REASONS)), "--reason",
                      "looks-fake")
    line = assert_one_error_line(result, "--reason")
    assert "looks-fake" in line
    assert (_rows(case, claim), _audit_length(case)) == (rows, events)


def test_links_become_evidence_items(case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "cannot be verified")["id"]
    links = [
        ("match:archive/2017/iran tv clip.mp4=same broadcast, aired 2017",
         EvidenceItem("match", "archive/2017/iran tv clip.mp4", "same broadcast, aired 2017")),
        ("url:https://example.org/?a=b = note",
         EvidenceItem("url", "https://example.org/?a=b", "note")),
        ("url:https://example.org/watch?v=abc&t=12",
         EvidenceItem("url", "https://example.org/watch?v=abc&t=12", "")),
        ("metadata:editing-software", EvidenceItem("metadata", "editing-software", "")),
    ]
    argv: list[object] = []
    for text, _ in links:
        argv += ["--link", text]
    result = _verdict(capsys, case, claim, *argv, "--json")
    assert result.rc == 0, result.err
    expected = [item for _, item in links]
    assert [EvidenceItem(**e) for e in json.loads(result.out)["evidence_items"]] == expected
    with CaseStore.open(case) as store:
        current = store.current_verdict(claim)
    assert current is not None and list(current.evidence_items) == expected


@pytest.mark.parametrize("bad", ["archive/clip.mp4", "video:clip.mp4", "match:", "url:  "])
def test_a_bad_link_exits_2_and_records_nothing(case: Path, bad: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "cannot be verified")["id"]
    rows, events = _rows(case, claim), _audit_length(case)
    result = _verdict(capsys, case, claim, "--link", bad)
    assert_one_error_line(result, "--link")
    assert (_rows(case, claim), _audit_length(case)) == (rows, events)


# ================================================================ history


def test_history_is_append_only_and_the_latest_is_current(
        case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A claim with no automatic verdict (no media cue): history starts empty.
    claim = _claim(capsys, case, "Both Soleimani and Muhandis were killed")
    assert claim["verdict"] is None
    first, second = ratings_other_than_unverified()[:2]
    assert _verdict(capsys, case, claim["id"], "--confidence", "low", rating=first).rc == 0
    assert _verdict(capsys, case, claim["id"], "--confidence", "high", rating=second).rc == 0
    with CaseStore.open(case) as store:
        history = store.verdict_history(claim["id"])
        current = store.current_verdict(claim["id"])
        events = [e for e in store.audit_trail() if e.action == "verdict.recorded"
                  and e.detail["claim_id"] == claim["id"]]
        assert store.verify() == []
    assert [v.rating for v in history] == [Rating(first), Rating(second)]
    assert [v.confidence for v in history] == [CONFIDENCE_LEVELS["low"],
                                               CONFIDENCE_LEVELS["high"]]
    assert current == history[-1]
    assert len(events) == 2
    assert events[0].detail["previous"] is None
    assert events[1].detail["previous"] == first
    assert events[1].detail["rating"] == second
    assert events[1].detail["verdict_id"] == history[-1].id
    shown = _claim(capsys, case, "Both Soleimani and Muhandis were killed")
    assert shown["verdict"]["rating"] == second


def test_the_automatic_verdict_stays_in_the_history(
        case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "cannot be verified")
    assert claim["verdict"]["rating"] == Rating.UNVERIFIED.value
    rating = ratings_other_than_unverified()[0]
    assert _verdict(capsys, case, claim["id"], rating=rating).rc == 0
    with CaseStore.open(case) as store:
        history = store.verdict_history(claim["id"])
        event = store.audit_trail()[-1]
    assert [v.rating for v in history] == [Rating.UNVERIFIED, Rating(rating)]
    assert event.detail["previous"] == Rating.UNVERIFIED.value


def test_a_verdict_on_a_deleted_claim_exits_2(case: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    claim = _claim(capsys, case, "Read more:")["id"]
    assert run_cli(capsys, "claim", "delete", case, "--claim", claim).rc == 0
    events = _audit_length(case)
    result = _verdict(capsys, case, claim)
    line = assert_one_error_line(result, case)
    assert str(claim) in line
    assert _rows(case, claim) == 0 and _audit_length(case) == events


# ================================================================ suggested reasons


def _suggest(capsys: pytest.CaptureFixture[str], case: Path) -> dict[str, Any]:
    media = _show(capsys, case)["media"]
    assert len(media) == 1
    result = run_cli(capsys, "case", "suggest", case, "--media", media[0]["id"], "--json")
    assert result.rc == 0, result.err
    payload = dict(json.loads(result.out))
    for reason in payload["reasons"]:
        assert reason["text"] == REASONS[reason["code"]]
    return payload


def _codes(payload: dict[str, Any]) -> list[str]:
    return [r["code"] for r in payload["reasons"]]


def test_photo_edited_with_gimp_suggests_edited_with_software(
        built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    with (MEDIA / PHOTO).open("rb") as fh:
        tags = exifread.process_file(fh, details=False)
    assert "GIMP" in str(tags["Image Software"])
    assert str(tags["Image Make"]) == "Canon"
    codes = _codes(_suggest(capsys, built.plain))
    assert "edited-with-software" in codes
    assert "metadata-stripped" not in codes  # the file carries its camera's EXIF
    assert len(codes) == len(set(codes))


def test_without_a_corpus_the_photo_was_not_searched(
        built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    payload = _suggest(capsys, built.plain)
    codes = _codes(payload)
    assert "not-searched" in codes
    assert "earlier-appearance" not in codes and "no-earlier-appearance" not in codes
    assert not [e for e in payload["evidence"] if e["kind"] == "match"]


def test_a_corpus_holding_the_photo_suggests_an_earlier_appearance(
        built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    assert sha256_of(built.archived_copy) == sha256_of(MEDIA / PHOTO)
    payload = _suggest(capsys, built.with_corpus)
    codes = _codes(payload)
    assert "earlier-appearance" in codes
    assert "not-searched" not in codes and "no-earlier-appearance" not in codes
    matches = [e for e in payload["evidence"] if e["kind"] == "match"]
    assert matches
    assert Path(matches[0]["ref"]).resolve() == built.archived_copy.resolve()


def test_a_corpus_without_the_photo_suggests_no_earlier_appearance(
        built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    digest = sha256_of(MEDIA / PHOTO)
    folder = built.work / "archive-without"
    assert all(sha256_of(p) != digest for p in folder.iterdir())
    payload = _suggest(capsys, built.without_corpus)
    codes = _codes(payload)
    assert "no-earlier-appearance" in codes
    assert "earlier-appearance" not in codes and "not-searched" not in codes
    assert not [e for e in payload["evidence"] if e["kind"] == "match"]


def test_suggestions_record_nothing(built: Built, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    case = _copy_case(built.with_corpus, tmp_path)
    before = hashlib.sha256(case.read_bytes()).hexdigest()
    events = _audit_length(case)
    _suggest(capsys, case)
    assert _audit_length(case) == events
    assert hashlib.sha256(case.read_bytes()).hexdigest() == before


def test_suggest_for_an_unknown_media_item_exits_2(
        case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "case", "suggest", case, "--media", 42)
    line = assert_one_error_line(result, case)
    assert "42" in line


# ================================================================ settings


def test_settings_file_lives_in_the_isolated_config_dir(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "settings", "--analyst", "Jane Doe", "--json")
    assert result.rc == 0, result.err
    payload = json.loads(result.out)
    assert payload["analyst"] == "Jane Doe"
    config = Path(os.environ["XDG_CONFIG_HOME"]).resolve()
    assert config in Path(payload["path"]).resolve().parents
    assert json.loads(Path(payload["path"]).read_text(encoding="utf-8"))["analyst"] == \
        "Jane Doe"
    # Shown again without changes.
    again = json.loads(run_cli(capsys, "settings", "--json").out)
    assert again["analyst"] == "Jane Doe"


def test_the_analyst_name_goes_into_new_verdicts_and_events(
        case: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with CaseStore.open(case) as store:
        old_events = store.audit_trail()
    assert "Jane Doe" not in {e.actor for e in old_events}
    assert run_cli(capsys, "settings", "--analyst", "Jane Doe").rc == 0
    claim = _claim(capsys, case, "according to CNN Arabic")["id"]
    result = _verdict(capsys, case, claim, "--json")
    assert result.rc == 0, result.err
    assert json.loads(result.out)["analyst"] == "Jane Doe"
    start = _show(capsys, case)["claims"][0]["start"]
    assert run_cli(capsys, "claim", "add", case, "--start", start, "--end", start + 20).rc == 0
    with CaseStore.open(case) as store:
        current = store.current_verdict(claim)
        trail = store.audit_trail()
        assert store.verify() == []
    assert current is not None and current.analyst == "Jane Doe"
    new = trail[len(old_events):]
    assert [e.action for e in new] == ["verdict.recorded", "claim.added"]
    assert {e.actor for e in new} == {"Jane Doe"}
    assert trail[:len(old_events)] == old_events  # earlier events keep their actor


def test_a_new_case_is_created_by_the_configured_analyst(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = _photo()
    assert run_cli(capsys, "settings", "--analyst", "Jane Doe").rc == 0
    case = tmp_path / "new.vcase"
    result = run_cli(capsys, "check", photo, "--article", ARTICLE, "--report",
                     tmp_path / "new.html", "--case", case)
    assert result.rc == 0, result.err
    with CaseStore.open(case) as store:
        trail = store.audit_trail()
    assert trail[0].action == "case.created" and trail[0].actor == "Jane Doe"
    assert {e.actor for e in trail} == {"Jane Doe"}


def _match(capsys: pytest.CaptureFixture[str], *extra: object) -> CliResult:
    return run_cli(capsys, "match", MEDIA / PHOTO, *extra)


def test_the_configured_corpus_is_used_when_match_has_no_corpus(
        built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    # Nothing configured: the default corpus in the (empty) user data dir does not exist.
    assert _match(capsys).rc == 2
    assert run_cli(capsys, "settings", "--corpus", built.corpus_with).rc == 0
    result = _match(capsys, "--json")
    assert result.rc == 0, result.err
    matches = json.loads(result.out)["matches"]
    assert matches
    assert Path(matches[0]["corpus_path"]).resolve() == built.archived_copy.resolve()
    assert matches[0]["corpus_sha256"] == sha256_of(MEDIA / PHOTO)
    # An explicit --corpus still wins.
    explicit = _match(capsys, "--corpus", built.corpus_without, "--json")
    assert explicit.rc == 0, explicit.err
    assert json.loads(explicit.out)["matches"] == []


def test_the_configured_corpus_is_used_by_check(
        built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photo = _photo()
    assert run_cli(capsys, "settings", "--corpus", built.corpus_with).rc == 0
    case = tmp_path / "c.vcase"
    result = run_cli(capsys, "check", photo, "--article", ARTICLE, "--report",
                     tmp_path / "c.html", "--case", case)
    assert result.rc == 0, result.err
    assert "earlier-appearance" in _codes(_suggest(capsys, case))


def test_a_relative_corpus_setting_survives_a_change_of_directory(
        built: Built, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(built.corpus_with.parent)
    assert run_cli(capsys, "settings", "--corpus", built.corpus_with.name).rc == 0
    monkeypatch.chdir(built.work / "archive-without")
    result = _match(capsys, "--json")
    assert result.rc == 0, result.err
    assert json.loads(result.out)["matches"]
