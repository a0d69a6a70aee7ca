"""Adding media to an open case from the window (path, URL, drop, paste) and the metadata panel:
normalised fields, GPS on a map, the date timeline and the EXIF preview."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.conftest import MEDIA, shared_file
from tests.gui.case_builder import PHOTO, BuiltCase
from tests.gui.conftest import ShownBox
from tests.helpers import free_port, serve_directory
from verifier.case import CaseStore
from verifier.gui.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.shared]

GPS_PHOTO = "exif-samples/jpg/gps/DSCN0010.jpg"
JOB_TIMEOUT = 30_000


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def case_media(case_path: Path) -> list:
    with CaseStore.open(case_path) as case:
        return case.media()


def intake_event(case_path: Path, media_id: int | None) -> dict:
    with CaseStore.open(case_path) as case:
        events = [e for e in case.audit_trail()
                  if e.action == "media.intake" and e.detail.get("media_id") == media_id]
    assert events, "no media.intake event was recorded"
    return events[-1].detail


def field_values(window: MainWindow) -> dict[str, str]:
    model = window.inspector.metadata.fields_model
    return {model.index(r, 0).data(): model.index(r, 1).data() for r in range(model.rowCount())}


@pytest.fixture
def web_server() -> Iterator[str]:
    """http://127.0.0.1:PORT serving ../shared/media/exif-samples/jpg (read-only, in place)."""
    folder = MEDIA / "exif-samples" / "jpg"
    if not folder.is_dir():
        pytest.skip(f"real media not available: {folder}")
    with serve_directory(folder) as base:
        yield base


@pytest.fixture
def opened(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    """Every URL the window asks the desktop to open, recorded instead of starting a browser."""
    urls: list[QUrl] = []

    def fake_open(url: QUrl) -> bool:
        urls.append(QUrl(url))
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    return urls


def test_adding_a_photo_from_a_path_stores_it_and_shows_its_metadata(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox], opened: list[QUrl]) -> None:
    photo = shared_file(GPS_PHOTO)
    assert window.open_case(built_case.case_path)
    before = case_media(built_case.case_path)
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.add_media([str(photo)]) is not None
        assert window.job_bar.isVisible()
    assert message_boxes == []

    after = case_media(built_case.case_path)
    assert len(after) == len(before) + 1
    added = after[-1]
    assert added.sha256 == sha256(photo)
    assert added.original_name == "DSCN0010.jpg"
    assert Path(added.path).read_bytes() == photo.read_bytes()
    assert intake_event(built_case.case_path, added.id)["source"] == str(photo)
    # Nothing else in the case was lost.
    assert [m.sha256 for m in after[:-1]] == [m.sha256 for m in before]

    # The new item is selected, listed and its metadata shown.
    assert window.media_id == added.id
    assert len(window.navigator.media_items()) == len(after)
    values = field_values(window)
    assert values["model"] == "COOLPIX P6000"
    assert values["gps"] == "43.467448, 11.885127"
    panel = window.inspector.metadata
    assert "DSCN0010.jpg" in panel.title.text()
    assert panel.gps.isVisibleTo(window)
    assert "OpenStreetMap" in panel.gps.text()
    panel.gps.linkActivated.emit(panel.map_url)
    assert opened and opened[-1].host() == "www.openstreetmap.org"
    assert "mlat=43.467448" in opened[-1].toString()


def test_adding_from_a_url_records_the_source(qtbot: QtBot, window: MainWindow,
                                              built_case: BuiltCase, web_server: str,
                                              message_boxes: list[ShownBox]) -> None:
    url = f"{web_server}/Canon_40D_photoshop_import.jpg"
    assert window.open_case(built_case.case_path)
    before = len(case_media(built_case.case_path))
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.add_media([url]) is not None
    assert message_boxes == []
    media = case_media(built_case.case_path)
    assert len(media) == before + 1
    added = media[-1]
    assert added.source_url == url
    assert added.sha256 == sha256(shared_file("exif-samples/jpg/Canon_40D_photoshop_import.jpg"))
    detail = intake_event(built_case.case_path, added.id)
    assert detail["origin"] == "url"
    assert detail["download"]["final_url"] == url
    assert detail["download"]["status"] == 200
    assert any(k.lower() == "content-type" for k in detail["download"]["headers"])
    # The metadata tab says where it came from, and the red flag of the editor shows.
    panel = window.inspector.metadata
    assert url in panel.title.text()
    assert "Edited with software" in panel.flags.text()


def test_an_unreachable_url_is_a_readable_warning_and_changes_nothing(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox]) -> None:
    url = f"http://127.0.0.1:{free_port()}/viral.jpg"
    assert window.open_case(built_case.case_path)
    before = case_media(built_case.case_path)
    audit_before = window.snapshot.audit if window.snapshot else []
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.add_media([url]) is not None
    assert len(message_boxes) == 1
    box = message_boxes[0]
    assert box.icon == QMessageBox.Icon.Warning
    assert url in box.informative
    assert "could not be reached" in box.informative
    assert "Traceback" not in box.everything and box.detailed == ""
    assert case_media(built_case.case_path) == before
    assert window.snapshot is not None and len(window.snapshot.media) == len(before)
    assert len(window.snapshot.audit) == len(audit_before)


