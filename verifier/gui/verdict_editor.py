"""The verdict editor: a rating in plain words, the confidence as low / medium / high, the
rationale, structured reasons (those the analysis of the claim's media supports come pre-ticked
as suggestions) and the evidence the verdict rests on: matches, metadata red flags and keyframes
of the linked media, links and notes, and whatever is dragged in from the filmstrip or the
matches table. Saving appends a verdict; the history is never rewritten."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from verifier.gui.evidence import (
    evidence_from_mime,
    forensic_evidence,
    keyframe_evidence,
    match_evidence,
)
from verifier.gui.snapshot import CaseSnapshot
from verifier.gui.style import KIND_COLORS, KIND_LABELS, claim_kind, rating_hex
from verifier.models import (
    CONFIDENCE_LEVELS,
    Claim,
    EvidenceItem,
    MediaItem,
    MediaKind,
    Rating,
    Verdict,
    confidence_label,
)
from verifier.verdicts import REASONS, Suggestion

MUTED = "color:#6b7280"
SUGGESTED_COLOR = "#1d4ed8"

REASON_LABELS: dict[str, str] = {
    "no-earlier-appearance": "No earlier appearance",
    "earlier-appearance": "Earlier appearance",
    "metadata-stripped": "Metadata stripped",
    "no-provenance-credentials": "No Content Credentials",
    "dates-conflict": "Dates conflict",
    "edited-with-software": "Edited with software",
    "re-encoded": "Re-encoded",
    "not-searched": "Not searched in a corpus",
}
RATING_HINTS: dict[str, str] = {
    "UNVERIFIED": "Not established either way yet (the default).",
    "VERIFIED_AUTHENTIC": "The media is what the claim says: its place, time and event.",
    "OUT_OF_CONTEXT": "Real media, but from another date, place or event.",
    "EDITED": "Cut, cropped or edited in a way that changes what it shows.",
    "MANIPULATED": "Altered to mislead (doctored pixels, sound or speed).",
    "STAGED": "A real recording of a scene set up to mislead.",
    "FABRICATED": "Made up entirely, e.g. generated or composited.",
    "SATIRE": "Meant as satire or parody.",
    "INCONCLUSIVE": "Checked, but the evidence does not settle it.",
}
CLAIM_CHARS = 200  # longer claims are cut in the header (the tooltip has them whole)
CONFIDENCE_HINTS = {
    "low": "Some evidence points this way; more checks are needed.",
    "medium": "Several independent checks agree.",
    "high": "Strong, independent evidence; you would publish on it.",
}
GROUPS: tuple[tuple[str, str], ...] = (
    ("match", "Corpus matches"),
    ("metadata", "Metadata red flags"),
    ("keyframe", "Keyframes"),
    ("forensic", "Forensic results"),
    ("other", "Links and notes"),
)
KIND_ROLE = Qt.ItemDataRole.UserRole
REF_ROLE = Qt.ItemDataRole.UserRole + 1
MANY_KEYFRAMES = 8  # the keyframes group starts folded beyond this


def reason_label(code: str) -> str:
    return REASON_LABELS.get(code) or code.replace("-", " ").capitalize()


def _group_of(kind: str) -> str:
    return kind if kind in ("match", "metadata", "keyframe", "forensic") else "other"


@dataclass(frozen=True)
class VerdictDraft:
    """What the analyst entered, for verifier.services.record_verdict."""

    claim_id: int
    rating: str
    confidence: str  # low, medium or high (CONFIDENCE_LEVELS)
    rationale: str
    reasons: tuple[str, ...]
    evidence_items: tuple[EvidenceItem, ...]

    @property
    def confidence_value(self) -> float:
        return CONFIDENCE_LEVELS[self.confidence]


class EvidenceTree(QTreeWidget):
    """Evidence grouped by kind, each with a tick box and an editable note."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Evidence", "Note (double-click to edit)"])
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.setColumnWidth(0, 230)
        self.groups: dict[str, QTreeWidgetItem] = {}
        self.itemDoubleClicked.connect(self._edit_note)
        self.itemChanged.connect(self._on_changed)
        self._updating = False
        self.clear_items()

    def clear_items(self) -> None:
        self._updating = True
        self.clear()
        self.groups = {}
        for key, title in GROUPS:
            group = QTreeWidgetItem(self, [title, ""])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFirstColumnSpanned(True)
            group.setData(0, KIND_ROLE, "")
            self.groups[key] = group
        self._updating = False
        self.refresh_groups()

    def add(self, item: EvidenceItem, checked: bool) -> tuple[QTreeWidgetItem, bool]:
        """The row for item (added when new); returns it and whether it is new."""
        existing = self.find_row(item.kind, item.ref)
        if existing is not None:
            if checked:
                existing.setCheckState(0, Qt.CheckState.Checked)
            return existing, False
        self._updating = True
        group = self.groups[_group_of(item.kind)]
        row = QTreeWidgetItem(group, [self._label(item), item.note])
        row.setData(0, KIND_ROLE, item.kind)
        row.setData(0, REF_ROLE, item.ref)
        row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                     | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
        row.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        row.setToolTip(0, f"{item.kind}: {item.ref}")
        row.setToolTip(1, item.note or "No note; double-click to add one.")
        self._updating = False
        self.refresh_groups()
        return row, True

    @staticmethod
    def _label(item: EvidenceItem) -> str:
        if item.kind == "match":
            return item.ref.replace("\\", "/").rsplit("/", 1)[-1] or item.ref
        if item.kind in ("url", "note"):
            return f"{item.kind}: {item.ref}"
        return item.ref

    def rows(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        for group in self.groups.values():
            out.extend(_children(group))
        return out

    def find_row(self, kind: str, ref: str) -> QTreeWidgetItem | None:
        return next((r for r in self.rows()
                     if r.data(0, KIND_ROLE) == kind and r.data(0, REF_ROLE) == ref), None)

    def items(self, *, checked_only: bool = True) -> list[EvidenceItem]:
        out = []
        for row in self.rows():
            if checked_only and row.checkState(0) != Qt.CheckState.Checked:
                continue
            out.append(EvidenceItem(str(row.data(0, KIND_ROLE)), str(row.data(0, REF_ROLE)),
                                    row.text(1).strip()))
        return out

    def set_checked(self, kind: str, ref: str, checked: bool = True) -> bool:
        row = self.find_row(kind, ref)
        if row is None:
            return False
        row.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        return True

    def refresh_groups(self) -> None:
        self._updating = True
        for key, title in GROUPS:
            group = self.groups[key]
            rows = _children(group)
            total = len(rows)
            ticked = len([r for r in rows if r.checkState(0) == Qt.CheckState.Checked])
            group.setText(0, f"{title} ({ticked} of {total} ticked)" if total else
                          f"{title} (none)")
            group.setHidden(total == 0 and key != "other")
        self._updating = False

    def _edit_note(self, item: QTreeWidgetItem, column: int) -> None:
        if item.data(0, KIND_ROLE):
            self.editItem(item, 1)

    def _on_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if not self._updating and column == 0:
            self.refresh_groups()


class RationaleEdit(QPlainTextEdit):
    """Asks for four lines; it grows with the window, after the evidence list (2 to 5)."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), 4 * self.fontMetrics().lineSpacing() + 12)


class VerdictEditor(QWidget):
    """Record a new verdict on the selected claim (the history is append-only)."""

    save_requested = Signal(object)  # VerdictDraft
    link_requested = Signal(int)  # claim id: the window asks which media to link

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.claim_id: int | None = None
        self.linked: MediaItem | None = None
        self.suggestion = Suggestion((), ())
        self.current: Verdict | None = None
        self._key: tuple[object, ...] | None = None
        self.setAcceptDrops(True)

        self.claim_label = QLabel()
        self.claim_label.setWordWrap(True)
        self.claim_label.setTextFormat(Qt.TextFormat.RichText)
        self.claim_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.current_label = QLabel()
        self.current_label.setWordWrap(True)
        self.current_label.setTextFormat(Qt.TextFormat.RichText)
        self.current_label.linkActivated.connect(self._on_current_link)

        self.rating = QComboBox()
        for rating in Rating:
            self.rating.addItem(rating.value, rating.value)
            hint = RATING_HINTS.get(rating.name, "")
            if hint:
                self.rating.setItemData(self.rating.count() - 1, hint,
                                        Qt.ItemDataRole.ToolTipRole)
        self.rating.currentIndexChanged.connect(self._show_rating_hint)
        self.rating_hint = QLabel()
        self.rating_hint.setStyleSheet(MUTED)
        self.rating_hint.setWordWrap(True)

        self.confidence_group = QButtonGroup(self)
        self.confidence_buttons: dict[str, QRadioButton] = {}
        confidence_row = QHBoxLayout()
        confidence_row.setSpacing(14)
        for level, value in CONFIDENCE_LEVELS.items():
            button = QRadioButton(level.capitalize())
            button.setToolTip(f"{CONFIDENCE_HINTS.get(level, '')} Stored as {value:.2f}.")
            self.confidence_group.addButton(button)
            self.confidence_buttons[level] = button
            confidence_row.addWidget(button)
            button.toggled.connect(self._show_confidence)
        self.confidence_value = QLabel()
        self.confidence_value.setStyleSheet(MUTED)
        confidence_row.addWidget(self.confidence_value, 1)

        self.rationale = RationaleEdit()
        self.rationale.setPlaceholderText("Why this rating? Name what you checked and what you "
                                          "found (required).")
        self.rationale.setTabChangesFocus(True)
        self.rationale.setMinimumHeight(60)
        self.rationale.setMaximumHeight(240)
        self.rationale.textChanged.connect(self._update_enabled)

        form = QGridLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        form.addWidget(QLabel("Rating"), 0, 0)
        form.addWidget(self.rating, 0, 1)
        form.addWidget(self.rating_hint, 1, 1)
        form.addWidget(QLabel("Confidence"), 2, 0)
        form.addLayout(confidence_row, 2, 1)
        rationale_label = QLabel("Rationale")
        rationale_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        form.addWidget(rationale_label, 3, 0)
        form.addWidget(self.rationale, 3, 1)
        form.setColumnStretch(1, 1)
        form.setRowStretch(3, 1)

        # Reasons: two columns of tick boxes; the full sentence is the tooltip.
        self.reasons_hint = QLabel()
        self.reasons_hint.setWordWrap(True)
        self.reasons_hint.setTextFormat(Qt.TextFormat.RichText)
        self.reason_boxes: dict[str, QCheckBox] = {}
        reasons_grid = QGridLayout()
        reasons_grid.setContentsMargins(0, 0, 0, 0)
        reasons_grid.setHorizontalSpacing(12)
        reasons_grid.setVerticalSpacing(2)
        for n, (code, sentence) in enumerate(REASONS.items()):
            box = QCheckBox(reason_label(code))
            box.setToolTip(f"{sentence}\n({code})")
            self.reason_boxes[code] = box
            reasons_grid.addWidget(box, n // 2, n % 2)

        # Evidence
        self.media_label = QLabel()
        self.media_label.setWordWrap(True)
        self.media_label.setTextFormat(Qt.TextFormat.RichText)
        self.media_label.linkActivated.connect(self._on_media_link)
        self.evidence = EvidenceTree()
        self.evidence.setMinimumHeight(96)
        self.evidence.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.evidence_frame = QFrame()
        self.evidence_frame.setObjectName("evidenceFrame")
        frame_layout = QVBoxLayout(self.evidence_frame)
        frame_layout.setContentsMargins(0, 0, 0, 0)
        frame_layout.addWidget(self.evidence)
        self._set_drop_highlight(False)
        self.link_ref = QLineEdit()
        self.link_ref.setPlaceholderText("https://… address, or a note")
        self.link_ref.setClearButtonEnabled(True)
        self.link_note = QLineEdit()
        self.link_note.setPlaceholderText("What it shows (optional)")
        self.link_add = QPushButton("Add")
        self.link_add.setToolTip("Add an external address (http or https) or a free note to the "
                                 "evidence, ticked")
        self.link_add.clicked.connect(self._add_link)
        self.link_ref.returnPressed.connect(self._add_link)
        self.link_note.returnPressed.connect(self._add_link)
        self.link_ref.textChanged.connect(
            lambda text: self.link_add.setEnabled(bool(text.strip())))
        self.link_add.setEnabled(False)
        add_row = QHBoxLayout()
        add_row.setSpacing(4)
        add_row.addWidget(self.link_ref, 3)
        add_row.addWidget(self.link_note, 2)
        add_row.addWidget(self.link_add)

        self.save_button = QPushButton("Save verdict")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save)
        self.hint = QLabel("Saving appends to the claim's history; nothing is overwritten.")
        self.hint.setToolTip("Earlier verdicts stay in the history (see the History tab); "
                             "Edit ▸ Undo appends the previous verdict again.")
        self.hint.setStyleSheet(MUTED)
        self.hint.setWordWrap(True)
        footer = QHBoxLayout()
        footer.addWidget(self.hint, 1)
        footer.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignBottom)

        self.evidence_title = _section("Evidence")
        self.evidence_title.setToolTip("Drag a keyframe from the filmstrip or a row from the "
                                       "Matches tab onto this editor to cite it")
        evidence_head = QHBoxLayout()
        evidence_head.addWidget(self.evidence_title)
        drag_hint = QLabel("drag keyframes or Matches rows here")
        drag_hint.setStyleSheet(MUTED)
        evidence_head.addWidget(drag_hint, 1, Qt.AlignmentFlag.AlignRight)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 0)
        layout.setSpacing(3)
        layout.addWidget(self.claim_label)
        layout.addWidget(self.current_label)
        layout.addSpacing(3)
        self.new_title = _section("New verdict")
        self.new_title.setToolTip("Saved as one more entry of the claim's history; the one shown "
                                  "as “Now” stays in it")
        layout.addWidget(self.new_title)
        layout.addLayout(form, 2)
        layout.addSpacing(3)
        layout.addWidget(_section("Reasons"))
        layout.addWidget(self.reasons_hint)
        layout.addLayout(reasons_grid)
        layout.addSpacing(3)
        layout.addLayout(evidence_head)
        layout.addWidget(self.media_label)
        layout.addWidget(self.evidence_frame, 5)
        layout.addLayout(add_row)
        self.form = body
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(body, 1)
        footer_box = QWidget()
        footer_box.setLayout(footer)
        footer.setContentsMargins(8, 4, 8, 6)
        outer.addWidget(footer_box)
        self.show_claim(None, None)

    # ------------------------------------------------------------ showing a claim

    def show_claim(self, snapshot: CaseSnapshot | None, claim: Claim | None,
                   suggestion: Suggestion | None = None,
                   linked: MediaItem | None = None) -> None:
        """Show a claim; the form is filled afresh when the claim, its linked media or its
        history changed, else what the analyst typed is kept."""
        self.claim_id = claim.id if claim else None
        self.linked = linked
        self.suggestion = suggestion or Suggestion((), ())
        if snapshot is None or claim is None:
            self.claim_label.setText(f"<span style='{MUTED}'>Select a claim in the navigator or "
                                     "click one in the article (or its badge in the margin) to "
                                     "record a verdict.</span>")
            self.current_label.clear()
            self.current = None
            self.form.setEnabled(False)
            self.media_label.clear()
            self.reasons_hint.clear()
            self._key = None
            self._update_enabled()
            return
        self.form.setEnabled(True)
        history = snapshot.history.get(claim.id, []) if claim.id is not None else []
        self.current = history[-1] if history else None
        self._show_claim_text(claim)
        self._show_current()
        key = (snapshot.path, claim.id, len(history), claim.media_id)
        if self._key is not None and key[:3] == self._key[:3] and key != self._key:
            # Only the linked media changed: what was typed stays, the suggestions follow.
            self._key = key
            self._fill(snapshot, claim, keep_typed=True)
        elif key != self._key:
            self._key = key
            self._fill(snapshot, claim)
        else:
            self._offer_forensics(snapshot, linked)  # one kept since: listed, the rest untouched
        self._update_enabled()

    def _offer_forensics(self, snapshot: CaseSnapshot, item: MediaItem | None) -> None:
        if item is None or item.id is None:
            return
        for record in snapshot.forensics.get(item.id, []):
            self.evidence.add(forensic_evidence(record), checked=False)
        self.evidence.groups["forensic"].setExpanded(True)

    def _show_claim_text(self, claim: Claim) -> None:
        kind = claim_kind(claim)
        chip = (f"<span style='background-color:{KIND_COLORS[kind]}'>&nbsp;{KIND_LABELS[kind]}"
                f"&nbsp;</span>")
        origin = " · added by an analyst" if claim.origin == "analyst" else ""
        text = claim.text if len(claim.text) <= CLAIM_CHARS else \
            claim.text[:CLAIM_CHARS].rsplit(" ", 1)[0] + "…"
        self.claim_label.setText(
            f"<b>Claim {claim.id}</b> <i>“{html.escape(text)}”</i>"
            f"<br><span style='{MUTED}'>{chip} {html.escape(', '.join(claim.kinds) or 'no rule')}"
            f"{origin}</span>")
        cues = ", ".join(f"“{c}”" for c in claim.cues)
        self.claim_label.setToolTip(f"“{claim.text}”" + (f"\n\nCues: {cues}" if cues else ""))

    def _show_current(self) -> None:
        verdict = self.current
        if verdict is None:
            self.current_label.setText(f"<span style='{MUTED}'>No verdict recorded yet.</span>")
            return
        pill = (f"<span style='background-color:{rating_hex(verdict.rating)}; color:#ffffff;"
                f" font-weight:600'>&nbsp;{html.escape(verdict.rating.value)}&nbsp;</span>")
        self.current_label.setText(
            f"Now {pill} <span style='{MUTED}'>{verdict.confidence_label} · "
            f"{html.escape(verdict.analyst)} · {html.escape(_short(verdict.created_at))}</span>"
            " · <a href='copy'>start from it</a>")
        reasons = ", ".join(reason_label(r) for r in verdict.reasons)
        self.current_label.setToolTip(
            f"The current verdict ({verdict.confidence_label} confidence): {verdict.rationale}"
            + (f"\nReasons: {reasons}" if reasons else "")
            + "\n\n“Start from it” fills the form with it, to refine it.")

    def _fill(self, snapshot: CaseSnapshot, claim: Claim, *, keep_typed: bool = False) -> None:
        """Start a new verdict: the current rating and confidence, the suggested reasons and
        evidence ticked, everything else the linked media offers listed unticked. keep_typed
        (the claim's media changed) keeps the rating, confidence, rationale and the links and
        notes added."""
        verdict = self.current
        if not keep_typed:
            rating = verdict.rating if verdict else Rating.UNVERIFIED
            self.rating.setCurrentIndex(max(self.rating.findData(rating.value), 0))
            self._show_rating_hint()
            self.set_confidence(verdict.confidence_label if verdict and verdict.confidence > 0
                                else "medium")
            self.rationale.clear()
        typed = [row for row in self.evidence.items(checked_only=False)
                 if _group_of(row.kind) == "other"] if keep_typed else []
        suggested = set(self.suggestion.reasons)
        for code, box in self.reason_boxes.items():
            box.setChecked(code in suggested)
            box.setProperty("suggested", code in suggested)
            box.setStyleSheet(f"color:{SUGGESTED_COLOR}; font-weight:600" if code in suggested
                              else "")
        item = self.linked
        if item is None:
            self.reasons_hint.setText(f"<span style='{MUTED}'>Nothing suggested: the claim is not "
                                      "linked to a media item.</span>")
        elif suggested:
            self.reasons_hint.setText(
                f"<span style='color:{SUGGESTED_COLOR}; font-weight:600'>Blue</span><span "
                f"style='{MUTED}'>: suggested by the analysis of {html.escape(item.original_name)};"
                " untick any you reject.</span>")
            self.reasons_hint.setToolTip("Hover a reason for the sentence reports print for it.")
        else:
            self.reasons_hint.setText(f"<span style='{MUTED}'>The analysis of "
                                      f"{html.escape(item.original_name)} suggests no reason."
                                      "</span>")
        self._fill_evidence(snapshot, item)
        for row in typed:
            self.evidence.add(row, checked=True)
        self._show_media_label(item)

    def _fill_evidence(self, snapshot: CaseSnapshot, item: MediaItem | None) -> None:
        tree = self.evidence
        tree.clear_items()
        suggested = {(e.kind, e.ref) for e in self.suggestion.evidence}
        for evidence in self.suggestion.evidence:
            tree.add(evidence, checked=True)
        if item is not None and item.id is not None:
            report = snapshot.metadata.get(item.id)
            for flag in report.flags if report else ():
                tree.add(EvidenceItem("metadata", flag.code, flag.title),
                         checked=("metadata", flag.code) in suggested)
            for match in snapshot.matches.get(item.id, []):
                tree.add(match_evidence(match), checked=("match", match.corpus_path) in suggested)
            keyframes = snapshot.keyframes.get(item.id, []) if item.kind is MediaKind.VIDEO \
                else []
            for n, kf in enumerate(keyframes):
                tree.add(keyframe_evidence(item, kf, n, len(keyframes)), checked=False)
            # Lens results kept from the Forensics tab (or `verifier forensics --save`).
            for record in snapshot.forensics.get(item.id, []):
                tree.add(forensic_evidence(record), checked=False)
        tree.expandAll()
        keyframes_group = tree.groups["keyframe"]
        keyframes_group.setExpanded(keyframes_group.childCount() <= MANY_KEYFRAMES)
        tree.refresh_groups()

    def _show_media_label(self, item: MediaItem | None) -> None:
        if item is None:
            self.media_label.setText(
                f"<span style='{MUTED}'>This claim is not linked to a media item, so no matches, "
                "metadata or keyframes are listed. </span><a href='link'>Link to media…</a>")
        else:
            kind = "video" if item.kind is MediaKind.VIDEO else "photo"
            self.media_label.setText(
                f"<span style='{MUTED}'>Listed from the linked {kind} </span>"
                f"<b>{html.escape(item.original_name)}</b> · <a href='link'>Change…</a>")

    # ------------------------------------------------------------ the form

    def confidence_level(self) -> str:
        return next((level for level, b in self.confidence_buttons.items() if b.isChecked()),
                    "medium")

    def set_confidence(self, level: str) -> None:
        level = level if level in self.confidence_buttons else confidence_label(0.5)
        self.confidence_buttons[level].setChecked(True)
        self._show_confidence()

    def _show_confidence(self) -> None:
        level = self.confidence_level()
        self.confidence_value.setText(f"{level} · stored as {CONFIDENCE_LEVELS[level]:.2f}")

    def _show_rating_hint(self) -> None:
        rating = self.rating.currentData()
        try:
            name = Rating(rating).name
        except ValueError:
            name = ""
        self.rating_hint.setText(RATING_HINTS.get(name, ""))

    def reasons(self) -> tuple[str, ...]:
        return tuple(code for code, box in self.reason_boxes.items() if box.isChecked())

    def suggested_reasons(self) -> tuple[str, ...]:
        return tuple(code for code, box in self.reason_boxes.items()
                     if box.property("suggested"))

    def evidence_items(self) -> tuple[EvidenceItem, ...]:
        return tuple(self.evidence.items())

    def add_evidence(self, items: list[EvidenceItem]) -> int:
        """Add (ticked) what was dropped or typed; returns how many rows are new."""
        new = 0
        last: QTreeWidgetItem | None = None
        for item in items:
            row, fresh = self.evidence.add(item, checked=True)
            new += fresh
            last = row
        if last is not None:
            parent = last.parent()
            if parent is not None:
                parent.setExpanded(True)
            self.evidence.setCurrentItem(last)
            self.evidence.scrollToItem(last)
        self.evidence.refresh_groups()
        return new

    def _add_link(self) -> None:
        ref = self.link_ref.text().strip()
        if not ref:
            return
        kind = "url" if ref.lower().startswith(("http://", "https://")) else "note"
        self.add_evidence([EvidenceItem(kind, ref, self.link_note.text().strip())])
        self.link_ref.clear()
        self.link_note.clear()

    def draft(self) -> VerdictDraft | None:
        if self.claim_id is None:
            return None
        return VerdictDraft(self.claim_id, str(self.rating.currentData() or ""),
                            self.confidence_level(), self.rationale.toPlainText().strip(),
                            self.reasons(), self.evidence_items())

    def _update_enabled(self) -> None:
        ready = self.claim_id is not None and bool(self.rationale.toPlainText().strip())
        self.save_button.setEnabled(ready)
        self.save_button.setToolTip("Append this verdict to the claim's history" if ready
                                    else "Write a rationale first")

    def _on_save(self) -> None:
        draft = self.draft()
        if draft is not None and draft.rationale:
            self.save_requested.emit(draft)

    def saved(self) -> None:
        """After a successful save: the next show_claim starts a fresh form."""
        self._key = None

    def start_from_current(self) -> None:
        """Fill the form from the current verdict, to refine it."""
        verdict = self.current
        if verdict is None:
            return
        self.rating.setCurrentIndex(max(self.rating.findData(verdict.rating.value), 0))
        self.set_confidence(verdict.confidence_label)
        self.rationale.setPlainText(verdict.rationale)
        for code, box in self.reason_boxes.items():
            box.setChecked(code in verdict.reasons)
        for row in self.evidence.rows():
            row.setCheckState(0, Qt.CheckState.Unchecked)
        for item in verdict.evidence_items:
            row, _ = self.evidence.add(item, checked=True)
            row.setText(1, item.note)
        for line in verdict.evidence:
            self.evidence.add(EvidenceItem("note", line), checked=True)
        self.evidence.refresh_groups()

    def _on_current_link(self, link: str) -> None:
        if link == "copy":
            self.start_from_current()

    def _on_media_link(self, link: str) -> None:
        if link == "link" and self.claim_id is not None:
            self.link_requested.emit(self.claim_id)

    # ------------------------------------------------------------ drops

    def _set_drop_highlight(self, on: bool) -> None:
        self.evidence_frame.setStyleSheet(
            "#evidenceFrame { border: 2px dashed #2563eb; border-radius: 4px;"
            " background: #eff6ff }" if on else
            "#evidenceFrame { border: 2px solid transparent }")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.claim_id is not None and evidence_from_mime(event.mimeData()):
            event.acceptProposedAction()
            self._set_drop_highlight(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.claim_id is not None and evidence_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drop_highlight(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drop_highlight(False)
        items = evidence_from_mime(event.mimeData())
        if self.claim_id is None or not items:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_evidence(items)


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [c for c in (item.child(n) for n in range(item.childCount())) if c is not None]


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight:600; margin-top:2px")
    return label


def _short(iso: str) -> str:
    text = iso.replace("T", " ")
    return text[:-9] + " UTC" if text.endswith("+00:00") else text
