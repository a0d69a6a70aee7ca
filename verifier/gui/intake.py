"""Bringing media into an open case from the window: what a drop or the clipboard holds, the
"Add media from URL" dialog and the keyframe extraction dialog."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from verifier.case import CASE_SUFFIX
from verifier.media.intake import MAX_DOWNLOAD_BYTES


def is_http_url(text: str) -> bool:
    parsed = urlparse(text.strip())
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in text.strip()


@dataclass
class Incoming:
    """Media offered by a drop or the clipboard."""

    cases: list[Path] = field(default_factory=list)  # .vcase files: opened, not added
    sources: list[str] = field(default_factory=list)  # local paths and http(s) URLs
    image: QImage | None = None  # pixels without a file (a copied or dragged picture)
    image_source: str | None = None  # the address the copying application gave the picture

    def __bool__(self) -> bool:
        return bool(self.cases or self.sources or self.image is not None)


_IMG_SRC = re.compile(r"<img[^>]+src\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


def incoming_media(mime: QMimeData | None) -> Incoming:
    """Files and URLs first (they keep their name and source), else pixels; plain text counts
    when it is an http(s) URL or an existing file, one per line."""
    out = Incoming()
    if mime is None:
        return out
    if mime.hasUrls():
        for url in mime.urls():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if path.suffix.lower() == CASE_SUFFIX:
                    out.cases.append(path)
                elif path.is_file():
                    out.sources.append(str(path))
            elif url.scheme() in ("http", "https"):
                out.sources.append(url.toString())
    if not out.sources and not out.cases and mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            out.image = image
            if mime.hasHtml():
                m = _IMG_SRC.search(mime.html())
                if m and is_http_url(m.group(1)):
                    out.image_source = m.group(1)
    if not out and mime.hasText():
        for line in mime.text().splitlines():
            text = line.strip()
            if text.startswith("file://"):
                text = text[len("file://"):]
            if is_http_url(text):
                out.sources.append(text)
            elif text and Path(text).expanduser().is_file():
                path = Path(text).expanduser()
                if path.suffix.lower() == CASE_SUFFIX:
                    out.cases.append(path)
                else:
                    out.sources.append(str(path))
    return out


def pasted_image_name(now: datetime | None = None) -> str:
    """The file name a pasted picture gets: it names its source and when it was pasted."""
    return f"pasted-from-clipboard-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}.png"


class AddUrlDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, initial: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Add media from URL")
        self.setMinimumWidth(560)
        intro = QLabel(
            "The workbench downloads the picture or video at this address (at most "
            f"{MAX_DOWNLOAD_BYTES // (1024 * 1024)} MiB, with time-outs and TLS verification), "
            "keeps an unaltered copy in the case's evidence folder and records the address, "
            "the final address after redirects, the server's response headers and the time "
            "of the download in the audit trail.")
        intro.setWordWrap(True)
        intro.setStyleSheet("color:#4b5563")
        self.edit = QLineEdit(initial)
        self.edit.setPlaceholderText("https://example.org/photo.jpg")
        self.edit.setClearButtonEnabled(True)
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#b42318")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add to the case")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.edit)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.edit.textChanged.connect(self._validate)
        self._validate()

    def url(self) -> str:
        return self.edit.text().strip()

    def _validate(self) -> None:
        text = self.url()
        ok = is_http_url(text)
        self.problem.setText("" if ok or not text else
                             "Give a whole http:// or https:// address.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)


class KeyframesDialog(QDialog):
    """Full extraction (one keyframe per shot) or a quick I-frame preview."""

    def __init__(self, name: str, current: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Keyframes of {name}")
        self.setMinimumWidth(520)
        intro = QLabel(f"Extract the keyframes of <b>{_esc(name)}</b> again. The "
                       f"{current} keyframe{'s' if current != 1 else ''} now in the case "
                       "will be replaced; the audit trail records the run and its settings.")
        intro.setWordWrap(True)
        self.full = QRadioButton("Shots: one keyframe per shot")
        full_hint = _hint("Finds the cuts, dissolves and fades and keeps each shot's sharpest "
                          "frame. In H.264/HEVC, frames no other frame depends on are not "
                          "decoded (about twice as fast); a cut may then be placed a few frames "
                          "late.")
        self.every = QRadioButton("Shots, decoding every frame")
        every_hint = _hint("The same, with every frame decoded: cuts at their exact frame.")
        self.fast = QRadioButton("Quick preview (I-frames)")
        fast_hint = _hint("Decodes only the stream's I-frames: seconds instead of minutes, but "
                          "they are where the encoder put them, not shot boundaries, so the "
                          "shot timeline shows the keyframes only.")
        self.full.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.full)
        group.addButton(self.every)
        group.addButton(self.fast)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Extract")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(2)
        layout.addWidget(intro)
        layout.addSpacing(10)
        layout.addWidget(self.full)
        layout.addWidget(full_hint)
        layout.addSpacing(8)
        layout.addWidget(self.every)
        layout.addWidget(every_hint)
        layout.addSpacing(8)
        layout.addWidget(self.fast)
        layout.addWidget(fast_hint)
        layout.addSpacing(10)
        layout.addStretch(1)  # extra height below the choices, not between them
        layout.addWidget(buttons)
        for label in (intro, full_hint, fast_hint):  # wrapped labels: height for the width
            label.setMinimumHeight(label.heightForWidth(self.minimumWidth() - 40))

    def quick_preview(self) -> bool:
        return self.fast.isChecked()

    def every_frame(self) -> bool:
        return self.every.isChecked()


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setStyleSheet("color:#6b7280; margin-left:22px")
    return label


def _esc(text: str) -> str:
    import html

    return html.escape(text)
