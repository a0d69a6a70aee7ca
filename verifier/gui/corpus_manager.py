"""File ▸ Corpus manager…: choose or create the corpus of known media, add folders (with an
optional manifest), see its stats, remove files from it and verify it against the disk.

The operations are those of `verifier corpus add|stats|remove|verify` (verifier.corpus.Corpus);
each runs in a worker thread with its own connection, with progress and Cancel in the dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from verifier.errors import UserError
from verifier.gui.dialogs import CORPUS_FILTER, PathField, last_dir, remember_dir
from verifier.gui.errors import show_error
from verifier.gui.job_bar import JobBar
from verifier.gui.models import Column, ListTableModel
from verifier.gui.workers import JobFunction, Worker
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)

LOCATION_LIMIT = 20_000  # rows listed; a bigger corpus is filtered in SQL, never all at once
MANIFEST_FILTER = "Manifest (*.csv *.json);;All files (*)"


@dataclass(frozen=True)
class LocationRow:
    path: str
    kind: str
    size: int
    added_at: str


@dataclass(frozen=True)
class CorpusSummary:
    """What the manager shows: corpus.stats(), the last ingest and the files (up to a limit)."""

    path: Path
    stats: dict[str, Any]
    last_ingest: str | None
    locations: list[LocationRow]
    total_locations: int


# ------------------------------------------------------------------ worker functions (no Qt)

def read_summary(path: Path, *, needle: str = "", limit: int = LOCATION_LIMIT,
                 progress: Progress = NULL_PROGRESS,
                 cancel: CancelToken = NEVER_CANCELLED) -> CorpusSummary:
    """Stats and files of an existing corpus (never created here)."""
    from verifier.corpus import Corpus
    from verifier.corpus.store import database_errors

    if not path.is_file():
        raise UserError(path, "no such corpus file")
    progress.start(None, f"Reading {path.name}")
    with Corpus(path) as corpus, database_errors(path):
        stats = corpus.stats()
        q = corpus.conn.execute
        last = q("SELECT max(coalesce(l.added_at, i.added_at)) FROM locations l"
                 " JOIN items i ON i.id = l.item_id").fetchone()[0]
        where, args = ("WHERE l.path LIKE ? ESCAPE '\\'", (f"%{_like(needle)}%",)) \
            if needle else ("", ())
        rows = q("SELECT l.path, i.kind, l.size, coalesce(l.added_at, i.added_at)"
                 f" FROM locations l JOIN items i ON i.id = l.item_id {where}"
                 " ORDER BY l.path LIMIT ?", (*args, limit)).fetchall()
        total = q(f"SELECT count(*) FROM locations l {where}", args).fetchone()[0]
    return CorpusSummary(path, stats, last, [LocationRow(str(r[0]), str(r[1]), int(r[2]),
                                                         str(r[3] or "")) for r in rows],
                         int(total))


def create_corpus(path: Path, *, progress: Progress = NULL_PROGRESS,
                  cancel: CancelToken = NEVER_CANCELLED) -> CorpusSummary:
    from verifier.corpus import Corpus

    if path.exists():
        raise UserError(path, "a file with this name already exists; choose it instead")
    with Corpus(path):
        pass
    return read_summary(path)


def add_folders(path: Path, folders: list[Path], manifest: Path | None, *,
                progress: Progress = NULL_PROGRESS, cancel: CancelToken = NEVER_CANCELLED,
                ) -> Any:
    """corpus add FOLDER... [--manifest]: an IngestReport."""
    from verifier.corpus import Corpus

    with Corpus(path) as corpus:
        return corpus.add(folders, manifest=manifest, progress=progress, cancel=cancel)


def remove_paths(path: Path, paths: list[str], *, progress: Progress = NULL_PROGRESS,
                 cancel: CancelToken = NEVER_CANCELLED) -> Any:
    """corpus remove PATH...: a RemoveReport (the files themselves are never touched)."""
    from verifier.corpus import Corpus

    progress.start(None, f"Removing {len(paths)} files from {path.name}")
    with Corpus(path) as corpus:
        return corpus.remove([Path(p) for p in paths])


def verify_corpus(path: Path, *, progress: Progress = NULL_PROGRESS,
                  cancel: CancelToken = NEVER_CANCELLED) -> Any:
    """corpus verify: a VerifyReport."""
    from verifier.corpus import Corpus

    with Corpus(path) as corpus:
        return corpus.verify(progress=progress, cancel=cancel)


def verify_lines(report: Any) -> list[str]:
    """A VerifyReport as readable lines, problems first."""
    lines: list[str] = []
    for moved in report.moved:
        lines.append(f"moved: {moved['from']} → {moved['to']}")
    for changed in report.changed:
        lines.append(f"changed: {changed['path']} ({changed['reason']})")
    for missing in report.missing:
        lines.append(f"missing: {missing}")
    head = (f"{report.ok} files unchanged" + (f", {len(report.touched)} with a new modification "
                                               "time but the same bytes" if report.touched else ""))
    if report.clean:
        return [f"The corpus matches the disk: {head}."]
    lines.insert(0, f"{len(report.moved)} moved, {len(report.changed)} changed, "
                    f"{len(report.missing)} missing; {head}.")
    lines.append("Re-add moved or changed files (Add folder…) and remove the old paths.")
    return lines


def ingest_lines(report: Any) -> list[str]:
    lines = [f"{report.added} added, {report.duplicates} duplicates, {report.unchanged} "
             f"unchanged, {len(report.skipped)} skipped, {report.frames} frames hashed"
             + (f", {report.manifest_matched} dated by the manifest" if report.manifest_matched
                else "")]
    lines += [f"skipped: {s}" for s in report.skipped]
    lines += [f"warning: {w}" for w in report.warnings]
    return lines


def human_size(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"  # pragma: no cover


LOCATION_COLUMNS: list[Column[LocationRow]] = [
    Column("Path", lambda r: r.path, tooltip=lambda r: r.path),
    Column("Kind", lambda r: r.kind),
    Column("Size", lambda r: human_size(r.size), sort_key=lambda r: r.size, align_right=True),
    Column("Added", lambda r: r.added_at.replace("T", " ")[:19]),
]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ------------------------------------------------------------------ the dialog

class CorpusManager(QDialog):
    corpus_chosen = Signal(object)  # Path: the corpus the window should search from now on
    job_finished = Signal()  # any outcome, after its handler ran (tests wait on it)

    def __init__(self, path: Path | None, pool: QThreadPool | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Corpus manager")
        self.resize(980, 680)
        self.path: Path | None = path
        self.summary: CorpusSummary | None = None
        self.pool = pool or QThreadPool.globalInstance()
        self.job: Worker | None = None
        self._on_result: Callable[[Any], None] | None = None
        self._context = ""
        self._close_when_done = False
        self.last_error: str | None = None
        self.verified: Any = None  # the last VerifyReport
        self.last_ingest: Any = None  # the last IngestReport
        self._refresh_pending = False
        self._on_end: Callable[[], None] | None = None

        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setToolTip("Open another corpus file (.sqlite)")
        self.choose_button.clicked.connect(self.choose_dialog)
        self.new_button = QPushButton("New…")
        self.new_button.setToolTip("Create an empty corpus file, then add folders to it")
        self.new_button.clicked.connect(self.new_dialog)
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Corpus</b>"))
        top.addWidget(self.path_label, 1)
        top.addWidget(self.choose_button)
        top.addWidget(self.new_button)

        stats_box = QGroupBox("Statistics")
        self.stats_form = QFormLayout(stats_box)
        self.stat_labels: dict[str, QLabel] = {}
        for key, label in (("items", "Items (distinct files)"), ("images", "Images"),
                           ("videos", "Videos"), ("hashes", "Frames hashed"),
                           ("keyframes", "Video keyframes"), ("bytes", "Media size"),
                           ("file_bytes", "Corpus file"), ("last_ingest", "Last added"),
                           ("earliest_date", "Earliest date"), ("locations", "Files listed"),
                           ("search", "Search"), ("needing_rehash", "Items from an older version")):
            value = QLabel("–")
            self.stat_labels[key] = value
            self.stats_form.addRow(label, value)

        add_box = QGroupBox("Add")
        self.manifest = PathField("Optional: manifest (CSV or JSON) with dates and sources",
                                  "Browse…")
        self.manifest.button.setToolTip("A CSV or JSON listing files with their publication "
                                        "date, source URL and publisher")
        self.manifest.button.clicked.connect(self._browse_manifest)
        self.add_button = QPushButton("Add folder…")
        self.add_button.setToolTip("Add every photo and video under a folder (files already "
                                   "in the corpus and unchanged are skipped)")
        self.add_button.clicked.connect(self.add_folder_dialog)
        add_layout = QVBoxLayout(add_box)
        add_layout.addWidget(self.manifest)
        add_layout.addWidget(self.add_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(stats_box)
        left_layout.addWidget(add_box)
        left_layout.addStretch(1)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter files by path")
        self.filter.setClearButtonEnabled(True)
        self.filter.returnPressed.connect(self.refresh)
        self.filter.setToolTip("Press Enter to list the files whose path contains this text")
        # A model over the rows (cells made on demand): a 20,000-file corpus lists at once.
        self.model: ListTableModel[LocationRow] = ListTableModel(LOCATION_COLUMNS)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep the file name in view
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 60), (2, 90), (3, 150)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.remove_button = QPushButton("Remove selected")
        self.remove_button.setToolTip("Forget the selected files (the files on disk are never "
                                      "touched; an item goes with its last path)")
        self.remove_button.clicked.connect(self.remove_selected)
        self.verify_button = QPushButton("Verify")
        self.verify_button.setToolTip("Compare every file with the disk: missing, moved or "
                                      "changed files are listed below")
        self.verify_button.clicked.connect(self.verify)
        table_buttons = QHBoxLayout()
        table_buttons.addWidget(self.remove_button)
        table_buttons.addStretch(1)
        table_buttons.addWidget(self.verify_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.filter)
        right_layout.addWidget(self.table, 1)
        right_layout.addLayout(table_buttons)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 650])
        split.setChildrenCollapsible(False)

        self.results = QPlainTextEdit()
        self.results.setReadOnly(True)
        self.results.setPlaceholderText("What the last operation did appears here.")
        self.results.setMaximumHeight(140)
        self.job_bar = JobBar()
        self.job_bar.cancel_requested.connect(self.cancel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.job_bar)
        bottom.addStretch(1)
        bottom.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.results)
        layout.addLayout(bottom)
        self._show_path()
        self._update_buttons()
        if path is not None and path.is_file():
            self.refresh()

    # ---------------------------------------------------------------- commands

    def set_path(self, path: Path) -> None:
        self.path = path
        self.summary = None
        self._show_path()
        self.corpus_chosen.emit(path)
        self.refresh()

    def choose_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a corpus", str(self.path or
                                                                          last_dir()),
                                              CORPUS_FILTER)
        if path:
            self.set_path(Path(path))

    def new_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New corpus", str(Path(last_dir()) /
                                                                     "corpus.sqlite"),
                                              CORPUS_FILTER)
        if path:
            self.create_new(Path(path) if Path(path).suffix else Path(path + ".sqlite"))

    def create_new(self, path: Path) -> Worker | None:
        def done(summary: Any) -> None:
            self.path = path
            self.corpus_chosen.emit(path)
            self._show_summary(summary)
            self._report([f"Created an empty corpus at {path}. Add folders to it."])

        return self._start(lambda progress, cancel: create_corpus(path, progress=progress,
                                                                  cancel=cancel),
                           f"Creating {path.name}", done, "Could not create the corpus")

    def refresh(self) -> Worker | None:
        if self.path is None or self.job is not None:
            return None
        path, needle = self.path, self.filter.text().strip()
        return self._start(lambda progress, cancel: read_summary(
            path, needle=needle, progress=progress, cancel=cancel),
            f"Reading {path.name}", self._show_summary, "Could not read the corpus",
            cancellable=False)

    def add_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder to the corpus", last_dir())
        if folder:
            remember_dir(Path(folder) / "x")
            self.add_folders([Path(folder)])

    def add_folders(self, folders: list[Path], manifest: Path | None = None) -> Worker | None:
        if self.path is None:
            show_error(self, "Choose a corpus or create one first (Choose… or New…).",
                       context="No corpus")
            return None
        if manifest is None and self.manifest.text():
            manifest = Path(self.manifest.text()).expanduser()
        path = self.path

        def done(report: Any) -> None:
            self.last_ingest = report
            self._report([f"Added {', '.join(str(f) for f in folders)}:", *ingest_lines(report)])
            self._queue_refresh()

        return self._start(lambda progress, cancel: add_folders(
            path, folders, manifest, progress=progress, cancel=cancel),
            f"Adding {folders[0].name if len(folders) == 1 else f'{len(folders)} folders'}",
            done, "Could not add to the corpus", on_end=self._queue_refresh)

    def selected_paths(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.row_item(r).path for r in rows]

    def remove_selected(self) -> Worker | None:
        paths = self.selected_paths()
        if self.path is None or not paths:
            return None
        path = self.path

        def done(report: Any) -> None:
            self._report([f"Removed {len(report.removed_locations)} paths; "
                          f"{len(report.removed_items)} items had no other path and went with "
                          "them.", *(f"not in the corpus: {p}" for p in report.not_found)])
            self._queue_refresh()

        return self._start(lambda progress, cancel: remove_paths(path, paths, progress=progress,
                                                                 cancel=cancel),
                           f"Removing {len(paths)} files", done,
                           "Could not remove from the corpus", cancellable=False)

    def verify(self) -> Worker | None:
        if self.path is None:
            return None
        path = self.path
        self.verified = None

        def done(report: Any) -> None:
            self.verified = report
            self._report(verify_lines(report))

        return self._start(lambda progress, cancel: verify_corpus(path, progress=progress,
                                                                  cancel=cancel),
                           f"Verifying {path.name}", done, "Could not verify the corpus")

    @Slot()
    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def busy(self) -> bool:
        return self.job is not None

    # ---------------------------------------------------------------- jobs

    def _start(self, fn: JobFunction, description: str, on_result: Callable[[Any], None],
               context: str, *, cancellable: bool = True,
               on_end: Callable[[], None] | None = None) -> Worker | None:
        if self.job is not None:
            show_error(self, "Another corpus operation is still running; wait or cancel it.",
                       context=context)
            return None
        worker = Worker(fn, description)
        self.job = worker
        self._on_result = on_result
        self._on_end = on_end
        self._context = context
        self.last_error = None
        # Bound slots: the worker's signals reach them queued, in the GUI thread.
        worker.signals.progress.connect(self._on_progress)
        worker.signals.message.connect(self._on_message)
        worker.signals.result.connect(self._on_job_result)
        worker.signals.error.connect(self._on_error)
        worker.signals.cancelled.connect(self._on_cancelled)
        worker.signals.finished.connect(self._on_finished)
        self.job_bar.start(description, cancellable)
        self._update_buttons()
        log.info("corpus job started: %s", description)
        worker.start(self.pool)
        return worker

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.job_bar.set_progress(done, total)

    @Slot(str)
    def _on_message(self, text: str) -> None:
        self.job_bar.set_message(text)

    @Slot(object)
    def _on_job_result(self, result: object) -> None:
        if self._on_result is not None:
            self._on_result(result)

    @Slot(str, str)
    def _on_error(self, title: str, details: str) -> None:
        self.last_error = title
        self._report([f"{self._context}: {title}"])
        show_error(self, title, details, self._context)

    @Slot()
    def _on_cancelled(self) -> None:
        self._report(["Cancelled. What was already added stays in the corpus; adding the same "
                      "folder again resumes where it stopped."])

    @Slot()
    def _on_finished(self) -> None:
        self.job = None
        self._on_result = None
        on_end, self._on_end = self._on_end, None
        self.job_bar.stop()
        self._update_buttons()
        if on_end is not None:
            on_end()
        self.job_finished.emit()
        if self._close_when_done:
            super().reject()
        elif self._refresh_pending:
            self._refresh_pending = False
            self.refresh()

    def _queue_refresh(self) -> None:
        self._refresh_pending = True

    # ---------------------------------------------------------------- display

    def _show_path(self) -> None:
        self.path_label.setText(str(self.path) if self.path else
                                "<i>none chosen: Choose… an existing corpus or create a New… "
                                "one</i>")

    def _show_summary(self, summary: Any) -> None:
        if not isinstance(summary, CorpusSummary):
            return
        self.summary = summary
        self._show_path()
        stats = summary.stats
        values = {
            "items": f"{stats['items']:,}", "images": f"{stats['images']:,}",
            "videos": f"{stats['videos']:,} ({stats['video_seconds']:,} s)",
            "hashes": f"{stats['hashes']:,}", "keyframes": f"{stats['keyframes']:,}",
            "bytes": human_size(stats["bytes"]), "file_bytes": human_size(stats["file_bytes"]),
            "last_ingest": (summary.last_ingest or "never").replace("T", " ")[:19],
            "earliest_date": stats.get("earliest_date") or "–",
            "search": stats.get("search", "–"),
            "needing_rehash": _older_text(int(stats.get("needing_rehash") or 0)),
            "locations": (f"{len(summary.locations):,} of {summary.total_locations:,}"
                          if len(summary.locations) < summary.total_locations
                          else f"{summary.total_locations:,}"),
        }
        for key, text in values.items():
            self.stat_labels[key].setText(text)
        self.model.set_rows(summary.locations)
        self._update_buttons()

    def _report(self, lines: list[str]) -> None:
        self.results.setPlainText("\n".join(lines))

    def _update_buttons(self) -> None:
        busy = self.job is not None
        has = self.path is not None
        self.choose_button.setEnabled(not busy)
        self.new_button.setEnabled(not busy)
        self.add_button.setEnabled(has and not busy)
        self.verify_button.setEnabled(has and not busy)
        self.remove_button.setEnabled(has and not busy and
                                      self.table.selectionModel().hasSelection())

    def _browse_manifest(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a manifest", last_dir(),
                                              MANIFEST_FILTER)
        if path:
            self.manifest.set_text(path)

    def reject(self) -> None:
        """Closing while a job runs cancels it and closes once it has stopped (the worker
        must not outlive the dialog it reports to)."""
        if self.job is not None:
            self._close_when_done = True
            self.job.cancel()
            return
        super().reject()


def _older_text(count: int) -> str:
    """What the statistics say of items an older version analysed differently (they are
    searched as they are meanwhile)."""
    if not count:
        return "none"
    return f"{count:,}: analysed anew when added again"
