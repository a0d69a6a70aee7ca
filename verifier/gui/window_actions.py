"""The window's File, Case and Help extras: Save case as…, Corpus manager…, next/previous
claim, the verdict editor, Esc to cancel the running job, Keyboard shortcuts and Show log.

Kept apart from main_window.py, which only places these actions in its menus."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog

from verifier.case import CASE_SUFFIX
from verifier.errors import UserError
from verifier.gui.app_log import LogDialog, log_path
from verifier.gui.case_files import AUTOSAVE_NOTE, normalise_target, save_case_as
from verifier.gui.corpus_manager import CorpusManager
from verifier.gui.dialogs import CASE_FILTER, ImportArticleDialog, remember_dir
from verifier.gui.errors import show_exception
from verifier.gui.shortcuts import ShortcutsDialog, shortcut_rows

if TYPE_CHECKING:
    from verifier.gui.main_window import MainWindow
    from verifier.gui.workers import Worker
    from verifier.progress import CancelToken, Progress

log = logging.getLogger(__name__)

STATUS_MS = 8000


@dataclass(frozen=True)
class ExtraActions:
    save_as: QAction
    import_article: QAction
    corpus_manager: QAction
    next_claim: QAction
    previous_claim: QAction
    verdict: QAction
    cancel_job: QAction
    shortcuts: QAction
    show_log: QAction
    zoom_in: QAction
    zoom_out: QAction
    zoom_fit: QAction
    zoom_actual: QAction
    magnifier: QAction
    magnifier_equalize: QAction
    player_actions: list[QAction]

    @property
    def zoom_actions(self) -> list[QAction]:
        """The picture view's own actions (zoom, fit, 1:1, magnifier): enabled with a picture."""
        return [self.zoom_in, self.zoom_out, self.zoom_fit, self.zoom_actual, self.magnifier,
                self.magnifier_equalize]


def build_extra_actions(window: MainWindow) -> ExtraActions:
    canvas = window.media_view.canvas
    def action(text: str, slot: Any, shortcut: str | QKeySequence.StandardKey | None,
               tip: str) -> QAction:
        act = QAction(text, window)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.setStatusTip(tip)
        act.setToolTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    extras = ExtraActions(
        save_as=action("Save case &as…", lambda: save_as_dialog(window), None,
                       f"Copy the case and its evidence to a new file and work in the copy. "
                       f"{AUTOSAVE_NOTE}"),
        import_article=action("&Import article…", lambda: import_article_dialog(window),
                              "Ctrl+Shift+R",
                              "Add the article (a file or an http(s) address) to a case that "
                              "has none; its claims are found and listed"),
        corpus_manager=action("Corpus &manager…", lambda: open_corpus_manager(window),
                              "Ctrl+Shift+K",
                              "Choose or create the corpus of known media, add folders, see "
                              "its statistics, remove and verify files"),
        next_claim=action("&Next claim", lambda: step_claim(window, 1), "Alt+Down",
                          "Select the next claim in the article"),
        previous_claim=action("&Previous claim", lambda: step_claim(window, -1), "Alt+Up",
                              "Select the previous claim in the article"),
        verdict=action("&Verdict…", lambda: edit_verdict(window), "Ctrl+D",
                       "Open the verdict editor on the selected claim"),
        cancel_job=action("Cancel the running job", window.cancel_job, "Esc",
                          "Stop the job shown in the status bar (work already saved is kept)"),
        shortcuts=action("&Keyboard shortcuts", lambda: show_shortcuts(window),
                         QKeySequence.StandardKey.HelpContents,
                         "Every action with a keyboard shortcut"),
        show_log=action("Show &log", lambda: show_log(window), None,
                        "The application log: what the workbench did, warnings and errors"),
        zoom_in=action("Zoom &in", canvas.zoom_in, QKeySequence.StandardKey.ZoomIn,
                       "Enlarge the picture shown (Ctrl+wheel zooms where the pointer is; drag "
                       "to pan)"),
        zoom_out=action("Zoom &out", canvas.zoom_out, QKeySequence.StandardKey.ZoomOut,
                        "Reduce the picture shown"),
        zoom_fit=action("&Fit to pane", canvas.fit, "Ctrl+0",
                        "Scale the picture to fit the pane (double-click toggles with 1:1)"),
        zoom_actual=action("&Actual size (1:1)", canvas.actual_size, "Ctrl+1",
                           "One pixel of the picture per screen pixel (pictures over 2048 px "
                           "are shown from a 2048 px copy)"),
        magnifier=action("&Magnifier", lambda: None, "M",
                         "A round lens following the pointer shows the picture's pixels "
                         "enlarged 2-8 times (Shift+wheel changes the power)"),
        magnifier_equalize=action("Magnifier &equalises", lambda: None, "Shift+M",
                                  "Spread the lens's brightness histogram over the full range, "
                                  "to see detail in shadows and highlights"),
        player_actions=player_actions(window, action),
    )
    for act, setter in ((extras.magnifier, canvas.set_magnifier),
                        (extras.magnifier_equalize, canvas.set_magnifier_equalize)):
        act.setCheckable(True)
        act.toggled.connect(setter)
    extras.magnifier_equalize.setChecked(canvas.lens.equalize)
    for act in extras.player_actions:
        # Single keys act only while the picture or the player has the focus.
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        window.media_view.stage.addAction(act)
    extras.zoom_in.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomIn),
                                 QKeySequence("Ctrl+=")])
    extras.cancel_job.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    window.addAction(extras.cancel_job)
    if window.verify_action.shortcut().isEmpty():
        window.verify_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
    return extras


