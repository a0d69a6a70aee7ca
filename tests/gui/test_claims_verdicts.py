"""Claims and verdicts in the window (issue 6): claims from the selected text, merge, delete,
links and span edits with append-only undo and redo, the verdict editor's suggested reasons and
evidence, verdict undo, the history, integrity checks and the settings."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QTextCursor
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui.case_builder import BuiltCase
from tests.gui.conftest import ShownBox
from verifier.case import CaseStore
from verifier.claims import UNVERIFIABLE
from verifier.gui.dialogs import SettingsDialog
from verifier.gui.evidence import evidence_mime
from verifier.gui.main_window import MainWindow
from verifier.gui.undo import UNDO_TIP
from verifier.models import CONFIDENCE_LEVELS, Claim, EvidenceItem, Rating
from verifier.settings import Settings, load_settings

pytestmark = [pytest.mark.gui, pytest.mark.shared]

SENTENCE_START = "In response, Iran launched retaliatory missile attacks"
JOB_TIMEOUT = 30_000


def claims(case_path: Path) -> list[Claim]:
    with CaseStore.open(case_path) as case:
        return case.claims()


def audit_actions(case_path: Path) -> list[str]:
    with CaseStore.open(case_path) as case:
        return [e.action for e in case.audit_trail()]


def sentence_span(case_path: Path, start_words: str) -> tuple[int, int, str]:
    """The whole sentence of the article starting with start_words (offsets and text)."""
    with CaseStore.open(case_path) as case:
        article = case.article()
    assert article is not None
    start = article.text.index(start_words)
    end = article.text.index(".", start) + 1
    return start, end, article.text[start:end]


def select_in_article(window: MainWindow, text: str) -> None:
    """Select text in the article as a mouse drag over it would."""
    view = window.article_view
    found = view.document().find(text)
    assert not found.isNull(), f"not shown in the article: {text!r}"
    view.setTextCursor(found)
    assert view.textCursor().selectedText() == text


def unverifiable(window: MainWindow) -> Claim:
    assert window.snapshot is not None
    return next(c for c in window.snapshot.claims if UNVERIFIABLE in c.kinds)


def click_claim_in_navigator(qtbot: QtBot, window: MainWindow, claim_id: int,
                             modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
                             ) -> None:
    nav = window.navigator
    item = nav.item_for("claim", claim_id)
    assert item is not None
    nav.scrollToItem(item)
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton, modifier,
                     nav.visualItemRect(item).center())


# ---------------------------------------------------------------- claims by selecting text


def test_selecting_a_sentence_and_add_claim_adds_an_analyst_claim(
        window: MainWindow, built_case: BuiltCase, message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    start, end, sentence = sentence_span(built_case.case_path, SENTENCE_START)
    before = claims(built_case.case_path)
    assert not any(c.start <= start and c.end >= end for c in before)  # not a claim yet

    select_in_article(window, sentence)
    assert window.article_view.selected_span() == (start, end)
    window.add_claim_action.trigger()

    assert message_boxes == []
    after = claims(built_case.case_path)
    assert len(after) == len(before) + 1
    added = next(c for c in after if c.id not in {b.id for b in before})
    assert added.text == sentence
    assert (added.start, added.end) == (start, end)
    assert added.origin == "analyst"
    assert audit_actions(built_case.case_path)[-1] == "claim.added"
    # Shown at once: selected, highlighted, in the navigator, with its badge in the margin.
    assert added.id is not None
    assert window.claim_id == added.id
    assert window.navigator.item_for("claim", added.id) is not None
    assert window.article_view.claim_is_highlighted(added.id)
    assert window.article_view.margin.badge_text(added.id) == "No verdict"
    assert window.undo_action.isEnabled()


def test_bad_selections_give_readable_messages(window: MainWindow, built_case: BuiltCase,
                                               message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    before = claims(built_case.case_path)
    view = window.article_view

    view.setTextCursor(QTextCursor(view.document()))  # nothing selected
    window.add_claim_action.trigger()
    # The line under the heading (author, date, claim count) is not article text.
    facts = view.document().findBlockByNumber(1)
    cursor = QTextCursor(facts)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    assert "claims" in cursor.selectedText()
    view.setTextCursor(cursor)
    window.add_claim_action.trigger()
    # Merging needs two claims; an edited span needs a selected claim and new words.
    window.claim_id = None
    window.edit_span_action.trigger()
    window.merge_action.trigger()

    assert claims(built_case.case_path) == before
    assert len(message_boxes) == 4
    assert "Could not add the claim" in message_boxes[0].text
    assert "nothing is selected" in message_boxes[0].informative
    assert "not part of the article's text" in message_boxes[1].informative
    assert "Select the claim first" in message_boxes[2].everything
    assert "two or more claims" in message_boxes[3].everything
    for box in message_boxes:
        assert box.icon == QMessageBox.Icon.Warning
        assert "Traceback" not in box.everything


def test_span_outside_the_text_is_refused_plainly(window: MainWindow, built_case: BuiltCase,
                                                  message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    assert window.article_view.select_article_text(0, 5)
    size = len(window.snapshot.article.text) if window.snapshot and window.snapshot.article \
        else 0
    window.article_view.selected_span = lambda: (size - 3, size + 40)  # type: ignore[method-assign]
    window.add_claim_action.trigger()
    assert len(message_boxes) == 1
    assert "outside the article text" in message_boxes[0].informative


def test_merge_two_selected_claims_leaves_one_and_undo_redo(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    before = claims(built_case.case_path)
    first, second = before[:2]
    assert first.id is not None and second.id is not None
    click_claim_in_navigator(qtbot, window, first.id)
    click_claim_in_navigator(qtbot, window, second.id, Qt.KeyboardModifier.ControlModifier)
    assert window.navigator.selected_claim_ids() == [first.id, second.id]
    assert window.merge_action.isEnabled()

    window.merge_action.trigger()
    assert message_boxes == []
    after = claims(built_case.case_path)
    ids = {c.id for c in after}
    assert first.id not in ids and second.id not in ids
    assert len(after) == len(before) - 1
    merged = [c for c in after if c.start == first.start and c.end == second.end]
    assert len(merged) == 1  # the two became one
    assert window.claim_id == merged[0].id

    window.undo_action.trigger()
    ids = {c.id for c in claims(built_case.case_path)}
    assert {first.id, second.id} <= ids and merged[0].id not in ids
    assert audit_actions(built_case.case_path)[-1] == "claims.unmerged"
    window.redo_action.trigger()
    ids = {c.id for c in claims(built_case.case_path)}
    assert merged[0].id in ids and not {first.id, second.id} & ids  # the same merged claim


def test_delete_hides_undo_brings_it_back_redo_hides_again(
        window: MainWindow, built_case: BuiltCase, message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    claim = unverifiable(window)
    assert claim.id is not None
    with CaseStore.open(built_case.case_path) as case:
        history = case.verdict_history(claim.id)
        events = len(case.audit_trail())
    assert history  # check() gave it an automatic verdict

    window.select_claim(claim.id)
    window.delete_claim_action.trigger()
    assert claim.id not in {c.id for c in claims(built_case.case_path)}
    assert window.navigator.item_for("claim", claim.id) is None
    assert window.article_view.margin.badge_for(claim.id) is None
    assert not window.article_view.claim_is_highlighted(claim.id)
    assert audit_actions(built_case.case_path)[-1] == "claim.deleted"

    # Undo is Ctrl+Z, redo Ctrl+Shift+Z, and the tooltip says nothing is erased.
    assert window.undo_action.shortcut() == QKeySequence("Ctrl+Z")
    assert QKeySequence("Ctrl+Shift+Z") in window.redo_action.shortcuts()
    assert "never erases" in window.undo_action.toolTip()
    assert UNDO_TIP in window.undo_action.toolTip()
    assert "Delete claim" in window.undo_action.text()

    window.undo_action.trigger()
    assert claim.id in {c.id for c in claims(built_case.case_path)}
    with CaseStore.open(built_case.case_path) as case:
        trail = case.audit_trail()
        assert case.verdict_history(claim.id) == history  # the verdict history is intact
    assert len(trail) == events + 2  # deleted, then restored: a new event, nothing removed
    assert trail[-1].action == "claim.restored"
    assert trail[-1].detail["previous"]["deleted_at"]
    assert window.navigator.item_for("claim", claim.id) is not None
    assert window.article_view.margin.badge_text(claim.id) == Rating.UNVERIFIED.value

    window.redo_action.trigger()
    assert claim.id not in {c.id for c in claims(built_case.case_path)}
    assert audit_actions(built_case.case_path)[-1] == "claim.deleted"
    assert message_boxes == []


def test_edit_span_and_link_with_undo_and_the_history_tab(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    claim = claims(built_case.case_path)[0]
    assert claim.id is not None and claim.media_id is None
    part = "a US-ordered drone strike in Baghdad"
    assert part in claim.text
    # Words first, then the claim they become (the selection survives choosing the claim).
    select_in_article(window, part)
    click_claim_in_navigator(qtbot, window, claim.id)
    assert window.claim_id == claim.id
    assert window.article_view.textCursor().selectedText() == part
    window.edit_span_action.trigger()
    edited = next(c for c in claims(built_case.case_path) if c.id == claim.id)
    assert edited.text == part
    assert not window.article_view.has_selection()

    # The History tab shows what changed and the value it replaced.
    model = window.inspector.history.audit_model
    last = model.rowCount() - 1
    assert part in model.index(last, 3).data()
    assert claim.text[:40] in model.index(last, 4).data()

    window.link_claim(claim.id, built_case.photo_id)
    assert next(c for c in claims(built_case.case_path) if c.id == claim.id).media_id == \
        built_case.photo_id
    window.undo_action.trigger()  # the link
    window.undo_action.trigger()  # the span
    back = next(c for c in claims(built_case.case_path) if c.id == claim.id)
    assert back.media_id is None
    assert (back.start, back.end, back.text) == (claim.start, claim.end, claim.text)
    assert audit_actions(built_case.case_path)[-2:] == ["claim.media_linked", "claim.edited"]
    assert message_boxes == []


def test_clicking_a_badge_opens_the_verdict_editor(qtbot: QtBot, window: MainWindow,
                                                   built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    target = claims(built_case.case_path)[1]
    assert target.id is not None
    window.inspector.setCurrentWidget(window.inspector.metadata)
    window.article_view.scroll_to_claim(target.id)
    margin = window.article_view.margin
    badge = margin.badge_for(target.id)
    assert badge is not None
    qtbot.mouseClick(margin, Qt.MouseButton.LeftButton, pos=badge.rect.center())
    assert window.claim_id == target.id
    assert window.inspector.currentWidget() is window.inspector.verdict
    assert window.inspector.verdict.claim_id == target.id


# ---------------------------------------------------------------- the verdict editor


def test_editor_preticks_suggested_reasons_and_saves_ticked_reasons_and_evidence(
        window: MainWindow, built_case: BuiltCase, message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    claim = unverifiable(window)
    assert claim.id is not None
    # Canon_40D.jpg names GIMP in its EXIF: linked to it, the claim gets that reason suggested.
    assert window.link_claim(claim.id, built_case.photo_id)
    window.open_verdict_editor(claim.id)
    editor = window.inspector.verdict
    assert window.inspector.currentWidget() is editor
    assert editor.linked is not None and editor.linked.original_name == "Canon_40D.jpg"
    assert editor.reason_boxes["edited-with-software"].isChecked()
    assert "edited-with-software" in editor.suggested_reasons()
    assert not editor.reason_boxes["earlier-appearance"].isChecked()
    suggested_evidence = editor.evidence_items()
    assert EvidenceItem("metadata", "editing-software", "Edited with software") in \
        suggested_evidence

    # The analyst drops one suggestion, adds a reason, and picks evidence.
    editor.reason_boxes["no-provenance-credentials"].setChecked(False)
    editor.reason_boxes["dates-conflict"].setChecked(True)
    assert editor.evidence.set_checked("metadata", "modified-after-capture", True)
    editor.link_ref.setText("https://example.org/original-photo")
    editor.link_note.setText("the unedited original")
    editor.link_add.click()
    # A keyframe of the video dragged from the filmstrip onto the editor (which stays shown).
    window.select_media(built_case.video_id)
    assert window.inspector.currentWidget() is editor
    keyframe = window.media_view.keyframe_evidence(1)
    assert keyframe is not None and keyframe.ref.startswith(f"media {built_case.video_id} @ ")
    mime = evidence_mime([keyframe])
    with warnings.catch_warnings():  # PySide6 marks this constructor deprecated, with no other
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(editor.rect().center(), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    editor.dragEnterEvent(enter)
    assert enter.isAccepted()
    editor.dropEvent(QDropEvent(QPointF(editor.rect().center()), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert window.inspector.verdict.claim_id == claim.id  # still the same claim

    editor.rating.setCurrentIndex(editor.rating.findData(Rating.EDITED.value))
    editor.confidence_buttons["high"].click()
    assert "stored as 0.90" in editor.confidence_value.text()
    editor.rationale.setPlainText("GIMP re-saved the photo two months after it was taken.")
    expected_reasons = editor.reasons()
    expected_evidence = editor.evidence_items()
    editor.save_button.click()

    assert message_boxes == []
    with CaseStore.open(built_case.case_path) as case:
        saved = case.current_verdict(claim.id)
    assert saved is not None
    assert saved.rating is Rating.EDITED
    assert saved.confidence == CONFIDENCE_LEVELS["high"]
    assert set(saved.reasons) == {"edited-with-software", "not-searched", "dates-conflict"}
    assert saved.reasons == expected_reasons
    assert saved.evidence_items == expected_evidence
    assert EvidenceItem("metadata", "modified-after-capture", "Saved again after capture") in \
        saved.evidence_items
    assert EvidenceItem("url", "https://example.org/original-photo", "the unedited original") \
        in saved.evidence_items
    assert keyframe in saved.evidence_items
    assert window.navigator.badge_of(claim.id) == Rating.EDITED.value


def test_a_match_row_dragged_onto_the_editor_is_cited(window: MainWindow,
                                                      built_case: BuiltCase) -> None:
    from verifier.models import Match, MediaKind

    assert window.open_case(built_case.case_path)
    panel = window.inspector.matches
    match = Match("/archive/2017/broadcast.mp4", "ab" * 32, 3, "pdq", source_time=62.0,
                  earliest_date="2017-03-01", corpus_kind=MediaKind.VIDEO)
    panel.model.set_rows([match])
    items = panel.evidence_for_rows([0])
    assert items == [EvidenceItem("match", "/archive/2017/broadcast.mp4",
                                  "distance 3, at 00:01:02.000 into it, earliest 2017-03-01")]
    window.open_verdict_editor(unverifiable(window).id or 0)
    editor = window.inspector.verdict
    assert editor.add_evidence(items) == 1
    assert items[0] in editor.evidence_items()
    assert editor.add_evidence(items) == 0  # dropped twice: listed once


def test_undo_of_a_verdict_appends_one_restoring_the_previous_rating(
        window: MainWindow, built_case: BuiltCase, message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    claim = unverifiable(window)
    assert claim.id is not None
    with CaseStore.open(built_case.case_path) as case:
        before = case.verdict_history(claim.id)
    previous = before[-1]

    window.open_verdict_editor(claim.id)
    editor = window.inspector.verdict
    editor.rating.setCurrentIndex(editor.rating.findData(Rating.MANIPULATED.value))
    editor.rationale.setPlainText("Spliced from two broadcasts.")
    editor.save_button.click()
    window.undo_action.trigger()

    with CaseStore.open(built_case.case_path) as case:
        history = case.verdict_history(claim.id)
    assert len(history) == len(before) + 2  # the verdict, then the one undoing it
    assert history[-2].rating is Rating.MANIPULATED  # kept
    assert history[-1].rating is previous.rating
    assert history[-1].confidence == previous.confidence
    assert history[-1].rationale.startswith("Undo: ")
    assert "Manipulated" in history[-1].rationale
    assert window.navigator.badge_of(claim.id) == previous.rating.value
    assert window.article_view.margin.badge_text(claim.id) == previous.rating.value

    window.redo_action.trigger()
    with CaseStore.open(built_case.case_path) as case:
        history = case.verdict_history(claim.id)
    assert len(history) == len(before) + 3
    assert history[-1].rating is Rating.MANIPULATED
    assert history[-1].rationale == "Spliced from two broadcasts."
    assert message_boxes == []


# ---------------------------------------------------------------- integrity and settings


def test_verify_integrity_says_intact_then_names_a_tampered_media_copy(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.verify_integrity() is not None
    assert message_boxes[-1].icon == QMessageBox.Icon.Information
    assert "intact" in message_boxes[-1].text

    assert window.snapshot is not None
    photo = window.snapshot.media_item(built_case.photo_id)
    assert photo is not None
    copy = Path(photo.path)
    os.chmod(copy, 0o644)  # the evidence copy is read-only (chmod u+w)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))

    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.verify_integrity() is not None
    box = message_boxes[-1]
    assert box.icon == QMessageBox.Icon.Warning
    assert "altered" in box.text
    assert f"media {built_case.photo_id} (Canon_40D.jpg)" in box.informative
    assert "evidence copy changed" in box.informative
    assert "Canon_40D.jpg" in window.inspector.history.audit_status.text()


def test_settings_analyst_name_is_used_by_new_verdicts(window: MainWindow,
                                                       built_case: BuiltCase,
                                                       tmp_path: Path) -> None:
    assert window.open_case(built_case.case_path)
    corpus = tmp_path / "corpus.sqlite"
    corpus.write_bytes(b"")
    dialog = SettingsDialog(load_settings(), "login", tmp_path / "default.sqlite", window)
    dialog.analyst.setText("  Rana Haddad ")
    dialog.corpus.set_text(str(corpus))
    assert dialog.settings() == Settings("Rana Haddad", str(corpus))
    assert window.apply_settings(dialog.settings())
    assert load_settings() == Settings("Rana Haddad", str(corpus))
    assert window.corpus_path() == corpus

    claim = unverifiable(window)
    window.open_verdict_editor(claim.id or 0)
    editor = window.inspector.verdict
    editor.rationale.setPlainText("Checked by the new analyst.")
    editor.save_button.click()
    with CaseStore.open(built_case.case_path) as case:
        verdict = case.current_verdict(claim.id or 0)
        last = case.audit_trail()[-1]
    assert verdict is not None and verdict.analyst == "Rana Haddad"
    assert last.actor == "Rana Haddad"


def test_delete_and_undo_keys_act_on_claims_but_leave_text_fields_alone(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    first = claims(built_case.case_path)[0]
    window.select_claim(first.id or 0)
    window.activateWindow()
    qtbot.waitActive(window)
    window.navigator.setFocus()
    qtbot.keyClick(window.navigator, Qt.Key.Key_Delete)
    assert first.id not in {c.id for c in claims(built_case.case_path)}
    qtbot.keyClick(window.navigator, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert first.id in {c.id for c in claims(built_case.case_path)}

    # In the rationale, Delete and Ctrl+Z edit the text, not the case.
    events = len(audit_actions(built_case.case_path))
    window.open_verdict_editor(first.id or 0)
    rationale = window.inspector.verdict.rationale
    rationale.setFocus()
    qtbot.keyClicks(rationale, "abc")
    qtbot.keyClick(rationale, Qt.Key.Key_Delete)
    qtbot.keyClick(rationale, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert rationale.toPlainText() == ""
    assert len(audit_actions(built_case.case_path)) == events
    assert first.id in {c.id for c in claims(built_case.case_path)}


def test_selections_map_exactly_to_the_article_text(window: MainWindow,
                                                    built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    view = window.article_view
    assert window.snapshot is not None and window.snapshot.article is not None
    text = window.snapshot.article.text
    for claim in window.snapshot.claims:
        assert view.doc_to_article(view.claim_position(claim.id or 0)) == claim.start
        assert view.select_article_text(claim.start, claim.end)
        assert view.selected_span() == (claim.start, claim.end)
    # The heading is the article's first line: its words can be selected too.
    title = window.snapshot.article.title
    select_in_article(window, title)
    start, end = view.selected_span()
    assert text[start:end] == title


def test_linking_from_the_editor_keeps_what_was_typed(window: MainWindow,
                                                      built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    claim = claims(built_case.case_path)[0]
    assert claim.id is not None and claim.media_id is None
    window.open_verdict_editor(claim.id)
    editor = window.inspector.verdict
    assert "not linked" in editor.media_label.text()
    editor.rating.setCurrentIndex(editor.rating.findData(Rating.STAGED.value))
    editor.rationale.setPlainText("Half written")
    editor.link_ref.setText("a note")
    editor.link_add.click()
    window.link_claim(claim.id, built_case.photo_id)
    assert editor.rationale.toPlainText() == "Half written"
    assert editor.rating.currentData() == Rating.STAGED.value
    assert EvidenceItem("note", "a note") in editor.evidence_items()
    assert editor.reason_boxes["edited-with-software"].isChecked()  # the photo's suggestion
