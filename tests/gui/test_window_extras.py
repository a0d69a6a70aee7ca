"""Help (keyboard shortcuts, the log), tooltips, layout persistence, Save case as, Import
article, next/previous claim and Esc to cancel, on the window with a real case."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar, QToolButton
from pytestqt.qtbot import QtBot

from tests.conftest import ARTICLE, shared_file
from tests.gui.case_builder import PHOTO, BuiltCase
from tests.gui.conftest import ShownBox
from verifier.case import CaseStore, evidence_dir_for
from verifier.errors import Cancelled, UserError
from verifier.gui import window_actions
from verifier.gui.app_log import read_tail, remove_logging, setup_logging
from verifier.gui.case_files import save_case_as
from verifier.gui.layout_state import restore_layout, save_layout
from verifier.gui.main_window import MainWindow
from verifier.gui.shortcuts import OTHER_GROUP, action_label, shortcut_rows
from verifier.media import intake
from verifier.progress import CancelToken, Progress

pytestmark = pytest.mark.gui

JOB_TIMEOUT = 60_000


def all_actions(window: MainWindow) -> list[QAction]:
    """Every action the user can reach: menus (with submenus), panes and tool buttons (not
    the show/hide toggles Qt makes for tool bars inside panes: no menu offers them)."""
    toggles = {id(bar.toggleViewAction()) for bar in window.findChildren(QToolBar)}
    found = [a for a in window.findChildren(QAction)
             if not a.isSeparator() and a.menu() is None and id(a) not in toggles]
    for button in window.findChildren(QToolButton):
        if button.defaultAction() is not None:
            found.append(button.defaultAction())
    return list({id(a): a for a in found}.values())


# ------------------------------------------------------------------ shortcuts and tooltips

def test_shortcut_list_is_made_from_the_actions_and_follows_a_change(window: MainWindow) -> None:
    rows = shortcut_rows(window)
    by_action = {r.action: r for r in rows}
    keyed = [a for a in all_actions(window) if not a.shortcut().isEmpty()]
    assert len(rows) == len(keyed)  # every action with a shortcut, once
    native = QKeySequence.SequenceFormat.NativeText
    for act in keyed:
        row = by_action[action_label(act)]
        assert act.shortcut().toString(native) in row.keys
    # The frequent actions all have one.
    for frequent in (window.new_action, window.open_action, window.add_media_action,
                     window.paste_action, window.keyframes_action, window.match_action,
                     window.export_action, window.find_action, window.extras.verdict,
                     window.extras.next_claim, window.extras.previous_claim,
                     window.extras.cancel_job, window.extras.shortcuts):
        assert not frequent.shortcut().isEmpty(), frequent.text()
    assert by_action["Cancel the running job"].group == OTHER_GROUP
    assert by_action["Keyframes"].group == "Media"
    assert by_action["Find in corpus"].group == "Media ▸ Picture shown"
    # Generated, never stale: a new shortcut shows at once.
    window.demo_action.setShortcut(QKeySequence("Ctrl+Alt+D"))
    assert "Open demo case" in {r.action for r in shortcut_rows(window)}


def test_shortcuts_dialog_lists_and_filters(window: MainWindow) -> None:
    dialog = window_actions.show_shortcuts(window, modal=False)
    try:
        assert dialog.table.rowCount() == len(shortcut_rows(window))
        dialog.filter.setText("corpus")
        shown = dialog.visible_rows()
        assert shown and all("corpus" in " ".join((r.action, r.tip, r.group)).lower()
                             for r in shown)
        assert {"Find in corpus", "Corpus manager"} <= {r.action for r in shown}
        assert "Export report" not in {r.action for r in shown}
    finally:
        dialog.close()


def test_no_two_actions_share_a_shortcut(window: MainWindow) -> None:
    keys = Counter(s.toString() for a in all_actions(window) for s in a.shortcuts()
                   if not s.isEmpty())
    assert [k for k, n in keys.items() if n > 1] == []


def test_every_action_and_tool_button_explains_itself(window: MainWindow,
                                                      built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    window._fill_recent_menu()
    missing = []
    for act in all_actions(window):
        if not act.text() or not act.isVisible():
            continue
        # Qt makes a tooltip from the text when none is set: that explains nothing.
        own_tip = act.toolTip() and act.toolTip() != act.text().replace("&", "")
        if not (act.statusTip() or own_tip):
            missing.append(act.text())
    for button in window.findChildren(QToolButton):
        if button.defaultAction() is None and button.text() and not button.toolTip():
            missing.append(button.text())
    assert missing == []


# ------------------------------------------------------------------ the log

def test_log_goes_to_a_rotating_file_and_the_viewer_shows_it(window: MainWindow,
                                                             tmp_path: Path) -> None:
    path = setup_logging(tmp_path / "log" / "verifier.log")
    try:
        assert setup_logging(path) == path  # once per file
        logging.getLogger("verifier.test").warning("a warning the analyst can read")
        logging.getLogger("verifier.test").debug("too detailed for the file")
        dialog = window_actions.show_log(window, modal=False, path=path)
        try:
            text = dialog.text.toPlainText()
            assert "a warning the analyst can read" in text
            assert "too detailed" not in text
            logging.getLogger("verifier.test").info("written later")
            dialog.reload_button.click()
            assert "written later" in dialog.text.toPlainText()
        finally:
            dialog.close()
    finally:
        remove_logging(path)
    assert "written later" in read_tail(path)


def test_log_tail_starts_at_a_whole_line(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_text("".join(f"line {n:05d}\n" for n in range(20_000)), encoding="utf-8")
    tail = read_tail(path, limit=1000)
    assert tail.startswith("line ") and tail.endswith("line 19999\n")
    assert len(tail) <= 1000


# ------------------------------------------------------------------ layout

def test_layout_splitters_and_tab_come_back(qtbot: QtBot, window: MainWindow,
                                            tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    room = window.screen().availableGeometry()  # restoring fits the window to the screen
    window.resize(room.width() - 20, room.height() - 40)
    qtbot.wait(10)
    total = sum(window.centre_splitter.sizes())
    window.centre_splitter.setSizes([total - 250, 250])
    window.inspector.setCurrentWidget(window.inspector.history)
    qtbot.wait(10)
    sizes = window.main_splitter.sizes()
    centre = window.centre_splitter.sizes()
    assert centre[1] == 250
    save_layout(window, settings)
    settings.sync()

    other = MainWindow()
    qtbot.addWidget(other)
    try:
        assert restore_layout(other, QSettings(str(tmp_path / "layout.ini"),
                                               QSettings.Format.IniFormat))
        other.show()
        qtbot.waitUntil(other.isVisible)
        assert other.size() == window.size()
        assert other.main_splitter.sizes() == sizes
        assert other.centre_splitter.sizes() == centre
        assert other.inspector.currentWidget() is other.inspector.history
    finally:
        other.shutdown()
    assert not restore_layout(MainWindow(), QSettings(str(tmp_path / "none.ini"),
                                                      QSettings.Format.IniFormat))


# ------------------------------------------------------------------ Save case as

def test_save_as_copies_case_and_evidence_and_opens_the_copy(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase, tmp_path: Path,
        message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    original_events = len(window.snapshot.audit) if window.snapshot else 0
    target = tmp_path / "copy" / "second-look"
    target.parent.mkdir()
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window_actions.save_as(window, target) is not None
    copy = target.with_name("second-look.vcase")
    assert message_boxes == []
    assert window.snapshot is not None and window.snapshot.path == copy
    assert len(window.snapshot.audit) == original_events
    with CaseStore.open(copy) as case:
        assert case.verify() == []  # audit chain and every evidence copy intact
    source_files = sorted(p.relative_to(evidence_dir_for(built_case.case_path))
                          for p in evidence_dir_for(built_case.case_path).rglob("*"))
    copied = sorted(p.relative_to(evidence_dir_for(copy))
                    for p in evidence_dir_for(copy).rglob("*"))
    assert copied == source_files
    assert not list(copy.parent.glob(".*partial"))
    # Work in the copy leaves the original alone.
    window.delete_claim(window.snapshot.claims[0].id)
    with CaseStore.open(built_case.case_path) as case:
        assert len(case.audit_trail()) == original_events


def test_save_as_refuses_to_overwrite_and_leaves_no_partial_copy(
        built_case: BuiltCase, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first = save_case_as(built_case.case_path, out / "a.vcase")
    with pytest.raises(UserError, match="already exists"):
        save_case_as(built_case.case_path, first)
    with pytest.raises(UserError, match="already open"):
        save_case_as(built_case.case_path, built_case.case_path)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        save_case_as(built_case.case_path, out / "b.vcase", cancel=cancel)
    assert sorted(p.name for p in out.iterdir()) == ["a.evidence", "a.vcase"]


def test_save_as_is_consistent_while_another_connection_writes(built_case: BuiltCase,
                                                               tmp_path: Path) -> None:
    """The backup API copies a consistent snapshot even with the case open elsewhere."""
    with CaseStore.open(built_case.case_path) as case:
        claim = case.claims()[0]
        assert claim.id is not None
        case.delete_claim(claim.id)
        out = save_case_as(built_case.case_path, tmp_path / "during.vcase")
    with sqlite3.connect(out) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with CaseStore.open(out) as copy:
        assert copy.verify() == []


# ------------------------------------------------------------------ article, claims, Esc

def test_import_article_into_a_case_without_one(qtbot: QtBot, window: MainWindow,
                                                tmp_path: Path,
                                                message_boxes: list[ShownBox]) -> None:
    if not ARTICLE.exists():
        pytest.skip(f"real article not available: {ARTICLE}")
    path = tmp_path / "bare.vcase"
    with CaseStore.create(path) as case:
        case.add_media(intake.inspect(shared_file(PHOTO)))
    assert window.open_case(path)
    assert window.extras.import_article.isEnabled()
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window_actions.import_article(window, str(ARTICLE)) is not None
    assert message_boxes == []
    assert window.snapshot is not None and window.snapshot.article is not None
    assert window.snapshot.claims
    assert "claims found" in window.statusBar().currentMessage()
    assert not window.extras.import_article.isEnabled()  # a case has one article
    assert window_actions.import_article(window, str(ARTICLE)) is None
    assert "already has its article" in message_boxes[-1].everything


def test_next_and_previous_claim_follow_reading_order_and_wrap(window: MainWindow,
                                                               built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    assert window.snapshot is not None
    order = [c.id for c in sorted(window.snapshot.claims, key=lambda c: (c.start, c.end))]
    assert len(order) >= 2
    window.select_claim(order[0])
    window.extras.next_claim.trigger()
    assert window.claim_id == order[1]
    window.extras.previous_claim.trigger()
    window.extras.previous_claim.trigger()
    assert window.claim_id == order[-1]  # wrapped
    window.extras.verdict.trigger()
    assert window.inspector.currentWidget() is window.inspector.verdict


def test_escape_cancels_the_running_job(qtbot: QtBot, window: MainWindow) -> None:
    assert window.extras.cancel_job.shortcut() == QKeySequence(Qt.Key.Key_Escape)
    assert not window.extras.cancel_job.isEnabled()
    started = threading.Event()

    def endless(progress: Progress, cancel: CancelToken) -> None:
        started.set()
        while True:
            cancel.check()
            threading.Event().wait(0.002)

    worker = window.start_job(endless, "Endless job")
    qtbot.waitUntil(started.is_set, timeout=5_000)
    assert window.extras.cancel_job.isEnabled()
    with qtbot.waitSignals([worker.signals.cancelled, window.job_done], timeout=5_000):
        window.extras.cancel_job.trigger()
    assert window.job is None and not window.extras.cancel_job.isEnabled()


# ------------------------------------------------------------------ the matching threshold

def test_threshold_set_in_settings_is_used_by_matching(qtbot: QtBot, window: MainWindow,
                                                       built_case: BuiltCase, tmp_path: Path,
                                                       message_boxes: list[ShownBox]) -> None:
    from verifier.corpus import Corpus
    from verifier.gui.dialogs import SettingsDialog
    from verifier.settings import Settings, load_settings

    dialog = SettingsDialog(load_settings(), "someone", tmp_path / "default.sqlite", window)
    qtbot.addWidget(dialog)
    assert dialog.threshold.value() == Settings().phash_max_distance
    assert dialog.threshold.toolTip()
    dialog.threshold.setValue(6)
    assert window.apply_settings(dialog.settings())
    assert load_settings().phash_max_distance == 6

    corpus = tmp_path / "c.sqlite"
    with Corpus(corpus) as fresh:
        fresh.add([shared_file(PHOTO)])
    assert window.open_case(built_case.case_path)
    window.set_corpus(corpus)
    window.select_media(built_case.photo_id)
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.match_media() is not None
    assert message_boxes == []
    assert window.snapshot is not None
    assert window.snapshot.match_params[built_case.photo_id]["phash_max_distance"] == 6
    assert window.snapshot.matches[built_case.photo_id]  # the photo finds itself


def test_bad_threshold_values_fall_back_to_the_default(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    import json

    from verifier.cli import main
    from verifier.settings import Settings, load_settings, settings_path

    settings_path().parent.mkdir(parents=True, exist_ok=True)
    for bad in ("ten", 99, None):
        settings_path().write_text(json.dumps({"analyst": "A", "phash_max_distance": bad}),
                                   encoding="utf-8")
        assert load_settings() == Settings(analyst="A")
    assert main(["settings", "--phash-max-distance", "40"]) == 2
    assert "--phash-max-distance" in capsys.readouterr().err
    assert main(["settings", "--phash-max-distance", "12", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["phash_max_distance"] == 12


# ------------------------------------------------------------------ recent cases

def test_recent_cases_newest_first_and_reopened_from_the_menu(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase, tmp_path: Path) -> None:
    copy = save_case_as(built_case.case_path, tmp_path / "other.vcase")
    gone = save_case_as(built_case.case_path, tmp_path / "gone.vcase")
    for path in (gone, built_case.case_path, copy):
        assert window.open_case(path)
    gone.unlink()
    window._fill_recent_menu()
    entries = [a for a in window.recent_menu.actions() if a.isEnabled()]
    names = [a.text() for a in entries]
    assert names[:2] == [copy.name, built_case.case_path.name]  # newest first
    assert gone.name not in names  # a case that no longer exists is not offered
    assert all(a.statusTip() for a in entries)  # the full path
    entries[1].trigger()
    assert window.snapshot is not None and window.snapshot.path == built_case.case_path
    assert "every change is saved" in window.statusBar().currentMessage().lower()
