"""The event loop keeps turning while real work runs through the window's own job machinery:
ingest of a folder of real photos (the corpus manager), keyframing of a real video and matching
a photo against that corpus. A 10 ms timer records the longest gap between its ticks; the
figures are printed and written to <tmp>/verifier-gui-stalls.json (benchmarks/bench_gui.py
records them in RESULTS.md). The tests assert what the jobs produced, never a timing."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.conftest import shared_file
from tests.gui.case_builder import PHOTO, BuiltCase
from verifier.case import CaseStore
from verifier.gui.corpus_manager import CorpusManager
from verifier.gui.main_window import MainWindow
from verifier.gui.stall_meter import StallMeter, StallReport
from verifier.gui.window_actions import open_corpus_manager

pytestmark = [pytest.mark.gui, pytest.mark.shared]

JOB_TIMEOUT = 180_000
PHOTOS = "ThreatExchange/pdq/data/bridge-mods"
STALLS_FILE = Path(tempfile.gettempdir()) / "verifier-gui-stalls.json"


def photo_folder(tmp_path: Path) -> tuple[Path, int]:
    """A folder of links to real photos (the bridge edits and the case's own photo, so the
    match finds something); links, never copies of the shared media."""
    source = shared_file(PHOTOS)
    folder = tmp_path / "photos"
    folder.mkdir()
    files = [*sorted(source.glob("*.jpg")), shared_file(PHOTO)]
    for file in files:
        (folder / file.name).symlink_to(file)
    return folder, len(files)


def wait_manager(qtbot: QtBot, manager: CorpusManager) -> None:
    """Until the manager's job and the refresh it queues after it have finished."""
    qtbot.waitUntil(lambda: not manager.busy(), timeout=JOB_TIMEOUT)
    qtbot.wait(50)
    qtbot.waitUntil(lambda: not manager.busy(), timeout=JOB_TIMEOUT)


def test_ingest_keyframes_and_matching_leave_the_event_loop_turning(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase, tmp_path: Path) -> None:
    folder, count = photo_folder(tmp_path)
    assert window.open_case(built_case.case_path)
    meter = StallMeter(window)
    reports: list[StallReport] = []

    # 1. Ingest through the corpus manager (a worker thread; the pool of processes behind it).
    manager = open_corpus_manager(window, modal=False)
    qtbot.addWidget(manager)
    corpus = tmp_path / "corpus.sqlite"
    manager.create_new(corpus)
    wait_manager(qtbot, manager)
    assert corpus.is_file() and manager.summary is not None
    meter.start("ingest of a folder of real photos")
    manager.add_folders([folder])
    wait_manager(qtbot, manager)
    reports.append(meter.stop())
    assert manager.last_error is None
    assert manager.last_ingest is not None and manager.last_ingest.added == count
    assert manager.summary is not None and manager.summary.stats["images"] == count
    assert window.corpus_path() == corpus  # the corpus chosen there is the window's
    manager.close()

    # 2. Keyframes of the case's real video, as Media ▸ Keyframes… runs them.
    with CaseStore.open(built_case.case_path) as case:
        before = len(case.keyframes(built_case.video_id))
    meter.start("keyframes of a real video")
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.extract_keyframes(built_case.video_id) is not None
    reports.append(meter.stop())
    assert window.snapshot is not None
    after = window.snapshot.keyframes.get(built_case.video_id, [])
    assert after and len(after) == before  # extracted again, the same shots

    # 3. Match the photo against the corpus just built: it finds itself.
    window.select_media(built_case.photo_id)
    meter.start("matching a photo against the corpus")
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.match_media() is not None
    reports.append(meter.stop())
    matches = window.snapshot.matches.get(built_case.photo_id, [])
    assert any(Path(m.corpus_path).name == Path(PHOTO).name for m in matches)

    for report in reports:
        print(report.line())
    STALLS_FILE.write_text(json.dumps([asdict(r) for r in reports], indent=2),
                           encoding="utf-8")
    assert all(r.ticks > 1 for r in reports)  # the timer ran during each job
