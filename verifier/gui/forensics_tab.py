"""The inspector's Forensics tab: forensic lenses on the picture shown large (a photo, or the
keyframe of a video shown), and the frames lens on a whole video.

Lenses run as the window's foreground job (progress and Cancel in the status bar, and a Cancel
button here); the picture itself loads in the background. The result's map is laid over the
picture with an opacity slider, regions and clone pairs are outlined, numbers and findings are
listed, and the lens's note on what it can and cannot show is always in view. "Keep as
evidence" stores the result in the case (verifier.services.save_forensics), after which the
verdict editor offers it and the report shows it.
"""

from __future__ import annotations

import functools
import html
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShowEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from verifier.errors import Cancelled, UserError
from verifier.gui.errors import CANCELLED_TITLE, UNEXPECTED_TITLE, describe
from verifier.gui.forensics_params import LENS_SPECS, LensSpec, ParamForm, spec
from verifier.gui.forensics_view import ClonePair, OverlayCanvas, colour_maps, display_copy
from verifier.media.timecode import format_timestamp
from verifier.models import MediaKind

if TYPE_CHECKING:  # the lenses (numpy, OpenCV) load in the worker, not at start-up
    import numpy as np

    from verifier.forensics.result import LensResult, Region
    from verifier.forensics.source import ForensicInput
    from verifier.gui.main_window import MainWindow
    from verifier.gui.workers import Worker
    from verifier.progress import CancelToken, Progress

log = logging.getLogger(__name__)

MUTED = "color:#6b7280"
ERROR_COLOUR = "#b42318"
OPEN_SHORTCUT = "Ctrl+Shift+X"
RUN_SHORTCUT = "F9"
DEFAULT_OPACITY = 60
SIDE_KEY = "forensics picture"  # the window's background loader of the picture


@dataclass(frozen=True)
class Target:
    """What the lenses look at: the picture shown large, and for a video the video itself."""

    media_id: int
    name: str  # the media's original name
    picture: Path | None  # the photo's evidence copy or the keyframe PNG; None: no keyframe
    what: str  # "the photo X.jpg", "the keyframe at 00:00:03.080 of X.mp4"
    video: Path | None = None  # the video's evidence copy (the frames lens)

    @property
    def key(self) -> tuple[int, str]:
        return self.media_id, str(self.picture or self.video)


@dataclass
class Outcome:
    """How a job ended, written by the worker and read by on_end in the GUI thread (set before
    the job starts, so no signal can be missed)."""

    error: str = ""  # the readable title (verifier.gui.errors.describe)
    cancelled: bool = False


@dataclass(frozen=True)
class LensRun:
    """A finished lens run, as the worker hands it back."""

    target: Target
    lens: str
    result: LensResult
    source: ForensicInput | None  # the picture the lens read (None for the frames lens)
    base: np.ndarray | None = None  # its display copy, made in the worker
    coloured: dict[str, np.ndarray] = field(default_factory=dict)  # maps at the display size


@dataclass(frozen=True)
class LoadedPicture:
    source: ForensicInput
    base: np.ndarray  # the display copy (made in the worker: 12 Mpx take 150 ms to shrink)


def load_source(target: Target, *, progress: Progress, cancel: CancelToken) -> LoadedPicture:
    from verifier.forensics import load

    assert target.picture is not None
    _import_lenses()
    try:
        source = load(target.picture)
    except UserError as exc:
        raise _named(exc, target) from None
    return LoadedPicture(source, display_copy(source.rgb))


class ForensicsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window_: MainWindow | None = None
        self.target: Target | None = None
        self.source: ForensicInput | None = None  # the target's picture, once loaded
        self.base: np.ndarray | None = None  # its display copy
        self.source_key: tuple[int, str] | None = None
        self.run: LensRun | None = None
        self.kept_id: int | None = None  # the saved result's id once kept
        self.job: Worker | None = None  # the lens job running
        self.keeping: Worker | None = None
        self.error = ""
        self._loading: tuple[int, str] | None = None
        self._build()
        self.show_target(None)

    # ================================================================ widgets

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setToolTip("What the lenses look at: the photo, or the video's keyframe "
                              "shown large (choose another in the filmstrip)")

        self.lens = QComboBox()
        for s in LENS_SPECS:
            self.lens.addItem(s.label, s.name)
            self.lens.setItemData(self.lens.count() - 1, s.tip, Qt.ItemDataRole.ToolTipRole)
        self.lens.setToolTip("The lens: a way of looking at the picture that can show where it "
                             "was edited (hover an entry for what it looks for)")
        self.lens.currentIndexChanged.connect(self._on_lens_changed)
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip(f"Run the lens on the picture shown ({RUN_SHORTCUT}); it "
                                   "runs in the background, with progress in the status bar")
        self.run_button.clicked.connect(self.run_lens)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the lens running (nothing is kept)")
        self.cancel_button.clicked.connect(self.cancel)
        self.keep_button = QPushButton("Keep as evidence")
        self.keep_button.setToolTip("Store this result (its maps, numbers, findings and note) "
                                    "in the case, with an audit event; the verdict editor then "
                                    "offers it as evidence and the report shows it")
        self.keep_button.clicked.connect(self.keep)
        top = QHBoxLayout()
        top.setSpacing(4)
        top.addWidget(self.lens, 1)
        top.addWidget(self.run_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.keep_button)

        # Only the chosen lens's form is shown (a stack would keep the tallest one's height).
        self.params = QWidget()
        params_layout = QVBoxLayout(self.params)
        params_layout.setContentsMargins(0, 0, 0, 0)
        self.forms: dict[str, ParamForm] = {}
        for s in LENS_SPECS:
            form = ParamForm(s)
            form.hide()
            self.forms[s.name] = form
            params_layout.addWidget(form)

        self.canvas = OverlayCanvas()
        self.canvas.setToolTip("The picture with the lens's map over it; move the opacity slider "
                               "to compare, tick Magnifier for a loupe under the pointer")
        self.map_choice = QComboBox()
        self.map_choice.setToolTip("The lens's maps: each shows something else (see the caption "
                                   "under the picture)")
        self.map_choice.currentIndexChanged.connect(self._on_map_changed)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(DEFAULT_OPACITY)
        self.opacity.setToolTip("Opacity of the map over the picture: 0 shows the picture, "
                                "100 the map alone")
        self.opacity.valueChanged.connect(self._on_opacity)
        self.opacity_label = QLabel(f"{DEFAULT_OPACITY}% map")
        self.opacity_label.setMinimumWidth(self.opacity_label.sizeHint().width() + 8)
        self.opacity_label.setToolTip(self.opacity.toolTip())
        maps_row = QHBoxLayout()
        maps_row.setSpacing(4)
        map_label = QLabel("Map")
        map_label.setToolTip(self.map_choice.toolTip())
        maps_row.addWidget(map_label)
        maps_row.addWidget(self.map_choice, 2)
        picture_label = QLabel("Picture")
        picture_label.setToolTip(self.opacity.toolTip())
        maps_row.addSpacing(6)
        maps_row.addWidget(picture_label)
        maps_row.addWidget(self.opacity, 2)
        maps_row.addWidget(self.opacity_label)

        self.regions = QCheckBox("Regions")
        self.regions.setChecked(True)
        self.regions.setToolTip("Outline the areas the lens points at (and, for the clone lens, "
                                "the matching keypoint pairs)")
        self.regions.toggled.connect(self.canvas.set_show_regions)
        self.loupe = QCheckBox("Magnifier")
        self.loupe.setToolTip("A loupe under the pointer showing the picture's own pixels "
                              "enlarged")
        self.loupe.toggled.connect(self._on_loupe)
        self.zoom = QSpinBox()
        self.zoom.setRange(2, 16)
        self.zoom.setValue(4)
        self.zoom.setPrefix("×")
        self.zoom.setToolTip("How many times the loupe enlarges the picture's pixels")
        self.zoom.valueChanged.connect(self._on_loupe)
        self.equalize = QCheckBox("Equalise")
        self.equalize.setChecked(True)
        self.equalize.setToolTip("Spread the loupe's brightness over the full range (histogram "
                                 "equalisation), to see detail hidden in shadows or highlights")
        self.equalize.toggled.connect(self._on_loupe)
        tools_row = QHBoxLayout()
        tools_row.setSpacing(8)
        tools_row.addWidget(self.regions)
        tools_row.addWidget(self.loupe)
        tools_row.addWidget(self.zoom)
        tools_row.addWidget(self.equalize)
        tools_row.addStretch(1)
        self.position = QLabel()
        self.position.setStyleSheet(MUTED)
        self.position.setToolTip("The picture pixel under the pointer")
        tools_row.addWidget(self.position)
        self.canvas.hovered.connect(self._on_hover)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(MUTED)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.caption.setToolTip("What the map shows")

        picture = QWidget()
        picture_layout = QVBoxLayout(picture)
        picture_layout.setContentsMargins(0, 0, 0, 0)
        picture_layout.setSpacing(3)
        picture_layout.addWidget(self.canvas, 1)
        picture_layout.addLayout(maps_row)
        picture_layout.addLayout(tools_row)
        picture_layout.addWidget(self.caption)

        self.note = QLabel()
        self.note.setObjectName("forensicsNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setFrameShape(QFrame.Shape.StyledPanel)
        self.note.setStyleSheet("#forensicsNote { background-color:#fffbeb; color:#3f3f46; "
                                "border:1px solid #f59e0b; border-radius:3px; padding:3px }")
        small = self.note.font()
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.9))
        self.note.setFont(small)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self.note.setToolTip("What this lens can and cannot show: read it before drawing a "
                             "conclusion from the map")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setToolTip("The lens running, or why it could not run")
        self.findings = QTextBrowser()
        self.findings.setOpenLinks(False)
        self.findings.setToolTip("The lens's findings in plain sentences (most telling first) "
                                 "and its numbers")
        self.kept = QLabel()
        self.kept.setWordWrap(True)
        self.kept.setTextFormat(Qt.TextFormat.RichText)
        self.kept.setStyleSheet(MUTED)
        self.kept.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self.kept.setToolTip("Lens results of this media item kept in the case; cite them in "
                             "the verdict editor (Evidence ▸ Forensic results)")

        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.setSpacing(3)
        results_layout.addWidget(self.findings, 1)
        results_layout.addWidget(self.kept)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(picture)
        self.splitter.addWidget(results)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)

        layout.addWidget(self.title)
        layout.addLayout(top)
        layout.addWidget(self.params)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.note)
        self._on_lens_changed()

    # ================================================================ the window

    def attach(self, window: MainWindow) -> None:
        """Follow the window's selection and run jobs through it."""
        self.window_ = window
        window.media_view.picture_changed.connect(self.sync)
        window.case_changed.connect(self.sync)
        window.job_done.connect(self._update_buttons)

    def sync(self) -> None:
        """Show what the window has selected (called when the picture shown changes)."""
        win = self.window_
        if win is None:
            return
        snap = win.snapshot
        item = snap.media_item(win.media_id) if snap else None
        target: Target | None = None
        if item is not None and item.id is not None:
            if item.kind is MediaKind.VIDEO:
                kf = win.media_view.current_keyframe()
                # The media pane names what it shows: a keyframe, or a frame the player stopped on.
                shown = win.media_view.current_picture()
                what = (shown[1] if shown and kf else
                        f"the keyframe at {format_timestamp(kf.time)} of {item.original_name}"
                        if kf else f"the video {item.original_name}")
                target = Target(item.id, item.original_name, Path(kf.path) if kf else None,
                                what, Path(item.path))
            else:
                target = Target(item.id, item.original_name, Path(item.path),
                                f"the photo {item.original_name}")
        if target != self.target:
            self.show_target(target)
        elif self.isVisible() and self.source is None:
            QTimer.singleShot(0, self._load_picture)
        self._show_kept()

    def show_target(self, target: Target | None) -> None:
        self.target = target
        self.run = None
        self.kept_id = None
        self.error = ""
        if target is None:
            self.title.setText(f"<span style='{MUTED}'>Select a photo, or a video's keyframe, "
                               "to look at it through the forensic lenses.</span>")
        else:
            self.title.setText(f"<b>{html.escape(target.what[0].upper() + target.what[1:])}</b>")
        video = target is not None and target.video is not None
        model = self.lens.model()
        for row, s in enumerate(LENS_SPECS):
            entry = model.item(row) if isinstance(model, QStandardItemModel) else None
            if entry is not None:  # the frames lens only for a video, the others on a picture
                entry.setEnabled(video if s.video_only else target is not None
                                 and target.picture is not None)
        if target is not None and target.picture is None and video:
            self.lens.setCurrentIndex(self.lens.findData("frames"))
        elif target is not None and not video and spec(self._lens_name()).video_only:
            self.lens.setCurrentIndex(0)
        if self.source_key != (target.key if target else None):
            self.source = self.base = None
            self.source_key = None
        message = ("No picture to look at: extract the video's keyframes (Media ▸ "
                   "Keyframes…); the Frames lens works on the whole video."
                   if target is not None and target.picture is None else
                   "" if target is not None else "No media selected")
        self.canvas.set_picture(self.source.rgb if self.source else None, message,
                                base=self.base)
        self._show_result()
        if self.isVisible():
            QTimer.singleShot(0, self._load_picture)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._load_picture)

    def _load_picture(self) -> None:
        """Read the picture in the background (a 12 Mpx JPEG takes a while to decode)."""
        target, win = self.target, self.window_
        if target is None or target.picture is None or win is None:
            return
        if self.source_key == target.key:
            return
        if self._loading == target.key and SIDE_KEY in win._side:
            return  # still loading (a load cancelled by the window is started again)
        self._loading = target.key
        self.canvas.set_message("Reading the picture…")
        win._start_side(SIDE_KEY, target.media_id, functools.partial(load_source, target),
                        functools.partial(self._on_loaded, target.key),
                        on_error=functools.partial(self._on_load_error, target.key))

    def _on_loaded(self, key: tuple[int, str], _media_id: int | None, loaded: object) -> None:
        if self._loading == key:
            self._loading = None
        if self.target is None or self.target.key != key \
                or not isinstance(loaded, LoadedPicture):
            return
        self.source, self.source_key = loaded.source, key
        self.base = loaded.base
        if self.run is None:
            self.canvas.set_picture(loaded.source.rgb, base=loaded.base)
            self._show_result()  # the lens's note, now that the lenses are imported

    def _on_load_error(self, key: tuple[int, str], title: str) -> None:
        if self._loading == key:
            self._loading = None
        if self.target is not None and self.target.key == key:
            self.canvas.set_picture(None, "The picture cannot be read.")
            self._show_error(title)

    # ================================================================ running a lens

    def _lens_name(self) -> str:
        return str(self.lens.currentData() or LENS_SPECS[0].name)

    def current_spec(self) -> LensSpec:
        return spec(self._lens_name())

    def select_lens(self, name: str) -> None:
        self.lens.setCurrentIndex(self.lens.findData(name))

    def form(self, name: str | None = None) -> ParamForm:
        return self.forms[name or self._lens_name()]

    def run_lens(self) -> Worker | None:
        """Run the chosen lens on the target as the window's foreground job."""
        win, target = self.window_, self.target
        lens = self.current_spec()
        if win is None or target is None or self.job is not None:
            return None
        try:
            params = self.form(lens.name).values()
        except UserError as exc:
            self._show_error(str(exc))
            return None
        if lens.video_only:
            if target.video is None:
                self._show_error(f"{lens.label} works on a video; {target.what} is a photo.")
                return None
            what = f"the video {target.name}"
        elif target.picture is None:
            self._show_error("Extract the video's keyframes first (Media ▸ Keyframes…).")
            return None
        else:
            what = target.what
        cached = (self.source, self.base) if self.source_key == target.key \
            and self.source is not None and self.base is not None else None
        outcome = Outcome()
        job = functools.partial(_run_job, target, lens.name, params, cached, outcome)
        try:
            worker = win.start_job(job, f"{lens.label} on {what}", self._on_result,
                                   error_context=f"{lens.label} could not run on {what}",
                                   on_end=functools.partial(self._on_run_end, outcome))
        except UserError as exc:
            self._show_error(str(exc))
            return None
        self.job = worker
        self.error = ""
        self.status.setText(f"<span style='{MUTED}'>{html.escape(lens.label)} running on "
                            f"{html.escape(what)}…</span>")
        self._update_buttons()
        return worker

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _on_result(self, run: object) -> None:
        if not isinstance(run, LensRun) or self.target is None \
                or run.target.key != self.target.key:
            return  # another picture is shown by now
        if run.source is not None:
            self.source, self.source_key, self.base = run.source, run.target.key, run.base
            self.canvas.set_picture(run.source.rgb, base=run.base)
        self.canvas.add_coloured(run.coloured)
        self.run = run
        self.kept_id = None
        self.error = ""
        self._show_result()

    def _on_run_end(self, outcome: Outcome) -> None:
        """After any outcome (the window has shown an error's message box by now)."""
        self.job = None
        if outcome.cancelled:
            self.status.setText(f"<span style='{MUTED}'>Cancelled: nothing was kept.</span>")
        elif outcome.error == UNEXPECTED_TITLE:
            self._show_error("The lens failed unexpectedly; the details are in the message "
                             "and the log.")
        elif outcome.error:
            self._show_error(outcome.error)
        self._update_buttons()

    def _show_error(self, text: str) -> None:
        self.error = text
        if text == CANCELLED_TITLE:
            return
        self.status.setText(f"<span style='color:{ERROR_COLOUR}; font-weight:600'>⚠ "
                            f"{html.escape(text)}</span>")
        self._update_buttons()

    # ================================================================ showing a result

    def _show_result(self) -> None:
        run = self.run
        self.map_choice.blockSignals(True)
        self.map_choice.clear()
        if run is not None:
            for m in run.result.maps:
                label = m.name.replace("_", " ") + ("" if m.overlay else " (chart)")
                self.map_choice.addItem(label, m.name)
                self.map_choice.setItemData(self.map_choice.count() - 1, m.caption,
                                            Qt.ItemDataRole.ToolTipRole)
        self.map_choice.blockSignals(False)
        self.map_choice.setEnabled(self.map_choice.count() > 1)
        lens = spec(run.lens) if run else self.current_spec()
        note = run.result.note if run else _lens_note(lens.name)
        self.note.setText(f"<b>What {html.escape(lens.label)} can and cannot show.</b> "
                          + html.escape(note or "(read with the picture)"))
        if run is None:
            self.findings.setHtml(f"<p style='{MUTED}'>Choose a lens and its parameters, then "
                                  f"Run ({RUN_SHORTCUT}). The result is laid over the picture; "
                                  "nothing is kept in the case until you keep it.</p>")
            if not self.error:
                self.status.clear()
            self.canvas.set_map(None)
        else:
            what = f"the video {run.target.name}" if run.lens == "frames" else run.target.what
            self.findings.setHtml(
                f"<p style='margin:0 0 4px 0; {MUTED}'>{html.escape(lens.label)} on "
                f"{html.escape(what)} · {_params_text(run.result.parameters)}</p>"
                + result_html(run.result))
            if not self.error:
                self.status.clear()
            self._on_map_changed()
        self._update_buttons()

    def _on_map_changed(self, *_: object) -> None:
        run = self.run
        if run is None or not run.result.maps:
            self.canvas.set_map(None, *self._marks(run.result if run else None))
            self.caption.setText("" if run is None else "This lens draws no map; see its "
                                 "findings below.")
            self._update_opacity_enabled()
            return
        name = self.map_choice.currentData()
        m = next((m for m in run.result.maps if m.name == name), run.result.maps[0])
        regions, pairs = self._marks(run.result) if m.overlay else ((), ())
        self.canvas.set_map(m, regions, pairs)
        self.caption.setText(m.caption)
        self._update_opacity_enabled()

    @staticmethod
    def _marks(result: LensResult | None) -> tuple[tuple[Region, ...], tuple[ClonePair, ...]]:
        if result is None:
            return (), ()
        pairs = []
        for n, group in enumerate(result.details.get("groups") or []):
            for (ax, ay), (bx, by) in group.get("pairs", []):
                pairs.append(ClonePair((float(ax), float(ay)), (float(bx), float(by)), n))
        return tuple(result.regions), tuple(pairs)

    def _update_opacity_enabled(self) -> None:
        on = self.canvas.lens_map is not None and not self.canvas.is_chart
        self.opacity.setEnabled(on)
        self.opacity_label.setEnabled(on)

    def _on_opacity(self, value: int) -> None:
        self.opacity_label.setText(f"{value}% map")
        self.canvas.set_opacity(value)

    def _on_loupe(self, *_: object) -> None:
        self.canvas.set_loupe(self.loupe.isChecked(), self.zoom.value(),
                              self.equalize.isChecked())

    def _on_hover(self, x: int, y: int) -> None:
        self.position.setText(f"x {x}, y {y}" if x >= 0 else "")

    def _on_lens_changed(self, *_: object) -> None:
        lens = self.current_spec()
        for name, form in self.forms.items():
            form.setVisible(name == lens.name and bool(lens.params))
        self.lens.setToolTip(lens.tip)
        if self.run is None:
            self._show_result()
        self._update_buttons()

    def _update_buttons(self) -> None:
        win = self.window_
        busy = win is not None and win.job is not None
        lens = self.current_spec()
        target = self.target
        runnable = target is not None and (target.video is not None if lens.video_only
                                           else target.picture is not None)
        self.run_button.setEnabled(win is not None and runnable and not busy)
        self.cancel_button.setEnabled(self.job is not None)
        can_keep = (self.run is not None and self.kept_id is None and not busy
                    and win is not None and win.store is not None)
        self.keep_button.setEnabled(can_keep)
        self.keep_button.setText(f"Kept as forensics {self.kept_id}" if self.kept_id
                                 else "Keep as evidence")

    # ================================================================ keeping a result

    def keep(self) -> Worker | None:
        """Store the shown result in the case as evidence (a foreground job: map PNGs of a
        12 Mpx photo take a moment to encode)."""
        win, run = self.window_, self.run
        if win is None or run is None or win.snapshot is None or self.kept_id is not None:
            return None
        path = run.target.video if run.lens == "frames" else run.target.picture
        if path is None:
            return None
        case_path = win.snapshot.path
        job = functools.partial(_keep_job, case_path, path, run.result)
        try:
            worker = win.start_job(job, f"Keeping the {run.lens} result",
                                   functools.partial(self._on_kept, run),
                                   error_context="Could not keep the result in the case",
                                   on_end=self._on_keep_finished)
        except UserError as exc:
            self._show_error(str(exc))
            return None
        self.keeping = worker
        self._update_buttons()
        return worker

    def _on_kept(self, run: LensRun, records: object) -> None:
        stored = records if isinstance(records, list) else []
        if not stored:
            return
        record = stored[0]
        win = self.window_
        if self.run is run:  # else another result is shown by now: it is not kept
            self.kept_id = record.id
        if win is not None:
            win.reload()
            win.statusBar().showMessage(
                f"Kept as {record.evidence_ref}: the verdict editor lists it under Forensic "
                "results, and the report shows it", 8000)
        self._show_kept()
        self._update_buttons()

    def _on_keep_finished(self) -> None:
        self.keeping = None
        self._update_buttons()

    def _show_kept(self) -> None:
        win, target = self.window_, self.target
        records = (win.snapshot.forensics.get(target.media_id, [])
                   if win is not None and win.snapshot is not None and target is not None
                   else [])
        if not records:
            self.kept.setText("Nothing of this item is kept in the case yet.")
            return
        parts = [f"{r.evidence_ref} ({html.escape(r.lens)})" for r in records[-6:]]
        more = f" and {len(records) - 6} earlier" if len(records) > 6 else ""
        self.kept.setText(f"Kept in the case: {', '.join(parts)}{more}. Cite them in the "
                          "verdict editor.")


