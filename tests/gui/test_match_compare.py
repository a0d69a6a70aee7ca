"""The Matches tab's comparison on real matches: a doctored copy of a real photo (mirrored,
cropped, shrunk, a logo pasted) against its original, and the demo's video match in time."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from tests.conftest import shared_file
from tests.gui.compare_builder import (
    CROP,
    DISTRACTORS,
    LOGO,
    ORIGINAL,
    PUBLISHED,
    SOURCE_URL,
    CompareCase,
    build_compare_case,
)
from tests.gui.conftest import ShownBox
from verifier.case import CaseStore, evidence_dir_for
from verifier.gui.alignment_view import TimeAlignmentView, TimeSpan
from verifier.gui.main_window import MainWindow
from verifier.gui.match_compare import DIFFERENCE, OVERLAY, TIME, LoadedComparison

pytestmark = [pytest.mark.gui, pytest.mark.shared]

LOAD_TIMEOUT = 30_000


@pytest.fixture(scope="module")
def compare_template(tmp_path_factory: pytest.TempPathFactory) -> CompareCase:
    original = shared_file(ORIGINAL)
    distractors = [shared_file(p) for p in DISTRACTORS]
    return build_compare_case(tmp_path_factory.mktemp("compare"), original, distractors)


@pytest.fixture
def compare_case(compare_template: CompareCase, tmp_path: Path) -> CompareCase:
    """A private copy of the case file and its evidence (the corpus files stay shared)."""
    case_path = tmp_path / compare_template.case_path.name
    shutil.copy2(compare_template.case_path, case_path)
    shutil.copytree(evidence_dir_for(compare_template.case_path), evidence_dir_for(case_path))
    return replace(compare_template, case_path=case_path)


def open_matches(qtbot: QtBot, window: MainWindow, case_path: Path,
                 media_id: int) -> LoadedComparison:
    assert window.open_case(case_path)
    window.select_media(media_id)
    window.inspector.setCurrentWidget(window.inspector.matches)
    panel = window.inspector.matches.compare
    qtbot.waitUntil(lambda: panel.compare.loaded is not None, timeout=LOAD_TIMEOUT)
    loaded = panel.compare.loaded
    assert loaded is not None
    return loaded


def _gray(rgb: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 1.5)


def test_selecting_the_match_aligns_the_original_with_the_doctored_copy(
        qtbot: QtBot, window: MainWindow, compare_case: CompareCase,
        message_boxes: list[ShownBox]) -> None:
    loaded = open_matches(qtbot, window, compare_case.case_path, compare_case.media_id)
    matches = window.inspector.matches
    assert matches.view.currentIndex().row() == 0
    match = matches.model.row_item(0)
    assert Path(match.corpus_path).name == "bridge-2015.jpg" and match.alignment
    assert loaded.method_text.startswith("aligned by the homography")
    query, aligned = loaded.arrays["query"], loaded.arrays["aligned"]
    assert query.shape == aligned.shape
    h, w = query.shape[:2]
    # Outside the pasted logo, the aligned original lines up with the copy ...
    inside = loaded.mask.copy()
    x0, y0, x1, y1 = (round(v) for v in (LOGO[0] * w, LOGO[1] * h, LOGO[2] * w, LOGO[3] * h))
    inside[max(0, y0 - 6):y1 + 6, max(0, x0 - 6):x1 + 6] = False
    assert inside.mean() > 0.7  # the original covers the copy's frame
    diff = np.abs(_gray(query) - _gray(aligned))
    aligned_error = float(diff[inside].mean())
    # ... far better than the original merely scaled into the frame (it is mirrored).
    original = loaded.arrays["original"]
    plain = cv2.resize(original, (w, h), interpolation=cv2.INTER_AREA)
    plain_error = float(np.abs(_gray(query) - _gray(plain))[inside].mean())
    assert aligned_error < 12, aligned_error
    assert plain_error > 3 * aligned_error, (plain_error, aligned_error)
    # The difference view lights up the logo, not the rest.
    from verifier.matching.overlay import difference_map

    heat_rgb, _mean, _share = difference_map(query, aligned, loaded.mask)
    heat_gray = cv2.cvtColor(heat_rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    logo = np.zeros_like(loaded.mask)
    logo[y0 + 3:y1 - 3, x0 + 3:x1 - 3] = True
    assert heat_gray[logo & loaded.mask].mean() > 3 * heat_gray[inside].mean()
    # The matched region on the original is the crop the copy was made from.
    xs = [p[0] for p in loaded.region]
    ys = [p[1] for p in loaded.region]
    assert all(0.0 <= v <= 1.0 for v in xs + ys)
    assert abs(min(xs) - CROP[0]) < 0.03 and abs(max(xs) - CROP[2]) < 0.03
    assert abs(min(ys) - CROP[1]) < 0.03 and abs(max(ys) - CROP[3]) < 0.03
    view = matches.compare.compare.original_view
    rect = view.image_rect().adjusted(-1, -1, 1, 1)
    points = view.polygon_points()
    assert len(points) == 4 and all(rect.contains(p) for p in points)
    # The original covers the whole copy: no outline on the query.
    assert matches.compare.compare.query_view.polygon == ()
    assert not message_boxes


def test_a_picture_inside_a_page_is_outlined_on_the_query(
        qtbot: QtBot, window: MainWindow, tmp_path: Path,
        message_boxes: list[ShownBox]) -> None:
    """A screenshot of an article with the original in it: the outline on the query is where
    the picture sits in the page."""
    from tests.test_match_screenshot import _page

    pasted: list[tuple[float, float, float, float]] = []

    def page_query(original: Path, out: Path) -> None:
        page, (x0, y0, x1, y1) = _page(original, "Flood barriers close the footbridge", 0.32)
        page.save(out, quality=85)
        pasted.append((x0 / page.width, y0 / page.height, x1 / page.width, y1 / page.height))

    built = build_compare_case(tmp_path, shared_file(ORIGINAL),
                               [shared_file(p) for p in DISTRACTORS], make=page_query)
    loaded = open_matches(qtbot, window, built.case_path, built.media_id)
    assert loaded.coverage < 0.3
    xs = [p[0] for p in loaded.query_region]
    ys = [p[1] for p in loaded.query_region]
    found = (min(xs), min(ys), max(xs), max(ys))
    assert np.allclose(found, pasted[0], atol=0.03), (found, pasted)
    view = window.inspector.matches.compare.compare.query_view
    rect = view.image_rect().adjusted(-1, -1, 1, 1)
    points = view.polygon_points()
    assert len(points) >= 4 and all(rect.contains(p) for p in points)
    assert not message_boxes


def test_overlay_slider_and_modes_change_the_composite(
        qtbot: QtBot, window: MainWindow, compare_case: CompareCase) -> None:
    open_matches(qtbot, window, compare_case.case_path, compare_case.media_id)
    panel = window.inspector.matches.compare
    compare = panel.compare
    compare.tabs.setCurrentIndex(OVERLAY)
    assert compare.overlay.isVisible()
    compare.slider.setValue(10)
    early = compare.overlay.composite()
    compare.slider.setValue(90)
    late = compare.overlay.composite()
    assert early.size() == late.size() and early != late
    # Dragging across the picture moves the wipe line and the slider with it.
    target = compare.overlay.rect()
    qtbot.mouseClick(compare.overlay, Qt.MouseButton.LeftButton,
                     pos=QPoint(target.center().x(), target.center().y()))
    assert abs(compare.slider.value() - 50) <= 2
    # Wipe: left of the line is the aligned original, right of it the query.
    base, top = compare.overlay.base, compare.overlay.top
    y = early.height() // 2
    assert early.pixelColor(early.width() - 3, y) == base.pixelColor(base.width() - 3, y)
    assert late.pixelColor(2, y) == top.pixelColor(2, y)
    assert early.pixelColor(2, y) == top.pixelColor(2, y)
    # Blend: at 0 the query alone, at 100 the original alone.
    compare.toggle_blend()
    assert compare.overlay.mode == "blend"
    compare.slider.setValue(0)
    assert compare.overlay.composite().pixelColor(5, y) == base.pixelColor(5, y)
    compare.slider.setValue(100)
    assert compare.overlay.composite().pixelColor(5, y) == top.pixelColor(5, y)
    # Keyboard: Alt+Left moves the slider, Alt+3 shows the difference.
    window.inspector.matches.view.setFocus()
    qtbot.keyClick(window.inspector.matches.view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert compare.slider.value() == 95
    qtbot.keyClick(window.inspector.matches.view, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert compare.tabs.currentIndex() == DIFFERENCE
    assert not compare.tabs.isTabEnabled(TIME)  # a photo has no time alignment
    for widget in (compare.slider, compare.blend_mode, compare.overlay, compare.query_view,
                   compare.original_view, compare.difference_view, panel.popout_button):
        assert widget.toolTip()
    # The comparison in a window of its own shows the same pictures.
    popped = panel.pop_out()
    assert popped is not None and popped.isVisible()
    assert popped.compare.loaded is compare.loaded
    popped.close()


def test_thumbnails_and_earliest_appearance_in_the_list(
        qtbot: QtBot, window: MainWindow, compare_case: CompareCase) -> None:
    open_matches(qtbot, window, compare_case.case_path, compare_case.media_id)
    model = window.inspector.matches.model
    qtbot.waitUntil(lambda: model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is not None,
                    timeout=LOAD_TIMEOUT)
    thumb = model.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
    assert not thumb.isNull() and thumb.width() <= 96 and thumb.height() <= 54
    # The archive's manifest dates the original: its earliest known appearance is on top.
    earliest = window.inspector.matches.earliest
    assert earliest.isVisible()
    assert PUBLISHED in earliest.text() and SOURCE_URL in earliest.text()
    # The list's rule for the earliest is the matcher's.
    from verifier.gui.match_list import earliest_of
    from verifier.matching.search import earliest_known

    rows = model.rows()
    undated = [replace(m, earliest_date=None) for m in rows]
    weak = [replace(m, score=0.2) for m in rows]
    for matches in (rows, undated, weak, rows + weak, []):
        assert earliest_of(matches) == earliest_known(matches)
    # A photo's matches have no times: those columns are hidden.
    assert window.inspector.matches.view.isColumnHidden(3)
    # The summary names what found the best match and each hash's distance out of that hash's
    # bits (the pHash distance once stood as "pdq distance 6 of 256"), and the thresholds the
    # search ran with.
    best = max(rows, key=lambda m: m.score or 0.0)
    summary = window.inspector.matches.summary.text()
    assert best.distances is not None and best.distances.get("pdq") is not None
    assert f"PDQ {best.distances['pdq']} of 256" in summary
    assert f"pHash {best.distance} of 64" in summary
    assert "thresholds: PDQ" in summary and "?" not in summary


def test_a_missing_original_is_said_in_one_line(
        qtbot: QtBot, window: MainWindow, compare_case: CompareCase, tmp_path: Path,
        message_boxes: list[ShownBox]) -> None:
    with CaseStore.open(compare_case.case_path) as case:
        matches = case.matches(compare_case.media_id)
        gone = str(tmp_path / "moved-away.jpg")
        case.set_matches(compare_case.media_id,
                         [replace(m, corpus_path=gone, locations=(gone,)) for m in matches], {})
    assert window.open_case(compare_case.case_path)
    window.select_media(compare_case.media_id)
    window.inspector.setCurrentWidget(window.inspector.matches)
    status = window.inspector.matches.compare.compare.status
    qtbot.waitUntil(lambda: "Could not compare" in status.text(), timeout=LOAD_TIMEOUT)
    assert "moved-away.jpg" in status.text() and "no such file" in status.text()
    assert "Traceback" not in status.text() and not message_boxes
    assert window.inspector.matches.compare.compare.original_view.image.isNull()


# ---------------------------------------------------------------- video: the demo case


@pytest.fixture(scope="module")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from verifier.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("demo")).case_path


def test_time_alignment_shows_the_demo_clip_inside_the_archive_video(
        qtbot: QtBot, window: MainWindow, demo_case: Path) -> None:
    with CaseStore.open(demo_case) as case:
        clip = next(m for m in case.media() if m.original_name.endswith(".mp4"))
        assert clip.id is not None
        match = next(m for m in case.matches(clip.id) if m.query_start is not None)
        keyframes = case.keyframes(clip.id)
    loaded = open_matches(qtbot, window, demo_case, clip.id)
    lengths = (loaded.source_duration, loaded.query_duration)  # both videos' lengths known
    assert all(lengths)
    matches = window.inspector.matches
    assert "2017-03-14" in matches.earliest.text()
    compare = matches.compare.compare
    assert compare.tabs.isTabEnabled(TIME)
    compare.show_view(TIME)
    view: TimeAlignmentView = compare.time_view
    assert view.isVisible()
    span = view.spans[0]
    assert span == TimeSpan(match.query_start, match.query_end, match.source_start,
                            match.source_end, span.speed, span.offset)
    assert "query 00:00-00:07 = harbour-storm-2017.mp4 00:04-00:11, speed 1.0x" in \
        span.describe("harbour-storm-2017.mp4")
    qtbot.waitUntil(lambda: view.source_duration >= 11.5, timeout=LOAD_TIMEOUT)
    # The spans sit where their times are on bars as long as each video.
    q_rect, s_rect = view.span_rects(0)
    qb, sb = view.query_bar(), view.source_bar()
    assert abs(q_rect.left() - qb.left()) <= 2  # the clip matches from its start
    expected = sb.left() + sb.width() * match.source_start / view.source_duration
    assert abs(s_rect.left() - expected) <= 2 and s_rect.left() > sb.left() + sb.width() * 0.3
    assert len(view.query_ticks) == len([k for k in keyframes
                                         if k.time <= view.query_duration])
    # Clicking the middle of the source span shows that frame pair.
    before = compare.loaded
    with qtbot.waitSignal(view.frame_pair_chosen, timeout=5000) as chosen:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton,
                         pos=QPoint(round(s_rect.center().x()), round(s_rect.center().y())))
    tq, ts = chosen.args
    assert span.query_start <= tq <= span.query_end
    assert abs(ts - (tq + (span.source_start - span.query_start))) < 0.05
    qtbot.waitUntil(lambda: compare.loaded is not before and compare.loaded is not None,
                    timeout=LOAD_TIMEOUT)
    request = compare.loaded.request
    assert request.source_time == pytest.approx(ts, abs=1e-6)
    assert compare.loaded.mean_difference < 20  # the same moment of the same footage
    assert view.current is not None
    # The arrow keys step the pair a second at a time, inside the span.
    view.setFocus()
    with qtbot.waitSignal(view.frame_pair_chosen, timeout=5000) as stepped:
        qtbot.keyClick(view, Qt.Key.Key_Right)
    assert stepped.args[0] == pytest.approx(min(tq + 1.0, span.query_end), abs=1e-6)
    for _ in range(30):
        view.step(1.0)
    assert view.current[0] == pytest.approx(span.query_end, abs=1e-6)


def test_a_keyframe_search_compares_the_keyframe_itself(
        qtbot: QtBot, window: MainWindow, demo_case: Path) -> None:
    with CaseStore.open(demo_case) as case:
        clip = next(m for m in case.media() if m.original_name.endswith(".mp4"))
        keyframes = case.keyframes(clip.id or 0)
    assert window.open_case(demo_case)
    assert clip.id is not None
    window.select_media(clip.id)
    window.set_corpus(demo_case.parent / "demo-corpus.sqlite")
    view = window.media_view
    view.show_keyframe(len(keyframes) - 1)
    keyframe = keyframes[-1]
    window.inspector.setCurrentWidget(window.inspector.matches)
    worker = window.find_in_corpus()
    assert worker is not None
    panel = window.inspector.matches
    qtbot.waitUntil(lambda: bool(panel.searching), timeout=LOAD_TIMEOUT)
    compare = panel.compare.compare
    qtbot.waitUntil(lambda: compare.loaded is not None, timeout=LOAD_TIMEOUT)
    assert compare.loaded is not None
    request = compare.loaded.request
    assert request.query_path == keyframe.path  # the keyframe PNG, as searched
    assert "harbour-storm-2017.mp4" in request.source_label
    assert compare.loaded.mean_difference < 20
