"""A video's keyframes in the window: the shot timeline, the picture actions (find in corpus,
copy, save, reverse search) and extracting the keyframes again."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from tests.conftest import shared_file
from tests.gui.case_builder import PHOTO, VIDEO, BuiltCase
from tests.gui.conftest import ShownBox
from verifier.case import CaseStore
from verifier.gui.main_window import MainWindow
from verifier.gui.reverse_search import is_public_url, plan_search
from verifier.media import intake
from verifier.media.keyframes import format_timestamp
from verifier.models import Keyframe, Shot

pytestmark = [pytest.mark.gui, pytest.mark.shared]

JOB_TIMEOUT = 60_000


def stored(case_path: Path, media_id: int) -> tuple[list[Shot], list[Keyframe]]:
    with CaseStore.open(case_path) as case:
        return case.shots(media_id), case.keyframes(media_id)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    urls: list[QUrl] = []

    def fake_open(url: QUrl) -> bool:
        urls.append(QUrl(url))
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    return urls


@pytest.fixture
def video_window(window: MainWindow, built_case: BuiltCase) -> MainWindow:
    assert window.open_case(built_case.case_path)
    window.select_media(built_case.video_id)
    return window


def test_shot_timeline_has_a_segment_per_shot_and_clicks_select_keyframes(
        qtbot: QtBot, video_window: MainWindow, built_case: BuiltCase) -> None:
    shots, keyframes = stored(built_case.case_path, built_case.video_id)
    assert len(shots) >= 2 and keyframes
    view = video_window.media_view
    timeline = view.timeline
    assert timeline.isVisibleTo(video_window)
    assert timeline.segment_count() == len(shots)
    # Segments are laid out left to right without overlapping, covering the bar.
    rects = [timeline.segment_rect(n) for n in range(len(shots))]
    assert all(a.right() <= b.left() for a, b in itertools.pairwise(rects))
    assert rects[0].left() == timeline.bar_rect().left()
    assert abs(rects[-1].right() - timeline.bar_rect().right()) <= 2

    for n, shot in enumerate(shots):
        own = [i for i, k in enumerate(keyframes) if k.shot == shot.index]
        if not own:
            continue
        rect = rects[n]
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton,
                         pos=QPoint(rect.center().x(), rect.center().y()))
        assert view.index in own
        assert timeline.selected == view.index
        assert view.filmstrip.currentRow() == view.index
        kf = keyframes[view.index]
        assert format_timestamp(kf.time) in view.caption.text()
        assert f"shot {shot.index + 1} of {len(shots)}" in view.caption.text()
        assert "shot" in timeline.tooltip_at(QPoint(rect.center().x(), rect.center().y())).lower()

    # A filmstrip click moves the timeline's marker too.
    view.filmstrip.setCurrentRow(0)
    assert timeline.selected == 0


def test_copy_puts_the_keyframe_on_the_clipboard(video_window: MainWindow,
                                                 built_case: BuiltCase) -> None:
    _, keyframes = stored(built_case.case_path, built_case.video_id)
    view = video_window.media_view
    view.show_keyframe(len(keyframes) - 1)
    QGuiApplication.clipboard().clear()
    assert video_window.copy_picture_action.isEnabled()
    video_window.copy_picture_action.trigger()
    image = QGuiApplication.clipboard().image()
    assert not image.isNull()
    png = QImage(keyframes[-1].path)
    assert (image.width(), image.height()) == (png.width(), png.height())
    assert "Copied the keyframe at" in video_window.statusBar().currentMessage()


def test_save_as_writes_the_keyframe_png(video_window: MainWindow, built_case: BuiltCase,
                                         tmp_path: Path) -> None:
    _, keyframes = stored(built_case.case_path, built_case.video_id)
    video_window.media_view.show_keyframe(1)
    name = video_window.suggested_picture_name()
    assert name == f"goldeneye-vfr-drop3_keyframe_" \
                   f"{format_timestamp(keyframes[1].time).replace(':', '-')}.png"
    out = tmp_path / name
    assert video_window.save_picture(out)
    assert out.read_bytes() == Path(keyframes[1].path).read_bytes()  # lossless, as extracted


def test_reverse_search_of_a_keyframe_copies_it_and_opens_the_upload_page(
        video_window: MainWindow, built_case: BuiltCase, opened: list[QUrl]) -> None:
    QGuiApplication.clipboard().clear()
    video_window.reverse_actions["google"].trigger()
    assert [u.toString() for u in opened] == ["https://lens.google.com/upload"]
    assert not QGuiApplication.clipboard().image().isNull()
    assert "paste it (Ctrl+V)" in video_window.statusBar().currentMessage()
    video_window.reverse_actions["tineye"].trigger()
    assert opened[-1].toString() == "https://tineye.com/"


def test_reverse_search_of_a_photo_from_the_web_searches_by_its_address(
        video_window: MainWindow, built_case: BuiltCase, opened: list[QUrl]) -> None:
    address = "https://example.org/photos/iguana 40D.jpg"
    with CaseStore.open(built_case.case_path) as case:
        item = case.add_media(replace(intake.inspect(shared_file(PHOTO)), source_url=address,
                                      original_name="iguana 40D.jpg"))
    video_window.reload()
    assert item.id is not None
    video_window.select_media(item.id)
    encoded = quote(address, safe="")
    for key, expected in (
            ("bing", "https://www.bing.com/images/search?view=detailv2&iss=sbi&form=SBIVSP"
                     f"&sbisrc=UrlPaste&q=imgurl:{encoded}"),
            ("google", f"https://lens.google.com/uploadbyurl?url={encoded}"),
            ("yandex", f"https://yandex.com/images/search?rpt=imageview&url={encoded}"),
            ("tineye", f"https://tineye.com/search?url={encoded}")):
        assert video_window.reverse_search(key) == expected
        assert opened[-1] == QUrl(expected)
    assert "by its address" in video_window.statusBar().currentMessage()


def test_search_plans_never_send_a_private_address() -> None:
    assert is_public_url("https://example.org/a.jpg")
    for private in ("http://127.0.0.1:8000/a.jpg", "http://localhost/a.jpg",
                    "http://192.168.1.20/a.jpg", "http://fileserver/a.jpg", "file:///a.jpg"):
        assert not is_public_url(private)
        plan = plan_search("yandex", private, "the photo a.jpg")
        assert not plan.by_url and plan.url == "https://yandex.com/images/"
        assert "not on the public web" in plan.note


def test_find_in_corpus_finds_the_keyframe_in_a_corpus_of_the_video(
        qtbot: QtBot, video_window: MainWindow, built_case: BuiltCase, tmp_path: Path,
        message_boxes: list[ShownBox]) -> None:
    from verifier.corpus import Corpus

    video = shared_file(VIDEO)
    corpus_path = tmp_path / "corpus.sqlite"
    with Corpus(corpus_path) as corpus:
        corpus.add([video])
    video_window.set_corpus(corpus_path)
    _, keyframes = stored(built_case.case_path, built_case.video_id)
    video_window.media_view.show_keyframe(1)
    assert video_window.find_action.isEnabled()
    with qtbot.waitSignal(video_window.job_done, timeout=JOB_TIMEOUT):
        video_window.find_action.trigger()
    assert message_boxes == []
    panel = video_window.inspector.matches
    assert video_window.inspector.currentWidget() is panel
    assert format_timestamp(keyframes[1].time) in panel.searching
    rows = panel.model.rows()
    assert rows and Path(rows[0].corpus_path) == video.resolve()  # the corpus keeps real paths
    assert rows[0].source_time is not None
    assert abs(rows[0].source_time - keyframes[1].time) < 1.5
    assert panel.search_banner.isVisibleTo(video_window)
    with CaseStore.open(built_case.case_path) as case:
        event = case.audit_trail()[-1]
        assert case.matches(built_case.video_id) == []  # the video's stored matches untouched
    assert event.action == "keyframe.matched"
    assert Path(event.detail["best"][0]["corpus_path"]) == video.resolve()
    panel.back_button.click()
    assert not panel.search_banner.isVisibleTo(video_window)


def test_quick_preview_replaces_the_keyframes_and_names_the_original_file(
        qtbot: QtBot, video_window: MainWindow, built_case: BuiltCase,
        monkeypatch: pytest.MonkeyPatch, message_boxes: list[ShownBox]) -> None:
    _, before = stored(built_case.case_path, built_case.video_id)
    with CaseStore.open(built_case.case_path) as case:
        evidence_name = Path(case.media_item(built_case.video_id).path).name
    messages: list[str] = []
    bar = video_window.job_bar
    original = bar.set_message
    monkeypatch.setattr(bar, "set_message", lambda text: (messages.append(text), original(text)))
    with qtbot.waitSignal(video_window.job_done, timeout=JOB_TIMEOUT):
        assert video_window.extract_keyframes(built_case.video_id, fast=True) is not None
        assert bar.label.text() == "Quick preview of goldeneye-vfr-drop3.mp4"
    assert message_boxes == []
    shots, keyframes = stored(built_case.case_path, built_case.video_id)
    assert shots == [] and keyframes and all(k.shot == -1 for k in keyframes)
    assert all(Path(k.path).is_file() for k in keyframes)
    assert not any(Path(k.path).exists() for k in before)  # the replaced files are gone
    assert any("goldeneye-vfr-drop3.mp4" in m for m in messages)
    assert not any(evidence_name in m for m in messages)
    view = video_window.media_view
    assert view.timeline.segment_count() == 0
    assert view.filmstrip.count() == len(keyframes)
    assert "I-frame preview" in view.caption.text()
    assert "preview" in video_window.statusBar().currentMessage()

    # And back to one keyframe per shot.
    with qtbot.waitSignal(video_window.job_done, timeout=JOB_TIMEOUT):
        video_window.extract_keyframes(built_case.video_id)
    shots, keyframes = stored(built_case.case_path, built_case.video_id)
    assert shots and view.timeline.segment_count() == len(shots)
    assert all(k.shot >= 0 for k in keyframes)


def test_cancelled_extraction_leaves_the_keyframes_as_they_were(
        qtbot: QtBot, video_window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox]) -> None:
    shots, before = stored(built_case.case_path, built_case.video_id)
    folder = Path(before[0].path).parent  # new runs go into folders inside it
    files_before = sorted(folder.rglob("*"))
    with qtbot.waitSignal(video_window.job_done, timeout=JOB_TIMEOUT):
        worker = video_window.extract_keyframes(built_case.video_id)
        assert worker is not None
        video_window.job_bar.cancel_button.click()  # before the first frame is decoded
    assert message_boxes == []
    assert "cancelled" in video_window.statusBar().currentMessage()
    assert stored(built_case.case_path, built_case.video_id) == (shots, before)
    assert all(Path(k.path).is_file() for k in before)
    assert sorted(folder.rglob("*")) == files_before  # no half-written run left behind
    assert video_window.media_view.filmstrip.count() == len(before)


def test_dialog_offers_every_frame_and_that_run_places_cuts_exactly(
        qtbot: QtBot, video_window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox]) -> None:
    from verifier.gui.intake import KeyframesDialog

    dialog = KeyframesDialog("goldeneye-vfr-drop3.mp4", 3, video_window)
    qtbot.addWidget(dialog)
    assert dialog.full.isChecked() and not dialog.every_frame() and not dialog.quick_preview()
    dialog.every.setChecked(True)
    assert dialog.every_frame() and not dialog.quick_preview()

    with qtbot.waitSignal(video_window.job_done, timeout=JOB_TIMEOUT):
        assert video_window.extract_keyframes(built_case.video_id, every_frame=True) is not None
    assert message_boxes == []
    shots, keyframes = stored(built_case.case_path, built_case.video_id)
    # The dropped-frame copy's hard cuts are decoded frames 60 and 140 (benchmarks/data/cuts.json).
    assert [s.start_frame for s in shots] == [0, 60, 140]
    assert keyframes and all(Path(k.path).is_file() for k in keyframes)
