"""The Forensics tab on real media: lenses run through the tab in the window's job machinery,
the map over the picture follows the opacity slider, the lens's note is in view, clone pairs
are drawn where the copy is, a result kept as evidence is stored in the case and offered by the
verdict editor, a video keyframe and a whole video are looked at, a running clone lens is
cancelled, and a damaged file gives one readable line."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.conftest import ARTICLE, shared_file
from tests.gui.case_builder import BuiltCase
from tests.gui.conftest import ShownBox
from tests.helpers import checked_photo_case, copy_case
from verifier.case import CaseStore
from verifier.gui.forensics_tab import ForensicsPanel
from verifier.gui.main_window import MainWindow

pytestmark = [pytest.mark.gui, pytest.mark.shared]

PHOTO = "exif-samples/jpg/gps/DSCN0010.jpg"
JOB_TIMEOUT = 60_000
# A block of the real photo copied elsewhere in it (x, y, w, h of the source; where it goes).
CLONE_FROM = (40, 280, 160, 120)
CLONE_TO = (420, 60)


@pytest.fixture(scope="module")
def photo_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`verifier check` on a real photo (its claims are linked to it), plus a copy of the
    photo with one block cloned within it, added as a second media item."""
    from verifier.media import intake

    case_path = checked_photo_case(tmp_path_factory, "forensics-tab", shared_file(PHOTO),
                                   ARTICLE)
    rgb = np.asarray(Image.open(shared_file(PHOTO)).convert("RGB")).copy()
    x, y, w, h = CLONE_FROM
    tx, ty = CLONE_TO
    rgb[ty:ty + h, tx:tx + w] = rgb[y:y + h, x:x + w]
    doctored = tmp_path_factory.mktemp("doctored") / "DSCN0010-cloned.jpg"
    Image.fromarray(rgb).save(doctored, quality=92)
    with CaseStore.open(case_path) as case:
        case.add_media(intake.inspect(doctored))
    return case_path


@pytest.fixture
def photo_window(window: MainWindow, photo_case: Path, tmp_path: Path) -> Iterator[MainWindow]:
    case_path = copy_case(photo_case, tmp_path)
    assert window.open_case(case_path)
    yield window


def media_id(window: MainWindow, name: str) -> int:
    assert window.snapshot is not None
    item = next(m for m in window.snapshot.media if m.original_name == name)
    assert item.id is not None
    return item.id


def open_tab(qtbot: QtBot, window: MainWindow) -> ForensicsPanel:
    window.forensics_actions.open_tab.trigger()
    panel = window.inspector.forensics
    assert window.inspector.currentWidget() is panel
    # The picture loads in the background once the tab is shown.
    qtbot.waitUntil(lambda: panel.source is not None or bool(panel.error), timeout=JOB_TIMEOUT)
    return panel


def run(qtbot: QtBot, window: MainWindow, lens: str, **params: Any) -> ForensicsPanel:
    panel = window.inspector.forensics
    panel.select_lens(lens)
    for name, value in params.items():
        panel.form(lens).set_value(name, value)
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        window.forensics_actions.run.trigger()
    return panel


