"""The workbench window: navigator | article and media | inspector."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QKeySequence,
)
from PySide6.QtWidgets import (
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

from verifier import APP_NAME, __version__
from verifier.case import CASE_SUFFIX, CaseStore
from verifier.claims import UNVERIFIABLE
from verifier.errors import UserError
from verifier.gui.article_view import ArticlePane
from verifier.gui.dialogs import CASE_FILTER, NewCaseDialog, NewCaseRequest, last_dir, remember_dir
from verifier.gui.errors import show_error, show_exception
from verifier.gui.inspector import Inspector
from verifier.gui.job_bar import JobBar
from verifier.gui.media_view import MediaView, load_thumbnails, thumbnail_source
from verifier.gui.navigator import CLAIM, MEDIA, CaseNavigator
from verifier.gui.snapshot import CaseSnapshot
from verifier.gui.workers import JobFunction, Worker
from verifier.models import Claim, MediaKind
from verifier.progress import CancelToken, Progress

log = logging.getLogger(__name__)

RECENT_KEY = "recent/cases"
MAX_RECENT = 8
REPORT_FILTERS = {"HTML report (*.html)": "html", "JSON report (*.json)": "json"}
STATUS_TIMEOUT_MS = 8000


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
        self._thumb_worker: Worker | None = None
        self._thumb_media: int | None = None

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

        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(self.article_pane)
        centre.addWidget(self.media_view)
        centre.setChildrenCollapsible(False)
        centre.setStretchFactor(0, 1)
        centre.setStretchFactor(1, 1)
        centre.setSizes([420, 420])
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
        self.article_view.claim_clicked.connect(self.select_claim)
        self.inspector.verdict.save_requested.connect(self.save_verdict)

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
                      f"<code>{CASE_SUFFIX}</code> file here.")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFixedWidth(620)
        text.setMinimumHeight(text.heightForWidth(620))
        text.setStyleSheet("color:#4b5563")
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
                                    "Write the case's report as HTML or JSON")
        self.reload_action = action("&Reload case", self.reload, QKeySequence.StandardKey.Refresh,
                                    "Read the case file again")
        self.close_action = action("&Close case", self.close_case, QKeySequence.StandardKey.Close,
                                   "Close the case")
        self.quit_action = action("&Quit", self.close, QKeySequence.StandardKey.Quit,
                                  "Quit the workbench")
        self.about_action = action("&About", self.show_about, None, "Version and licence")

        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.reload_action)
        file_menu.addAction(self.close_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _update_actions(self) -> None:
        busy = self.job is not None
        has_case = self.store is not None
        for act in (self.new_action, self.demo_action):
            act.setEnabled(not busy)
        self.welcome_new.setEnabled(not busy)
        self.welcome_demo.setEnabled(not busy)
        self.export_action.setEnabled(has_case and not busy)
        self.reload_action.setEnabled(has_case)
        self.close_action.setEnabled(has_case)

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
        self.store = store
        self.claim_id = None
        self.media_id = None
        self._add_recent(path)
        self._show_snapshot(snapshot, first=True)
        self.statusBar().showMessage(f"Opened {path}", STATUS_TIMEOUT_MS)
        log.info("opened case %s", path)
        return True

    def close_case(self) -> None:
        self._close_store()
        self.snapshot = None
        self.claim_id = self.media_id = None
        self._cancel_thumbnails()
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
        if self.inspector.currentWidget() not in (self.inspector.metadata,
                                                  self.inspector.matches):
            self.inspector.setCurrentWidget(self.inspector.metadata)
        self._refresh_inspector()

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
        self.media_view.show_media(item, keyframes)
        self._cancel_thumbnails()
        if item is not None and item.kind is MediaKind.VIDEO and keyframes:
            self._load_thumbnails(item.id, [thumbnail_source(k) for k in keyframes])
        self._refresh_inspector()

    def _refresh_inspector(self) -> None:
        snap = self.snapshot
        item = snap.media_item(self.media_id) if snap else None
        claim = snap.claim(self.claim_id) if snap else None
        self.inspector.metadata.show_media(snap, item)
        self.inspector.matches.show_media(snap, item)
        self.inspector.verdict.show_claim(snap, claim)
        self.inspector.history.show_history(snap, self.claim_id)

    # ================================================================ verdicts

    @Slot(int, str, str, float, tuple)
    def save_verdict(self, claim_id: int, rating: str, rationale: str, confidence: float,
                     evidence: tuple[str, ...]) -> bool:
        from verifier.services import record_verdict

        if self.store is None:
            return False
        try:
            verdict = record_verdict(self.store, claim_id, rating, rationale, confidence,
                                     tuple(evidence))
        except Exception as exc:
            show_exception(self, exc, "Could not save the verdict")
            return False
        self.inspector.verdict.saved()
        self.reload()
        self.statusBar().showMessage(
            f"Verdict recorded on claim {claim_id}: {verdict.rating.value} "
            f"({round(verdict.confidence * 100)} %)", STATUS_TIMEOUT_MS)
        return True

    # ================================================================ jobs

    def start_job(self, fn: JobFunction, description: str,
                  on_result: Callable[[Any], None] | None = None, *,
                  error_context: str = "", cancellable: bool = True) -> Worker:
        """Run fn(progress=, cancel=) in the pool with the status bar's progress and Cancel.

        One foreground job at a time; its outcome is shown here (errors as a message box).
        """
        if self.job is not None:
            raise UserError(description, "another job is still running; wait or cancel it")
        worker = Worker(fn, description)
        self.job = worker
        self._job_on_result = on_result
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
            if worker is self._thumb_worker:
                self._thumb_worker = None

    def _end_job(self) -> None:
        if self.job is not None:
            log.info("job ended: %s", self.job.description)
        self.job = None
        self._job_on_result = None
        self.job_bar.stop()
        self._update_actions()

    # ---------------------------------------------------------------- thumbnails

    def _load_thumbnails(self, media_id: int | None, paths: list[str]) -> None:
        worker = Worker(functools.partial(load_thumbnails, paths), "Loading thumbnails")
        self._thumb_worker = worker
        self._thumb_media = media_id
        worker.signals.result.connect(self._on_thumbnails)
        worker.signals.error.connect(self._on_thumbnail_error)
        worker.signals.finished.connect(self._on_worker_finished)
        self._workers.append(worker)
        worker.start(self.pool)

    def _cancel_thumbnails(self) -> None:
        if self._thumb_worker is not None:
            self._thumb_worker.cancel()
            self._thumb_worker = None

    @Slot(object)
    def _on_thumbnails(self, images: object) -> None:
        sender = self.sender()
        if self._thumb_worker is None or self._thumb_worker.signals is not sender:
            return  # a stale result for a media item no longer shown
        if isinstance(images, list):
            self.media_view.set_thumbnails(self._thumb_media,
                                           [i for i in images if isinstance(i, QImage)])

    @Slot(str, str)
    def _on_thumbnail_error(self, title: str, details: str) -> None:
        log.warning("thumbnails: %s\n%s", title, details)

    def background_busy(self) -> bool:
        return bool(self._workers)

    # ================================================================ menu commands

    def new_case_dialog(self) -> None:
        dialog = NewCaseDialog(self, default_corpus=_default_corpus())
        if dialog.exec() == NewCaseDialog.DialogCode.Accepted:
            self.new_case(dialog.request())

    def new_case(self, request: NewCaseRequest) -> Worker | None:
        """Run verifier.services.check in the pool, then open the new case."""
        from verifier.services import check

        def job(progress: Progress, cancel: CancelToken) -> Any:
            return check(request.media, request.article, request.report_path,
                         case_path=request.case_path, corpus_path=request.corpus,
                         progress=progress, cancel=cancel)

        def done(result: Any) -> None:
            self.open_case(result.case_path)
            self.statusBar().showMessage(f"Case created: {result.case_path}; report "
                                         f"{result.report_path}", STATUS_TIMEOUT_MS)

        try:
            return self.start_job(job, f"Building case {request.case_path.name}", done,
                                  error_context="Could not build the case")
        except UserError as exc:
            show_exception(self, exc)
            return None

    def open_case_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open case", last_dir(), CASE_FILTER)
        if path:
            remember_dir(path)
            self.open_case(Path(path))

    def export_report_dialog(self) -> None:
        if self.snapshot is None:
            return
        suggested = self.snapshot.path.with_name(self.snapshot.path.stem + "-report.html")
        path, chosen = QFileDialog.getSaveFileName(self, "Export report", str(suggested),
                                                   ";;".join(REPORT_FILTERS))
        if not path:
            return
        out = Path(path)
        fmt = {".json": "json", ".html": "html", ".htm": "html"}.get(
            out.suffix.lower(), REPORT_FILTERS.get(chosen, "html"))
        if out.suffix.lower() not in (".json", ".html", ".htm"):
            out = out.with_name(out.name + "." + fmt)
        self.export_report(out, fmt)

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
            self.statusBar().showMessage(f"Report written to {out} (sha256 {str(digest)[:16]}…)",
                                         STATUS_TIMEOUT_MS)

        try:
            return self.start_job(job, f"Exporting {out.name}", done,
                                  error_context="Could not export the report",
                                  cancellable=False)
        except UserError as exc:
            show_exception(self, exc)
            return None

    def open_demo(self) -> Worker | None:
        """Build the demo case in the pool (if needed) and open it."""
        try:
            from verifier.demo import build_demo
        except ImportError:
            show_error(self, "The demo case is not available in this installation "
                             "(the verifier.demo module is missing).")
            return None

        import inspect

        takes_cancel = "cancel" in inspect.signature(build_demo).parameters

        def job(progress: Progress, cancel: CancelToken) -> Any:
            if takes_cancel:
                return build_demo(progress=progress, cancel=cancel)
            return build_demo(progress=progress)

        def done(demo: Any) -> None:
            self.open_case(Path(demo.case_path))

        try:
            return self.start_job(job, "Preparing the demo case", done,
                                  error_context="Could not build the demo case",
                                  cancellable=takes_cancel)
        except UserError as exc:
            show_exception(self, exc)
            return None

    def show_about(self) -> None:
        QMessageBox.about(
            self, f"About {APP_NAME}",
            f"<h3>{APP_NAME}</h3><p>Version {__version__}</p>"
            "<p>A workbench for fact-checkers: media metadata and red flags, keyframes, corpus "
            "matches, hedged claims, verdicts with an append-only audit trail, and reports.</p>"
            "<p>Licensed under the MIT licence.</p>")

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
        if _dropped_case(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_case(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop returns, so a message box does not block the drag source.
        QTimer.singleShot(0, functools.partial(self.open_case, path))

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


def _default_corpus() -> Path | None:
    """The user's corpus, offered in the new-case dialog when it exists."""
    try:
        from verifier.corpus import default_corpus_path
    except ImportError:  # pragma: no cover - a build without the corpus module
        return None
    path = default_corpus_path()
    return path if path.exists() else None


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


def _dropped_case(event: QDragEnterEvent | QDropEvent) -> Path | None:
    mime = event.mimeData()
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(CASE_SUFFIX):
            return Path(url.toLocalFile())
    return None
