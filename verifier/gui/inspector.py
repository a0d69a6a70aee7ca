"""The inspector on the right: Metadata, Matches, Verdict and History tabs."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from verifier.gui.article_view import verdict_pill_html
from verifier.gui.models import (
    ListTableModel,
    audit_model,
    matches_model,
    metadata_model,
    verdicts_model,
)
from verifier.gui.snapshot import CaseSnapshot
from verifier.gui.style import FLAG_BACKGROUND, FLAG_COLOR, KIND_COLORS, KIND_LABELS, claim_kind
from verifier.models import Claim, MediaItem, Rating, RedFlag

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
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.flags = QLabel()
        self.flags.setWordWrap(True)
        self.flags.setTextFormat(Qt.TextFormat.RichText)
        self.flags.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.flags.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.flags.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)

        self.fields_model = metadata_model()
        self.fields_view = make_table(self.fields_model, stretch_column=1, wrap=True)

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
        fields_layout.addWidget(self.fields_view, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(fields)
        splitter.addWidget(raw)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([220, 300])

        layout.addWidget(self.title)
        layout.addWidget(self.flags)
        layout.addWidget(splitter, 1)
        self.show_media(None, None)

    def show_media(self, snapshot: CaseSnapshot | None, item: MediaItem | None) -> None:
        report = snapshot.metadata.get(item.id) if snapshot and item and item.id else None
        if item is None:
            self.title.setText(f"<span style='{MUTED}'>Select a media item to see what the file "
                               "says about itself.</span>")
        else:
            self.title.setText(f"<b>{html.escape(item.original_name)}</b>")
        self.fields_model.set_rows(report.fields if report else [])
        self._show_flags(item, report.flags if report else (),
                         report.problems if report and not report.complete else ())
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

    def _show_flags(self, item: MediaItem | None, flags: tuple[RedFlag, ...],
                    problems: tuple[str, ...]) -> None:
        parts: list[str] = []
        for flag in flags:
            parts.append(
                f"<table width='100%' cellpadding='6' style='background-color:{FLAG_BACKGROUND};"
                f" margin-bottom:4px'><tr><td><span style='color:{FLAG_COLOR};"
                f" font-weight:600'>⚑ {html.escape(flag.title)}</span><br>"
                f"<span style='color:#3f3f46'>{html.escape(flag.explanation)}</span>"
                "</td></tr></table>")
        for problem in problems:
            parts.append(f"<p style='color:#b45309'>Incomplete: {html.escape(problem)}</p>")
        if item is not None and not flags:
            parts.append("<p style='color:#15803d'>No red flags in the metadata.</p>")
        self.flags.setText("".join(parts))
        self.flags.setVisible(bool(parts))

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
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.summary = muted_label()
        self.model = matches_model()
        self.view = make_table(self.model, sortable=True, stretch_column=0,
                               elide=Qt.TextElideMode.ElideLeft)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        self.show_media(None, None)

    def show_media(self, snapshot: CaseSnapshot | None, item: MediaItem | None) -> None:
        if snapshot is None or item is None or item.id is None:
            self.model.set_rows([])
            self.summary.setText("Select a media item to see where it appeared before.")
            return
        matches = snapshot.matches.get(item.id, [])
        params = snapshot.match_params.get(item.id)
        self.model.set_rows(matches)
        if params is None:
            self.summary.setText(f"{item.original_name} was not searched in a corpus. Add known "
                                 "media with “verifier corpus add”, then build the case with "
                                 "a corpus to find earlier copies.")
        elif not matches:
            self.summary.setText(f"No match within distance {params.get('max_distance', '?')} "
                                 f"in {params.get('corpus', 'the corpus')} "
                                 f"({params.get('corpus_items', '?')} items).")
        else:
            best = min(m.distance for m in matches)
            self.summary.setText(
                f"{len(matches)} match{'es' if len(matches) != 1 else ''} in "
                f"{params.get('corpus', 'the corpus')} (best distance {best} of 64, "
                f"max {params.get('max_distance', '?')}). Lower is closer; 0 means the same "
                "picture.")


# ---------------------------------------------------------------- Verdict


class VerdictPanel(QWidget):
    """Record a new verdict on the selected claim (the history is append-only)."""

    save_requested = Signal(int, str, str, float, tuple)  # claim, rating, rationale, conf, evid.

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.claim_id: int | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        self.claim_label = QLabel()
        self.claim_label.setWordWrap(True)
        self.claim_label.setTextFormat(Qt.TextFormat.RichText)
        self.claim_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.current_label = QLabel()
        self.current_label.setWordWrap(True)
        self.current_label.setTextFormat(Qt.TextFormat.RichText)

        form_box = QWidget()
        form = QFormLayout(form_box)
        form.setContentsMargins(0, 4, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rating = QComboBox()
        for rating in Rating:
            self.rating.addItem(rating.value, rating.value)
        self.confidence = QSlider(Qt.Orientation.Horizontal)
        self.confidence.setRange(0, 100)
        self.confidence.setSingleStep(5)
        self.confidence.setPageStep(10)
        self.confidence.setValue(50)
        self.confidence_value = QLabel("50 %")
        self.confidence_value.setMinimumWidth(self.fontMetrics().horizontalAdvance("100 %") + 4)
        self.confidence.valueChanged.connect(
            lambda v: self.confidence_value.setText(f"{v} %"))
        confidence_row = QHBoxLayout()
        confidence_row.addWidget(self.confidence, 1)
        confidence_row.addWidget(self.confidence_value)
        self.rationale = QPlainTextEdit()
        self.rationale.setPlaceholderText("Why this rating? Name what you checked and found "
                                          "(required).")
        self.rationale.setMinimumHeight(90)
        self.rationale.textChanged.connect(self._update_enabled)
        self.evidence = QLineEdit()
        self.evidence.setPlaceholderText("e.g. keyframe 00:00:02.502; reverse search result "
                                         "URL (separate with ;)")
        form.addRow("Rating", self.rating)
        form.addRow("Confidence", confidence_row)
        form.addRow("Rationale", self.rationale)
        form.addRow("Evidence", self.evidence)
        self.form = form_box

        self.save_button = QPushButton("Save verdict")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save)
        buttons = QHBoxLayout()
        self.hint = muted_label("Each save appends to the claim's history; nothing is "
                                "overwritten.")
        buttons.addWidget(self.hint, 1)
        buttons.addWidget(self.save_button)

        layout.addWidget(section_label("Claim"))
        layout.addWidget(self.claim_label)
        layout.addWidget(self.current_label)
        layout.addWidget(form_box, 1)
        layout.addLayout(buttons)
        self.show_claim(None, None)

    def show_claim(self, snapshot: CaseSnapshot | None, claim: Claim | None) -> None:
        changed = (claim.id if claim else None) != self.claim_id
        self.claim_id = claim.id if claim else None
        if snapshot is None or claim is None:
            self.claim_label.setText(f"<span style='{MUTED}'>Select a claim in the navigator or "
                                     "click one in the article to record a verdict.</span>")
            self.current_label.clear()
            self.form.setEnabled(False)
            self._update_enabled()
            return
        kind = claim_kind(claim)
        chip = (f"<span style='background-color:{KIND_COLORS[kind]}'>&nbsp;{KIND_LABELS[kind]}"
                f"&nbsp;</span>")
        cues = ", ".join(f"“{html.escape(c)}”" for c in claim.cues)
        self.claim_label.setText(
            f"<p style='margin:0'><i>“{html.escape(claim.text)}”</i></p>"
            f"<p style='margin-top:4px; {MUTED}'>{chip} {html.escape(', '.join(claim.kinds))}"
            f"{' · cues: ' + cues if cues else ''}</p>")
        verdict = snapshot.current_verdict(claim.id)
        if verdict is None:
            self.current_label.setText(f"<span style='{MUTED}'>No verdict recorded yet.</span>")
        else:
            self.current_label.setText(
                f"Current: {verdict_pill_html(verdict)} "
                f"<span style='{MUTED}'>{round(verdict.confidence * 100)} % · "
                f"{html.escape(verdict.analyst)} · {html.escape(verdict.created_at)}</span>")
        self.form.setEnabled(True)
        if changed:
            rating = verdict.rating if verdict else Rating.UNVERIFIED
            self.rating.setCurrentIndex(max(self.rating.findData(rating.value), 0))
            self.confidence.setValue(round(verdict.confidence * 100) if verdict else 50)
            self.rationale.clear()
            self.evidence.clear()
        self._update_enabled()

    def _update_enabled(self) -> None:
        self.save_button.setEnabled(self.claim_id is not None
                                    and bool(self.rationale.toPlainText().strip()))

    def evidence_items(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.evidence.text().split(";") if p.strip())

    def _on_save(self) -> None:
        if self.claim_id is None:
            return
        self.save_requested.emit(self.claim_id, str(self.rating.currentData() or ""),
                                 self.rationale.toPlainText(), self.confidence.value() / 100.0,
                                 self.evidence_items())

    def saved(self) -> None:
        """After a successful save: clear the text fields for the next entry."""
        self.rationale.clear()
        self.evidence.clear()


# ---------------------------------------------------------------- History


class HistoryPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.verdicts_label = section_label("Verdict history")
        self.verdicts_model = verdicts_model()
        self.verdicts_view = make_table(self.verdicts_model, stretch_column=4)  # rationale
        self.audit_label = section_label("Audit trail")
        self.audit_status = QLabel()
        self.audit_status.setWordWrap(True)
        self.audit_model = audit_model()
        self.audit_view = make_table(self.audit_model, stretch_column=4)  # detail

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.verdicts_label)
        top_layout.addWidget(self.verdicts_view, 1)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.audit_label)
        bottom_layout.addWidget(self.audit_status)
        bottom_layout.addWidget(self.audit_view, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([200, 400])
        layout.addWidget(splitter)
        self.show_history(None, None)

    def show_history(self, snapshot: CaseSnapshot | None, claim_id: int | None) -> None:
        history = snapshot.history.get(claim_id, []) if snapshot and claim_id else []
        self.verdicts_model.set_rows(list(reversed(history)))  # newest first
        self.verdicts_label.setText(
            f"Verdict history of claim {claim_id} ({len(history)})" if claim_id
            else "Verdict history (select a claim)")
        audit = snapshot.audit if snapshot else []
        self.audit_model.set_rows(audit)
        self.audit_label.setText(f"Audit trail ({len(audit)} events)")
        if snapshot is None:
            self.audit_status.clear()
        elif snapshot.audit_intact:
            self.audit_status.setText("<span style='color:#15803d'>✔ Hash chain intact: no "
                                      "event was altered or removed.</span>")
        else:
            self.audit_status.setText("<span style='color:#b42318; font-weight:600'>✘ Hash "
                                      "chain broken: the history was edited outside the "
                                      "workbench.</span>")
        if audit:
            self.audit_view.scrollToBottom()


class Inspector(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metadata = MetadataPanel()
        self.matches = MatchesPanel()
        self.verdict = VerdictPanel()
        self.history = HistoryPanel()
        self.addTab(self.metadata, "Metadata")
        self.addTab(self.matches, "Matches")
        self.addTab(self.verdict, "Verdict")
        self.addTab(self.history, "History")
        self.setDocumentMode(True)
