"""Claims: the documented rule set (verifier/claims.py) on the real article and on variants of
its phrasing, then claims edited by hand in a case through the CLI (add, edit, merge, delete,
link) with their audit events.

Truths: the real article's own sentences (found with regular expressions written here, tolerant
of its no-break spaces), spans computed by the tests with str.find on the stored article text,
the rule set as the module docstring documents it, the case file re-opened with CaseStore and
raw sqlite counts for the audit trail."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ARTICLE, MEDIA
from tests.helpers import (
    CliResult,
    assert_one_error_line,
    checked_photo_case,
    ratings_other_than_unverified,
    run_cli,
)
from verifier.article import load_article
from verifier.case import CaseStore, evidence_dir_for
from verifier.claims import ATTRIBUTION, HEDGE, PLACE, TIME, UNVERIFIABLE, find_claims
from verifier.claims import MEDIA as MEDIA_KIND
from verifier.models import Claim

PHOTO = "exif-samples/jpg/Canon_40D.jpg"
CLAIM_KINDS = {UNVERIFIABLE, HEDGE, ATTRIBUTION, TIME, PLACE}


def _squash(text: str) -> str:
    return " ".join(text.split())


def _holding(claims: list[Claim], pattern: str) -> list[Claim]:
    rx = re.compile(pattern)
    return [c for c in claims if rx.search(c.text)]


# ================================================================ the rules on the real article


@pytest.fixture
def real_claims(article_path: Path) -> tuple[str, list[Claim]]:
    text = load_article(str(article_path)).article.text
    return text, find_claims(text)


def test_cannot_be_verified_sentence_is_unverifiable_despite_the_typo(
        real_claims: tuple[str, list[Claim]], article_path: Path) -> None:
    _, claims = real_claims
    raw = article_path.read_text(encoding="utf-8")
    assert "authenticy" in raw  # the typo is really there
    # The paragraph holding it is a single sentence (no full stop inside it).
    paragraph = next(line.strip() for line in raw.splitlines() if "cannot be verified" in line)
    found = [c for c in claims if c.text == paragraph]
    assert len(found) == 1, [c.text for c in claims]
    assert UNVERIFIABLE in found[0].kinds
    assert any("cannot be verified" in cue.lower() for cue in found[0].cues), found[0].cues
    # Nothing else in the article says it cannot be verified.
    assert [c for c in claims if UNVERIFIABLE in c.kinds] == found


def test_allegedly_showing_sentence_is_a_hedge(real_claims: tuple[str, list[Claim]]) -> None:
    _, claims = real_claims
    found = _holding(claims, r"\ballegedly\s+showing\b")
    assert len(found) == 1
    assert HEDGE in found[0].kinds
    assert "allegedly" in [cue.lower() for cue in found[0].cues]
    assert MEDIA_KIND in found[0].kinds  # "video has surfaced"


def test_according_to_cnn_arabic_is_an_attribution_across_the_no_break_space(
        real_claims: tuple[str, list[Claim]]) -> None:
    text, claims = real_claims
    assert re.search(r"according to\u00a0CNN Arabic", text), "the article text lost its NBSP"
    found = _holding(claims, r"according\sto\sCNN\sArabic")
    assert len(found) == 1
    assert ATTRIBUTION in found[0].kinds
    assert any(_squash(cue) == "according to CNN Arabic" for cue in found[0].cues), \
        found[0].cues


def test_last_month_is_a_time_claim_and_baghdad_a_place(
        real_claims: tuple[str, list[Claim]]) -> None:
    _, claims = real_claims
    last_month = _holding(claims, r"\blast month\b")
    assert last_month
    for c in last_month:
        assert TIME in c.kinds, c
        assert "last month" in [cue.lower() for cue in c.cues]
    baghdad = _holding(claims, r"\bBaghdad\b")
    assert baghdad
    assert all(PLACE in c.kinds for c in baghdad), [(c.kinds, c.text) for c in baghdad]
    assert all(any("Baghdad" in cue for cue in c.cues) for c in baghdad)
    # "Baghdad last month": one sentence holds both cues.
    assert [c for c in last_month if c in baghdad]


def test_every_claim_is_its_span_of_the_article_text(
        real_claims: tuple[str, list[Claim]]) -> None:
    text, claims = real_claims
    assert claims
    for c in claims:
        assert c.text == text[c.start:c.end]
        assert CLAIM_KINDS.intersection(c.kinds), c


# ================================================================ variants of the phrasing

# (sentence, kind the documented rules must give it)
VARIANTS = [
    ("The footage could not be independently verified by reporters on the ground.",
     UNVERIFIABLE),
    ("Its origin could not be independently confirmed by the agency.", UNVERIFIABLE),
    ("The authenticity of the footage has not been confirmed by the broadcaster.",
     UNVERIFIABLE),
    ("The authenticy of the recording was not verified by anyone.", UNVERIFIABLE),
    ("Reporters were unable to independently verify the recording.", UNVERIFIABLE),
    ("The video purportedly shows the general at a training camp.", HEDGE),
    ("The commander is said to have attended the match with friends.", HEDGE),
    ("The clip appears to show the two men playing a game together.", HEDGE),
    ("The ministry said the strike hit a convoy of two cars.", ATTRIBUTION),
    ("A spokesman told reporters that the strike hit a convoy.", ATTRIBUTION),
    ("The game took place in a garden, according to the local channel.", ATTRIBUTION),
    ("The clip was first broadcast by a local channel last week.", TIME),
    ("The players met in the garden of a house near Karbala.", PLACE),
]
NEUTRAL = "The players wore white shirts and black shorts for the game."


@pytest.mark.parametrize(("sentence", "kind"), VARIANTS, ids=[v[0][:40] for v in VARIANTS])
def test_variant_sentence_is_classified(sentence: str, kind: str) -> None:
    paragraph = f"{NEUTRAL} {sentence} {NEUTRAL}"
    claims = find_claims(paragraph)
    assert len(claims) == 1, [(c.text, c.kinds) for c in claims]
    claim = claims[0]
    assert claim.text == sentence
    assert paragraph[claim.start:claim.end] == sentence
    assert kind in claim.kinds, (claim.kinds, claim.cues)


def test_a_neutral_sentence_gives_no_claim() -> None:
    assert find_claims(NEUTRAL) == []
    assert find_claims(f"{NEUTRAL}\n{NEUTRAL}") == []


def test_hedge_words_are_cues_of_their_sentence() -> None:
    text = ("The video purportedly shows the general. Officials said nothing about it.\n"
            "The commander is said to have attended the game in the evening.")
    claims = find_claims(text)
    by_start = {text[c.start:c.end]: c for c in claims}
    assert "purportedly" in [cue.lower() for cue in by_start[
        "The video purportedly shows the general."].cues]
    said_to = by_start["The commander is said to have attended the game in the evening."]
    assert any(_squash(cue).lower() == "is said to" for cue in said_to.cues), said_to.cues


def test_a_bare_weekday_is_a_time_cue() -> None:
    claims = find_claims("Officials said Tuesday that the footage was filmed near the border.")
    assert len(claims) == 1
    assert TIME in claims[0].kinds, claims[0].kinds


# ================================================================ claims edited in a case


@dataclass
class Case:
    path: Path
    text: str  # the article text stored in the case

    def show(self, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
        result = run_cli(capsys, "case", "show", self.path, "--json")
        assert result.rc == 0, result.err
        return dict(json.loads(result.out))

    def audit_length(self) -> int:
        con = sqlite3.connect(self.path)
        try:
            return int(con.execute("SELECT count(*) FROM audit").fetchone()[0])
        finally:
            con.close()

    def span(self, needle: str) -> tuple[int, int]:
        """Where needle is in the text, any whitespace (the article has no-break spaces)
        matching any whitespace."""
        start = self.text.find(needle)
        if start >= 0:
            return start, start + len(needle)
        m = re.search(r"\s".join(re.escape(w) for w in needle.split(" ")), self.text)
        assert m, needle
        return m.start(), m.end()


@pytest.fixture(scope="module")
def template_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return checked_photo_case(tmp_path_factory, "claims-template", MEDIA / PHOTO, ARTICLE)


@pytest.fixture
def case(template_case: Path, tmp_path: Path) -> Case:
    path = tmp_path / "case.vcase"
    shutil.copy2(template_case, path)
    shutil.copytree(evidence_dir_for(template_case), evidence_dir_for(path))
    with CaseStore.open(path) as store:
        article = store.article()
        assert article is not None
        return Case(path, article.text)


def _claim_json(result: CliResult) -> dict[str, Any]:
    assert result.rc == 0, result.err
    assert "Traceback" not in result.err
    return dict(json.loads(result.out))


def _claims_by_id(show: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(c["id"]): c for c in show["claims"]}


def _find(show: dict[str, Any], needle: str) -> dict[str, Any]:
    hits = [c for c in show["claims"] if needle in _squash(c["text"])]
    assert len(hits) == 1, (needle, [c["text"] for c in hits])
    return hits[0]


def test_the_case_holds_the_article_text_and_the_rule_claims(
        case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    assert case.text == ARTICLE.read_text(encoding="utf-8")
    for c in case.show(capsys)["claims"]:
        assert case.text[c["start"]:c["end"]] == c["text"]
        assert c["origin"] == "rules"


def test_claim_add_makes_an_analyst_claim_with_the_rules_kinds(
        case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    # Part of the "cannot be verified" sentence: unverifiable and media, but the attribution at
    # its end ("according to CNN Arabic") is left out of the selection.
    start, end = case.span("The clip, whose date or authenticy cannot be verified")
    before = case.audit_length()
    added = _claim_json(run_cli(capsys, "claim", "add", case.path, "--start", start,
                                "--end", end, "--json"))
    assert added["origin"] == "analyst"
    assert (added["start"], added["end"]) == (start, end)
    assert added["text"] == case.text[start:end]
    assert UNVERIFIABLE in added["kinds"] and MEDIA_KIND in added["kinds"]
    assert ATTRIBUTION not in added["kinds"]
    assert added["media_id"] is None
    assert case.audit_length() == before + 1
    shown = _claims_by_id(case.show(capsys))
    assert shown[added["id"]]["origin"] == "analyst"
    with CaseStore.open(case.path) as store:
        event = store.audit_trail()[-1]
    assert event.action == "claim.added"
    assert event.detail["claim_id"] == added["id"]
    assert event.detail["text"] == case.text[start:end]


def test_claim_add_trims_the_whitespace_around_a_selection(
        case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    start, end = case.span("Agencies contributed to this report.")
    added = _claim_json(run_cli(capsys, "claim", "add", case.path, "--start", start - 2,
                                "--end", end + 2, "--json"))
    assert case.text[start - 2:start].isspace() and case.text[end:end + 2].isspace()
    assert (added["start"], added["end"]) == (start, end)
    assert added["text"] == "Agencies contributed to this report."


def test_claim_edit_moves_the_span_and_the_audit_keeps_the_previous_one(
        case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    s1, e1 = case.span("The clip, whose date or authenticy cannot be verified")
    added = _claim_json(run_cli(capsys, "claim", "add", case.path, "--start", s1, "--end", e1,
                                "--json"))
    s2, e2 = case.span("was originally broadcast by a local Iranian TV channel, according to "
                       "CNN Arabic")
    edited = _claim_json(run_cli(capsys, "claim", "edit", case.path, "--claim", added["id"],
                                 "--start", s2, "--end", e2, "--json"))
    assert edited["id"] == added["id"]
    assert (edited["start"], edited["end"]) == (s2, e2)
    assert edited["text"] == case.text[s2:e2]
    # Kinds are found again for the new words.
    assert ATTRIBUTION in edited["kinds"] and UNVERIFIABLE not in edited["kinds"]
    with CaseStore.open(case.path) as store:
        event = store.audit_trail()[-1]
        assert store.claim(added["id"]).text == case.text[s2:e2]
    assert event.action == "claim.edited"
    assert event.detail["claim_id"] == added["id"]
    assert event.detail["previous"] == {"start": s1, "end": e1, "text": case.text[s1:e1]}
    assert (event.detail["start"], event.detail["end"]) == (s2, e2)


def test_claim_merge_gives_one_claim_and_keeps_the_old_verdict_history(
        case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    show = case.show(capsys)
    first = _find(show, "allegedly showing")
    second = _find(show, "cannot be verified")
    rating = ratings_other_than_unverified()[0]
    result = run_cli(capsys, "verdict", case.path, "--claim", first["id"], "--rating", rating,
                     "--rationale", "Same footage aired in 2017.")
    assert result.rc == 0, result.err
    with CaseStore.open(case.path) as store:
        history_before = {c: store.verdict_history(c) for c in (first["id"], second["id"])}
    assert len(history_before[first["id"]]) == 2  # automatic Unverified + ours

    merged = _claim_json(run_cli(capsys, "claim", "merge", case.path, "--claims", first["id"],
                                 second["id"], "--json"))
    start = min(first["start"], second["start"])
    end = max(first["end"], second["end"])
    assert (merged["start"], merged["end"]) == (start, end)
    assert merged["text"] == case.text[start:end]
    assert "allegedly showing" in merged["text"] and "cannot be verified" in merged["text"]
    assert merged["id"] not in (first["id"], second["id"])
    assert HEDGE in merged["kinds"] and UNVERIFIABLE in merged["kinds"]

    ids = set(_claims_by_id(case.show(capsys)))
    assert merged["id"] in ids
    assert first["id"] not in ids and second["id"] not in ids
    with CaseStore.open(case.path) as store:
        all_claims = {c.id: c for c in store.claims(include_deleted=True)}
        assert first["id"] in all_claims and second["id"] in all_claims
        assert all_claims[first["id"]].text == first["text"]
        for claim_id, history in history_before.items():
            assert store.verdict_history(claim_id) == history
        event = store.audit_trail()[-1]
        assert store.verify() == []
    assert event.action == "claims.merged"
    assert sorted(event.detail["merged"]) == sorted([first["id"], second["id"]])
    assert event.detail["claim_id"] == merged["id"]


def test_claim_delete_hides_the_claim(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    target = _find(case.show(capsys), "Read more:")
    result = run_cli(capsys, "claim", "delete", case.path, "--claim", target["id"], "--json")
    assert result.rc == 0, result.err
    assert target["id"] not in _claims_by_id(case.show(capsys))
    with CaseStore.open(case.path) as store:
        kept = [c for c in store.claims(include_deleted=True) if c.id == target["id"]]
        assert [c.text for c in kept] == [target["text"]]
        event = store.audit_trail()[-1]
    assert event.action == "claim.deleted"
    assert event.detail["claim_id"] == target["id"]
    # A deleted claim cannot be edited or deleted again.
    before = case.audit_length()
    again = run_cli(capsys, "claim", "delete", case.path, "--claim", target["id"])
    line = assert_one_error_line(again, case.path)
    assert str(target["id"]) in line
    assert case.audit_length() == before


def test_claim_link_and_unlink_media(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    show = case.show(capsys)
    media_id = show["media"][0]["id"]
    target = _find(show, "Last week, Iran's foreign minister")
    assert target["media_id"] is None
    linked = _claim_json(run_cli(capsys, "claim", "link", case.path, "--claim", target["id"],
                                 "--media", media_id, "--json"))
    assert linked["media_id"] == media_id
    assert _claims_by_id(case.show(capsys))[target["id"]]["media_id"] == media_id
    unlinked = _claim_json(run_cli(capsys, "claim", "link", case.path, "--claim", target["id"],
                                   "--media", 0, "--json"))
    assert unlinked["media_id"] is None
    with CaseStore.open(case.path) as store:
        events = [e for e in store.audit_trail() if e.action == "claim.media_linked"]
    assert [(e.detail["media_id"], e.detail["previous"]) for e in events] == \
        [(media_id, None), (None, media_id)]


@pytest.mark.parametrize("span", ["outside", "negative", "reversed", "empty", "blank"])
def test_bad_spans_exit_2_and_change_nothing(case: Case, span: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    n = len(case.text)
    blank = case.text.find("\n\n")
    start, end = {"outside": (n - 5, n + 10), "negative": (-3, 10), "reversed": (20, 10),
                  "empty": (15, 15), "blank": (blank, blank + 2)}[span]
    before = case.audit_length()
    claims_before = case.show(capsys)["claims"]
    for argv in (("claim", "add", case.path, "--start", start, "--end", end),
                 ("claim", "edit", case.path, "--claim", claims_before[0]["id"],
                  "--start", start, "--end", end)):
        result = run_cli(capsys, *argv)
        assert "Traceback" not in result.err, result.err
        assert result.rc == 2, (argv, result.rc, result.out, result.err)
        assert len(result.err_lines) == 1, result.err_lines
        if span == "outside":
            assert f"{start}-{end}" in result.err_lines[0]
    assert case.audit_length() == before
    assert case.show(capsys)["claims"] == claims_before


@pytest.mark.parametrize("command", ["edit", "delete", "merge", "link"])
def test_unknown_claims_exit_2_and_change_nothing(case: Case, command: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    show = case.show(capsys)
    known = show["claims"][0]["id"]
    unknown = max(c["id"] for c in show["claims"]) + 100
    argv: tuple[object, ...] = {
        "edit": ("--claim", unknown, "--start", 0, "--end", 10),
        "delete": ("--claim", unknown),
        "merge": ("--claims", known, unknown),
        "link": ("--claim", unknown, "--media", show["media"][0]["id"]),
    }[command]
    before = case.audit_length()
    result = run_cli(capsys, "claim", command, case.path, *argv)
    line = assert_one_error_line(result, case.path)
    assert str(unknown) in line
    assert case.audit_length() == before
    assert case.show(capsys)["claims"] == show["claims"]


def test_merging_a_claim_with_itself_exits_2(case: Case,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    known = case.show(capsys)["claims"][0]["id"]
    before = case.audit_length()
    result = run_cli(capsys, "claim", "merge", case.path, "--claims", known, known)
    assert result.rc == 2 and len(result.err_lines) == 1, result.err
    assert case.audit_length() == before


def test_linking_to_an_unknown_media_item_exits_2(case: Case,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    show = case.show(capsys)
    target = show["claims"][0]
    unknown = max(m["id"] for m in show["media"]) + 5
    before = case.audit_length()
    result = run_cli(capsys, "claim", "link", case.path, "--claim", target["id"],
                     "--media", unknown)
    line = assert_one_error_line(result, case.path)
    assert str(unknown) in line
    assert case.audit_length() == before


def test_claim_add_with_an_unknown_media_item_exits_2(
        case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    show = case.show(capsys)
    unknown = max(m["id"] for m in show["media"]) + 98
    start, end = case.span("Agencies contributed to this report.")
    before = case.audit_length()
    result = run_cli(capsys, "claim", "add", case.path, "--start", start, "--end", end,
                     "--media", unknown)
    line = assert_one_error_line(result, case.path)
    assert str(unknown) in line
    assert case.audit_length() == before


def test_claim_add_with_a_media_item_links_it(case: Case,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    media_id = case.show(capsys)["media"][0]["id"]
    start, end = case.span("Iranian media showed footage")
    added = _claim_json(run_cli(capsys, "claim", "add", case.path, "--start", start,
                                "--end", end, "--media", media_id, "--json"))
    assert added["media_id"] == media_id
    assert MEDIA_KIND in added["kinds"]  # "footage"
    assert _claims_by_id(case.show(capsys))[added["id"]]["media_id"] == media_id
