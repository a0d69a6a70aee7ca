"""The inspector on the right: Metadata, Matches, Forensics, Verdict and History tabs."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QDrag, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from verifier.gui.evidence import evidence_mime, match_evidence
from verifier.gui.forensics_tab import ForensicsPanel
from verifier.gui.match_compare import MatchComparePanel
from verifier.gui.match_list import THUMB as MATCH_THUMB
from verifier.gui.match_list import MatchListModel, earliest_html, load_match_thumbnails
from verifier.gui.models import (
    ListTableModel,
    audit_model,
    metadata_model,
    timeline_model,
    verdicts_model,
)
from verifier.gui.snapshot import CaseSnapshot
from verifier.gui.style import (
    FLAG_BACKGROUND,
    FLAG_COLOR,
    error_hex,
    muted_hex,
    palette_is_dark,
    warning_hex,
)
from verifier.gui.verdict_editor import VerdictEditor
from verifier.matching.wording import distances_text, found_by
from verifier.media.timecode import format_timestamp
from verifier.models import EvidenceItem, Match, MediaItem, MetadataReport, TimelineEntry
from verifier.provenance.records import Credentials

MUTED = "color:#6b7280"


class FitTableView(QTableView):
    """A table whose stretch column takes the room the others leave, but never less than
    min_stretch pixels (the table then scrolls sideways instead of squeezing it to nothing)."""

    def __init__(self, stretch_column: int | None, min_stretch: int = 120,
                 max_column: int = 320) -> None:
        super().__init__()
        self.stretch_column = stretch_column
        self.min_stretch = min_stretch
        self.max_column = max_column
        self.drag_items: Callable[[list[int]], list[EvidenceItem]] | None = None

    def set_evidence_drag(self, items: Callable[[list[int]], list[EvidenceItem]]) -> None:
        """Rows can be dragged (onto the verdict editor) as the evidence items(rows) gives."""
        self.drag_items = items
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        if self.drag_items is None:
            super().startDrag(supportedActions)
            return
        rows = sorted({index.row() for index in self.selectedIndexes()})
        items = self.drag_items(rows)
        if not items:
            return
        drag = QDrag(self)
        drag.setMimeData(evidence_mime(items))
        drag.exec(Qt.DropAction.CopyAction)

    def fit_columns(self) -> None:
        model = self.model()
        if model is None:
            return
        used = 0
        for column in range(model.columnCount()):
            if column != self.stretch_column:
                self.resizeColumnToContents(column)
                self.setColumnWidth(column, min(self.columnWidth(column), self.max_column))
                used += self.columnWidth(column)
        self._fit_stretch(used)

    def _fit_stretch(self, used: int | None = None) -> None:
        model = self.model()
        if self.stretch_column is None or model is None:
            return
        if used is None:
            used = sum(self.columnWidth(c) for c in range(model.columnCount())
                       if c != self.stretch_column)
        self.setColumnWidth(self.stretch_column,
                            max(self.min_stretch, self.viewport().width() - used))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_stretch()


def make_table(model: ListTableModel[Any], *, sortable: bool = False,
               stretch_column: int | None = None, wrap: bool = False,
               elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> FitTableView:
    view = FitTableView(stretch_column)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(wrap)
    view.setTextElideMode(elide)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    if wrap:
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setResizeContentsPrecision(200)  # widths from 200 rows: a long table refits fast
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch_column is None)
    view.setSortingEnabled(sortable)
    model.modelReset.connect(view.fit_columns)
    return view


def section_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight:600; margin-top:4px")
    return label


def muted_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(MUTED)
    label.setWordWrap(True)
    return label


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [c for c in (item.child(n) for n in range(item.childCount())) if c is not None]


# ---------------------------------------------------------------- Metadata


class MetadataPanel(QWidget):
    """What the file says about itself: red flags, normalised fields with their sources, GPS on
    a map, every date on a timeline, and the raw groups (searchable)."""

    link_activated = Signal(str)  # an http(s) link the user clicked (the window opens it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.linkActivated.connect(self.link_activated)
        self.flags = QLabel()
        self.flags.setWordWrap(True)
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        self.flags.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.flags.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.flags.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        # Content Credentials (C2PA): one short block; the full listing is in its tooltip.
        self.credentials = QLabel()
        self.credentials.setWordWrap(True)
        self.credentials.setTextFormat(Qt.TextFormat.RichText)
        self.credentials.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.credentials.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        self.credentials.hide()
        self.gps = QLabel()
        self.gps.setWordWrap(True)
        self.gps.setTextFormat(Qt.TextFormat.RichText)
        self.gps.linkActivated.connect(self.link_activated)
        self.gps.hide()
        self.map_url = ""

        self.fields_model = metadata_model()
        self.fields_view = make_table(self.fields_model, stretch_column=1, wrap=True)
        self.fields_view.doubleClicked.connect(self._on_field_clicked)

        self.timeline_model = timeline_model()
        self.timeline_view = make_table(self.timeline_model, stretch_column=1)
        self.timeline_label = section_label("Dates")

        raw = QWidget()
        raw_layout = QVBoxLayout(raw)
        raw_layout.setContentsMargins(0, 0, 0, 0)
        raw_layout.setSpacing(4)
        self.raw_filter = QLineEdit()
        self.raw_filter.setPlaceholderText("Filter raw tags and values…")
        self.raw_filter.setClearButtonEnabled(True)
        self.raw_filter.textChanged.connect(self.apply_filter)
        self.raw_tree = QTreeWidget()
        self.raw_tree.setHeaderLabels(["Tag", "Value"])
        self.raw_tree.setAlternatingRowColors(True)
        self.raw_tree.setUniformRowHeights(True)
        self.raw_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.raw_tree.setColumnWidth(0, 200)
        raw_layout.addWidget(section_label("Raw metadata"))
        raw_layout.addWidget(self.raw_filter)
        raw_layout.addWidget(self.raw_tree, 1)

        fields = QWidget()
        fields_layout = QVBoxLayout(fields)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.setSpacing(4)
        fields_layout.addWidget(section_label("Normalised fields"))
        fields_layout.addWidget(self.gps)
        fields_layout.addWidget(self.fields_view, 1)

        dates = QWidget()
        dates_layout = QVBoxLayout(dates)
        dates_layout.setContentsMargins(0, 0, 0, 0)
        dates_layout.setSpacing(4)
        dates_layout.addWidget(self.timeline_label)
        dates_layout.addWidget(self.timeline_view, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(fields)
        splitter.addWidget(dates)
        splitter.addWidget(raw)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([240, 160, 210])
        self.splitter = splitter

        layout.addWidget(self.title)
        layout.addWidget(self.flags)
        layout.addWidget(self.credentials)
        layout.addWidget(splitter, 1)
        self.show_media(None, None)

    def show_media(self, snapshot: CaseSnapshot | None, item: MediaItem | None) -> None:
        report = snapshot.metadata.get(item.id) if snapshot and item and item.id else None
        if item is None:
            self.title.setText(f"<span style='{MUTED}'>Select a media item to see what the file "
                               "says about itself.</span>")
        else:
            self.title.setText(f"<b>{html.escape(item.original_name)}</b>"
                               + _origin_html(snapshot, item))
        # The map address is the link above the table, not a row of it.
        self.fields_model.set_rows([f for f in report.fields if f.name != "gps_map"]
                                   if report else [])
        self._show_gps(report)
        self._show_flags(item, report)
        self._show_credentials(report)
        entries = _timeline_rows(report, item)
        self.timeline_model.set_rows(entries)
        self.timeline_label.setText(f"Dates ({len(entries)}, earliest first)" if entries
                                    else "Dates")
        self.raw_tree.clear()
        if report:
            for group, tags in report.raw.items():
                top = QTreeWidgetItem(self.raw_tree, [group, f"{len(tags)} tags"])
                top.setFirstColumnSpanned(False)
                font = top.font(0)
                font.setBold(True)
                top.setFont(0, font)
                for tag, value in tags.items():
                    child = QTreeWidgetItem(top, [tag, value])
                    child.setToolTip(1, value[:2000])
            self.raw_tree.expandAll()
        self.apply_filter(self.raw_filter.text())

    def timeline_rows(self) -> list[tuple[str, str]]:
        """(date and time, source) as the Dates table shows them."""
        m = self.timeline_model
        return [(str(m.index(r, 0).data()), str(m.index(r, 1).data()))
                for r in range(m.rowCount())]

    def _show_gps(self, report: MetadataReport | None) -> None:
        gps = next((f for f in report.fields if f.name == "gps"), None) if report else None
        self.map_url = (report.value("gps_map") or "") if report else ""
        if gps is None:
            self.gps.hide()
            return
        if not self.map_url:
            from verifier.media.metadata import osm_link

            try:
                lat, lon = (float(v) for v in gps.value.split(","))
                self.map_url = osm_link(lat, lon)
            except ValueError:
                self.map_url = ""
        link = (f" · <a href='{html.escape(self.map_url, quote=True)}'>Open in "
                "OpenStreetMap ↗</a>" if self.map_url else "")
        self.gps.setText(f"GPS <b>{html.escape(gps.value)}</b> "
                         f"<span style='{MUTED}'>({html.escape(gps.source)})</span>{link}")
        self.gps.setToolTip(self.map_url)
        self.gps.show()

    def _on_field_clicked(self, index: QModelIndex) -> None:
        row = self.fields_model.row_item(index.row())
        if row.name in ("gps", "gps_map") and self.map_url:
            self.link_activated.emit(self.map_url)

    def _show_flags(self, item: MediaItem | None, report: MetadataReport | None) -> None:
        parts: list[str] = []
        flags = report.flags if report else ()
        for flag in flags:
            parts.append(
                f"<table width='100%' cellpadding='6' style='background-color:{FLAG_BACKGROUND};"
                f" margin-bottom:4px'><tr><td><span style='color:{FLAG_COLOR};"
                f" font-weight:600'>⚑ {html.escape(flag.title)}</span><br>"
                f"<span style='color:#3f3f46'>{html.escape(flag.explanation)}</span>"
                "</td></tr></table>")
        if report is not None and (not report.complete or report.problems):
            problems = "".join(f"<li>{html.escape(p)}</li>" for p in report.problems)
            parts.append(
                "<table width='100%' cellpadding='6' style='background-color:#fffbeb;"
                " margin-bottom:4px'><tr><td><span style='color:#b45309; font-weight:600'>"
                "⚠ Incomplete report</span><br><span style='color:#3f3f46'>Part of the "
                "metadata could not be read; what is shown is what was read before the "
                f"problem.</span><ul style='margin:2px 0 0 -20px; color:#3f3f46'>{problems}"
                "</ul></td></tr></table>")
        if item is not None and report is None:
            parts.append(f"<p style='{MUTED}'>No metadata was extracted for this item (the "
                         "analysis was cancelled or failed).</p>")
        elif item is not None and not flags:
            parts.append("<p style='color:#15803d'>No red flags in the metadata.</p>")
        self.flags.setText("".join(parts))
        self.flags.setVisible(bool(parts))

    def _show_credentials(self, report: MetadataReport | None) -> None:
        creds = report.credentials if report else None
        if creds is None:
            self.credentials.hide()
            return
        from verifier.provenance.text import describe

        self.credentials.setText(credentials_html(creds))
        self.credentials.setToolTip("\n".join(describe(creds))[:4000])
        self.credentials.show()

    def apply_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for group in _children(self.raw_tree.invisibleRootItem()):
            group_hit = bool(needle) and needle in group.text(0).lower()
            shown = 0
            for child in _children(group):
                hit = (not needle or group_hit or needle in child.text(0).lower()
                       or needle in child.text(1).lower())
                child.setHidden(not hit)
                shown += hit
            group.setHidden(bool(needle) and shown == 0)

    def visible_raw_tags(self) -> list[str]:
        return [child.text(0) for group in _children(self.raw_tree.invisibleRootItem())
                if not group.isHidden() for child in _children(group) if not child.isHidden()]


# ---------------------------------------------------------------- Matches


class MatchesPanel(QWidget):
    """The media item's stored matches, or the results of a search for one keyframe."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.search_banner = QLabel()
        self.search_banner.setWordWrap(True)
        self.search_banner.setTextFormat(Qt.TextFormat.RichText)
        self.search_banner.setStyleSheet("background:#eff6ff; border:1px solid #bfdbfe;"
                                         " border-radius:4px; padding:6px")
        self.back_button = QPushButton("Show the media's stored matches")
        self.back_button.clicked.connect(self._back)
        banner_row = QVBoxLayout()
        banner_row.setSpacing(4)
        banner_row.addWidget(self.search_banner)
        banner_row.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.summary = muted_label()
        self.earliest = QLabel()  # the earliest known appearance, on top
        self.earliest.setWordWrap(True)
        self.earliest.setTextFormat(Qt.TextFormat.RichText)
        self.earliest.setOpenExternalLinks(True)
        self.earliest.setToolTip("The earliest dated corpus original among these matches")
        self.model = MatchListModel()
        self.view = make_table(self.model, sortable=True, stretch_column=0,
                               elide=Qt.TextElideMode.ElideMiddle)
        self.view.setIconSize(MATCH_THUMB)
        self.view.min_stretch = MATCH_THUMB.width() + 110
        self.view.verticalHeader().setDefaultSectionSize(MATCH_THUMB.height() + 6)
        self.model.draggable = True
        self.view.set_evidence_drag(self.evidence_for_rows)
        self.view.setToolTip("Select a match to compare it with the query; drag a row onto the "
                             "Verdict tab to cite it as evidence")
        self.compare = MatchComparePanel()
        self.compare.install_shortcuts_on(self.view)
        self.view.selectionModel().currentRowChanged.connect(self._on_match_selected)
        self.model.modelReset.connect(self._on_rows_changed)
        list_box = QWidget()
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.earliest)
        list_layout.addWidget(self.summary)
        list_layout.addWidget(self.view, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(list_box)
        self.splitter.addWidget(self.compare)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([180, 460])
        layout.addLayout(banner_row)
        layout.addWidget(self.splitter, 1)
        self._runner: Callable[..., None] | None = None
        self._snapshot: CaseSnapshot | None = None
        self._item: MediaItem | None = None
        self.searching: str = ""  # what the results shown are for, when not the stored ones
        self.show_media(None, None)

    def show_media(self, snapshot: CaseSnapshot | None, item: MediaItem | None) -> None:
        same = item is not None and self._item is not None and item.id == self._item.id \
            and snapshot is not None and self._snapshot is not None \
            and snapshot.path == self._snapshot.path
        self._snapshot, self._item = snapshot, item
        # After the window has cancelled the last item's loads (thumbnails, a comparison).
        QTimer.singleShot(0, self._resume_loads)
        if self.searching and same:
            return  # a keyframe search stays until another item is shown or "Show stored"
        self.searching = ""
        self.search_banner.hide()
        self.back_button.hide()
        if snapshot is None or item is None or item.id is None:
            self.model.set_rows([])
            self.summary.setText("Select a media item to see where it appeared before.")
            return
        matches = snapshot.matches.get(item.id, [])
        params = snapshot.match_params.get(item.id)
        self.model.set_rows(matches)
        if params is None:
            self.summary.setText(f"{item.original_name} was not searched in a corpus. Choose "
                                 "a corpus (Media ▸ Choose corpus…), then use Media ▸ Match "
                                 "against the corpus, or “Find in corpus” under the picture.")
        elif not matches:
            self.summary.setText(f"No match in {params.get('corpus', 'the corpus')} "
                                 f"({params.get('corpus_items', '?')} items) within "
                                 f"{threshold_text(params)}.")
        else:
            best = max(matches, key=lambda m: m.score or 0.0)
            self.summary.setText(
                f"{len(matches)} match{'es' if len(matches) != 1 else ''} in "
                f"{params.get('corpus', 'the corpus')}: the best found by "
                f"{found_by(best.hash_kind)}, {distances_text(best.distance, best.distances)} "
                f"(thresholds: {threshold_text(params)}). Lower is closer; 0 means the same "
                "picture.")

    def show_search(self, what: str, corpus: str, matches: list[Match]) -> None:
        """Results of a search for one picture (e.g. a keyframe), kept apart from the item's
        stored matches."""
        self.searching = what
        QTimer.singleShot(0, self._resume_loads)
        self.model.set_rows(matches)
        found = (f"<b>{len(matches)} match{'es' if len(matches) != 1 else ''}</b>"
                 if matches else "<b>No match</b>")
        self.search_banner.setText(
            f"{found} for {html.escape(what)} in {html.escape(corpus)}.<br>"
            f"<span style='{MUTED}'>The search is recorded in the audit trail; the media's "
            "stored matches are unchanged.</span>")
        self.search_banner.show()
        self.back_button.show()
        if matches:
            best = matches[0]
            score = f", score {best.score:.2f}" if best.score is not None else ""
            where = (f" at {format_timestamp(best.source_time)} into it"
                     if best.source_time is not None else "")
            self.summary.setText(f"Best: {best.corpus_path}{where} ({best.hash_kind} distance "
                                 f"{best.distance} of 64{score}). Hover a row for details.")
        else:
            self.summary.setText("Nothing in the corpus looks like this picture.")

    def _back(self) -> None:
        self.searching = ""
        self.show_media(self._snapshot, self._item)

    def set_runner(self, runner: Callable[..., None]) -> None:
        """Loads (thumbnails, comparisons) run through runner (MainWindow._start_side)."""
        self._runner = runner
        self.compare.set_runner(runner)

    def _on_rows_changed(self) -> None:
        matches = self.model.rows()
        text = earliest_html(matches)
        self.earliest.setText(text)
        self.earliest.setVisible(bool(text))
        for column in (3, 4):  # query and source times: only for videos
            self.view.setColumnHidden(column, not any(
                m.query_time is not None or m.source_time is not None for m in matches))
        self.compare.show_match(None, None, [], [])
        if matches and self.isVisible():
            self.view.selectRow(0)

    def _resume_loads(self) -> None:
        """Thumbnails still missing and a comparison not yet shown are (re)started: unchanged
        rows are not reset, but the window cancels every load when an item is shown."""
        missing = self.model.missing_thumbnails()
        if missing and self._runner is not None:
            self._runner("match thumbnails", self._item.id if self._item else None,
                         functools.partial(load_match_thumbnails, missing),
                         lambda _media, images: self.model.set_thumbnails(images))
        self.compare.resume()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.model.rowCount() and not self.view.selectionModel().hasSelection():
            self.view.selectRow(0)

    def _on_match_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        item = self._item
        if not current.isValid() or item is None:
            self.compare.show_match(None, None, [], [])
            return
        keyframes = self._snapshot.keyframes.get(item.id, []) \
            if self._snapshot is not None and item.id is not None else []
        self.compare.show_match(self.model.row_item(current.row()), item, keyframes,
                                self.model.rows())

    def evidence_for_rows(self, rows: list[int]) -> list[EvidenceItem]:
        """The matches in these rows as evidence (a keyframe search names its keyframe)."""
        query = f"for {self.searching}" if self.searching else ""
        return [match_evidence(self.model.row_item(r), query) for r in rows
                if 0 <= r < self.model.rowCount()]


# ---------------------------------------------------------------- History


class HistoryPanel(QWidget):
    """The selected claim's verdicts, newest first, and the case's audit trail: what changed,
    by whom, when, and the value it replaced."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scroll_pending = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.verdicts_label = section_label("Verdict history")
        self.verdicts_model = verdicts_model()
        # Rows wrap so every word of a rationale and of an audit event can be read in place.
        self.verdicts_view = make_table(self.verdicts_model, stretch_column=2, wrap=True)
        self.verdicts_view.max_column = 160
        self.verdicts_model.align_top = True
        self.audit_label = section_label("Audit trail")
        self.audit_status = QLabel()
        self.audit_status.setWordWrap(True)
        self.audit_status.setTextFormat(Qt.TextFormat.RichText)
        self.only_claim = QCheckBox("Only the selected claim")
        self.only_claim.setToolTip("Show only the events about the claim selected (its edits, "
                                   "links and verdicts)")
        self.only_claim.toggled.connect(lambda _on: self._show_audit())
        self.audit_model = audit_model()
        self.audit_view = make_table(self.audit_model, stretch_column=3, wrap=True)
        self.audit_view.max_column = 170
        self.audit_model.align_top = True

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.verdicts_label)
        top_layout.addWidget(self.verdicts_view, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        audit_head = QHBoxLayout()
        audit_head.addWidget(self.audit_label, 1)
        audit_head.addWidget(self.only_claim)
        bottom_layout.addLayout(audit_head)
        bottom_layout.addWidget(self.audit_status)
        bottom_layout.addWidget(self.audit_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([260, 340])
        layout.addWidget(splitter)
        self._snapshot: CaseSnapshot | None = None
        self._claim_id: int | None = None
        self.integrity: tuple[str, list[str]] | None = None  # (when, problems) of a full check
        self.show_history(None, None)

    def show_history(self, snapshot: CaseSnapshot | None, claim_id: int | None) -> None:
        if snapshot is None or self._snapshot is None or snapshot.path != self._snapshot.path:
            self.integrity = None
        self._snapshot, self._claim_id = snapshot, claim_id
        history = snapshot.history.get(claim_id, []) if snapshot and claim_id else []
        self.verdicts_model.set_rows(list(reversed(history)))  # newest first
        self.verdicts_label.setText(
            f"Verdict history of claim {claim_id} ({len(history)}, newest first)" if claim_id
            else "Verdict history (select a claim)")
        self._show_audit()

    def _show_audit(self) -> None:
        snapshot, claim_id = self._snapshot, self._claim_id
        audit = snapshot.audit if snapshot else []
        if self.only_claim.isChecked() and claim_id is not None:
            audit = [e for e in audit if _about_claim(e.detail, claim_id)]
        changed = self.audit_model.rows() != audit
        self.audit_model.set_rows(audit)
        total = len(snapshot.audit) if snapshot else 0
        self.audit_label.setText(f"Audit trail ({len(audit)} of {total} events)"
                                 if len(audit) != total else f"Audit trail ({total} events)")
        self._show_status()
        if audit and changed:  # the newest event in view; unchanged rows keep the reader's place
            self._scroll_pending = True
            self._scroll_to_newest()

    def _scroll_to_newest(self) -> None:
        # Wrapped rows are measured one by one to scroll: done when the tab is shown, not for
        # every refresh behind another tab (it cost tens of ms on each job's result).
        if self._scroll_pending and self.audit_view.isVisible():
            self._scroll_pending = False
            self.audit_view.scrollToBottom()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._scroll_to_newest()

    def show_integrity(self, when: str, problems: list[str]) -> None:
        """The result of Case ▸ Verify integrity…"""
        self.integrity = (when, problems)
        self._show_status()

    def _show_status(self) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            self.audit_status.clear()
            return
        if self.integrity is not None:
            when, problems = self.integrity
            if not problems:
                self.audit_status.setText(
                    f"<span style='color:#15803d'>✔ Verified {html.escape(when)}: the audit chain "
                    "and every evidence copy are intact.</span>")
            else:
                items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
                self.audit_status.setText(
                    f"<span style='color:#b42318; font-weight:600'>✘ Verified "
                    f"{html.escape(when)}: {len(problems)} alteration"
                    f"{'s' if len(problems) != 1 else ''} found</span>"
                    f"<ul style='margin:2px 0 0 -20px; color:#b42318'>{items}</ul>")
            return
        if snapshot.audit_intact:
            self.audit_status.setText("<span style='color:#15803d'>✔ Hash chain intact: no "
                                      "event was altered or removed.</span> <span "
                                      f"style='{MUTED}'>Case ▸ Verify integrity… also checks the "
                                      "evidence copies.</span>")
        else:
            self.audit_status.setText("<span style='color:#b42318; font-weight:600'>✘ Hash "
                                      "chain broken: the history was edited outside the "
                                      "workbench. Case ▸ Verify integrity… says where.</span>")


def _about_claim(detail: dict[str, Any], claim_id: int) -> bool:
    if detail.get("claim_id") == claim_id:
        return True
    return any(claim_id in (detail.get(key) or []) for key in ("merged", "restored"))


class Inspector(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metadata = MetadataPanel()
        self.matches = MatchesPanel()
        self.verdict = VerdictEditor()
        self.history = HistoryPanel()
        self.forensics = ForensicsPanel()  # wired to the window by forensics_tab.install
        self.addTab(self.metadata, "Metadata")
        self.addTab(self.matches, "Matches")
        self.addTab(self.forensics, "Forensics")
        self.setTabToolTip(self.indexOf(self.forensics), "Forensic lenses on the picture shown "
                           "(Ctrl+Shift+X)")
        self.addTab(self.verdict, "Verdict")
        self.addTab(self.history, "History")
        self.setDocumentMode(True)


def _credential_colour(state: str) -> str:
    """The summary's colour for the palette in use (the fixed greys were dim on dark)."""
    dark = palette_is_dark()
    if state in ("trusted", "valid"):
        return "#4ade80" if dark else "#15803d"
    if state == "untrusted":
        return warning_hex()
    if state in ("invalid", "unreadable"):
        return error_hex()
    return muted_hex()


def credentials_html(creds: Credentials) -> str:
    """The Content Credentials section: the summary coloured by its state, the active manifest's
    signer, time, generator, actions and ingredients. Manifest text is escaped: it is hostile."""
    e = html.escape
    colour = _credential_colour(str(creds.state))
    out = [f"<b>Content Credentials</b><br><span style='color:{colour}; font-weight:600'>"
           f"{e(creds.summary)}</span>"]
    active = creds.active
    if active is not None:
        signer = e(active.signer or "(no name)") + (f", issued by {e(active.issuer)}"
                                                   if active.issuer else "")
        out.append(f"<br>Signer: {signer} · "
                   f"{e(active.signing_time or 'no trusted time stamp')}")
        if active.claim_generator:
            out.append(f"<br>Made with: {e(active.claim_generator)}")
        if active.actions:
            words = ", ".join(e(a.label) + (f" ({e(a.software_agent)})" if a.software_agent
                                            else "") for a in active.actions[:8])
            more = f" and {len(active.actions) - 8} more" if len(active.actions) > 8 else ""
            out.append(f"<br>Actions: {words}{more}")
        if active.ingredients:
            names = ", ".join(e(i.title) for i in active.ingredients[:5])
            out.append(f"<br>Ingredients: {names}")
    out.append(f"<br><span style='color:{muted_hex()}'>{e(creds.note)}</span>")
    return "".join(out)


def _origin_html(snapshot: CaseSnapshot | None, item: MediaItem) -> str:
    """Where the item came from: its URL (a link), the clipboard, or a file."""
    events = snapshot.media_events(item.id, "media.intake") if snapshot else []
    origin = events[0].detail if events else {}
    muted = f"<br><span style='{MUTED}'>"
    if item.source_url:
        url = html.escape(item.source_url, quote=True)
        fetched = (origin.get("download") or {}).get("fetched_at") if origin else None
        when = f" on {html.escape(str(fetched).replace('T', ' '))}" if fetched else ""
        return (f"{muted}Fetched{when} from <a href='{url}'>{html.escape(item.source_url)}</a>"
                "</span>")
    if origin.get("origin") == "clipboard":
        note = f" ({html.escape(str(origin['note']))})" if origin.get("note") else ""
        return f"{muted}Pasted from the clipboard{note}</span>"
    return ""


def _timeline_rows(report: MetadataReport | None,
                   item: MediaItem | None) -> list[TimelineEntry]:
    """Every date of the report, earliest first. The file-system date of the evidence copy is
    said to be that when it falls on the moment the copy was added to the case."""
    if report is None:
        return []
    from dataclasses import replace as _replace

    from verifier.media.metadata import timeline_of
    from verifier.media.timeline import parse_date, sort_key

    entries = list(timeline_of(report))
    added = parse_date(item.added_at) if item and item.added_at else None
    out = []
    for entry in entries:
        if entry.source.startswith("file modified") and added is not None:
            parsed = parse_date(entry.time)
            if parsed is not None and abs((parsed.as_utc() - added.as_utc()).total_seconds()) \
                    < 120:
                entry = _replace(entry, source=f"{entry.source}: the evidence copy, made when "
                                               "the file was added to the case")
        out.append(entry)
    dated = [(sort_key(e), n, e) for n, e in enumerate(out)]
    known = sorted((t, n, e) for t, n, e in dated if t is not None)
    return [e for _, _, e in known] + [e for t, _, e in dated if t is None]


def threshold_text(params: dict[str, object]) -> str:
    """The distance thresholds a search ran with, as stored in the case (older cases kept only
    max_distance, the pHash threshold)."""
    parts = []
    if params.get("pdq_threshold") is not None:
        parts.append(f"PDQ {params['pdq_threshold']} of 256")
    phash = params.get("phash_max_distance", params.get("max_distance"))
    if phash is not None:
        parts.append(f"pHash {phash} of 64")
    return ", ".join(parts) or "the default thresholds"