def test_ela_over_a_real_photo_kept_as_evidence_and_offered_in_the_verdict_editor(
        qtbot: QtBot, photo_window: MainWindow, message_boxes: list[ShownBox]) -> None:
    window = photo_window
    photo = media_id(window, Path(PHOTO).name)
    window.select_media(photo)
    panel = open_tab(qtbot, window)
    assert panel.source is not None and panel.source.rgb.shape[:2] == (480, 640)
    run(qtbot, window, "ela", quality=85, scale=20.0)
    assert not message_boxes
    assert panel.run is not None
    result = panel.run.result
    assert result.lens == "ela" and result.parameters["quality"] == 85
    assert panel.map_choice.count() == len(result.maps) == 2 and panel.map_choice.isEnabled()

    # The note says what ELA cannot show, and stays in view beside the result.
    assert panel.note.isVisible()
    assert "photoshopped" in panel.note.text() and "NOT a sign of editing" in panel.note.text()
    assert result.findings[0][:40] in panel.findings.toPlainText()
    assert "mean error" in panel.findings.toPlainText()

    # Opacity 0 is the picture, 100 the map alone, in between a blend of both.
    canvas = panel.canvas
    panel.opacity.setValue(0)
    picture = canvas.composite()
    assert picture is not None and np.array_equal(picture, canvas.base)
    panel.opacity.setValue(100)
    full = canvas.composite()
    assert full is not None and full.shape == picture.shape
    assert np.abs(full.astype(int) - picture.astype(int)).mean() > 10
    panel.opacity.setValue(50)
    half = canvas.composite()
    assert half is not None
    expected = (full.astype(np.float32) + picture.astype(np.float32)) / 2
    assert np.abs(half.astype(np.float32) - expected).max() <= 1.0
    # The other map of the lens gives another overlay.
    panel.map_choice.setCurrentIndex(1)
    assert canvas.lens_map is not None and canvas.lens_map.name == result.maps[1].name
    assert panel.caption.text() == result.maps[1].caption
    assert not np.array_equal(canvas.composite(), half)

    # Keep as evidence: stored in the case with its maps and an audit event.
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        panel.keep_button.click()
    assert not message_boxes
    assert panel.kept_id is not None and not panel.keep_button.isEnabled()
    assert f"forensics {panel.kept_id}" in panel.kept.text()
    assert window.snapshot is not None
    with CaseStore.open(window.snapshot.path) as case:
        (record,) = case.forensic_results(photo)
        assert record.id == panel.kept_id and record.lens == "ela"
        assert record.parameters["quality"] == 85 and record.note == result.note
        assert [m.name for m in record.maps] == [m.name for m in result.maps]
        assert all(Path(m.path).is_file() for m in record.maps)
        events = [e for e in case.audit_trail() if e.action == "forensics.saved"]
        assert [e.detail["forensics_id"] for e in events] == [record.id]
        # ... and the report shows it, with its note.
        from verifier.services import export_report

        out = Path(window.snapshot.path).with_suffix(".html")
        export_report(case, "html", out)
        page = out.read_text(encoding="utf-8")
        assert f'id="forensics-{record.id}"' in page and "photoshopped" in page

    # The verdict editor of a claim about this photo offers it under Forensic results.
    claim = next(c for c in window.snapshot.claims if c.media_id == photo)
    assert claim.id is not None
    window.open_verdict_editor(claim.id)
    editor = window.inspector.verdict
    row = editor.evidence.find_row("forensic", f"forensics {record.id}")
    assert row is not None and row.parent() is editor.evidence.groups["forensic"]
    assert "ela lens on" in row.text(1)
    # Ticked and saved, the verdict cites it.
    editor.evidence.set_checked("forensic", f"forensics {record.id}")
    assert any(i.kind == "forensic" and i.ref == f"forensics {record.id}"
               for i in editor.evidence_items())