def player_actions(window: MainWindow, action: Any) -> list[QAction]:
    """Play/pause, frame steps and jumps of the media pane's player (Media ▸ Video player)."""
    player = window.media_view.player
    return [
        action("&Play / pause", player.toggle_play, "Space",
               "Play the video (frames at a modest rate, no sound) or pause on the frame shown "
               "(click the picture first)"),
        action("Previous &frame", lambda: player.step(-1), ",", "One frame back"),
        action("&Next frame", lambda: player.step(1), ".", "One frame forward"),
        action("Back 1 second", lambda: player.jump(-1), "Left", "One second back"),
        action("Forward 1 second", lambda: player.jump(1), "Right", "One second forward"),
        action("Back 10 seconds", lambda: player.jump(-10), "Shift+Left", "Ten seconds back"),
        action("Forward 10 seconds", lambda: player.jump(10), "Shift+Right",
               "Ten seconds forward"),
    ]


def update_extra_actions(window: MainWindow, extras: ExtraActions) -> None:
    busy = window.job is not None
    has_case = window.snapshot is not None
    has_claims = has_case and bool(window.snapshot and window.snapshot.claims)
    extras.save_as.setEnabled(has_case and not busy)
    extras.import_article.setEnabled(has_case and not busy and window.snapshot is not None
                                     and window.snapshot.article is None)
    for act in (extras.next_claim, extras.previous_claim):
        act.setEnabled(has_claims)
    extras.verdict.setEnabled(has_case and window.claim_id is not None)
    extras.cancel_job.setEnabled(busy)
    picture = window.media_view.canvas.has_image()
    for act in extras.zoom_actions:
        act.setEnabled(picture)


# ------------------------------------------------------------------ File

def save_as_dialog(window: MainWindow) -> Worker | None:
    if window.snapshot is None:
        return None
    current = window.snapshot.path
    suggested = current.with_name(f"{current.stem}-copy{CASE_SUFFIX}")
    path, _ = QFileDialog.getSaveFileName(
        window, "Save the case as", str(suggested), CASE_FILTER,
        options=QFileDialog.Option.DontConfirmOverwrite)  # existing cases are refused anyway
    if not path:
        return None
    remember_dir(path)
    return save_as(window, Path(path))