def test_the_same_file_twice_is_not_stored_twice(qtbot: QtBot, window: MainWindow,
                                                 built_case: BuiltCase,
                                                 message_boxes: list[ShownBox]) -> None:
    photo = shared_file(PHOTO)
    assert window.open_case(built_case.case_path)
    before = case_media(built_case.case_path)
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        window.add_media([str(photo)])
    assert message_boxes == []
    assert case_media(built_case.case_path) == before
    assert window.media_id == built_case.photo_id
    assert "already in the case" in window.statusBar().currentMessage()


def test_dropping_a_media_file_adds_it(qtbot: QtBot, window: MainWindow,
                                       built_case: BuiltCase,
                                       message_boxes: list[ShownBox]) -> None:
    photo = shared_file("exif-samples/jpg/Nikon_D70.jpg")
    assert window.open_case(built_case.case_path)
    before = len(case_media(built_case.case_path))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        window.dropEvent(event)
    assert message_boxes == []
    media = case_media(built_case.case_path)
    assert len(media) == before + 1
    assert media[-1].sha256 == sha256(photo)


def test_pasting_a_picture_saves_it_as_png_and_notes_the_clipboard(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase,
        message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    before = len(case_media(built_case.case_path))
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#3366cc"))
    for x in range(0, 64, 8):  # some structure, so it is not a flat field
        for y in range(48):
            image.setPixelColor(x, y, QColor("#ffcc00"))
    mime = QMimeData()
    mime.setImageData(image)
    mime.setHtml("<img src='https://example.org/shared/picture.jpg'>")
    QGuiApplication.clipboard().setMimeData(mime)
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        assert window.paste_media() is not None
    assert message_boxes == []
    media = case_media(built_case.case_path)
    assert len(media) == before + 1
    added = media[-1]
    assert added.mime == "image/png"
    assert added.original_name.startswith("pasted-from-clipboard-")
    assert added.original_name.endswith(".png")
    stored = QImage(added.path)
    assert (stored.width(), stored.height()) == (64, 48)
    detail = intake_event(built_case.case_path, added.id)
    assert detail["origin"] == "clipboard"
    assert "https://example.org/shared/picture.jpg" in detail["note"]
    assert "Pasted from the clipboard" in window.inspector.metadata.title.text()


def test_photo_dates_timeline_and_exif_preview(qtbot: QtBot, window: MainWindow,
                                               built_case: BuiltCase) -> None:
    assert window.open_case(built_case.case_path)
    window.select_media(built_case.photo_id)
    panel = window.inspector.metadata
    rows = panel.timeline_rows()
    assert ("2008-05-30 15:56:01 (zone unknown)", "EXIF DateTimeOriginal") in rows
    assert ("2008-07-31 10:38:11 (zone unknown)", "Image DateTime") in rows
    times = [t for t, _ in rows]
    assert times == sorted(times)  # earliest first (all are ISO, so text order is time order)
    assert panel.timeline_label.text().startswith(f"Dates ({len(rows)}")

    # The camera's embedded preview is shown beside the picture with the comparison.
    view = window.media_view
    qtbot.waitUntil(lambda: view.exif_panel.isVisibleTo(window), timeout=10_000)
    assert (view.exif_panel.preview.width(), view.exif_panel.preview.height()) == (68, 46)
    assert "same picture" in view.exif_panel.note.text()

    # A video has no EXIF preview.
    window.select_media(built_case.video_id)
    assert not view.exif_panel.isVisibleTo(window)


def test_incomplete_report_and_thumbnail_mismatch_are_shown(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase) -> None:
    from dataclasses import replace

    from verifier.media import intake
    from verifier.services import analyse_media

    odd = shared_file("exif-samples/jpg/tests/35-empty.jpg")  # its preview differs
    with CaseStore.open(built_case.case_path) as case:
        item = case.add_media(intake.inspect(odd))
        analyse_media(case, item, None)
        assert item.id is not None
        report = case.metadata(item.id)
        assert report is not None
        case.set_metadata(item.id, replace(report, complete=False,
                                           problems=("EXIF could not be fully read: it took "
                                                     "too long",)))
    assert window.open_case(built_case.case_path)
    window.select_media(item.id)
    flags = window.inspector.metadata.flags.text()
    assert "Incomplete report" in flags and "took too long" in flags
    assert "Preview differs from the picture" in flags
    view = window.media_view
    qtbot.waitUntil(lambda: view.exif_panel.isVisibleTo(window), timeout=10_000)
    assert "Differs from the picture" in view.exif_panel.note.text()
