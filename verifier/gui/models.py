"""Thin Qt table models over the core's plain lists (MetadataField, Match, Verdict, AuditEvent)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from verifier.gui.style import rating_color
from verifier.media.keyframes import format_timestamp
from verifier.models import AuditEvent, Match, MetadataField, TimelineEntry, Verdict

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

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
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
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

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


def verdicts_model() -> ListTableModel[Verdict]:
    return ListTableModel([
        Column[Verdict]("Recorded", lambda v: short_time(v.created_at),
                        sort_key=lambda v: v.created_at, tooltip=lambda v: v.created_at),
        Column[Verdict]("Rating", lambda v: v.rating.value,
                        color=lambda v: rating_color(v.rating)),
        Column[Verdict]("Confidence", lambda v: f"{round(v.confidence * 100)} %",
                        sort_key=lambda v: v.confidence, align_right=True),
        Column[Verdict]("Analyst", lambda v: v.analyst),
        Column[Verdict]("Rationale", lambda v: v.rationale.replace("\n", " "),
                        tooltip=lambda v: v.rationale),
        Column[Verdict]("Evidence", lambda v: "; ".join(v.evidence)),
    ])


def audit_model() -> ListTableModel[AuditEvent]:
    return ListTableModel([
        Column[AuditEvent]("#", lambda e: str(e.id or ""), sort_key=lambda e: e.id,
                           align_right=True),
        Column[AuditEvent]("Time", lambda e: short_time(e.at), sort_key=lambda e: e.at,
                           tooltip=lambda e: e.at),
        Column[AuditEvent]("Actor", lambda e: e.actor),
        Column[AuditEvent]("Action", lambda e: e.action),
        Column[AuditEvent]("Detail", lambda e: json.dumps(e.detail, ensure_ascii=False,
                                                          sort_keys=True),
                           tooltip=lambda e: json.dumps(e.detail, ensure_ascii=False,
                                                        sort_keys=True, indent=2)
                           + f"\n\nhash {e.hash}\nprev {e.prev_hash or '(first)'}"),
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