# ---------------------------------------------------------------- jobs (worker threads)


def _run_job(target: Target, lens: str, params: dict[str, Any],
             cached: tuple[ForensicInput, np.ndarray] | None, outcome: Outcome, *,
             progress: Progress, cancel: CancelToken) -> LensRun:
    try:
        return _run_lens(target, lens, params, cached, progress=progress, cancel=cancel)
    except Cancelled:
        outcome.cancelled = True
        raise
    except UserError as exc:
        readable = _named(exc, target)
        outcome.error = str(readable)
        raise readable from None
    except BaseException as exc:
        outcome.error = describe(exc)[0]
        raise


def _named(exc: UserError, target: Target) -> UserError:
    """The error naming the media as the analyst knows it, not its evidence copy (a SHA-256
    file name) or a keyframe PNG."""
    files = {str(p): n for p, n in ((target.picture, target.what), (target.video, target.name))
             if p is not None}
    name = files.get(exc.subject)
    return UserError(name, exc.reason) if name else exc


def _run_lens(target: Target, lens: str, params: dict[str, Any],
              cached: tuple[ForensicInput, np.ndarray] | None, *, progress: Progress,
              cancel: CancelToken) -> LensRun:
    from verifier.forensics import load, run_lens
    from verifier.gui.workers import OriginalNameProgress

    named = OriginalNameProgress(progress, target.name)
    if lens == "frames":
        from verifier.forensics.frames import frames

        assert target.video is not None
        result = frames(target.video, **params, progress=named, cancel=cancel)
        return LensRun(target, lens, result, None)
    assert target.picture is not None
    named.message(f"Reading {target.what}")
    source, base = cached if cached is not None else (None, None)
    if source is None or base is None:
        source = load(target.picture)
        base = display_copy(source.rgb)
    cancel.check()
    result = run_lens(lens, source, params, progress=named, cancel=cancel)
    cancel.check()
    # Coloured and shrunk here, so showing the result never stalls the window.
    return LensRun(target, lens, result, source, base, colour_maps(result.maps, base.shape))


