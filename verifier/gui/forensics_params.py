"""The Forensics tab's lens chooser entries and each lens's parameters as widgets.

The specs mirror the keyword arguments of the lens functions in verifier.forensics (and the
CLI's options); a ParamForm turns the widgets back into the params dict run_lens takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from verifier.errors import UserError


@dataclass(frozen=True)
class Param:
    name: str  # the lens function's keyword
    label: str
    tip: str
    default: Any
    low: float = 0
    high: float = 0
    step: float = 1
    choices: tuple[str, ...] = ()  # a drop-down instead of a number
    text: bool = False  # free text parsed by the lens spec (ghost qualities)


@dataclass(frozen=True)
class LensSpec:
    name: str  # as run_lens knows it
    label: str  # in the chooser
    tip: str  # what it looks for, one sentence
    params: tuple[Param, ...] = ()
    video_only: bool = False  # frames: the whole video, not the picture shown
    slow: bool = False


LENS_SPECS: tuple[LensSpec, ...] = (
    LensSpec("ela", "Error level (ELA)",
             "Saves the picture again as JPEG and shows how much each area changed: areas "
             "unlike similar texture elsewhere stand out. Edges and texture are always bright.",
             (Param("quality", "Resave quality", "JPEG quality of the resave (the CLI's "
                    "--ela-quality). Near the file's own quality shows most.", 90, 50, 99),
              Param("scale", "Brightness", "How much the differences are brightened (the CLI's "
                    "--ela-scale); only changes the look, not what is found.", 15.0, 1, 50, 1))),
    LensSpec("noise", "Noise",
             "The fine grain left when the content is filtered away (median and wavelet "
             "residuals) and a map of the local noise level.",
             (Param("block", "Block size", "Pixels per cell of the noise-level map (the CLI's "
                    "--noise-block): smaller finds smaller areas, with more false alarms.", 32,
                    8, 128, 8),
              Param("median_size", "Median filter", "Size of the median filter whose residual "
                    "is shown (3 or 5 pixels).", "3", choices=("3", "5")))),
    LensSpec("jpeg", "JPEG tables and ghosts",
             "Quantization tables and the quality they imply, known-table lookup, double "
             "compression, 8x8 grid shift and JPEG ghost maps.",
             (Param("ghost_qualities", "Ghost qualities", "Qualities the picture is saved "
                    "again at for the ghost maps: FROM:TO:STEP (e.g. 50:95:5) or a list like "
                    "60,70,80 (the CLI's --ghost-qualities).", "50:95:5", text=True),),
             slow=True),
    LensSpec("clone", "Clone (copy-move)",
             "Areas that appear twice in the picture, found with keypoints matched within it "
             "and grouped by one transform each; both areas and the keypoint pairs are drawn.",
             (Param("detector", "Detector", "Keypoints: SIFT (thorough) or ORB (faster, "
                    "coarser); the CLI's --clone-detector.", "sift", choices=("sift", "orb")),
              Param("max_side", "Working size", "The picture is analysed at most this many "
                    "pixels wide (the CLI's --clone-max-side): larger finds smaller copies, "
                    "slower.", 1600, 400, 4000, 100),
              Param("min_pairs", "Minimum pairs", "Keypoint pairs that must agree on one "
                    "transform for a copied area to count (the CLI's --clone-min-pairs).", 8,
                    3, 50)),
             slow=True),
    LensSpec("gradient", "Luminance gradient",
             "Direction and strength of brightness change, to compare the lighting of "
             "different parts of the picture.",
             (Param("blur", "Smoothing", "Blur before the gradient (pixels); more hides "
                    "JPEG blocks and noise.", 1.0, 0, 5, 0.5),
              Param("gain", "Gain", "How much the gradient is brightened.", 4.0, 1, 20, 1))),
    LensSpec("pca", "PCA projection",
             "The colours along their three principal components: areas whose colour "
             "behaves unlike the rest can stand out."),
    LensSpec("thumbnail", "EXIF thumbnail",
             "The preview stored in the EXIF data against the picture, with a map of where "
             "they differ (an edit after capture the camera's preview does not show)."),
    LensSpec("frames", "Frames (whole video)",
             "Duplicate frames and gaps in the timestamps over the whole video, in one pass.",
             (Param("duplicate_level", "Duplicate level", "Mean grey difference under which a "
                    "frame counts as a repeat of the one before (the CLI's "
                    "--frames-duplicate-level).", 0.3, 0.05, 5, 0.05),
              Param("gap_factor", "Gap factor", "A timestamp step this many times the usual "
                    "one counts as dropped frames.", 1.8, 1.2, 5, 0.1)),
             video_only=True, slow=True),
)


def spec(name: str) -> LensSpec:
    return next(s for s in LENS_SPECS if s.name == name)


class ParamForm(QWidget):
    """One lens's parameters; values() gives run_lens's params (UserError when one is bad)."""

    def __init__(self, lens: LensSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lens = lens
        self.widgets: dict[str, QWidget] = {}
        # Two parameters a row: the inspector is narrow and the picture needs the height.
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        for n, p in enumerate(lens.params):
            widget = _widget(p)
            widget.setToolTip(p.tip)
            label = QLabel(p.label)
            label.setToolTip(p.tip)
            row, column = divmod(n, 2)
            grid.addWidget(label, row, column * 2)
            grid.addWidget(widget, row, column * 2 + 1)
            self.widgets[p.name] = widget
        grid.setColumnStretch(4, 1)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p in self.lens.params:
            widget = self.widgets[p.name]
            if isinstance(widget, QSpinBox):
                out[p.name] = widget.value()
            elif isinstance(widget, QDoubleSpinBox):
                out[p.name] = round(widget.value(), 3)
            elif isinstance(widget, QComboBox):
                text = widget.currentText()
                out[p.name] = int(text) if isinstance(p.default, str) and text.isdigit() \
                    else text
            elif isinstance(widget, QLineEdit):
                out[p.name] = _parse_text(p, widget.text())
        return out

    def set_value(self, name: str, value: Any) -> None:
        widget = self.widgets[name]
        if isinstance(widget, QSpinBox):
            widget.setValue(int(value))
        elif isinstance(widget, QDoubleSpinBox):
            widget.setValue(float(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentText(str(value))
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))


def _widget(p: Param) -> QWidget:
    if p.choices:
        combo = QComboBox()
        combo.addItems(list(p.choices))
        combo.setCurrentText(str(p.default))
        return combo
    if p.text:
        edit = QLineEdit(str(p.default))
        edit.setMinimumWidth(110)
        return edit
    if isinstance(p.default, int):
        box = QSpinBox()
        box.setRange(int(p.low), int(p.high))
        box.setSingleStep(int(p.step))
        box.setValue(p.default)
        return box
    dbox = QDoubleSpinBox()
    dbox.setRange(p.low, p.high)
    dbox.setSingleStep(p.step)
    dbox.setDecimals(2)
    dbox.setValue(float(p.default))
    return dbox


def _parse_text(p: Param, text: str) -> Any:
    if p.name == "ghost_qualities":
        from verifier.forensics.command import parse_qualities

        try:
            return parse_qualities(text.strip())
        except UserError as exc:
            raise UserError(p.label, exc.reason) from None
    return text
