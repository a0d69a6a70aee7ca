"""The Matches tab's list: a thumbnail of each corpus original (the image, or the video frame at
the matched time, loaded in a worker), the score, and the earliest known appearance on top."""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

from verifier.gui.models import Column, Index, ListTableModel
from verifier.matching.align import format_time
from verifier.matching.wording import distances_text, found_by
from verifier.models import Match, MediaKind
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

log = logging.getLogger(__name__)

THUMB = QSize(96, 54)
ThumbKey = tuple[str, float | None]  # (corpus SHA-256, source time)


def thumbnail_key(m: Match) -> ThumbKey:
    at = m.source_start if m.source_start is not None else m.source_time
    return m.corpus_sha256, None if m.corpus_kind is MediaKind.IMAGE else round(at or 0.0, 2)


def _path_of(m: Match) -> str:
    return next((p for p in (m.corpus_path, *m.locations) if p and Path(p).is_file()),
                m.corpus_path)


def thumbnail_jobs(matches: list[Match]) -> list[tuple[ThumbKey, str, float | None]]:
    """(key, file, time) for each distinct picture the list needs."""
    out: dict[ThumbKey, tuple[ThumbKey, str, float | None]] = {}
    for m in matches:
        key = thumbnail_key(m)
        out.setdefault(key, (key, _path_of(m), key[1]))
    return list(out.values())


def load_match_thumbnails(jobs: list[tuple[ThumbKey, str, float | None]], *,
                          progress: Progress = NULL_PROGRESS,
                          cancel: CancelToken = NEVER_CANCELLED) -> list[tuple[ThumbKey, QImage]]:
    """Small pictures of the corpus originals (a worker function). One that cannot be read is
    left out: the row keeps its text. A list, not a dict: a signal would turn a dict into a
    QVariantMap and lose its tuple keys."""
    from verifier.errors import UserError
    from verifier.gui.match_compare import rgb_image
    from verifier.matching.overlay import load_picture

    progress.start(len(jobs), "Loading the matches' thumbnails")
    out: list[tuple[ThumbKey, QImage]] = []
    for key, path, time in jobs:
        cancel.check()
        try:
            rgb = load_picture(Path(path), time=time, side=THUMB.width() * 2)
            out.append((key, rgb_image(rgb).scaled(
                THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)))
        except UserError as exc:
            log.info("match thumbnail: %s", exc)
        progress.advance()
    return out


def _tip(m: Match) -> str:
    lines = [m.corpus_path, f"sha256 {m.corpus_sha256}",
             f"{m.corpus_kind.value}, found by {found_by(m.hash_kind)}; "
             f"{distances_text(m.distance, m.distances)}"]
    if m.score is not None:
        lines.append(f"score {m.score:.2f}" + (" · geometry confirmed" if m.confirmed else ""))
    summary = (m.transform or {}).get("summary") or (m.transform or {}).get("orientation")
    if summary:
        lines.append(str(summary))
    if m.note:
        lines.append(m.note)
    lines.append(f"earliest date {m.earliest_date or 'unknown'}")
    if m.source_url:
        lines.append(f"source {m.source_url}")
    lines.append("Select to compare with the query; drag onto the Verdict tab to cite it")
    return "\n".join(lines)


def _query_span(m: Match) -> str:
    if m.query_start is not None:
        return f"{format_time(m.query_start)}–{format_time(m.query_end or m.query_start)}"
    return format_time(m.query_time) if m.query_time is not None else "—"


def _source_span(m: Match) -> str:
    if m.source_start is not None:
        return f"{format_time(m.source_start)}–{format_time(m.source_end or m.source_start)}"
    return format_time(m.source_time) if m.source_time is not None else "—"


class MatchListModel(ListTableModel[Match]):
    """Matches, best first, with a thumbnail of the original in the first column."""

    def __init__(self) -> None:
        super().__init__([
            Column[Match]("Corpus original", lambda m: Path(m.corpus_path).name, tooltip=_tip,
                          sort_key=lambda m: m.corpus_path),
            Column[Match]("Score", lambda m: f"{m.score:.2f}" if m.score is not None else "—",
                          sort_key=lambda m: -(m.score or 0.0), align_right=True, tooltip=_tip),
            Column[Match]("pHash distance", lambda m: str(m.distance),
                          sort_key=lambda m: m.distance,
                          align_right=True, tooltip=_tip),
            Column[Match]("Query", _query_span, sort_key=lambda m: m.query_time, tooltip=_tip),
            Column[Match]("Source", _source_span, sort_key=lambda m: m.source_time,
                          tooltip=_tip),
            Column[Match]("Earliest date", lambda m: (m.earliest_date or "unknown")[:10],
                          sort_key=lambda m: m.earliest_date, tooltip=_tip),
        ])
        self.thumbnails: dict[ThumbKey, QImage] = {}

    def set_thumbnails(self, images: object) -> None:
        """(key, QImage) pairs from load_match_thumbnails."""
        if isinstance(images, list):
            self.thumbnails.update((key, image) for key, image in images
                                   if isinstance(image, QImage))
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0),
                                  [Qt.ItemDataRole.DecorationRole])

    def missing_thumbnails(self) -> list[tuple[ThumbKey, str, float | None]]:
        return [job for job in thumbnail_jobs(self.rows()) if job[0] not in self.thumbnails]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DecorationRole and index.isValid() and index.column() == 0 \
                and index.row() < self.rowCount():
            return self.thumbnails.get(thumbnail_key(self.row_item(index.row())))
        return super().data(index, role)


def earliest_of(matches: list[Match]) -> Match | None:
    """verifier.matching.search.earliest_known's rule (a test holds them equal), here so that
    showing a list does not import the matcher (OpenCV, FAISS) on the GUI thread: the dated
    match scoring 0.5 or more with the earliest date, else any dated one."""
    dated = [m for m in matches if m.earliest_date and (m.score or 0) >= 0.5] \
        or [m for m in matches if m.earliest_date]
    return min(dated, key=lambda m: (m.earliest_date or "", -(m.score or 0))) if dated else None


def earliest_html(matches: list[Match]) -> str:
    """"Earliest known: 2017-03-14, harbour-storm-2017.mp4, source URL" for the top of the tab;
    empty when no match is dated."""
    first = earliest_of(matches)
    if first is None or not first.earliest_date:
        return ""
    parts = [f"<b>Earliest known appearance: {html.escape(first.earliest_date[:10])}</b>",
             html.escape(Path(first.corpus_path).name)]
    if first.source_url:
        url = html.escape(first.source_url, quote=True)
        parts.append(f"<a href='{url}'>{html.escape(first.source_url)}</a>")
    summary = (first.transform or {}).get("summary")
    if summary:
        parts.append(html.escape(str(summary)))
    if not (first.confirmed or (first.score or 0) >= 0.5):
        parts.append("<i>a weak match: check it</i>")
    return " · ".join(parts)