def _keep_job(case_path: Path, path: Path, result: LensResult, *, progress: Progress,
              cancel: CancelToken) -> list[Any]:
    from verifier.case import CaseStore
    from verifier.services import save_forensics

    progress.start(None, f"Keeping the {result.lens} result in the case")
    with CaseStore.open(case_path) as case:
        return save_forensics(case, path, [result])


# ---------------------------------------------------------------- text


def _import_lenses() -> None:
    """Import every lens module (in a worker: they bring numpy and OpenCV), so their notes
    can be shown before a run."""
    import importlib

    for s in LENS_SPECS:
        importlib.import_module(f"verifier.forensics.{s.name}")


def _lens_note(name: str) -> str:
    """The lens module's own note, shown before a run (so it is read before the map); empty
    until a worker has imported the lenses (the window never imports them to start)."""
    module = sys.modules.get(f"verifier.forensics.{name}")
    return str(getattr(module, "NOTE", "")) if module is not None else ""


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "—" if value is None else str(value)


def _params_text(params: dict[str, Any]) -> str:
    shown = [f"{k.replace('_', ' ')} {_number(v)}" for k, v in params.items()
             if not isinstance(v, list | dict | tuple)]
    return html.escape(", ".join(shown)) if shown else "default parameters"


def result_html(result: LensResult) -> str:
    """Findings as a list, then the numbers as a two-column table."""
    e = html.escape
    findings = "".join(f"<li>{e(f)}</li>" for f in result.findings) or \
        "<li>No finding.</li>"
    rows = "".join(f"<tr><td style='padding-right:12px; {MUTED}'>{e(k.replace('_', ' '))}</td>"
                   f"<td>{e(_number(v))}</td></tr>" for k, v in result.numbers.items())
    numbers = f"<p style='margin:6px 0 2px 0'><b>Numbers</b></p><table>{rows}</table>" \
        if rows else ""
    return (f"<p style='margin:0 0 2px 0'><b>Findings</b></p>"
            f"<ul style='margin:0 0 0 -20px'>{findings}</ul>{numbers}")


