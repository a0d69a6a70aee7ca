"""File ▸ Export report…: the format, a preview of what will be written, and where.

The preview is rendered by the window in a worker (verifier.services.render_report) and shown
here: HTML rendered by Qt's rich-text engine (remote resources are never loaded; only the
report's own embedded pictures are shown) or as source, JSON and ClaimReview as text. This
installation has no PDF renderer, so a PDF is previewed through the HTML report, which has the
same content; the PDF's page count and size are given.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QUrl, Signal
from PySide6.QtGui import QFont, QFontDatabase, QImage
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from verifier.gui.dialogs import PathField, remember_dir
from verifier.gui.palette import paper_palette

FORMATS: dict[str, tuple[str, str, str]] = {  # key -> (label, suffix, what it is)
    "html": ("HTML", ".html", "One self-contained page: pictures embedded, no scripts, no "
                              "external requests. Opens in any browser, prints well."),
    "pdf": ("PDF", ".pdf", "The same content, paginated (A4), with the case ID and “page N of "
                           "M” in every footer."),
    "json": ("JSON", ".json", "The whole case as data, validated by the case-report 1.0 "
                              "schema."),
    "claimreview": ("ClaimReview JSON-LD", ".jsonld",
                    "schema.org ClaimReview for each claim with a finding, plus MediaReview "
                    "for claims linked to media: what search engines and fact-check "
                    "aggregators read."),
}
PREVIEW_IMAGE_WIDTH = 320


@dataclass(frozen=True)
class ReportPreview:
    fmt: str
    data: bytes  # the report as it would be written now
    html: bytes | None = None  # for a PDF: the HTML report with the same content


def render_preview(case_path: Path, fmt: str) -> ReportPreview:
    """A worker function: the report's bytes (and, for a PDF, the HTML to show instead)."""
    from verifier.case import CaseStore
    from verifier.services import render_report

    with CaseStore.open(case_path) as case:
        data = render_report(case, fmt)
        html = render_report(case, "html") if fmt == "pdf" else None
    return ReportPreview(fmt, data, html)


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF counted from its page objects (fpdf2 writes them uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))


def human_size(size: int) -> str:
    return f"{size} bytes" if size < 1024 else f"{size / 1024:.0f} KiB" if size < 1024 ** 2 \
        else f"{size / 1024 ** 2:.1f} MiB"


def _count_types(node: Any, wanted: str) -> int:
    if isinstance(node, dict):
        own = 1 if node.get("@type") == wanted else 0
        return own + sum(_count_types(v, wanted) for v in node.values())
    if isinstance(node, list):
        return sum(_count_types(v, wanted) for v in node)
    return 0


