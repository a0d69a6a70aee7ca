"""Dialogs: a new case from a media file and an article, settings, linking a claim to media."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from verifier.case import CASE_SUFFIX
from verifier.gui.style import error_hex, muted_hex, set_muted, warning_hex
from verifier.models import Claim, MediaItem, MediaKind
from verifier.settings import DEFAULT_PHASH_MAX_DISTANCE, PHASH_MAX_DISTANCE_RANGE, Settings

MEDIA_FILTER = ("Images and videos (*.jpg *.jpeg *.png *.gif *.webp *.tif *.tiff *.bmp *.heic "
                "*.mp4 *.mov *.m4v *.mkv *.webm *.avi *.3gp);;All files (*)")
ARTICLE_FILTER = "Articles (*.txt *.md *.html *.htm);;All files (*)"
CORPUS_FILTER = "Corpus (*.sqlite *.db);;All files (*)"
CASE_FILTER = f"Verifier case (*{CASE_SUFFIX})"


@dataclass(frozen=True)
class NewCaseRequest:
    media: str  # path or http(s) URL
    article: str  # path or http(s) URL
    case_path: Path
    corpus: Path | None

    @property
    def report_path(self) -> Path:
        return self.case_path.with_suffix(".html")


def last_dir() -> str:
    return str(QSettings().value("paths/last_dir", str(Path.home())))


def remember_dir(path: str | Path) -> None:
    parent = Path(path).parent
    if parent.is_dir():
        QSettings().setValue("paths/last_dir", str(parent))


def suggest_case_path(stem: str) -> Path:
    """A free name in the user's documents folder (the media's own folder may be read-only)."""
    folder = Path(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())
    candidate = folder / f"{stem}{CASE_SUFFIX}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}{CASE_SUFFIX}"
        n += 1
    return candidate


class PathField(QWidget):
    """A line edit (a path or a URL) with a Browse… button."""

    def __init__(self, placeholder: str, browse: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton(browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)


class NewCaseDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, default_corpus: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New case from media and article")
        self.setMinimumWidth(640)
        intro = QLabel("The workbench copies the media into the case's evidence folder, reads "
                       "its metadata, extracts one keyframe per shot of a video, finds the "
                       "article's hedged claims and, with a corpus, searches for earlier "
                       "copies. A report is written beside the case.")
        intro.setWordWrap(True)
        set_muted(intro)
        self.media = PathField("Image or video file, or an http(s) URL", "Browse…")
        self.article = PathField("Article file (.txt, .md, .html) or an http(s) URL", "Browse…")
        self.corpus = PathField("Optional: corpus of known media", "Browse…")
        self.case = PathField(f"Where to save the case (*{CASE_SUFFIX})", "Save as…")
        if default_corpus is not None and default_corpus.exists():
            self.corpus.set_text(str(default_corpus))
        self.media.button.clicked.connect(self._browse_media)
        self.article.button.clicked.connect(self._browse_article)
        self.corpus.button.clicked.connect(self._browse_corpus)
        self.case.button.clicked.connect(self._browse_case)
        form = QFormLayout()
        form.addRow("Media", self.media)
        form.addRow("Article", self.article)
        form.addRow("Corpus", self.corpus)
        form.addRow("Case file", self.case)
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color:{error_hex()}")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Create case")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for field in (self.media, self.article, self.corpus, self.case):
            field.edit.textChanged.connect(self._validate)
        self._validate()

    def set_media(self, media: str) -> None:
        """Start from a media file or URL (dropped on the window with no case open)."""
        self.media.set_text(media)
        if not self.case.text():
            stem = Path(media.split("?")[0].rstrip("/")).stem or "case"
            self.case.set_text(str(suggest_case_path(stem)))

    def request(self) -> NewCaseRequest:
        case = Path(self.case.text()).expanduser()
        if case.suffix != CASE_SUFFIX:
            case = case.with_name(case.name + CASE_SUFFIX)
        corpus = Path(self.corpus.text()).expanduser() if self.corpus.text() else None
        return NewCaseRequest(self.media.text(), self.article.text(), case.absolute(), corpus)

    def problems(self) -> list[str]:
        out = []
        for label, field in (("media", self.media), ("article", self.article)):
            value = field.text()
            if not value:
                out.append(f"Choose the {label}.")
            elif not value.startswith(("http://", "https://")) and \
                    not Path(value).expanduser().is_file():
                out.append(f"The {label} file does not exist: {value}")
        if self.corpus.text() and not Path(self.corpus.text()).expanduser().is_file():
            out.append(f"The corpus does not exist: {self.corpus.text()}")
        if not self.case.text():
            out.append("Choose where to save the case.")
        elif self.request().case_path.exists():
            out.append(f"A case already exists there: {self.request().case_path}")
        return out

    def _validate(self) -> None:
        problems = self.problems()
        # Only complain about what was typed; an empty form is not an error yet.
        shown = [p for p in problems if not p.startswith("Choose")]
        self.problem.setText("\n".join(shown))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problems)

    def _browse_media(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the media to check", last_dir(),
                                              MEDIA_FILTER)
        if path:
            remember_dir(path)
            self.media.set_text(path)
            if not self.case.text():
                self.case.set_text(str(suggest_case_path(Path(path).stem)))

    def _browse_article(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the article", last_dir(),
                                              ARTICLE_FILTER)
        if path:
            remember_dir(path)
            self.article.set_text(path)

    def _browse_corpus(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a corpus", last_dir(), CORPUS_FILTER)
        if path:
            self.corpus.set_text(path)

    def _browse_case(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the case as", self.case.text()
                                              or last_dir(), CASE_FILTER)
        if path:
            self.case.set_text(path)


class SettingsDialog(QDialog):
    """Who you are (written into every verdict and audit event), your default corpus and the
    matching threshold."""

    def __init__(self, current: Settings, login: str, default_corpus: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(600)
        self.analyst = QLineEdit(current.analyst)
        self.analyst.setPlaceholderText(f"{login} (your login name, used while this is empty)")
        self.analyst.setClearButtonEnabled(True)
        analyst_hint = _hint_label("Written into every verdict and audit event you record from "
                                   "now on, in this window and on the command line. Earlier "
                                   "records keep the name they were made with.")
        self.corpus = PathField(f"{default_corpus} (the default)", "Browse…")
        self.corpus.set_text(current.corpus)
        self.corpus.button.clicked.connect(self._browse_corpus)
        corpus_hint = _hint_label("The corpus of known media that new cases and “Find in corpus” "
                                  "search, unless you choose another (Media ▸ Choose corpus…).")
        low, high = PHASH_MAX_DISTANCE_RANGE
        self.threshold = QSpinBox()
        self.threshold.setRange(low, high)
        self.threshold.setValue(current.phash_max_distance)
        self.threshold.setSuffix(" of 64 bits")
        self.threshold.setToolTip(f"Default {DEFAULT_PHASH_MAX_DISTANCE}. Higher finds more "
                                  "heavily edited copies and more false matches.")
        threshold_hint = _hint_label("How far apart two pictures' pHash may be to match when PDQ "
                                     "cannot decide (small or flat pictures). Used by Match, "
                                     "Find in corpus and adding media from now on; each match "
                                     "records the threshold it was found with.")
        self.problem = QLabel()
        self.problem.setStyleSheet(f"color:{warning_hex()}")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Analyst name", self.analyst)
        form.addRow("", analyst_hint)
        form.addRow("Default corpus", self.corpus)
        form.addRow("", corpus_hint)
        form.addRow("Match threshold", self.threshold)
        form.addRow("", threshold_hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.corpus.edit.textChanged.connect(self._validate)
        self._validate()
        for label in (analyst_hint, corpus_hint, threshold_hint):
            label.setMinimumHeight(label.heightForWidth(self.minimumWidth() - 150))

    def settings(self) -> Settings:
        corpus = self.corpus.text()
        return Settings(analyst=self.analyst.text().strip(),
                        corpus=str(Path(corpus).expanduser().absolute()) if corpus else "",
                        phash_max_distance=self.threshold.value())

    def _validate(self) -> None:
        corpus = self.corpus.text()
        if corpus and not Path(corpus).expanduser().is_file():
            self.problem.setText(f"No corpus file there yet: {corpus}. It is kept as your "
                                 "default; “verifier corpus add” creates it.")
        else:
            self.problem.clear()

    def _browse_corpus(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose your default corpus",
                                              self.corpus.text() or last_dir(), CORPUS_FILTER)
        if path:
            self.corpus.set_text(path)


class LinkMediaDialog(QDialog):
    """Which media item a claim speaks of (or none)."""

    def __init__(self, claim: Claim, media: list[MediaItem],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Link claim {claim.id} to media")
        self.setMinimumWidth(520)
        text = claim.text if len(claim.text) <= 160 else claim.text[:160] + "…"
        intro = QLabel(f"Which photo or video does this claim speak of?<br><i>“{_esc(text)}”</i>"
                       f"<br><span style='color:{muted_hex()}'>The verdict editor then lists that "
                       "media's matches, metadata red flags and keyframes, and suggests reasons."
                       "</span>")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.choice = QComboBox()
        self.choice.addItem("No media (unlink)", 0)
        for item in media:
            kind = "video" if item.kind is MediaKind.VIDEO else "photo"
            self.choice.addItem(f"{item.id}: {item.original_name} ({kind})", item.id)
        index = self.choice.findData(claim.media_id or 0)
        self.choice.setCurrentIndex(max(index, 0))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Link")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.choice)
        layout.addWidget(buttons)
        intro.setMinimumHeight(intro.heightForWidth(self.minimumWidth() - 30))

    def media_id(self) -> int | None:
        value = self.choice.currentData()
        return int(value) if value else None


def _hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    set_muted(label)
    return label


def _esc(text: str) -> str:
    import html

    return html.escape(text)


class ImportArticleDialog(QDialog):
    """File ▸ Import article…: a file or an http(s) address, for a case without an article."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import article")
        self.setMinimumWidth(600)
        intro = _hint_label("The article's text is stored in the case (an unaltered copy goes "
                            "into its evidence folder) and its hedged and checkable claims are "
                            "found; claims that mention a photo or clip are linked to the media "
                            "selected.")
        self.article = PathField("Article file (.txt, .md, .html) or an http(s) URL", "Browse…")
        self.article.button.setToolTip("Choose an article file")
        self.article.button.clicked.connect(self._browse)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color:{error_hex()}")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.article)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.article.edit.textChanged.connect(self._validate)
        self._validate()
        intro.setMinimumHeight(intro.heightForWidth(self.minimumWidth() - 30))

    def source(self) -> str:
        return self.article.text()

    def _validate(self) -> None:
        value = self.source()
        ok = value.startswith(("http://", "https://")) or \
            (bool(value) and Path(value).expanduser().is_file())
        self.problem.setText("" if ok or not value else f"No such file: {value}")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the article", last_dir(),
                                              ARTICLE_FILTER)
        if path:
            remember_dir(path)
            self.article.set_text(path)