# ---------------------------------------------------------------- window hook


@dataclass
class ForensicsActions:
    open_tab: QAction
    run: QAction


def install(window: MainWindow, menu: QMenu) -> ForensicsActions:
    """The Forensics tab's actions in `menu` (Media), with their shortcuts, and the tab
    following the window's selection."""
    panel = window.inspector.forensics
    panel.attach(window)

    def open_tab() -> None:
        window.inspector.setCurrentWidget(panel)
        panel.lens.setFocus()

    def run() -> None:
        open_tab()
        panel.run_lens()

    open_action = QAction("&Forensics", window)
    open_action.setShortcut(QKeySequence(OPEN_SHORTCUT))
    open_action.setStatusTip("Show the Forensics tab: lenses that can show where the picture "
                             "shown was edited")
    open_action.setToolTip(open_action.statusTip())
    open_action.triggered.connect(lambda _checked=False: open_tab())
    run_action = QAction("Run forensic &lens", window)
    run_action.setShortcut(QKeySequence(RUN_SHORTCUT))
    run_action.setStatusTip("Run the lens chosen in the Forensics tab on the picture shown")
    run_action.setToolTip(run_action.statusTip())
    run_action.triggered.connect(lambda _checked=False: run())
    menu.addSeparator()
    menu.addAction(open_action)
    menu.addAction(run_action)
    return ForensicsActions(open_action, run_action)