class SafeBrowser(QTextBrowser):
    """Shows report HTML: pictures embedded as data: URIs only (scaled to fit), nothing
    fetched from anywhere, links not followed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.setPalette(paper_palette(self.palette()))  # a white page in a dark window too
        self.refused: list[str] = []  # resources asked for and not loaded

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        name = QUrl(name)
        if name.scheme() == "data":
            header, _, payload = name.toString().partition(",")
            if header.endswith(";base64") and header[5:].startswith("image/"):
                try:
                    raw = base64.b64decode(payload, validate=False)
                except ValueError:
                    return None
                image = QImage.fromData(QByteArray(raw))
                if image.isNull():
                    return None
                if image.width() > PREVIEW_IMAGE_WIDTH:
                    image = image.scaledToWidth(PREVIEW_IMAGE_WIDTH,
                                                Qt.TransformationMode.SmoothTransformation)
                return image
            return None
        self.refused.append(name.toString()[:200])
        return None


class ExportDialog(QDialog):
    preview_requested = Signal(str)  # format: the window renders it and calls show_preview

    def __init__(self, case_path: Path, parent: QWidget | None = None,
                 fmt: str = "html") -> None:
        super().__init__(parent)
        self.case_path = case_path
        self.setWindowTitle("Export report")
        self.fmt = fmt if fmt in FORMATS else "html"
        self.preview: ReportPreview | None = None
        self.error = ""

        self.format_group = QButtonGroup(self)
        self.format_buttons: dict[str, QRadioButton] = {}
        left = QVBoxLayout()
        left.setSpacing(2)
        title = QLabel("<b>Format</b>")
        left.addWidget(title)
        for key, (label, _suffix, what) in FORMATS.items():
            button = QRadioButton(label)
            self.format_group.addButton(button)
            self.format_buttons[key] = button
            hint = QLabel(what)
            hint.setWordWrap(True)
            hint.setStyleSheet("color:#6b7280; margin-left:22px; margin-bottom:8px")
            hint.setFixedWidth(250)
            hint.setMinimumHeight(hint.heightForWidth(250))
            left.addWidget(button)
            left.addWidget(hint)
            button.toggled.connect(functools.partial(self._on_format_toggled, key))
        left.addStretch(1)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setFixedWidth(270)

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.view_rendered = QRadioButton("Rendered")
        self.view_source = QRadioButton("Source")
        self.view_rendered.setChecked(True)
        view_group = QButtonGroup(self)
        view_group.addButton(self.view_rendered)
        view_group.addButton(self.view_source)
        self.view_rendered.toggled.connect(lambda _on: self._show_mode())
        head = QHBoxLayout()
        head.addWidget(self.info, 1)
        head.addWidget(self.view_rendered, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.view_source, 0, Qt.AlignmentFlag.AlignTop)
        self.browser = SafeBrowser()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.text.setFont(mono)
        self.waiting = QLabel("Rendering the preview…")
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting.setStyleSheet("color:#6b7280")
        self.stack = QStackedWidget()
        for widget in (self.waiting, self.browser, self.text):
            self.stack.addWidget(widget)
        right = QVBoxLayout()
        right.addLayout(head)
        right.addWidget(self.stack, 1)

        body = QHBoxLayout()
        body.addWidget(left_box)
        body.addLayout(right, 1)

        self.path = PathField("Where to write the report", "Browse…")
        self.path.button.clicked.connect(self._browse)
        self.path.edit.textChanged.connect(self._validate)
        path_row = QHBoxLayout()
        path_row.addWidget(QLabel("Save as"))
        path_row.addWidget(self.path, 1)
        note = QLabel("Exporting writes the report from the case as it is now, as previewed; "
                      "its SHA-256 goes into the case's audit trail and the status bar.")
        note.setStyleSheet("color:#6b7280")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self._on_export)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(note, 1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(path_row)
        layout.addLayout(bottom)
        self.path.set_text(str(self.suggested_path(self.fmt)))
        self.format_buttons[self.fmt].setChecked(True)
        self._show_waiting()

    # ------------------------------------------------------------ format and path

    def suggested_path(self, fmt: str) -> Path:
        return self.case_path.with_name(self.case_path.stem + "-report" + FORMATS[fmt][1])

    def _on_format_toggled(self, fmt: str, on: bool) -> None:
        if on:
            self.set_format(fmt)

    def set_format(self, fmt: str) -> None:
        if fmt not in FORMATS:
            return
        changed = fmt != self.fmt or self.preview is None
        old_suffix = FORMATS[self.fmt][1]
        self.fmt = fmt
        if not self.format_buttons[fmt].isChecked():
            self.format_buttons[fmt].setChecked(True)
        current = self.path.text()
        if current and current.endswith(old_suffix):
            self.path.set_text(current[: -len(old_suffix)] + FORMATS[fmt][1])
        elif not current:
            self.path.set_text(str(self.suggested_path(fmt)))
        if changed:
            self.request_preview()

    def out_path(self) -> Path:
        out = Path(self.path.text()).expanduser()
        suffix = FORMATS[self.fmt][1]
        if out.suffix.lower() != suffix and not (self.fmt == "html" and
                                                 out.suffix.lower() == ".htm"):
            out = out.with_name(out.name + suffix)
        return out.absolute()

    def _browse(self) -> None:
        label, suffix, _ = FORMATS[self.fmt]
        path, _ = QFileDialog.getSaveFileName(self, "Export report as", self.path.text(),
                                              f"{label} (*{suffix})")
        if path:
            remember_dir(path)
            self.path.set_text(path)

    def _validate(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(
            bool(self.path.text()))

    def _on_export(self) -> None:
        if not self.path.text():
            return
        out = self.out_path()
        if out.exists():
            answer = QMessageBox.question(self, "Export report",
                                          f"{out.name} already exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.accept()

    # ------------------------------------------------------------ preview

    def request_preview(self) -> None:
        self.preview = None
        self.error = ""
        self._show_waiting()
        self.preview_requested.emit(self.fmt)

    @property
    def preview_ready(self) -> bool:
        return self.preview is not None and self.preview.fmt == self.fmt

    def _show_waiting(self) -> None:
        label = FORMATS[self.fmt][0]
        self.info.setText(f"<b>Preview</b> <span style='color:#6b7280'>· rendering the {label} "
                          "report…</span>")
        self.stack.setCurrentWidget(self.waiting)
        self.view_rendered.setEnabled(False)
        self.view_source.setEnabled(False)

    def show_error(self, message: str) -> None:
        self.error = message
        self.info.setText(f"<b>Preview</b> <span style='color:#b42318'>· could not be rendered: "
                          f"{_esc(message)}</span>")
        self.waiting.setText("No preview. Exporting would most likely fail the same way.")
        self.stack.setCurrentWidget(self.waiting)

    def show_preview(self, preview: ReportPreview) -> None:
        if preview.fmt != self.fmt:
            return  # a format no longer chosen
        self.preview = preview
        size = human_size(len(preview.data))
        if preview.fmt == "html":
            self.info.setText(f"<b>Preview</b> <span style='color:#6b7280'>· HTML, {size}. Qt's "
                              "simple renderer (no scripts, nothing fetched); a browser shows "
                              "the real layout.</span>")
            self._set_html(preview.data)
            self._set_text(preview.data.decode("utf-8", "replace"))
        elif preview.fmt == "pdf":
            pages = pdf_pages(preview.data)
            count = f"{pages} page{'s' if pages != 1 else ''}, " if pages else ""
            self.info.setText(f"<b>Preview</b> <span style='color:#6b7280'>· PDF, {count}"
                              f"{size}. No PDF renderer here, so this shows the same content "
                              "as the HTML report; the PDF paginates it.</span>")
            html = preview.html or b""
            self._set_html(html)
            self._set_text(html.decode("utf-8", "replace"))
        else:
            text = preview.data.decode("utf-8", "replace")
            extra = ""
            try:
                doc = json.loads(text)
            except ValueError:
                doc = None
            if preview.fmt == "json" and isinstance(doc, dict):
                extra = f", schema_version {doc.get('schema_version', '?')}"
            elif preview.fmt == "claimreview" and doc is not None:
                reviews = _count_types(doc, "ClaimReview")
                extra = (f", {reviews} ClaimReview and {_count_types(doc, 'MediaReview')} "
                         "MediaReview")
                if not reviews:
                    extra += (". No claim has a finding yet (Unverified is none), so there is "
                              "nothing to publish")
            self.info.setText(f"<b>Preview</b> <span style='color:#6b7280'>· "
                              f"{FORMATS[preview.fmt][0]}, {size}{extra}.</span>")
            self._set_text(text)
        self._show_mode()

    def _set_html(self, data: bytes) -> None:
        self.browser.setHtml(data.decode("utf-8", "replace"))

    def _set_text(self, text: str) -> None:
        self.text.setPlainText(text)

    def _show_mode(self) -> None:
        if self.preview is None:
            return
        has_html = self.preview.fmt in ("html", "pdf")
        self.view_rendered.setEnabled(has_html)
        self.view_source.setEnabled(has_html)
        if has_html and self.view_rendered.isChecked():
            self.stack.setCurrentWidget(self.browser)
        else:
            self.stack.setCurrentWidget(self.text)

    def preview_text(self) -> str:
        """What the preview shows, as plain text (for the tests)."""
        if self.stack.currentWidget() is self.browser:
            return self.browser.toPlainText()
        if self.stack.currentWidget() is self.text:
            return self.text.toPlainText()
        return ""


def _esc(text: str) -> str:
    import html

    return html.escape(text)
