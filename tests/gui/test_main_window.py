"""The workbench window on a case built from a real video, a real photo and a real article."""

from __future__ import annotations

import json
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QTextCursor
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import ARTICLE, shared_file
from tests.gui.case_builder import VIDEO, BuiltCase
from tests.gui.conftest import ShownBox
from verifier.case import CaseStore
from verifier.claims import UNVERIFIABLE
from verifier.gui.dialogs import NewCaseRequest
from verifier.gui.main_window import MainWindow
from verifier.media.keyframes import format_timestamp
from verifier.models import CONFIDENCE_LEVELS, Claim, EvidenceItem, Rating

pytestmark = [pytest.mark.gui, pytest.mark.shared]

UNVERIFIABLE_SENTENCE = "cannot be verified"


def plain(text: str) -> str:
    """As QTextDocument.toPlainText() gives it: non-breaking spaces become spaces."""
    return text.replace("\xa0", " ")


def unverifiable_claim(case_path: Path) -> Claim:
    with CaseStore.open(case_path) as case:
        return next(c for c in case.claims() if UNVERIFIABLE in c.kinds)


def test_title_article_highlight_and_verdict_badge(window: MainWindow, built_case: BuiltCase,
                                                   message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    with CaseStore.open(built_case.case_path) as case:
        name = case.name
    assert name and name in window.windowTitle()
    assert window.windowTitle() == f"Verifier workbench — {name}"

    claim = unverifiable_claim(built_case.case_path)
    assert claim.id is not None
    text = window.article_view.toPlainText()
    assert UNVERIFIABLE_SENTENCE in text
    assert plain(claim.text) in text
    assert window.article_view.claim_is_highlighted(claim.id)
    # The plain sentences around the claims are not highlighted.
    assert "Agencies contributed to this report." in text

    # The claim's current verdict is a badge in the margin beside it (not in the text), and in
    # the navigator.
    after = text[text.index(plain(claim.text)) + len(claim.text):]
    assert not after.lstrip().startswith(Rating.UNVERIFIED.value)
    margin = window.article_view.margin
    assert margin.badge_text(claim.id) == Rating.UNVERIFIED.value
    window.article_view.scroll_to_claim(claim.id)
    badge = margin.badge_for(claim.id)
    assert badge is not None and margin.rect().contains(badge.rect)
    # ... level with the claim's first line, right of the text.
    view = window.article_view
    cursor = QTextCursor(view.document())
    cursor.setPosition(view.claim_position(claim.id))
    assert badge.bar.top() == view.cursorRect(cursor).top()
    assert margin.geometry().left() > view.viewport().geometry().right()
    assert window.navigator.badge_of(claim.id) == "Unverified"
    badges = [item.text(1) for item in window.navigator.claim_items()]
    assert "Unverified" in badges
    assert len(window.navigator.media_items()) == 2
    assert message_boxes == []


def test_photo_metadata_tab_shows_camera_model(qtbot: QtBot, window: MainWindow,
                                               built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    window.navigator.select("media", built_case.photo_id)
    panel = window.inspector.metadata
    model = panel.fields_model
    values = {model.index(r, 0).data(): model.index(r, 1).data() for r in range(model.rowCount())}
    assert values.get("model") == "Canon EOS 40D"
    qtbot.waitUntil(window.media_view.canvas.has_image)  # decoded in a worker
    assert window.media_view.filmstrip.isHidden()

    panel.raw_filter.setText("model")
    visible = panel.visible_raw_tags()
    assert any(t == "Model" for t in visible)
    assert "Make" not in visible
    panel.raw_filter.clear()
    assert len(panel.visible_raw_tags()) > len(visible)


def test_video_filmstrip_has_one_thumbnail_per_keyframe(qtbot: QtBot, window: MainWindow,
                                                        built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    window.select_media(built_case.video_id)
    with CaseStore.open(built_case.case_path) as case:
        keyframes = case.keyframes(built_case.video_id)
    assert keyframes
    strip = window.media_view.filmstrip
    assert strip.isVisibleTo(window)
    assert strip.count() == len(keyframes)
    assert [strip.item(i).text() for i in range(strip.count())] == \
        [format_timestamp(k.time) for k in keyframes]
    qtbot.waitUntil(lambda: not window.background_busy(), timeout=10_000)
    assert all(not strip.item(i).icon().isNull() for i in range(strip.count()))

    # The first keyframe is shown large; clicking another shows that one.
    assert window.media_view.canvas.has_image()
    assert format_timestamp(keyframes[0].time) in window.media_view.caption.text()
    last = strip.count() - 1
    rect = strip.visualItemRect(strip.item(last))
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert strip.currentRow() == last
    assert format_timestamp(keyframes[last].time) in window.media_view.caption.text()


def test_saving_a_verdict_appends_history_and_updates_navigator(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    claim = unverifiable_claim(built_case.case_path)
    assert claim.id is not None
    with CaseStore.open(built_case.case_path) as case:
        before = case.verdict_history(claim.id)

    window.select_claim(claim.id)
    panel = window.inspector.verdict
    window.inspector.setCurrentWidget(panel)
    assert panel.claim_id == claim.id
    new_rating = next(r for r in reversed(list(Rating)) if r is not Rating.UNVERIFIED)
    panel.rating.setCurrentIndex(panel.rating.findData(new_rating.value))
    panel.confidence_buttons["high"].click()
    assert not panel.save_button.isEnabled()  # a rationale is required
    panel.rationale.setPlainText("Keyframes match an earlier broadcast; the date is wrong.")
    panel.link_ref.setText("https://example.org/earlier-broadcast?id=1")
    panel.link_note.setText("the 2017 broadcast")
    qtbot.mouseClick(panel.link_add, Qt.MouseButton.LeftButton)
    panel.link_ref.setText("Seen by a colleague on TV in 2017")
    panel.link_ref.returnPressed.emit()
    assert panel.save_button.isEnabled()
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)

    assert message_boxes == []
    with CaseStore.open(built_case.case_path) as case:
        after = case.verdict_history(claim.id)
        audit = case.audit_trail()
    assert len(after) == len(before) + 1
    assert after[-1].rating is new_rating
    assert after[-1].confidence == pytest.approx(CONFIDENCE_LEVELS["high"])
    links = [e for e in after[-1].evidence_items if e.kind in ("url", "note")]
    assert links == [EvidenceItem("url", "https://example.org/earlier-broadcast?id=1",
                                  "the 2017 broadcast"),
                     EvidenceItem("note", "Seen by a colleague on TV in 2017")]
    assert audit[-1].action == "verdict.recorded"
    assert window.navigator.badge_of(claim.id) == new_rating.value
    assert window.inspector.history.verdicts_model.rowCount() == len(after)
    assert panel.rationale.toPlainText() == ""
    assert window.article_view.margin.badge_text(claim.id) == new_rating.value


def test_clicking_a_claim_in_the_article_selects_it(window: MainWindow,
                                                    built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    with CaseStore.open(built_case.case_path) as case:
        last = case.claims()[-1]
    assert last.id is not None
    window.inspector.setCurrentWidget(window.inspector.metadata)
    window.article_view.anchorClicked.emit(QUrl(f"claim:{last.id}"))
    assert window.claim_id == last.id
    assert window.navigator.selected() == ("claim", last.id)
    assert window.inspector.verdict.claim_id == last.id
    assert window.inspector.currentWidget() is window.inspector.verdict


def test_bad_case_path_shows_a_readable_message(window: MainWindow, tmp_path: Path,
                                                message_boxes: list[ShownBox]) -> None:
    assert not window.open_case(tmp_path / "missing.vcase")
    not_a_case = tmp_path / "notes.vcase"
    not_a_case.write_text("not a database at all, just some notes\n" * 20)
    assert not window.open_case(not_a_case)
    assert len(message_boxes) == 2
    assert "no such case file" in message_boxes[0].everything
    assert "notes.vcase" in message_boxes[1].everything
    for box in message_boxes:
        assert box.icon == QMessageBox.Icon.Warning
        assert "Traceback" not in box.everything
        assert "Unexpected error" not in box.everything
    assert window.snapshot is None
    assert window.windowTitle() == "Verifier workbench"


def test_new_case_runs_check_in_a_worker_and_opens_it(qtbot: QtBot, window: MainWindow,
                                                      tmp_path: Path,
                                                      message_boxes: list[ShownBox]) -> None:
    video = shared_file(VIDEO)
    request = NewCaseRequest(str(video), str(ARTICLE), tmp_path / "fresh.vcase", None)
    messages: list[str] = []
    bar = window.job_bar
    show = bar.set_message
    bar.set_message = lambda text: (messages.append(text), show(text))  # type: ignore[method-assign]
    with qtbot.waitSignal(window.job_done, timeout=60_000):
        worker = window.new_case(request)
        assert worker is not None
        assert window.job_bar.isVisible()
        assert not window.new_action.isEnabled()
    assert message_boxes == []
    # Progress names the file the user chose, never its evidence copy (<sha256>.mp4).
    assert any(video.name in m for m in messages)
    assert not any(re.search(r"[0-9a-f]{64}", m) for m in messages)
    assert window.snapshot is not None and window.snapshot.path == request.case_path
    assert "fresh" in window.windowTitle()
    assert request.report_path.exists()
    assert not window.job_bar.isVisible()
    assert window.new_action.isEnabled()


def test_export_report_in_a_worker(qtbot: QtBot, window: MainWindow, built_case: BuiltCase,
                                   tmp_path: Path, message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    out = tmp_path / "out" / "report.json"
    with qtbot.waitSignal(window.job_done, timeout=30_000):
        assert window.export_report(out, "json") is not None
    assert message_boxes == []
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data
    assert window.snapshot is not None
    assert window.snapshot.audit[-1].action == "report.exported"


def test_dropping_a_case_file_opens_it(qtbot: QtBot, window: MainWindow,
                                       built_case: BuiltCase) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(built_case.case_path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.snapshot is not None, timeout=5_000)
    assert window.snapshot is not None
    assert window.snapshot.path == built_case.case_path


def test_demo_is_built_in_a_worker_then_opened(qtbot: QtBot, window: MainWindow,
                                               built_case: BuiltCase,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclass
    class FakeDemo:
        case_path: Path
        report_path: Path
        corpus_path: Path

    def build_demo(out_dir: Path | None = None, **_: object) -> FakeDemo:
        return FakeDemo(built_case.case_path, built_case.report_path, Path("corpus"))

    module = types.ModuleType("verifier.demo")
    module.build_demo = build_demo  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "verifier.demo", module)
    with qtbot.waitSignal(window.job_done, timeout=10_000):
        assert window.open_demo() is not None
    assert window.snapshot is not None
    assert window.snapshot.path == built_case.case_path