def save_as(window: MainWindow, target: Path) -> Worker | None:
    """Copy the open case in the pool, then open the copy."""
    if window.snapshot is None:
        return None
    source, target = window.snapshot.path, normalise_target(target)

    def job(progress: Progress, cancel: CancelToken) -> Path:
        return save_case_as(source, target, progress=progress, cancel=cancel)

    def done(result: Any) -> None:
        if isinstance(result, Path) and window.open_case(result):
            window.statusBar().showMessage(
                f"Saved a copy as {result}; you are now working in the copy ({source.name} is "
                f"unchanged). {AUTOSAVE_NOTE}", STATUS_MS)

    return window.run_job(job, f"Saving a copy as {target.name}", done,
                          error_context="Could not save the case as a new file")


def import_article_dialog(window: MainWindow) -> Worker | None:
    if window.snapshot is None:
        return None
    dialog = ImportArticleDialog(window)
    try:
        if dialog.exec() != ImportArticleDialog.DialogCode.Accepted:
            return None
        source = dialog.source()
    finally:
        dialog.deleteLater()
    return import_article(window, source)


def import_article(window: MainWindow, source: str) -> Worker | None:
    """Load the article (a file or a URL) in the pool, store it with its claims, show it."""
    if window.snapshot is None:
        return None
    if window.snapshot.article is not None:
        show_exception(window, UserError(window.snapshot.path, "already has its article; "
                                         "create a new case to check another article"),
                       "Could not import the article")
        return None
    case_path, media_id = window.snapshot.path, window.media_id

    def job(progress: Progress, cancel: CancelToken) -> int:
        from verifier.article import load_article
        from verifier.case import CaseStore
        from verifier.services import import_article as store_article

        progress.start(None, f"Reading the article {source}")
        loaded = load_article(source)
        cancel.check()
        with CaseStore.open(case_path) as case:
            return len(store_article(case, loaded, media_id))

    def done(count: Any) -> None:
        window.reload()
        window.statusBar().showMessage(f"Article imported: {count} claims found.", STATUS_MS)

    return window.run_job(job, "Importing the article", done,
                          error_context="Could not import the article")


def open_corpus_manager(window: MainWindow, *, modal: bool = True) -> CorpusManager:
    """The corpus manager on the window's corpus; choosing another sets the window's."""
    dialog = CorpusManager(window.corpus_path() or _saved_corpus(), window.pool, window)
    dialog.corpus_chosen.connect(window.set_corpus)
    return _present(dialog, modal)


def _saved_corpus() -> Path | None:
    from verifier.settings import configured_corpus_path

    value = QSettings().value("corpus/path")
    if isinstance(value, str) and value:
        return Path(value)
    try:
        return configured_corpus_path()
    except UserError:
        return None


# ------------------------------------------------------------------ Case

def step_claim(window: MainWindow, step: int) -> int | None:
    """Select the next (step 1) or previous (-1) claim in reading order; wraps around."""
    snapshot = window.snapshot
    if snapshot is None or not snapshot.claims:
        return None
    ordered = [c.id for c in sorted(snapshot.claims, key=lambda c: (c.start, c.end))
               if c.id is not None]
    if window.claim_id in ordered:
        index = (ordered.index(window.claim_id) + step) % len(ordered)
    else:
        index = 0 if step > 0 else len(ordered) - 1
    window.select_claim(ordered[index])
    return ordered[index]


def edit_verdict(window: MainWindow) -> None:
    if window.claim_id is not None:
        window.open_verdict_editor(window.claim_id)
        window.inspector.verdict.setFocus(Qt.FocusReason.ShortcutFocusReason)


# ------------------------------------------------------------------ Help

def show_shortcuts(window: MainWindow, *, modal: bool = True) -> ShortcutsDialog:
    dialog = ShortcutsDialog(shortcut_rows(window), window)
    return _present(dialog, modal)


def show_log(window: MainWindow, *, modal: bool = True, path: Path | None = None) -> LogDialog:
    dialog = LogDialog(path or log_path(), window)
    return _present(dialog, modal)


D = TypeVar("D", bound=QDialog)


def _present(dialog: D, modal: bool) -> D:
    """Modal: run it and free it after; else show it and let the caller keep it (tests do)."""
    if modal:
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()
    else:
        dialog.show()
    return dialog
