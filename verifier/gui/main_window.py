"""The workbench window: navigator | article and media | inspector."""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QSettings, Qt, QThreadPool, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from verifier import APP_NAME
from verifier.case import CASE_SUFFIX, CaseStore
from verifier.claims import UNVERIFIABLE
from verifier.errors import UserError
from verifier.gui.article_view import ArticlePane
from verifier.gui.case_files import AUTOSAVE_NOTE
from verifier.gui.dialogs import (
    CASE_FILTER,
    CORPUS_FILTER,
    MEDIA_FILTER,
    LinkMediaDialog,
    NewCaseDialog,
    NewCaseRequest,
    SettingsDialog,
    last_dir,
    remember_dir,
)
from verifier.gui.errors import describe, show_error, show_exception
from verifier.gui.forensics_tab import install as install_forensics
from verifier.gui.inspector import Inspector
from verifier.gui.intake import (
    AddUrlDialog,
    Incoming,
    KeyframesDialog,
    incoming_media,
    is_http_url,
    pasted_image_name,
)
from verifier.gui.job_bar import JobBar
from verifier.gui.media_view import (
    MediaView,
    load_exif_preview,
    load_image,
    load_thumbnails,
    thumbnail_source,
)
from verifier.gui.navigator import CLAIM, MEDIA, CaseNavigator
from verifier.gui.report_dialog import FORMATS, ExportDialog, ReportPreview, render_preview
from verifier.gui.reverse_search import ENGINES, plan_search
from verifier.gui.snapshot import CaseSnapshot
from verifier.gui.style import set_muted
from verifier.gui.undo import (
    REDO_TIP,
    UNDO_TIP,
    AddClaimCommand,
    DeleteClaimCommand,
    EditSpanCommand,
    LinkMediaCommand,
    MergeClaimsCommand,
    RecordVerdictCommand,
)
from verifier.gui.verdict_editor import VerdictDraft
from verifier.gui.window_actions import build_extra_actions, update_extra_actions
from verifier.gui.workers import JobFunction, OriginalNameProgress, Worker
from verifier.media.timecode import format_timestamp
from verifier.models import Claim, Match, MediaItem, MediaKind
from verifier.progress import CancelToken, Progress

if TYPE_CHECKING:
    from verifier.corpus import Corpus
    from verifier.services import AddedMedia
    from verifier.settings import Settings
    from verifier.verdicts import Suggestion

log = logging.getLogger(__name__)

RECENT_KEY = "recent/cases"
MAX_RECENT = 8
STATUS_TIMEOUT_MS = 8000
HINT_TIMEOUT_MS = 20000  # instructions the user acts on (paste into a web page)
CORPUS_KEY = "corpus/path"


@dataclass(frozen=True)
class IntegrityReport:
    """What Case ▸ Verify integrity… found (CaseStore.verify)."""

    problems: list[str]
    events: int
    media: int


