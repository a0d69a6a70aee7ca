"""The corpus manager: create a corpus, add a folder of real photos with a manifest, stats,
filter, remove, verify moved and changed files, cancel, and readable errors."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import shared_file
from tests.gui.conftest import ShownBox
from verifier.corpus import Corpus
from verifier.gui.corpus_manager import CorpusManager
from verifier.gui.main_window import MainWindow
from verifier.gui.workers import Worker
from verifier.progress import CancelToken, Progress

pytestmark = [pytest.mark.gui, pytest.mark.shared]

JOB_TIMEOUT = 120_000
BRIDGE = "ThreatExchange/pdq/data/bridge-mods"
NAMES = ("aaa-orig.jpg", "blur-a-little.jpg", "high-contrast.jpg")


def wait_idle(qtbot: QtBot, manager: CorpusManager) -> None:
    """Until the job and the refresh queued after it are done."""
    for _ in range(2):
        qtbot.waitUntil(lambda: not manager.busy(), timeout=JOB_TIMEOUT)
        qtbot.wait(20)


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """Copies (in the test's temporary folder) of three real photos, with a manifest dating
    one of them; copies because the test moves and alters files."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for name in NAMES:
        shutil.copyfile(shared_file(f"{BRIDGE}/{name}"), folder / name)
    (folder / "manifest.csv").write_text(
        "path,published_at,source_url,publisher\n"
        f"{NAMES[0]},2001-02-03,https://example.org/bridge,Example Daily\n", encoding="utf-8")
    return folder


@pytest.fixture
def manager(qtbot: QtBot, window: MainWindow) -> CorpusManager:
    dialog = CorpusManager(None, window.pool, window)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_create_add_with_manifest_filter_remove_and_verify(
        qtbot: QtBot, manager: CorpusManager, photos: Path, tmp_path: Path,
        message_boxes: list[ShownBox]) -> None:
    corpus = tmp_path / "known.sqlite"
    chosen: list[object] = []
    manager.corpus_chosen.connect(chosen.append)
    assert not manager.add_button.isEnabled()  # nothing chosen yet
    manager.create_new(corpus)
    wait_idle(qtbot, manager)
    assert corpus.is_file() and chosen == [corpus]
    assert manager.stat_labels["items"].text() == "0"
    assert manager.stat_labels["last_ingest"].text() == "never"

    manager.manifest.set_text(str(photos / "manifest.csv"))
    manager.add_folders([photos])
    wait_idle(qtbot, manager)
    assert message_boxes == []
    report = manager.last_ingest
    assert report is not None and report.added == len(NAMES) and report.manifest_matched == 1
    assert manager.summary is not None
    with Corpus(corpus) as direct:  # what `verifier corpus stats` reports
        assert manager.summary.stats == direct.stats()
    assert manager.stat_labels["images"].text() == str(len(NAMES))
    assert manager.stat_labels["earliest_date"].text().startswith("2001-02-03")
    assert manager.stat_labels["last_ingest"].text() != "never"
    assert manager.stat_labels["search"].text().startswith("exact")
    assert manager.model.rowCount() == len(NAMES)
    assert "3 added" in manager.results.toPlainText()

    manager.filter.setText("contrast")
    manager.refresh()
    wait_idle(qtbot, manager)
    assert manager.model.rowCount() == 1
    assert manager.selected_paths() == []
    manager.table.selectRow(0)
    assert manager.remove_button.isEnabled()
    removed = manager.selected_paths()
    assert [Path(p).name for p in removed] == ["high-contrast.jpg"]
    manager.remove_selected()
    wait_idle(qtbot, manager)
    assert (photos / "high-contrast.jpg").exists()  # the file itself is never touched
    manager.filter.clear()
    manager.refresh()
    wait_idle(qtbot, manager)
    assert manager.summary is not None and manager.summary.stats["items"] == len(NAMES) - 1

    # One file moved within its folder, one changed: verify names both.
    (photos / NAMES[0]).rename(photos / "renamed.jpg")
    with (photos / NAMES[1]).open("ab") as f:
        f.write(b"\0" * 64)
    manager.verify()
    wait_idle(qtbot, manager)
    verified = manager.verified
    assert verified is not None and not verified.clean
    assert [Path(m["to"]).name for m in verified.moved] == ["renamed.jpg"]
    assert [Path(c["path"]).name for c in verified.changed] == [NAMES[1]]
    text = manager.results.toPlainText()
    assert "moved:" in text and "renamed.jpg" in text and "changed:" in text


def test_items_from_an_older_version_are_shown_until_added_again(
        qtbot: QtBot, manager: CorpusManager, tmp_path: Path) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()
    shutil.copyfile(shared_file("metadata-extractor-images/mp4/Issue 515 (java).mp4"),
                    folder / "short.mp4")
    corpus = tmp_path / "old.sqlite"
    with Corpus(corpus) as direct:
        direct.add([folder], workers=1)
        direct.conn.execute("UPDATE items SET hash_version = 3")  # a short clip from version 3
        direct.conn.commit()
    manager.set_path(corpus)
    wait_idle(qtbot, manager)
    assert manager.stat_labels["needing_rehash"].text().startswith("1: analysed anew")
    manager.add_folders([folder])
    wait_idle(qtbot, manager)
    assert manager.stat_labels["needing_rehash"].text() == "none"


def test_closing_while_adding_cancels_and_closes_when_stopped(
        qtbot: QtBot, window: MainWindow, photos: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "c.sqlite"
    Corpus(corpus).close()
    # A one-thread pool held busy, so the add is cancelled before it can start: deterministic.
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    gate = threading.Event()

    def hold(progress: Progress, cancel: CancelToken) -> None:
        gate.wait(10)

    blocker = Worker(hold, "hold")
    blocker.start(pool)
    dialog = CorpusManager(corpus, pool, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.busy()  # its first read waits behind the blocker
    gate.set()
    wait_idle(qtbot, dialog)
    gate.clear()
    blocker = Worker(hold, "hold")
    blocker.start(pool)
    assert dialog.add_folders([photos]) is not None
    assert dialog.busy() and not dialog.add_button.isEnabled()
    dialog.reject()  # Close while busy: cancels and waits
    assert dialog.isVisible()
    gate.set()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=JOB_TIMEOUT)
    assert not dialog.busy()
    assert "Cancelled" in dialog.results.toPlainText()
    with Corpus(corpus) as direct:
        assert direct.stats()["items"] == 0
    assert pool.waitForDone(10_000)


def test_a_file_that_is_not_a_corpus_is_a_readable_message(
        qtbot: QtBot, manager: CorpusManager, message_boxes: list[ShownBox]) -> None:
    photo = shared_file(f"{BRIDGE}/{NAMES[0]}")
    manager.set_path(photo)
    wait_idle(qtbot, manager)
    assert len(message_boxes) == 1
    box = message_boxes[0]
    assert box.icon == QMessageBox.Icon.Warning and box.detailed == ""
    assert photo.name in box.everything and "corpus" in box.everything
    assert manager.last_error is not None
