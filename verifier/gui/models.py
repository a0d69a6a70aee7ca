"""Thin Qt table models over the core's plain lists (MetadataField, Match, Verdict, AuditEvent)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from verifier.gui.style import rating_color
from verifier.media.timecode import format_timestamp
from verifier.models import (
    AuditEvent,
    Match,
    MetadataField,
    TimelineEntry,
    Verdict,
    confidence_label,
)

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    text: Callable[[T], str]
    sort_key: Callable[[T], Any] | None = None  # default: the text
    tooltip: Callable[[T], str] | None = None
    color: Callable[[T], QColor | None] | None = None
    align_right: bool = False


class ListTableModel(QAbstractTableModel, Generic[T]):
    """Rows are the items of a list, columns are functions of an item."""

    def __init__(self, columns: Sequence[Column[T]], rows: Sequence[T] = ()) -> None:
        super().__init__()
        self._columns = list(columns)
        self._rows: list[T] = list(rows)
        self.draggable = False  # rows can be dragged (the view supplies what they carry)
        self.align_top = False  # for wrapped rows: every cell starts on the row's first line

    def set_rows(self, rows: Sequence[T]) -> None:
        rows = list(rows)
        if rows == self._rows:  # the same records again: a reset would only refit the columns
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_item(self, row: int) -> T:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        item = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(item) if column.tooltip else column.text(item)
        if role == Qt.ItemDataRole.ForegroundRole and column.color is not None:
            return column.color(item)
        if role == Qt.ItemDataRole.TextAlignmentRole and (column.align_right or self.align_top):
            vertical = Qt.AlignmentFlag.AlignTop if self.align_top \
                else Qt.AlignmentFlag.AlignVCenter
            horizontal = Qt.AlignmentFlag.AlignRight if column.align_right \
                else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | vertical)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if self.draggable and index.isValid():
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section].header
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        col = self._columns[column]
        key = col.sort_key or col.text
        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=lambda item: _none_last(key(item)),
                        reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()


def _none_last(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def _time(seconds: float | None) -> str:
    return format_timestamp(seconds) if seconds is not None else "—"


def metadata_model() -> ListTableModel[MetadataField]:
    return ListTableModel([
        Column[MetadataField]("Field", lambda f: f.name.replace("_", " ")),
        Column[MetadataField]("Value", lambda f: f.value),
        Column[MetadataField]("Source", lambda f: f.source),
    ])


def _match_tip(m: Match) -> str:
    lines = [m.corpus_path, f"sha256 {m.corpus_sha256}",
             f"{m.corpus_kind.value}, {m.hash_kind} distance {m.distance} of 64"]
    if m.score is not None:
        lines.append(f"score {m.score:.2f}" + (" · geometry confirmed" if m.confirmed else ""))
    if m.note:
        lines.append(m.note)
    lines.append(f"earliest date {m.earliest_date or 'unknown'}")
    if m.source_url:
        lines.append(f"source {m.source_url}")
    return "\n".join(lines)


def matches_model() -> ListTableModel[Match]:
    return ListTableModel([
        Column[Match]("Corpus path", lambda m: m.corpus_path, tooltip=_match_tip),
        Column[Match]("Distance", lambda m: str(m.distance), sort_key=lambda m: m.distance,
                      align_right=True, tooltip=_match_tip),
        Column[Match]("Query time", lambda m: _time(m.query_time),
                      sort_key=lambda m: m.query_time, tooltip=_match_tip),
        Column[Match]("Source time", lambda m: _time(m.source_time),
                      sort_key=lambda m: m.source_time, tooltip=_match_tip),
        Column[Match]("Earliest date", lambda m: (m.earliest_date or "unknown")[:10],
                      sort_key=lambda m: m.earliest_date, tooltip=_match_tip),
    ])


def short_time(iso: str) -> str:
    """2026-11-25T03:58:12+00:00 -> 2026-11-25 03:58:12 (the full value is in the tooltip)."""
    text = iso.replace("T", " ")
    return text[:-6] if text.endswith("+00:00") else text


def verdict_evidence(v: Verdict) -> list[str]:
    """Every piece of evidence of a verdict, one line each."""
    lines = [f"{e.kind}: {e.ref}" + (f" ({e.note})" if e.note else "") for e in v.evidence_items]
    return lines + list(v.evidence)


def verdict_summary(v: Verdict) -> str:
    return f"{v.rating.value}\n{v.confidence_label} confidence ({v.confidence:.2f})\n{v.analyst}"


def verdict_details(v: Verdict) -> str:
    """The rationale, then the reasons and the evidence, a line each."""
    lines = [v.rationale]
    if v.reasons:
        lines.append("Reasons: " + ", ".join(v.reasons))
    lines.extend(f"• {e}" for e in verdict_evidence(v))
    return "\n".join(lines)


def verdicts_model() -> ListTableModel[Verdict]:
    return ListTableModel([
        Column[Verdict]("Recorded (UTC)", lambda v: short_time(v.created_at),
                        sort_key=lambda v: v.created_at, tooltip=lambda v: v.created_at),
        Column[Verdict]("Verdict", verdict_summary, sort_key=lambda v: v.rating.value,
                        color=lambda v: rating_color(v.rating)),
        Column[Verdict]("Rationale, reasons and evidence", verdict_details),
    ])


def _quote(text: object, limit: int = 90) -> str:
    value = str(text or "").replace("\n", " ")
    return f"“{value[:limit]}…”" if len(value) > limit else f"“{value}”"


def _ids(values: object) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list | tuple) else str(values)


def describe_event(event: AuditEvent) -> tuple[str, str]:
    """(what happened, the previous value) of an audit event in plain words; the raw detail
    is in the tooltip."""
    d = event.detail
    claim = f"claim {d.get('claim_id')}"
    previous = d.get("previous")
    what, before = "", ""
    if event.action == "case.created":
        what = f"Case created: {d.get('name', '')}"
    elif event.action == "article.imported":
        what = (f"Article imported from {d.get('source', '?')} "
                f"(SHA-256 {str(d.get('sha256'))[:12]}…)")
    elif event.action == "claims.found":
        what = f"{d.get('count', 0)} claims found by the rules"
    elif event.action == "claim.added":
        what = f"Claim {d.get('claim_id')} added: {_quote(d.get('text'))}"
    elif event.action == "claim.edited":
        what = f"Span of {claim} set to {_quote(d.get('text'))}"
        if isinstance(previous, dict):
            before = _quote(previous.get("text"))
    elif event.action == "claim.deleted":
        what = f"Claim {d.get('claim_id')} hidden (kept with its verdicts)"
        if isinstance(previous, dict):
            before = f"shown: {_quote(previous.get('text'))}"
    elif event.action == "claim.restored":
        what = f"Claim {d.get('claim_id')} shown again: {_quote(d.get('text'))}"
        if isinstance(previous, dict):
            into = previous.get("merged_into")
            before = f"hidden since {short_time(str(previous.get('deleted_at') or '?'))}" + (
                f", merged into claim {into}" if into else "")
    elif event.action == "claims.merged":
        again = " again" if d.get("again") else ""
        what = f"Claims {_ids(d.get('merged', []))} merged{again} into claim {d.get('claim_id')}"
        before = f"claims {_ids(d.get('merged', []))} shown"
    elif event.action == "claims.unmerged":
        what = (f"Merge undone: claim {d.get('claim_id')} hidden, claims "
                f"{_ids(d.get('restored', []))} shown again")
        if isinstance(previous, dict):
            before = f"claim {d.get('claim_id')}: {_quote(previous.get('text'))}"
    elif event.action == "claim.media_linked":
        media = d.get("media_id")
        what = f"{claim.capitalize()} linked to media {media}" if media else \
            f"{claim.capitalize()} unlinked from its media"
        before = f"media {previous}" if previous else "no media"
    elif event.action == "verdict.recorded":
        conf = d.get("confidence")
        level = f" ({confidence_label(float(conf))} confidence)" if isinstance(conf, int | float) \
            else ""
        what = f"Verdict on {claim}: {d.get('rating')}{level}"
        reasons = d.get("reasons") or []
        if reasons:
            what += "; reasons " + ", ".join(str(r) for r in reasons)
        before = str(previous) if previous else "no verdict"
    elif event.action == "report.exported":
        what = (f"{str(d.get('format', '')).upper()} report exported to {d.get('path', '?')} "
                f"(SHA-256 {d.get('sha256', '?')})")
    elif event.action == "media.added":
        what = f"Media {d.get('media_id')} added: {d.get('name', '')}"
    elif event.action == "media.intake":
        source = d.get("source", "")
        known = " (already in the case)" if d.get("already_in_case") else ""
        what = f"Media {d.get('media_id')} taken in from {d.get('origin', '?')} {source}{known}"
    elif event.action == "metadata.extracted":
        flags = d.get("flags") or []
        what = f"Metadata of media {d.get('media_id')} read" + (
            f"; red flags {', '.join(str(f) for f in flags)}" if flags else "; no red flag")
    elif event.action == "keyframes.extracted":
        what = (f"{d.get('keyframes', 0)} keyframes from {d.get('shots', 0)} shots of media "
                f"{d.get('media_id')}")
    elif event.action == "matches.found":
        corpus = (d.get("params") or {}).get("corpus", "the corpus")
        what = f"{d.get('count', 0)} corpus matches for media {d.get('media_id')} in {corpus}"
    elif event.action == "keyframe.matched":
        what = (f"Keyframe at {_time(d.get('time'))} of media {d.get('media_id')} searched: "
                f"{d.get('count', 0)} matches")
    if not what:
        what = f"{event.action}: " + json.dumps(d, ensure_ascii=False, sort_keys=True)
        if previous is not None:
            before = json.dumps(previous, ensure_ascii=False, sort_keys=True)
    return what, before


def _audit_tip(e: AuditEvent) -> str:
    return (json.dumps(e.detail, ensure_ascii=False, sort_keys=True, indent=2)
            + f"\n\nhash {e.hash}\nprev {e.prev_hash or '(first)'}")


def audit_model() -> ListTableModel[AuditEvent]:
    return ListTableModel([
        Column[AuditEvent]("#", lambda e: str(e.id or ""), sort_key=lambda e: e.id,
                           align_right=True),
        Column[AuditEvent]("Time (UTC)", lambda e: short_time(e.at), sort_key=lambda e: e.at,
                           tooltip=lambda e: e.at),
        Column[AuditEvent]("Actor", lambda e: e.actor),
        Column[AuditEvent]("What changed", lambda e: describe_event(e)[0], tooltip=_audit_tip),
        Column[AuditEvent]("Previous value", lambda e: describe_event(e)[1],
                           tooltip=_audit_tip),
    ])


def timeline_time(entry: TimelineEntry) -> str:
    """2008-05-30T15:56:01 -> 2008-05-30 15:56:01; a local time of unknown zone says so."""
    text = entry.time.replace("T", " ")
    return text if entry.zone_known else f"{text} (zone unknown)"


def timeline_model() -> ListTableModel[TimelineEntry]:
    def tip(e: TimelineEntry) -> str:
        lines = [f"{e.source}: {timeline_time(e)}"]
        if e.value and e.value != e.time:
            lines.append(f"as written: {e.value}")
        if not e.zone_known:
            lines.append("A local time without a zone: it may be up to 14 hours off UTC, so it "
                         "is sorted as if it were UTC.")
        return "\n".join(lines)

    return ListTableModel([
        Column[TimelineEntry]("Date and time", timeline_time, tooltip=tip),
        Column[TimelineEntry]("Source", lambda e: e.source, tooltip=tip),
    ])