@dataclass
class AddBatch:
    """What adding media from the window gave: the items added (or found already in the case)
    and a readable line for each source that could not be added."""

    added: list[AddedMedia] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class MainWindow(QMainWindow):
    case_changed = Signal()  # a case was opened, closed or reloaded
    job_done = Signal()  # the foreground job finished (any outcome), after its handlers ran

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store: CaseStore | None = None
        self.snapshot: CaseSnapshot | None = None
        self.claim_id: int | None = None
        self.media_id: int | None = None
        self.pool = QThreadPool(self)
        self._workers: list[Worker] = []
        self.job: Worker | None = None
        self._job_on_result: Callable[[Any], None] | None = None
        self._job_context = ""
        self._job_on_end: Callable[[], None] | None = None
        self._side: dict[str, Worker] = {}  # background loaders by purpose (thumbnails, ...)
        self._side_handlers: dict[str, Callable[[int | None, Any], None]] = {}
        self._side_media: dict[str, int | None] = {}
        self._side_errors: dict[str, Callable[[str], None]] = {}
        self.corpus_override: Path | None = None  # set_corpus(); else QSettings, case, default
        self.last_report: tuple[Path, str] | None = None  # (path, SHA-256) of the last export
        self.undo_stack = QUndoStack(self)
        self._suggestions: dict[int, Suggestion | None] = {}  # media id -> for this snapshot

        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_actions()
        self._update_actions()

    # ================================================================ construction

    def _build_widgets(self) -> None:
        self.navigator = CaseNavigator()
        self.navigator.setMinimumWidth(220)
        self.article_pane = ArticlePane()
        self.article_view = self.article_pane.browser
        self.media_view = MediaView()
        self.inspector = Inspector()
        self.inspector.setMinimumWidth(340)
        # Match thumbnails and comparisons load in the pool, like the filmstrip.
        self.inspector.matches.set_runner(self._start_side)

        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(self.article_pane)
        centre.addWidget(self.media_view)
        centre.setChildrenCollapsible(False)
        centre.setStretchFactor(0, 1)
        centre.setStretchFactor(1, 1)
        centre.setSizes([380, 460])  # the media pane holds picture, actions, shots, filmstrip
        self.centre_splitter = centre

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.navigator)
        main.addWidget(centre)
        main.addWidget(self.inspector)
        main.setChildrenCollapsible(False)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setStretchFactor(2, 0)
        main.setSizes([280, 590, 530])
        self.main_splitter = main

        self.stack = QStackedWidget()
        self.welcome = self._build_welcome()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(main)
        self.setCentralWidget(self.stack)

        self.job_bar = JobBar()
        self.job_bar.cancel_requested.connect(self.cancel_job)
        self.statusBar().addPermanentWidget(self.job_bar)
        self.statusBar().setSizeGripEnabled(True)

        self.navigator.article_selected.connect(self._on_article_selected)
        self.navigator.claim_selected.connect(self.select_claim)
        self.navigator.media_selected.connect(self.select_media)
        self.article_view.claim_clicked.connect(self.open_verdict_editor)
        self.article_view.claim_context.connect(self.select_claim)
        self.article_view.selectionChanged.connect(self._update_actions)
        self.navigator.itemSelectionChanged.connect(self._update_actions)
        self.navigator.customContextMenuRequested.connect(self._navigator_menu)
        self.inspector.verdict.save_requested.connect(self.save_verdict)
        self.inspector.verdict.link_requested.connect(self.link_claim_dialog)
        self.inspector.metadata.link_activated.connect(self.open_url)
        self.media_view.picture_changed.connect(self._update_actions)

    def _build_welcome(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(2)
        title = QLabel(f"<h1 style='margin-bottom:0'>{APP_NAME}</h1>")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel("Check a photo or a video against the article that uses it: metadata and "
                      "red flags, keyframes, earlier copies in your corpus, the article's hedged "
                      "claims, verdicts with an audit trail, and a report.<br><br>"
                      "Open a case, create one from media and an article, or drop a "
                      f"<code>{CASE_SUFFIX}</code> file here (a photo or video dropped here "
                      "starts a new case).")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFixedWidth(620)
        text.setMinimumHeight(text.heightForWidth(620))
        set_muted(text)  # grey in light mode, light grey in dark mode
        layout.addWidget(title)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        buttons = QWidget()
        row = QVBoxLayout(buttons)
        self.welcome_open = QPushButton("Open case…")
        self.welcome_new = QPushButton("New case from media and article…")
        self.welcome_demo = QPushButton("Open the demo case")
        for button in (self.welcome_open, self.welcome_new, self.welcome_demo):
            button.setMinimumWidth(300)
            row.addWidget(button)
        self.welcome_open.clicked.connect(self.open_case_dialog)
        self.welcome_new.clicked.connect(self.new_case_dialog)
        self.welcome_demo.clicked.connect(self.open_demo)
        layout.addWidget(buttons, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        return page

    def _build_actions(self) -> None:
        def action(text: str, slot: Callable[[], object],
                   shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
                   tip: str = "") -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.triggered.connect(lambda _checked=False: slot())
            return act

        self.new_action = action("&New case from media and article…", self.new_case_dialog,
                                 QKeySequence.StandardKey.New,
                                 "Build a case from a photo or video and an article")
        self.open_action = action("&Open case…", self.open_case_dialog,
                                  QKeySequence.StandardKey.Open, "Open a .vcase file")
        self.demo_action = action("Open &demo case", self.open_demo, None,
                                  "Build (if needed) and open the demo case")
        self.export_action = action("&Export report…", self.export_report_dialog, "Ctrl+E",
                                    "Preview and write the case's report as HTML, PDF, JSON or "
                                    "ClaimReview JSON-LD")
        self.reload_action = action("&Reload case", self.reload, QKeySequence.StandardKey.Refresh,
                                    "Read the case file again")
        self.close_action = action("&Close case", self.close_case, QKeySequence.StandardKey.Close,
                                   "Close the case")
        self.quit_action = action("&Quit", self.close, QKeySequence.StandardKey.Quit,
                                  "Quit the workbench")
        self.about_action = action("&About", self.show_about, None, "Version and licence")

        # Edit: undo and redo append to the history, they never erase.
        self.undo_action = action("&Undo", self.undo_stack.undo, "Ctrl+Z", UNDO_TIP)
        self.redo_action = action("&Redo", self.undo_stack.redo, "Ctrl+Shift+Z", REDO_TIP)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for act, tip in ((self.undo_action, UNDO_TIP), (self.redo_action, REDO_TIP)):
            act.setToolTip(tip)
            act.setIconText(act.text().replace("&", ""))
        for signal in (self.undo_stack.canUndoChanged, self.undo_stack.canRedoChanged,
                       self.undo_stack.undoTextChanged, self.undo_stack.redoTextChanged):
            signal.connect(self._on_undo_stack_changed)
        self.settings_action = action("&Settings…", self.settings_dialog, "Ctrl+,",
                                      "Your analyst name and your default corpus")

        # Case: claims edited by hand, and the integrity check.
        self.add_claim_action = action(
            "&Add claim from selection", self.add_claim_from_selection, "Ctrl+Shift+N",
            "Select words in the article, then add them as a claim")
        self.add_claim_action.setIconText("Add claim")
        self.edit_span_action = action(
            "&Edit claim span", self.edit_claim_span, "Ctrl+Shift+E",
            "With a claim selected, select its new words in the article, then edit its span")
        self.edit_span_action.setIconText("Edit span")
        self.merge_action = action(
            "&Merge claims", self.merge_selected_claims, "Ctrl+Shift+M",
            "Select two or more claims in the navigator (Ctrl+click), then merge them into one")
        self.merge_action.setIconText("Merge")
        self.delete_claim_action = action(
            "&Delete claim", self.delete_claim, QKeySequence.StandardKey.Delete,
            "Hide the selected claim (it stays in the case with its verdicts; Undo shows it)")
        self.delete_claim_action.setIconText("Delete")
        self.delete_claim_action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.link_claim_action = action(
            "&Link claim to media…", self.link_claim_dialog, "Ctrl+Shift+L",
            "Which photo or video the selected claim speaks of")
        self.link_claim_action.setIconText("Link to media…")
        self.verify_action = action(
            "&Verify integrity…", self.verify_integrity, None,
            "Check the audit trail's hash chain and every evidence copy against the SHA-256 "
            "recorded when it was added")
        self.claim_actions = [self.add_claim_action, self.edit_span_action, self.merge_action,
                              self.delete_claim_action, self.link_claim_action]
        self.extras = build_extra_actions(self)  # File, Case and Help extras (window_actions)
        for act in self.claim_actions:
            act.setToolTip(act.statusTip())
        # Delete acts where claims are shown (a text field keeps its own Delete key).
        self.navigator.addAction(self.delete_claim_action)
        self.article_view.addAction(self.delete_claim_action)
        self.article_pane.set_actions(
            [*self.claim_actions, None, self.undo_action, self.redo_action],
            [self.add_claim_action, self.edit_span_action, None, self.delete_claim_action,
             self.link_claim_action, None, self.undo_action, self.redo_action])

        self.add_media_action = action(
            "&Add media…", self.add_media_dialog, "Ctrl+Shift+A",
            "Add photos or videos to the open case (you can also drop files or URLs on the "
            "window, or paste with Ctrl+V)")
        self.add_url_action = action("Add media from &URL…", self.add_media_url_dialog,
                                     "Ctrl+Shift+U", "Download a photo or video into the case")
        self.paste_action = action("&Paste media", self.paste_media,
                                   QKeySequence.StandardKey.Paste,
                                   "Add the picture, file or URL on the clipboard to the case")
        self.keyframes_action = action("&Keyframes…", self.keyframes_dialog, "Ctrl+K",
                                       "Extract the selected video's keyframes again (or a "
                                       "quick I-frame preview)")
        self.match_action = action("&Match against the corpus", self.match_media, "Ctrl+M",
                                   "Search the corpus for the selected media item and store "
                                   "the matches")
        self.corpus_action = action("Choose &corpus…", self.choose_corpus_dialog, None,
                                    "The corpus of known media that “Find in corpus” searches")
        self.find_action = action("Find in corpus", self.find_in_corpus, "Ctrl+Shift+F",
                                  "Search the corpus for the picture shown large")
        self.copy_picture_action = action("Copy", self.copy_picture, "Ctrl+Shift+C",
                                          "Copy the picture shown large to the clipboard")
        self.save_picture_action = action("Save as…", self.save_picture_dialog, "Ctrl+Shift+S",
                                          "Save the picture shown large as a PNG file")
        self.reverse_actions: dict[str, QAction] = {}
        for engine in ENGINES:
            self.reverse_actions[engine.key] = action(
                engine.name, functools.partial(self.reverse_search, engine.key), None,
                f"Search {engine.name} for the picture shown large (opens your browser)")
        # Tool buttons show iconText, which Qt strips of "…"; these open dialogs, so keep it.
        self.save_picture_action.setIconText("Save as…")
        self.keyframes_action.setIconText("Keyframes…")
        self.media_view.set_actions(
            [self.find_action, self.copy_picture_action, self.save_picture_action],
            list(self.reverse_actions.values()), [self.keyframes_action])

        file_menu = self.menuBar().addMenu("&File")
        file_menu.setToolTipsVisible(True)
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.demo_action)
        file_menu.addAction(self.extras.save_as)
        file_menu.addAction(self.extras.import_article)
        file_menu.addSeparator()
        file_menu.addAction(self.extras.corpus_manager)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.reload_action)
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.setToolTipsVisible(True)
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.settings_action)
        case_menu = self.menuBar().addMenu("&Case")
        case_menu.setToolTipsVisible(True)
        for act in self.claim_actions:
            case_menu.addAction(act)
        case_menu.addSeparator()
        for act in (self.extras.previous_claim, self.extras.next_claim, self.extras.verdict):
            case_menu.addAction(act)
        case_menu.addSeparator()
        case_menu.addAction(self.verify_action)
        media_menu = self.menuBar().addMenu("&Media")
        for act in (self.add_media_action, self.add_url_action, self.paste_action):
            media_menu.addAction(act)
        media_menu.addSeparator()
        media_menu.addAction(self.keyframes_action)
        media_menu.addAction(self.match_action)
        media_menu.addAction(self.corpus_action)
        picture_menu = media_menu.addMenu("&Picture shown")
        for act in (self.find_action, self.copy_picture_action, self.save_picture_action):
            picture_menu.addAction(act)
        reverse_menu = picture_menu.addMenu("&Reverse search")
        for act in self.reverse_actions.values():
            reverse_menu.addAction(act)
        picture_menu.addSeparator()
        for act in self.extras.zoom_actions:  # zoom, fit, 1:1, magnifier (window_actions)
            picture_menu.addAction(act)
        player_menu = media_menu.addMenu("&Video player")
        for act in self.extras.player_actions:  # frame stepping (window_actions)
            player_menu.addAction(act)
        self.forensics_actions = install_forensics(self, media_menu)  # the Forensics tab
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.extras.shortcuts)
        help_menu.addAction(self.extras.show_log)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    def _update_actions(self) -> None:
        busy = self.job is not None
        has_case = self.store is not None
        for act in (self.new_action, self.demo_action):
            act.setEnabled(not busy)
        self.welcome_new.setEnabled(not busy)
        self.welcome_demo.setEnabled(not busy)
        self.export_action.setEnabled(has_case and not busy)
        self.verify_action.setEnabled(has_case and not busy)
        has_article = has_case and self.snapshot is not None and self.snapshot.article is not None
        claim = self.snapshot.claim(self.claim_id) if self.snapshot else None
        for act in (self.add_claim_action, self.edit_span_action, self.merge_action):
            act.setEnabled(has_article)
        self.delete_claim_action.setEnabled(has_case and (claim is not None or bool(
            self.navigator.selected_claim_ids())))
        self.link_claim_action.setEnabled(has_case and claim is not None)
        stack = self.undo_stack if shiboken6.isValid(self.undo_stack) else None
        self.undo_action.setEnabled(has_case and stack is not None and stack.canUndo())
        self.redo_action.setEnabled(has_case and stack is not None and stack.canRedo())
        self.reload_action.setEnabled(has_case)
        self.close_action.setEnabled(has_case)
        item = self.snapshot.media_item(self.media_id) if self.snapshot else None
        picture = self.media_view.current_picture() is not None
        for act in (self.add_media_action, self.add_url_action):
            act.setEnabled(has_case and not busy)
        self.paste_action.setEnabled(not busy)
        self.keyframes_action.setEnabled(has_case and not busy and item is not None
                                         and item.kind is MediaKind.VIDEO)
        self.match_action.setEnabled(has_case and not busy and item is not None)
        self.find_action.setEnabled(has_case and not busy and picture)
        for act in (self.copy_picture_action, self.save_picture_action,
                    *self.reverse_actions.values()):
            act.setEnabled(picture)
        update_extra_actions(self, self.extras)

    # ================================================================ cases

    def open_case(self, path: Path | str) -> bool:
        """Open and show a case; a bad file gives a message box, never a traceback."""
        path = Path(path).expanduser().absolute()
        try:
            store = CaseStore.open(path)
            try:
                snapshot = CaseSnapshot.load(store)
            except BaseException:
                store.close()
                raise
        except Exception as exc:
            show_exception(self, exc, f"Could not open the case {path.name}")
            return False
        self._close_store()
        self.undo_stack.clear()  # its commands belong to the case that was open
        self.store = store
        self.claim_id = None
        self.media_id = None
        self._add_recent(path)
        self._show_snapshot(snapshot, first=True)
        self.statusBar().showMessage(f"Opened {path}. {AUTOSAVE_NOTE}", STATUS_TIMEOUT_MS)
        log.info("opened case %s", path)
        return True

    def close_case(self) -> None:
        self._close_store()
        self.undo_stack.clear()
        self.snapshot = None
        self.claim_id = self.media_id = None
        self._cancel_side()
        self.navigator.show_snapshot(None)
        self.article_view.show_snapshot(None)
        self.media_view.show_media(None, [])
        self._refresh_inspector()
        self.stack.setCurrentWidget(self.welcome)
        self.setWindowTitle(APP_NAME)
        self._update_actions()
        self.case_changed.emit()

    def reload(self) -> None:
        """Read the case again (after a save, an export, or a change by the CLI)."""
        if self.store is None:
            return
        try:
            snapshot = CaseSnapshot.load(self.store)
        except Exception as exc:
            show_exception(self, exc, "Could not read the case")
            return
        self._show_snapshot(snapshot, first=False)

    def _close_store(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None

    def _show_snapshot(self, snapshot: CaseSnapshot, *, first: bool) -> None:
        self.snapshot = snapshot
        self._suggestions = {}
        self.setWindowTitle(f"{APP_NAME} — {snapshot.name}")
        self.stack.setCurrentIndex(1)
        self.navigator.show_snapshot(snapshot)
        if first:
            media = snapshot.media[0].id if snapshot.media else None
            focus = first_claim(snapshot)
            self.claim_id = focus
            self._show_media(media)
            if focus is not None:
                self.navigator.select(CLAIM, focus, notify=False)
        else:
            if self.snapshot.media_item(self.media_id) is None:
                self._show_media(snapshot.media[0].id if snapshot.media else None)
            if self.snapshot.claim(self.claim_id) is None:
                self.claim_id = None
        self.article_view.show_snapshot(snapshot, self.claim_id)
        if first and self.claim_id is not None:
            # After the layout has given the article its real height.
            QTimer.singleShot(0, functools.partial(self._scroll_to_claim, self.claim_id))
        self._refresh_inspector()
        self._update_actions()
        self.case_changed.emit()

    # ================================================================ selection

    @Slot(int)
    def select_claim(self, claim_id: int) -> None:
        if self.snapshot is None or self.snapshot.claim(claim_id) is None:
            return
        self.claim_id = claim_id
        self.navigator.select(CLAIM, claim_id, notify=False)
        claim = self.snapshot.claim(claim_id)
        if claim is not None and claim.media_id is not None and claim.media_id != self.media_id:
            self._show_media(claim.media_id)
        self.article_view.show_snapshot(self.snapshot, claim_id)
        self.article_view.scroll_to_claim(claim_id)
        self._refresh_inspector()

    @Slot(int)
    def select_media(self, media_id: int) -> None:
        if self.snapshot is None or self.snapshot.media_item(media_id) is None:
            return
        self.navigator.select(MEDIA, media_id, notify=False)
        self._show_media(media_id)
        # Composing a verdict, the analyst may show another media item to drag its keyframes
        # onto the editor: the Verdict tab stays.
        keep = (self.inspector.metadata, self.inspector.matches, self.inspector.forensics,
                self.inspector.verdict) if self.claim_id is not None else \
            (self.inspector.metadata, self.inspector.matches, self.inspector.forensics)
        if self.inspector.currentWidget() not in keep:
            self.inspector.setCurrentWidget(self.inspector.metadata)

    def _scroll_to_claim(self, claim_id: int) -> None:
        if self.claim_id == claim_id:
            self.article_view.scroll_to_claim(claim_id)

    @Slot()
    def _on_article_selected(self) -> None:
        self.article_view.verticalScrollBar().setValue(0)

    def _show_media(self, media_id: int | None) -> None:
        if self.snapshot is None:
            return
        item = self.snapshot.media_item(media_id)
        self.media_id = item.id if item else None
        keyframes = self.snapshot.keyframes.get(item.id, []) if item and item.id else []
        shots = self.snapshot.shots.get(item.id, []) if item and item.id else []
        report = self.snapshot.metadata.get(item.id) if item and item.id else None
        self.media_view.show_media(item, keyframes, shots, report)
        self._cancel_side()
        if item is not None and item.kind is MediaKind.VIDEO and keyframes:
            paths = [thumbnail_source(k) for k in keyframes]
            self._start_side("thumbnails", item.id, functools.partial(load_thumbnails, paths),
                             self._on_thumbnails)
        elif item is not None and item.kind is MediaKind.IMAGE:
            self._start_side("EXIF preview", item.id,
                             functools.partial(load_exif_preview, item.path),
                             self._on_exif_preview)
        self._refresh_inspector()
        self._update_actions()

    def _refresh_inspector(self) -> None:
        snap = self.snapshot
        item = snap.media_item(self.media_id) if snap else None
        claim = snap.claim(self.claim_id) if snap else None
        linked = snap.media_item(claim.media_id) if snap and claim and claim.media_id else None
        suggestion = self.suggestion(linked.id) if linked is not None else None
        self.inspector.metadata.show_media(snap, item)
        self.inspector.matches.show_media(snap, item)
        self.inspector.verdict.show_claim(snap, claim, suggestion, linked)
        self.inspector.history.show_history(snap, self.claim_id)
        self._update_actions()

    def suggestion(self, media_id: int | None) -> Suggestion | None:
        """What the analysis of a media item supports (verifier.verdicts.suggest), read once
        per snapshot."""
        from verifier.verdicts import suggest

        if self.store is None or media_id is None:
            return None
        if media_id not in self._suggestions:
            try:
                self._suggestions[media_id] = suggest(self.store, media_id)
            except Exception:
                log.exception("no suggestion for media %s", media_id)
                self._suggestions[media_id] = None
        return self._suggestions[media_id]

    # ================================================================ claims and verdicts

    @Slot(int)
    def open_verdict_editor(self, claim_id: int) -> None:
        """A claim (or its badge) was clicked: select it and show the verdict editor."""
        self.select_claim(claim_id)
        if self.claim_id == claim_id:
            self.inspector.setCurrentWidget(self.inspector.verdict)

    def after_edit(self, claim_id: int | None, message: str) -> None:
        """Show the case after a hand edit (or its undo), with claim_id selected."""
        if claim_id is not None:
            self.claim_id = claim_id
        self.reload()
        if self.claim_id is not None and self.snapshot is not None \
                and self.snapshot.claim(self.claim_id) is not None:
            self.navigator.select(CLAIM, self.claim_id, notify=False)
            self.article_view.scroll_to_claim(self.claim_id)
        self.statusBar().showMessage(message, STATUS_TIMEOUT_MS)
        self._update_actions()

    def edit_failed(self, exc: BaseException, context: str) -> None:
        show_exception(self, exc, context)
        self.reload()

    @Slot()
    def _on_undo_stack_changed(self, *_: object) -> None:
        # The stack also signals while it is destroyed with the window: ignore that.
        if shiboken6.isValid(self.undo_stack):
            self._update_undo_texts()
            self._update_actions()

    def _update_undo_texts(self) -> None:
        for act, label, text, tip in (
                (self.undo_action, "&Undo", self.undo_stack.undoText(), UNDO_TIP),
                (self.redo_action, "&Redo", self.undo_stack.redoText(), REDO_TIP)):
            act.setText(f"{label} {text.replace('&', '&&')}" if text else label)
            act.setIconText(label.replace("&", ""))
            act.setToolTip(f"{label.replace('&', '')} {text}.\n\n{tip}" if text else tip)

    def _selected_claim(self) -> Claim | None:
        return self.snapshot.claim(self.claim_id) if self.snapshot else None

    def add_claim_from_selection(self) -> Claim | None:
        """The words selected in the article become a claim (origin "analyst")."""
        if self.store is None:
            return None
        try:
            start, end = self.article_view.selected_span()
            claim = self.store.add_claim(start, end)
        except Exception as exc:
            show_exception(self, exc, "Could not add the claim")
            return None
        assert claim.id is not None
        self.article_view.clear_selection()
        self.undo_stack.push(AddClaimCommand(self, claim.id, claim.text))
        self.after_edit(claim.id, f"Claim {claim.id} added: “{_short(claim.text)}”. Link it to "
                                  "the media it speaks of to see suggested reasons.")
        return claim

    def edit_claim_span(self) -> Claim | None:
        """The selected claim now spans the words selected in the article."""
        claim = self._selected_claim()
        if self.store is None:
            return None
        if claim is None or claim.id is None:
            show_error(self, "Select the claim first (in the navigator, or click it), then "
                             "select its new words in the article.",
                       context="Could not edit the claim's span")
            return None
        try:
            start, end = self.article_view.selected_span()
            edited = self.store.edit_claim(claim.id, start, end)
        except Exception as exc:
            show_exception(self, exc, "Could not edit the claim's span")
            return None
        self.article_view.clear_selection()
        self.undo_stack.push(EditSpanCommand(self, claim.id, (claim.start, claim.end),
                                             (edited.start, edited.end), edited.text))
        self.after_edit(claim.id, f"Claim {claim.id} now reads “{_short(edited.text)}” (was "
                                  f"“{_short(claim.text)}”)")
        return edited

    def merge_selected_claims(self) -> Claim | None:
        """The claims selected in the navigator become one spanning them all."""
        if self.store is None:
            return None
        ids = self.navigator.selected_claim_ids()
        if len(ids) < 2:
            show_error(self, "Select two or more claims in the navigator first (Ctrl+click or "
                             "Shift+click), then merge them.", context="Could not merge claims")
            return None
        try:
            merged = self.store.merge_claims(ids)
        except Exception as exc:
            show_exception(self, exc, "Could not merge the claims")
            return None
        assert merged.id is not None
        self.undo_stack.push(MergeClaimsCommand(self, merged.id, ids))
        self.after_edit(merged.id, f"Claims {', '.join(map(str, ids))} merged into claim "
                                   f"{merged.id}; they stay in the case, hidden.")
        return merged

    def delete_claim(self, claim_id: int | None = None) -> bool:
        """Hide a claim (or the claims selected in the navigator): it stays in the case with
        its verdict history, and Undo shows it again."""
        if self.store is None or self.snapshot is None:
            return False
        ids = [claim_id] if claim_id is not None else \
            (self.navigator.selected_claim_ids() or
             ([self.claim_id] if self.claim_id is not None else []))
        claims = [c for c in (self.snapshot.claim(i) for i in ids) if c is not None]
        if not claims:
            show_error(self, "Select the claim to delete first.",
                       context="Could not delete the claim")
            return False
        if len(claims) > 1:
            self.undo_stack.beginMacro(f"Delete {len(claims)} claims")
        done: list[int] = []
        try:
            for claim in claims:
                assert claim.id is not None
                try:
                    self.store.delete_claim(claim.id)
                except Exception as exc:
                    show_exception(self, exc, f"Could not delete claim {claim.id}")
                    break
                self.undo_stack.push(DeleteClaimCommand(self, claim.id, claim.text))
                done.append(claim.id)
        finally:
            if len(claims) > 1:
                self.undo_stack.endMacro()
        if done:
            self.claim_id = None
            what = f"Claim {done[0]}" if len(done) == 1 else \
                f"Claims {', '.join(map(str, done))}"
            self.after_edit(None, f"{what} hidden: kept in the case with the verdict history "
                                  "(Edit ▸ Undo shows it again).")
        return bool(done)

    @Slot(int)
    def link_claim_dialog(self, claim_id: int | None = None) -> None:
        if self.snapshot is None:
            return
        claim = self.snapshot.claim(claim_id if claim_id is not None else self.claim_id)
        if claim is None or claim.id is None:
            show_error(self, "Select the claim to link first.",
                       context="Could not link the claim")
            return
        if not self.snapshot.media:
            show_error(self, "This case has no media yet: add a photo or video first (Media ▸ "
                             "Add media…).", context="Could not link the claim")
            return
        dialog = LinkMediaDialog(claim, self.snapshot.media, self)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.link_claim(claim.id, dialog.media_id())
        finally:
            dialog.deleteLater()

    def link_claim(self, claim_id: int, media_id: int | None) -> bool:
        """Link a claim to the media item it speaks of (None: unlink)."""
        claim = self.snapshot.claim(claim_id) if self.snapshot else None
        if self.store is None or claim is None:
            return False
        if (claim.media_id or None) == (media_id or None):
            self.statusBar().showMessage(f"Claim {claim_id} is already linked to "
                                         f"{'media ' + str(media_id) if media_id else 'no media'}.",
                                         STATUS_TIMEOUT_MS)
            return True
        try:
            self.store.link_media(claim_id, media_id or None)
        except Exception as exc:
            show_exception(self, exc, "Could not link the claim")
            return False
        self.undo_stack.push(LinkMediaCommand(self, claim_id, claim.media_id, media_id or None))
        item = self.snapshot.media_item(media_id) if self.snapshot and media_id else None
        self.after_edit(claim_id, f"Claim {claim_id} linked to {item.original_name}" if item
                        else f"Claim {claim_id} unlinked from its media")
        return True

    @Slot(object)
    def save_verdict(self, draft: VerdictDraft) -> bool:
        """Append the editor's verdict to the claim's history (services.record_verdict)."""
        from verifier.services import record_verdict

        if self.store is None:
            return False
        try:
            previous = self.store.current_verdict(draft.claim_id)
            verdict = record_verdict(self.store, draft.claim_id, draft.rating, draft.rationale,
                                     draft.confidence, reasons=draft.reasons,
                                     evidence_items=draft.evidence_items)
        except Exception as exc:
            show_exception(self, exc, "Could not save the verdict")
            return False
        self.undo_stack.push(RecordVerdictCommand(self, verdict, previous))
        self.inspector.verdict.saved()
        self.after_edit(draft.claim_id, f"Verdict recorded on claim {draft.claim_id}: "
                                        f"{verdict.rating.value} ({verdict.confidence_label} "
                                        f"confidence, {len(verdict.reasons)} reasons, "
                                        f"{len(verdict.evidence_items)} pieces of evidence)")
        return True

    def _navigator_menu(self, pos: Any) -> None:
        item = self.navigator.itemAt(pos)
        if item is None or item.data(0, Qt.ItemDataRole.UserRole) != CLAIM:
            return
        menu = QMenu(self)
        for act in (self.merge_action, self.delete_claim_action, self.link_claim_action, None,
                    self.undo_action, self.redo_action):
            if act is None:
                menu.addSeparator()
            else:
                menu.addAction(act)
        menu.exec(self.navigator.viewport().mapToGlobal(pos))
        menu.deleteLater()

    # ---------------------------------------------------------------- integrity and settings

    def verify_integrity(self) -> Worker | None:
        """Check the audit chain and every evidence copy in the pool (CaseStore.verify) and
        say plainly whether the case is intact or what was altered."""
        if self.snapshot is None:
            return None
        case_path = self.snapshot.path

        def job(progress: Progress, cancel: CancelToken) -> IntegrityReport:
            progress.start(None, f"Verifying {case_path.name}: audit trail and evidence copies")
            with CaseStore.open(case_path) as case:
                return IntegrityReport(case.verify(), len(case.audit_trail()),
                                       len(case.media()))

        def done(result: Any) -> None:
            if not isinstance(result, IntegrityReport):
                return
            when = time.strftime("%H:%M:%S")
            self.inspector.history.show_integrity(f"at {when}", result.problems)
            box = QMessageBox(self)
            box.setWindowTitle(f"{APP_NAME} — Verify integrity")
            if result.problems:
                count = len(result.problems)
                box.setIcon(QMessageBox.Icon.Warning)
                box.setText(f"The case was altered: {count} problem{'s' if count != 1 else ''}")
                box.setInformativeText("\n\n".join(result.problems) + "\n\nThe audit trail and "
                                       "the SHA-256 recorded when each file was added are the "
                                       "reference; what differs from them is listed above.")
                self.statusBar().showMessage(f"Integrity: {count} alteration"
                                             f"{'s' if count != 1 else ''} found",
                                             STATUS_TIMEOUT_MS)
            else:
                box.setIcon(QMessageBox.Icon.Information)
                box.setText("The case is intact")
                box.setInformativeText(
                    f"The audit trail's {result.events} events are chained unbroken, and the "
                    f"evidence copies of the {result.media} media item"
                    f"{'s' if result.media != 1 else ''} and of the article match the SHA-256 "
                    "recorded when they were added.")
                self.statusBar().showMessage("Integrity: intact", STATUS_TIMEOUT_MS)
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
            box.exec()

        return self.run_job(job, "Verifying the case's integrity", done,
                            error_context="Could not verify the case", cancellable=False)

    def settings_dialog(self) -> None:
        import getpass

        from verifier.settings import load_settings

        try:
            login = getpass.getuser()
        except (KeyError, OSError):
            login = "analyst"
        dialog = SettingsDialog(load_settings(), login, _configured_corpus(), self)
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.apply_settings(dialog.settings())
        finally:
            dialog.deleteLater()

    def apply_settings(self, settings: Settings) -> bool:
        """Save the settings; new verdicts and audit events carry the analyst name at once."""
        from verifier.case import current_analyst
        from verifier.settings import save_settings

        try:
            save_settings(settings)
        except OSError as exc:
            show_exception(self, UserError("settings", str(exc)), "Could not save the settings")
            return False
        if self.store is not None:
            self.store.actor = current_analyst()
        if settings.corpus and Path(settings.corpus).is_file():
            self.set_corpus(Path(settings.corpus))
        self.statusBar().showMessage(f"Settings saved: you record as {current_analyst()}"
                                     + (f"; default corpus {settings.corpus}"
                                        if settings.corpus else ""), STATUS_TIMEOUT_MS)
        return True

    # ================================================================ jobs

    def start_job(self, fn: JobFunction, description: str,
                  on_result: Callable[[Any], None] | None = None, *,
                  error_context: str = "", cancellable: bool = True,
                  on_end: Callable[[], None] | None = None) -> Worker:
        """Run fn(progress=, cancel=) in the pool with the status bar's progress and Cancel.

        One foreground job at a time; its outcome is shown here (errors as a message box).
        on_end runs after any outcome (result, error or cancel), before job_done.
        """
        if self.job is not None:
            raise UserError(description, "another job is still running; wait or cancel it")
        worker = Worker(fn, description)
        self.job = worker
        self._job_on_result = on_result
        self._job_on_end = on_end
        self._job_context = error_context or f"{description} failed"
        worker.signals.progress.connect(self._on_job_progress)
        worker.signals.message.connect(self._on_job_message)
        worker.signals.result.connect(self._on_job_result)
        worker.signals.error.connect(self._on_job_error)
        worker.signals.cancelled.connect(self._on_job_cancelled)
        worker.signals.finished.connect(self._on_worker_finished)
        self._workers.append(worker)
        self.job_bar.start(description, cancellable)
        self.statusBar().clearMessage()
        self._update_actions()
        log.info("job started: %s", description)
        worker.start(self.pool)
        return worker

    def run_job(self, fn: JobFunction, description: str,
                on_result: Callable[[Any], None] | None = None, *,
                error_context: str = "", cancellable: bool = True,
                on_end: Callable[[], None] | None = None) -> Worker | None:
        """start_job for a menu action: a job that cannot start (another is running) is said in
        a message box, and None returned."""
        try:
            return self.start_job(fn, description, on_result, error_context=error_context,
                                  cancellable=cancellable, on_end=on_end)
        except UserError as exc:
            show_exception(self, exc)
            return None

    @Slot()
    def cancel_job(self) -> None:
        if self.job is not None:
            self.job.cancel()

    @Slot(int, int)
    def _on_job_progress(self, done: int, total: int) -> None:
        self.job_bar.set_progress(done, total)

    @Slot(str)
    def _on_job_message(self, text: str) -> None:
        self.job_bar.set_message(text)

    @Slot(object)
    def _on_job_result(self, result: object) -> None:
        handler = self._job_on_result
        if handler is None:
            return
        try:
            handler(result)
        except Exception as exc:
            show_exception(self, exc, self._job_context)

    @Slot(str, str)
    def _on_job_error(self, title: str, details: str) -> None:
        show_error(self, title, details, self._job_context)

    @Slot()
    def _on_job_cancelled(self) -> None:
        description = self.job.description if self.job else "job"
        self.statusBar().showMessage(f"{description}: cancelled. Work already saved is kept.",
                                     STATUS_TIMEOUT_MS)

    @Slot()
    def _on_worker_finished(self) -> None:
        sender = self.sender()
        finished = [w for w in self._workers if w.signals is sender]
        for worker in finished:
            self._workers.remove(worker)
            if worker is self.job:
                self._end_job()
                self.job_done.emit()
            for key, side in list(self._side.items()):
                if side is worker:
                    del self._side[key]

    def _end_job(self) -> None:
        if self.job is not None:
            log.info("job ended: %s", self.job.description)
        on_end = self._job_on_end
        self.job = None
        self._job_on_result = None
        self._job_on_end = None
        self.job_bar.stop()
        self._update_actions()
        if on_end is not None:
            try:
                on_end()
            except Exception as exc:
                show_exception(self, exc, self._job_context)

    # ---------------------------------------------------------------- background loaders

    def _start_side(self, key: str, media_id: int | None, fn: JobFunction,
                    on_result: Callable[[int | None, Any], None], *,
                    on_error: Callable[[str], None] | None = None) -> None:
        """Load something for the media shown (thumbnails, the EXIF preview) in the pool; a
        newer load of the same kind replaces it and its stale result is dropped."""
        self._cancel_side(key)
        worker = Worker(fn, f"Loading {key}")
        self._side[key] = worker
        self._side_media[key] = media_id
        self._side_handlers[key] = on_result
        if on_error is not None:
            self._side_errors[key] = on_error
        else:
            self._side_errors.pop(key, None)
        # Bound slots, so the results are delivered in the GUI thread.
        worker.signals.result.connect(self._on_side_result)
        worker.signals.error.connect(self._on_side_error)
        worker.signals.finished.connect(self._on_worker_finished)
        self._workers.append(worker)
        worker.start(self.pool)

    @Slot(object)
    def _on_side_result(self, result: object) -> None:
        sender = self.sender()
        for key, worker in self._side.items():
            if worker.signals is sender:  # else a stale result for an item no longer shown
                self._side_handlers[key](self._side_media.get(key), result)
                return

    @Slot(str, str)
    def _on_side_error(self, title: str, details: str) -> None:
        log.warning("background load failed: %s\n%s", title, details)
        sender = self.sender()
        for key, worker in self._side.items():
            if worker.signals is sender and key in self._side_errors:
                self._side_errors[key](title)
                return

    def _cancel_side(self, key: str | None = None) -> None:
        for name in [key] if key is not None else list(self._side):
            worker = self._side.pop(name, None)
            if worker is not None:
                worker.cancel()

    def _on_thumbnails(self, media_id: int | None, images: object) -> None:
        if isinstance(images, list):
            self.media_view.set_thumbnails(media_id, [i for i in images if isinstance(i, QImage)])

    def _on_exif_preview(self, media_id: int | None, image: object) -> None:
        if isinstance(image, QImage):
            self.media_view.set_exif_preview(media_id, image)

    def background_busy(self) -> bool:
        # The media pane decodes the picture shown in its own thread (media_view.DisplayLoader).
        return bool(self._workers) or self.media_view.is_loading()

    # ================================================================ menu commands

    def new_case_dialog(self, media: str | None = None) -> None:
        dialog = NewCaseDialog(self, default_corpus=self.corpus_path())
        if media:
            dialog.set_media(media)
        if dialog.exec() == NewCaseDialog.DialogCode.Accepted:
            self.new_case(dialog.request())

    def new_case(self, request: NewCaseRequest) -> Worker | None:
        """Run verifier.services.check in the pool, then open the new case."""
        from verifier.services import check

        media_name = request.media.split("?")[0].rstrip("/").rsplit("/", 1)[-1] \
            if is_http_url(request.media) else Path(request.media).name

        def job(progress: Progress, cancel: CancelToken) -> Any:
            return check(request.media, request.article, request.report_path,
                         case_path=request.case_path, corpus_path=request.corpus,
                         progress=OriginalNameProgress(progress, media_name or request.media),
                         cancel=cancel)

        def done(result: Any) -> None:
            self.open_case(result.case_path)
            self.statusBar().showMessage(f"Case created: {result.case_path}; report "
                                         f"{result.report_path}", STATUS_TIMEOUT_MS)

        return self.run_job(job, f"Building case {request.case_path.name}", done,
                            error_context="Could not build the case")

    def open_case_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open case", last_dir(), CASE_FILTER)
        if path:
            remember_dir(path)
            self.open_case(Path(path))

    def export_report_dialog(self) -> None:
        dialog = self.make_export_dialog()
        if dialog is None:
            return
        try:
            if dialog.exec() == QDialog.DialogCode.Accepted:
                remember_dir(dialog.out_path())
                self.export_report(dialog.out_path(), dialog.fmt)
        finally:
            dialog.deleteLater()

    def make_export_dialog(self, fmt: str = "html") -> ExportDialog | None:
        """The export dialog, its preview rendered in the pool as the format changes."""
        if self.snapshot is None:
            return None
        dialog = ExportDialog(self.snapshot.path, self, fmt)
        available = self.screen().availableGeometry() if self.screen() else None
        width, height = 1040, 720
        if available is not None:
            width, height = min(width, available.width() - 40), min(height,
                                                                    available.height() - 60)
        dialog.resize(width, height)
        dialog.preview_requested.connect(functools.partial(self._render_preview, dialog))
        dialog.finished.connect(lambda _code: self._cancel_side("report preview"))
        dialog.request_preview()
        return dialog

    def _render_preview(self, dialog: ExportDialog, fmt: str) -> None:
        if self.snapshot is None:
            return
        case_path = self.snapshot.path

        def job(progress: Progress, cancel: CancelToken) -> ReportPreview:
            progress.start(None, f"Rendering the {FORMATS[fmt][0]} preview")
            return render_preview(case_path, fmt)

        def deliver(_media: int | None, result: object) -> None:
            if isinstance(result, ReportPreview):
                dialog.show_preview(result)

        self._start_side("report preview", None, job, deliver, on_error=dialog.show_error)

    def export_report(self, out: Path, fmt: str) -> Worker | None:
        """Write the report in the pool (the worker opens its own connection to the case)."""
        from verifier.services import export_report

        if self.snapshot is None:
            return None
        case_path = self.snapshot.path

        def job(progress: Progress, cancel: CancelToken) -> str:
            progress.start(None, f"Writing {fmt.upper()} report")
            with CaseStore.open(case_path) as case:
                return export_report(case, fmt, out)

        def done(digest: Any) -> None:
            self.reload()
            self.last_report = (out, str(digest))
            label = FORMATS[fmt][0] if fmt in FORMATS else fmt.upper()
            self.statusBar().showMessage(f"{label} report written to {out} · SHA-256 {digest} "
                                         "(recorded in the audit trail)", 60_000)

        return self.run_job(job, f"Exporting {out.name}", done,
                            error_context="Could not export the report",
                            cancellable=False)

    def open_demo(self) -> Worker | None:
        """Build the demo case in the pool (if needed) and open it."""
        from verifier.demo import build_demo

        def job(progress: Progress, cancel: CancelToken) -> Any:
            return build_demo(progress=progress, cancel=cancel)

        def done(demo: Any) -> None:
            self.open_case(Path(demo.case_path))

        return self.run_job(job, "Preparing the demo case", done,
                            error_context="Could not build the demo case",
                            cancellable=True)

    # ================================================================ media commands

    def add_media_dialog(self) -> None:
        if self.snapshot is None:
            return
        paths, _ = QFileDialog.getOpenFileNames(self, "Add media to the case", last_dir(),
                                                MEDIA_FILTER)
        if paths:
            remember_dir(paths[0])
            self.add_media(paths)

    def add_media_url_dialog(self) -> None:
        if self.snapshot is None:
            return
        clip = QGuiApplication.clipboard().text().strip()
        dialog = AddUrlDialog(self, clip if is_http_url(clip) else "")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_media([dialog.url()])

    def paste_media(self) -> Worker | None:
        """Ctrl+V: add the picture, files or URLs on the clipboard to the open case."""
        incoming = incoming_media(QGuiApplication.clipboard().mimeData())
        if not incoming:
            self.statusBar().showMessage("The clipboard holds no picture, media file or http(s) "
                                         "address to add.", STATUS_TIMEOUT_MS)
            return None
        return self.receive(incoming, "clipboard")

    def receive(self, incoming: Incoming, how: str) -> Worker | None:
        """Media from a drop or the clipboard: a case file is opened; media goes into the open
        case (or, with none open, into a new case's dialog)."""
        if incoming.cases and not incoming.sources and incoming.image is None:
            self.open_case(incoming.cases[0])
            return None
        if self.snapshot is None:
            if incoming.sources:
                self.new_case_dialog(media=incoming.sources[0])
            else:
                show_error(self, "Open a case or create one first: a pasted picture is added "
                                 "to the open case.", context="No case is open")
            return None
        if incoming.image is not None:
            note = (f"the copying application gave its address as {incoming.image_source}"
                    if incoming.image_source else None)
            return self.add_media([], image=incoming.image, note=note,
                                  origin="clipboard" if how == "clipboard" else "drop")
        return self.add_media(incoming.sources)

    def add_media(self, sources: list[str], *, image: QImage | None = None,
                  origin: str | None = None, note: str | None = None) -> Worker | None:
        """Add files and URLs (or a picture without a file) to the open case in the pool:
        download, check, copy into the evidence folder, then analyse each with the corpus."""
        from verifier.services import add_media_to_case

        if self.snapshot is None or (not sources and image is None):
            return None
        case_path = self.snapshot.path
        corpus_path = self.corpus_path()
        picture = image.copy() if image is not None else None
        names = [s if is_http_url(s) else Path(s).name for s in sources]
        label = names[0] if len(names) == 1 else f"{len(names)} media" if names \
            else "the pasted picture"

        def job(progress: Progress, cancel: CancelToken) -> AddBatch:
            batch = AddBatch()
            with contextlib.ExitStack() as stack:
                case = stack.enter_context(CaseStore.open(case_path))
                corpus = stack.enter_context(_open_corpus(corpus_path))
                todo = list(sources)
                if picture is not None:
                    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(
                        prefix="verifier-paste-")))
                    pasted = folder / pasted_image_name()
                    if not picture.save(str(pasted)):  # PNG, from the suffix
                        raise UserError("clipboard", "the picture could not be saved as PNG")
                    todo.append(str(pasted))
                for source in todo:
                    cancel.check()
                    kind = origin if source not in sources else None
                    try:
                        batch.added.append(add_media_to_case(
                            case, source, corpus, origin=kind, note=note if kind else None,
                            max_distance=_phash_threshold(), progress=progress,
                            cancel=cancel))
                    except UserError as exc:  # the next source may still be fine
                        batch.failed.append(describe(exc)[0])
            return batch

        delivered = False

        def done(result: Any) -> None:
            nonlocal delivered
            delivered = True
            self.reload()
            if not isinstance(result, AddBatch):
                return
            if result.added:
                last = result.added[-1]
                if last.item.id is not None:
                    self.select_media(last.item.id)
                fresh = [a for a in result.added if not a.already_in_case]
                known = [a for a in result.added if a.already_in_case]
                parts = []
                if fresh:
                    parts.append("Added " + ", ".join(
                        f"{a.item.original_name} (sha256 {a.item.sha256[:12]}…)" for a in fresh))
                if known:
                    parts.append("already in the case: " + ", ".join(
                        a.item.original_name for a in known))
                self.statusBar().showMessage("; ".join(parts) + ".", STATUS_TIMEOUT_MS)
            if result.failed:
                total = len(result.failed) + len(result.added)
                context = ("Could not add the media" if total == 1 else
                           f"Could not add {len(result.failed)} of {total} media")
                show_error(self, "\n\n".join(result.failed), context=context)

        def end() -> None:
            if not delivered:  # cancelled or failed: show what was added before
                self.reload()

        return self.run_job(job, f"Adding {label}", done, on_end=end,
                            error_context="Could not add the media")

    def keyframes_dialog(self) -> None:
        item = self._selected_media()
        if item is None or item.kind is not MediaKind.VIDEO or item.id is None:
            return
        current = len(self.snapshot.keyframes.get(item.id, [])) if self.snapshot else 0
        dialog = KeyframesDialog(item.original_name, current, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.extract_keyframes(item.id, fast=dialog.quick_preview(),
                                   every_frame=dialog.every_frame())

    def extract_keyframes(self, media_id: int, *, fast: bool = False,
                          every_frame: bool = False) -> Worker | None:
        """(Re)extract a video's keyframes in the pool; the filmstrip and timeline follow."""
        from verifier.services import KeyframeRun, extract_case_keyframes

        item = self.snapshot.media_item(media_id) if self.snapshot else None
        if self.snapshot is None or item is None:
            return None
        case_path = self.snapshot.path

        def job(progress: Progress, cancel: CancelToken) -> KeyframeRun:
            with CaseStore.open(case_path) as case:
                return extract_case_keyframes(case, media_id, fast=fast,
                                              every_frame=every_frame, progress=progress,
                                              cancel=cancel)

        def done(run: Any) -> None:
            self.reload()
            self.select_media(media_id)
            if isinstance(run, KeyframeRun):
                what = (f"{len(run.keyframes)} preview keyframes from I-frames" if run.fast
                        else f"{len(run.keyframes)} keyframes from {run.shots} shots")
                partial = " The video could not be decoded to its end." if run.partial else ""
                self.statusBar().showMessage(f"{item.original_name}: {what}.{partial}",
                                             STATUS_TIMEOUT_MS)

        kind = "Quick preview" if fast else "Keyframes"
        return self.run_job(job, f"{kind} of {item.original_name}", done,
                            error_context=f"Could not extract the keyframes of "
                                          f"{item.original_name}")

    # ---------------------------------------------------------------- corpus

    def corpus_path(self) -> Path | None:
        """The corpus searched: the one chosen in this window, else the last one chosen, else
        the one the case was matched against, else the user's default corpus."""
        candidates: list[Path] = []
        if self.corpus_override is not None:
            candidates.append(self.corpus_override)
        saved = QSettings().value(CORPUS_KEY)
        if isinstance(saved, str) and saved:
            candidates.append(Path(saved))
        if self.snapshot is not None:
            for params in self.snapshot.match_params.values():
                if params.get("corpus"):
                    candidates.append(Path(str(params["corpus"])))
        default = _default_corpus()
        if default is not None:
            candidates.append(default)
        return next((c for c in candidates if c.is_file()), None)

    def set_corpus(self, path: Path | None) -> None:
        self.corpus_override = path
        if path is not None:
            QSettings().setValue(CORPUS_KEY, str(path))
            self.statusBar().showMessage(f"Corpus: {path}", STATUS_TIMEOUT_MS)

    def choose_corpus_dialog(self) -> Path | None:
        current = self.corpus_path()
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the corpus of known media", str(current or last_dir()), CORPUS_FILTER)
        if not path:
            return None
        self.set_corpus(Path(path))
        return Path(path)

    def _corpus_or_ask(self) -> Path | None:
        found = self.corpus_path()
        if found is not None:
            return found
        show_error(self, "No corpus of known media is set. Build one with “verifier corpus "
                         "add FOLDER”, then choose its file.", context="Choose a corpus first")
        return self.choose_corpus_dialog()

    def match_media(self) -> Worker | None:
        """Search the corpus for the selected media item and store its matches."""
        from verifier.services import match_case_media

        item = self._selected_media()
        if self.snapshot is None or item is None or item.id is None:
            return None
        corpus_path = self._corpus_or_ask()
        if corpus_path is None:
            return None
        case_path, media_id = self.snapshot.path, item.id

        def job(progress: Progress, cancel: CancelToken) -> list[Match]:
            with CaseStore.open(case_path) as case, _open_corpus(corpus_path) as corpus:
                assert corpus is not None
                return match_case_media(case, media_id, corpus,
                                        max_distance=_phash_threshold(),
                                        progress=progress, cancel=cancel)

        def done(matches: Any) -> None:
            self.reload()
            self.inspector.setCurrentWidget(self.inspector.matches)
            count = len(matches) if isinstance(matches, list) else 0
            self.statusBar().showMessage(f"{item.original_name}: {count} match"
                                         f"{'es' if count != 1 else ''} in {corpus_path.name}",
                                         STATUS_TIMEOUT_MS)

        return self.run_job(job, f"Matching {item.original_name}", done,
                            error_context=f"Could not match {item.original_name}")

    def find_in_corpus(self) -> Worker | None:
        """Search the corpus for the picture shown large: a keyframe (its results are shown in
        the Matches tab and recorded in the audit trail) or the photo (stored as its matches)."""
        from verifier.services import match_keyframe

        keyframe = self.media_view.current_keyframe()
        item = self._selected_media()
        if keyframe is None:
            return self.match_media() if item is not None else None
        if self.snapshot is None or item is None or item.id is None:
            return None
        corpus_path = self._corpus_or_ask()
        if corpus_path is None:
            return None
        case_path, media_id = self.snapshot.path, item.id
        what = f"the keyframe at {format_timestamp(keyframe.time)} of {item.original_name}"

        def job(progress: Progress, cancel: CancelToken) -> list[Match]:
            with CaseStore.open(case_path) as case, _open_corpus(corpus_path) as corpus:
                assert corpus is not None
                return match_keyframe(case, media_id, keyframe, corpus,
                                      max_distance=_phash_threshold(), progress=progress,
                                      cancel=cancel)

        def done(matches: Any) -> None:
            self.reload()
            # The query is the keyframe: its time in the video goes beside the source's.
            found = [m if m.query_time is not None else replace(m, query_time=keyframe.time)
                     for m in (matches if isinstance(matches, list) else [])]
            self.show_keyframe_matches(what, corpus_path, found)

        return self.run_job(job, f"Searching {corpus_path.name} for {what}", done,
                            error_context="Could not search the corpus")

    def show_keyframe_matches(self, what: str, corpus_path: Path, matches: list[Match]) -> None:
        self.inspector.matches.show_search(what, str(corpus_path), matches)
        self.inspector.setCurrentWidget(self.inspector.matches)
        count = len(matches)
        self.statusBar().showMessage(f"{count} match{'es' if count != 1 else ''} for {what}",
                                     STATUS_TIMEOUT_MS)

    # ---------------------------------------------------------------- the picture shown

    def _selected_media(self) -> MediaItem | None:
        return self.snapshot.media_item(self.media_id) if self.snapshot else None

    def _picture_image(self) -> tuple[QImage, str] | None:
        picture = self.media_view.current_picture()
        if picture is None:
            return None
        path, what = picture
        try:
            return load_image(path), what
        except UserError as exc:
            show_exception(self, exc, "Could not read the picture")
            return None

    def copy_picture(self) -> bool:
        loaded = self._picture_image()
        if loaded is None:
            return False
        image, what = loaded
        QGuiApplication.clipboard().setImage(image)
        self.statusBar().showMessage(f"Copied {what} ({image.width()} × {image.height()} px) "
                                     "to the clipboard.", STATUS_TIMEOUT_MS)
        return True

    def suggested_picture_name(self) -> str:
        item = self._selected_media()
        keyframe = self.media_view.current_keyframe()
        stem = Path(item.original_name).stem if item else "picture"
        if keyframe is not None:
            stamp = format_timestamp(keyframe.time).replace(":", "-")
            kind = "frame" if keyframe.kind == "frame" else "keyframe"  # a player's still
            return f"{stem}_{kind}_{stamp}.png"
        return f"{stem}.png"

    def save_picture_dialog(self) -> None:
        if self.media_view.current_picture() is None:
            return
        suggested = str(Path(last_dir()) / self.suggested_picture_name())
        path, _ = QFileDialog.getSaveFileName(self, "Save the picture as PNG", suggested,
                                              "PNG image (*.png)")
        if path:
            out = Path(path)
            if out.suffix.lower() != ".png":
                out = out.with_name(out.name + ".png")
            remember_dir(out)
            self.save_picture(out)

    def save_picture(self, out: Path) -> bool:
        """Write the picture shown as PNG: a keyframe's own lossless PNG byte for byte, a photo
        converted at full size (its unaltered copy stays in the evidence folder)."""
        picture = self.media_view.current_picture()
        if picture is None:
            return False
        path, what = picture
        try:
            if self.media_view.current_keyframe() is not None and path.suffix.lower() == ".png":
                shutil.copyfile(path, out)
            else:
                image = load_image(path)
                if not image.save(str(out)):  # PNG, from the suffix
                    raise UserError(out, "could not be written as PNG")
        except (UserError, OSError) as exc:
            show_exception(self, exc, "Could not save the picture")
            return False
        self.statusBar().showMessage(f"Saved {what} to {out}", STATUS_TIMEOUT_MS)
        return True

    def reverse_search(self, engine_key: str) -> str | None:
        """Open the engine in the browser: by address for a photo fetched from the public web,
        else on its upload page with the picture copied to the clipboard to paste."""
        picture = self.media_view.current_picture()
        item = self._selected_media()
        if picture is None or item is None:
            return None
        _, what = picture
        by_address = item.source_url if item.kind is MediaKind.IMAGE else None
        plan = plan_search(engine_key, by_address, what)
        if not plan.by_url and not self.copy_picture():
            return None
        self.open_url(plan.url)
        self.statusBar().showMessage(plan.note, HINT_TIMEOUT_MS)
        return plan.url

    def open_url(self, url: str) -> bool:
        """Open an http(s) address in the user's browser."""
        if not is_http_url(url):
            log.warning("not opening %r: not an http(s) address", url)
            return False
        if QDesktopServices.openUrl(QUrl(url)):
            return True
        QGuiApplication.clipboard().setText(url)
        show_error(self, f"No web browser could be started. The address is on the clipboard:\n"
                         f"{url}", context="Could not open the browser")
        return False

    def show_about(self) -> None:
        from verifier.gui.first_run import about_html

        QMessageBox.about(self, f"About {APP_NAME}", about_html())

    # ---------------------------------------------------------------- recent cases

    def _add_recent(self, path: Path) -> None:
        settings = QSettings()
        recent = [p for p in _string_list(settings.value(RECENT_KEY)) if p != str(path)]
        settings.setValue(RECENT_KEY, [str(path), *recent][:MAX_RECENT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = [p for p in _string_list(QSettings().value(RECENT_KEY)) if Path(p).exists()]
        if not recent:
            none = self.recent_menu.addAction("No recent cases")
            none.setEnabled(False)
            return
        for path in recent:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(functools.partial(self._open_recent, path))

    def _open_recent(self, path: str, _checked: bool = False) -> None:
        self.open_case(Path(path))

    # ================================================================ Qt events

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        incoming = incoming_media(event.mimeData())
        if incoming and (self.job is None or (incoming.cases and not incoming.sources)):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        incoming = incoming_media(event.mimeData())
        if not incoming:
            event.ignore()
            return
        event.acceptProposedAction()
        # Acted on after the drop returns, so a message box does not block the drag source.
        QTimer.singleShot(0, functools.partial(self.receive, incoming, "drop"))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.job is not None:
            answer = QMessageBox.question(
                self, APP_NAME, f"“{self.job.description}” is still running. Cancel it and "
                "quit? Work already saved in the case is kept.")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        event.accept()

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel every job, wait for the pool and close the case."""
        for worker in list(self._workers):
            worker.cancel()
        if not self.pool.waitForDone(timeout_ms):
            log.warning("jobs still running after %d ms", timeout_ms)
        self._close_store()


def _configured_corpus() -> Path:
    """The default corpus of the settings, else the one in the user data folder."""
    from verifier.settings import configured_corpus_path

    return configured_corpus_path()


def _phash_threshold() -> int:
    """The matching threshold of the settings (Edit ▸ Settings…), read when a job runs."""
    from verifier.settings import load_settings

    return load_settings().phash_max_distance


def _default_corpus() -> Path | None:
    """The user's corpus, offered in the new-case dialog when it exists."""
    try:
        path = _configured_corpus()
    except ImportError:  # pragma: no cover - a build without the corpus module
        return None
    return path if path.exists() else None


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def first_claim(snapshot: CaseSnapshot) -> int | None:
    """The claim to show first: one that says it cannot be verified and speaks to the media,
    else one with a verdict, else the first."""
    def rank(claim: Claim) -> tuple[bool, bool, bool]:
        return (UNVERIFIABLE not in claim.kinds, claim.media_id is None,
                snapshot.current_verdict(claim.id) is None)

    ranked = sorted(snapshot.claims, key=rank)
    return ranked[0].id if ranked else None


def _string_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


@contextlib.contextmanager
def _open_corpus(path: Path | None) -> Iterator[Corpus | None]:
    """The corpus at path (never created: a missing file is an error), or None without one."""
    if path is None:
        yield None
        return
    if not path.is_file():
        raise UserError(path, "no such corpus file")
    from verifier.corpus import Corpus

    with Corpus(path) as corpus:
        yield corpus