def test_clone_pairs_are_drawn_where_the_copy_is_and_the_magnifier_equalises(
        qtbot: QtBot, photo_window: MainWindow, message_boxes: list[ShownBox]) -> None:
    window = photo_window
    window.select_media(media_id(window, "DSCN0010-cloned.jpg"))
    panel = open_tab(qtbot, window)
    run(qtbot, window, "clone", detector="sift")
    assert not message_boxes and panel.run is not None
    result = panel.run.result
    assert result.numbers["groups"] >= 1
    canvas = panel.canvas
    assert canvas.regions == result.regions and canvas.show_regions
    x, y, w, h = CLONE_FROM
    tx, ty = CLONE_TO
    boxes = {r.label: r for r in canvas.regions}
    found = {boxes["source 1"].overlaps((x, y, w, h)), boxes["target 1"].overlaps((tx, ty, w, h)),
             boxes["source 1"].overlaps((tx, ty, w, h)), boxes["target 1"].overlaps((x, y, w, h))}
    assert max(found) > 0.6
    # Every keypoint pair joins the two copies (shifted by the paste).
    assert len(canvas.pairs) == sum(len(g["pairs"]) for g in result.details["groups"])
    shifts = [(b[0] - a[0], b[1] - a[1]) for a, b in (
        (p.source, p.target) for p in canvas.pairs)]
    assert np.median([abs(dx) for dx, _ in shifts]) == pytest.approx(abs(tx - x), abs=4)
    # The regions checkbox hides the outlines; the map choice holds both clone maps.
    panel.regions.setChecked(False)
    assert not canvas.show_regions
    assert {panel.map_choice.itemData(n) for n in range(panel.map_choice.count())} == \
        {"clone_pairs", "clone_regions"}

    # Magnifier: the loupe shows the picture's pixels enlarged, equalised on demand.
    panel.loupe.setChecked(True)
    panel.zoom.setValue(5)
    point = (x + w // 2, y + h // 2)
    panel.equalize.setChecked(False)
    plain = canvas.loupe_image(point)
    panel.equalize.setChecked(True)
    equalised = canvas.loupe_image(point)
    assert plain is not None and equalised is not None
    assert plain.shape == equalised.shape
    assert plain.shape[0] == max(4, round(canvas.loupe_side() / 5)) * 5
    assert int(np.ptp(equalised)) >= int(np.ptp(plain))
    assert float(equalised.std()) > float(plain.std())


def test_a_video_keyframe_and_the_whole_video(qtbot: QtBot, window: MainWindow,
                                              built_case: BuiltCase,
                                              message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    window.select_media(built_case.video_id)
    view = window.media_view
    assert len(view.keyframes) >= 2
    view.show_keyframe(1)
    keyframe = view.keyframes[1]
    panel = open_tab(qtbot, window)
    assert panel.target is not None and panel.target.picture == Path(keyframe.path)
    assert "keyframe at" in panel.title.text()
    run(qtbot, window, "noise", block=16)
    assert not message_boxes and panel.run is not None
    result = panel.run.result
    with Image.open(keyframe.path) as frame:
        assert result.image_size == frame.size
    assert result.parameters["block"] == 16 and panel.opacity.isEnabled()
    # Kept, it is recorded as the keyframe's.
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        panel.keep_button.click()
    with CaseStore.open(built_case.case_path) as case:
        (record,) = case.forensic_results(built_case.video_id)
    assert record.id == panel.kept_id and record.lens == "noise"
    assert record.source.startswith("keyframe at") and record.time == pytest.approx(keyframe.time)

    # Another keyframe is another picture: the result is dropped.
    view.show_keyframe(0)
    assert panel.run is None and panel.target.picture == Path(view.keyframes[0].path)

    # The frames lens reads the whole video and shows its chart alone.
    run(qtbot, window, "frames")
    assert not message_boxes and panel.run is not None
    frames = panel.run.result
    assert frames.lens == "frames" and frames.numbers["frames"] > 100
    assert panel.canvas.is_chart and not panel.opacity.isEnabled()
    chart = panel.canvas.composite()
    assert chart is not None and np.array_equal(chart, frames.maps[0].image)
    assert "frame-rate conversion" in panel.note.text()


def test_cancel_a_running_clone_lens(qtbot: QtBot, photo_window: MainWindow,
                                     message_boxes: list[ShownBox],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier.forensics import clone as clone_module

    window = photo_window
    window.select_media(media_id(window, "DSCN0010-cloned.jpg"))
    panel = open_tab(qtbot, window)
    # Hold the lens in its matching step until the test has pressed Cancel, so the cancel
    # lands while it runs, whatever the machine's speed.
    entered, release = threading.Event(), threading.Event()
    real: Callable[..., Any] = clone_module._self_matches

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(clone_module, "_self_matches", held)
    panel.select_lens("clone")
    with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
        worker = panel.run_lens()
        assert worker is not None
        assert entered.wait(30)
        assert panel.cancel_button.isEnabled() and not panel.run_button.isEnabled()
        panel.cancel_button.click()
        release.set()
    assert worker.cancelled
    assert panel.run is None and "Cancelled" in panel.status.text()
    assert not message_boxes
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert not panel.keep_button.isEnabled()


def test_a_damaged_picture_gives_a_readable_error(qtbot: QtBot, photo_window: MainWindow,
                                                  message_boxes: list[ShownBox]) -> None:
    window = photo_window
    photo = media_id(window, Path(PHOTO).name)
    assert window.snapshot is not None
    item = window.snapshot.media_item(photo)
    assert item is not None
    evidence = Path(item.path)
    evidence.chmod(0o644)
    data = evidence.read_bytes()
    evidence.write_bytes(data[: len(data) // 3])  # truncated on disk after it was added
    window.select_media(photo)
    panel = open_tab(qtbot, window)
    assert panel.source is None and "truncated" in panel.error
    run(qtbot, window, "ela")
    assert panel.run is None
    assert "truncated" in panel.status.text() and "Traceback" not in panel.status.text()
    (box,) = message_boxes
    assert "truncated" in box.informative and box.detailed == ""
    # Named as the analyst knows it, not by its evidence copy's SHA-256 name.
    assert "DSCN0010.jpg" in box.informative and item.sha256 not in box.everything
    assert "Traceback" not in box.everything
    assert item.sha256 not in panel.status.text()


def test_every_control_has_a_tooltip_and_the_shortcuts_are_listed(window: MainWindow) -> None:
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLabel, QSlider

    from verifier.gui.shortcuts import shortcut_rows

    panel = window.inspector.forensics
    controls = [w for w in panel.findChildren(QWidget)
                if isinstance(w, QAbstractButton | QComboBox | QSlider | QAbstractSpinBox)
                or (isinstance(w, QLabel) and w.parent() is not None
                    and not isinstance(w.parent(), QAbstractSpinBox | QComboBox))]
    assert len(controls) > 20
    untipped = [type(w).__name__ + ":" + (w.text() if isinstance(w, QLabel | QAbstractButton)
                                         else w.objectName()) for w in controls
                if not w.toolTip()]
    assert untipped == []
    rows = {r.action: r for r in shortcut_rows(window)}
    assert rows["Forensics"].keys == "Ctrl+Shift+X" and rows["Forensics"].group == "Media"
    assert rows["Run forensic lens"].keys == "F9"
    window.forensics_actions.open_tab.trigger()
    assert window.inspector.currentWidget() is panel
