"""The time alignment of a video match: a bar for the query clip and one for the corpus video,
the matched spans on each joined by a band ("query 00:00-00:07 = source 00:04-00:11, speed
1.0x"), keyframe ticks, and a click on a span picks the frame pair at that moment."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from verifier.matching.align import format_speed, format_time
from verifier.models import Match

SPAN_COLORS = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#db2777")
_BAR_HEIGHT = 18
_MARGIN = 10
_LABEL_WIDTH = 64  # room for "Query" / "Source" left of the bars


@dataclass(frozen=True)
class TimeSpan:
    """One aligned stretch: query [query_start, query_end] = source [source_start, source_end]."""

    query_start: float
    query_end: float
    source_start: float
    source_end: float
    speed: float = 1.0
    offset: float | None = None  # source time at query time 0 (None: from the starts)

    def source_at(self, query_time: float) -> float:
        offset = self.offset if self.offset is not None \
            else self.source_start - self.speed * self.query_start
        return max(0.0, self.speed * query_time + offset)

    def describe(self, source_name: str = "source") -> str:
        return (f"query {format_time(self.query_start)}-{format_time(self.query_end)} = "
                f"{source_name} {format_time(self.source_start)}-"
                f"{format_time(self.source_end)}, speed {format_speed(self.speed)}")


def spans_of(matches: list[Match], corpus_sha256: str) -> list[TimeSpan]:
    """The aligned spans the matches give for one corpus video, in query order."""
    out = []
    for m in matches:
        if m.corpus_sha256 != corpus_sha256 or m.query_start is None or m.source_start is None:
            continue
        t = m.transform or {}
        speed = float(t.get("speed") or 1.0)
        offset = t.get("offset")
        out.append(TimeSpan(m.query_start, m.query_end if m.query_end is not None
                            else m.query_start, m.source_start,
                            m.source_end if m.source_end is not None else m.source_start,
                            speed, float(offset) if offset is not None else None))
    return sorted(out, key=lambda s: s.query_start)


class TimeAlignmentView(QWidget):
    """Two time bars with the matched spans joined. Click a span (on either bar or the band
    between them) to see that frame pair; hover for its times."""

    frame_pair_chosen = Signal(float, float)  # query seconds, source seconds

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.query_duration = 0.0
        self.source_duration = 0.0
        self.spans: list[TimeSpan] = []
        self.query_ticks: list[float] = []
        self.source_ticks: list[float] = []
        self.query_name = "query"
        self.source_name = "source"
        self.current: tuple[float, float] | None = None  # the frame pair shown
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("The query clip (top) and the corpus video (bottom): coloured spans are "
                        "the stretches that match, joined by a band; ticks are keyframes. Click "
                        "a span to see that frame pair; Left/Right step it by a second "
                        "(Shift: five).")

    def sizeHint(self) -> QSize:
        return QSize(420, 130)

    def set_alignment(self, query_duration: float | None, source_duration: float | None,
                      spans: list[TimeSpan], *, query_ticks: list[float] | None = None,
                      query_name: str = "query", source_name: str = "source") -> None:
        self.spans = list(spans)
        ends_q = [s.query_end for s in spans] + [0.0]
        ends_s = [s.source_end for s in spans] + [0.0]
        self.query_duration = max(query_duration or 0.0, max(ends_q), 0.001)
        self.source_duration = max(source_duration or 0.0, max(ends_s), 0.001)
        self.query_ticks = sorted(t for t in (query_ticks or []) if 0 <= t <= self.query_duration)
        # The query's keyframes that fall in a span, where they land in the source.
        self.source_ticks = sorted(s.source_at(t) for t in self.query_ticks for s in spans
                                   if s.query_start <= t <= s.query_end)
        self.query_name, self.source_name = query_name, source_name
        self.current = None
        self.update()

    def clear(self) -> None:
        self.set_alignment(0.0, 0.0, [])

    def set_current(self, query_time: float, source_time: float) -> None:
        self.current = (query_time, source_time)
        self.update()

    # ------------------------------------------------------------ geometry

    def query_bar(self) -> QRect:
        return QRect(_MARGIN + _LABEL_WIDTH, 30, max(10, self.width() - 2 * _MARGIN
                                                      - _LABEL_WIDTH), _BAR_HEIGHT)

    def source_bar(self) -> QRect:
        top = max(self.query_bar().bottom() + 40, self.height() - _BAR_HEIGHT - 22)
        bar = self.query_bar()
        return QRect(bar.left(), top, bar.width(), _BAR_HEIGHT)

    def _x(self, bar: QRect, seconds: float, duration: float) -> float:
        return bar.left() + bar.width() * min(max(seconds / duration, 0.0), 1.0)

    def span_rects(self, n: int) -> tuple[QRectF, QRectF]:
        """(the span on the query bar, the span on the source bar)."""
        s = self.spans[n]
        qb, sb = self.query_bar(), self.source_bar()
        q0, q1 = (self._x(qb, t, self.query_duration) for t in (s.query_start, s.query_end))
        s0, s1 = (self._x(sb, t, self.source_duration) for t in (s.source_start, s.source_end))
        return (QRectF(q0, qb.top(), max(q1 - q0, 3.0), qb.height()),
                QRectF(s0, sb.top(), max(s1 - s0, 3.0), sb.height()))

    def _band(self, n: int) -> QPolygonF:
        q, s = self.span_rects(n)
        return QPolygonF([q.bottomLeft(), q.bottomRight(), s.topRight(), s.topLeft()])

    def pair_at(self, pos: QPoint | QPointF) -> tuple[int, float, float] | None:
        """(span index, query seconds, source seconds) under a point, or None."""
        p = QPointF(pos)
        for n, span in enumerate(self.spans):
            q, s = self.span_rects(n)
            if q.adjusted(-2, -4, 2, 4).contains(p):
                share = (p.x() - q.left()) / max(q.width(), 1.0)
            elif s.adjusted(-2, -4, 2, 4).contains(p):
                share = (p.x() - s.left()) / max(s.width(), 1.0)
            elif self._band(n).containsPoint(p, Qt.FillRule.OddEvenFill):
                # Along the band: interpolate between its top and bottom edges.
                t = (p.y() - q.bottom()) / max(s.top() - q.bottom(), 1.0)
                left = q.left() + t * (s.left() - q.left())
                right = q.right() + t * (s.right() - q.right())
                share = (p.x() - left) / max(right - left, 1.0)
            else:
                continue
            share = min(max(share, 0.0), 1.0)
            tq = span.query_start + share * (span.query_end - span.query_start)
            return n, tq, min(span.source_at(tq), self.source_duration)
        return None

    # ------------------------------------------------------------ events

    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self.pair_at(event.position())
        if hit is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        _n, tq, ts = hit
        self.set_current(tq, ts)
        self.frame_pair_chosen.emit(tq, ts)

    def step(self, seconds: float) -> tuple[float, float] | None:
        """Move the frame pair shown along the spans by `seconds` of the query (from the first
        span's start when none is shown); the pair chosen is emitted."""
        if not self.spans:
            return None
        tq = (self.current[0] + seconds) if self.current is not None \
            else self.spans[0].query_start
        inside = [s for s in self.spans if s.query_start <= tq <= s.query_end]
        if not inside:
            # Past a span's end: the nearest edge of the nearest span.
            span = min(self.spans, key=lambda s: min(abs(tq - s.query_start),
                                                     abs(tq - s.query_end)))
            tq = min(max(tq, span.query_start), span.query_end)
            inside = [span]
        ts = min(inside[0].source_at(tq), self.source_duration)
        self.set_current(tq, ts)
        self.frame_pair_chosen.emit(tq, ts)
        return tq, ts

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = 5.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
        if event.key() == Qt.Key.Key_Left:
            self.step(-step)
        elif event.key() == Qt.Key.Key_Right:
            self.step(step)
        else:
            super().keyPressEvent(event)

    def event(self, e: object) -> bool:
        if isinstance(e, QHelpEvent) and e.type() == QHelpEvent.Type.ToolTip:
            text = self.tooltip_at(e.pos())
            if text:
                QToolTip.showText(e.globalPos(), text, self)
                return True
        return super().event(e)  # type: ignore[arg-type]

    def tooltip_at(self, pos: QPoint) -> str:
        hit = self.pair_at(pos)
        if hit is None:
            return ""
        n, tq, ts = hit
        return (f"{self.spans[n].describe(self.source_name)}\nClick: the frame pair at "
                f"query {format_time(tq)} and source {format_time(ts)}")

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_color = palette.windowText().color()
        qb, sb = self.query_bar(), self.source_bar()
        painter.setPen(text_color)
        summary = "; ".join(s.describe(self.source_name) for s in self.spans[:3]) \
            or "No aligned span: this match is not a video-to-video match."
        painter.drawText(QRect(_MARGIN, 4, self.width() - 2 * _MARGIN, 20),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         painter.fontMetrics().elidedText(summary, Qt.TextElideMode.ElideRight,
                                                          self.width() - 2 * _MARGIN))
        for bar, label, duration in ((qb, "Query", self.query_duration),
                                     (sb, "Source", self.source_duration)):
            painter.setPen(text_color)
            painter.drawText(QRect(_MARGIN, bar.top(), _LABEL_WIDTH - 6, bar.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            painter.setPen(QPen(QColor("#9ca3af"), 1))
            painter.setBrush(QColor("#e5e7eb"))
            painter.drawRect(bar)
            painter.setPen(QColor("#6b7280"))
            small = painter.font()
            small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
            painter.save()
            painter.setFont(small)
            painter.drawText(QRect(bar.left(), bar.bottom() + 2, 60, 14),
                             Qt.AlignmentFlag.AlignLeft, "00:00")
            painter.drawText(QRect(bar.right() - 60, bar.bottom() + 2, 60, 14),
                             Qt.AlignmentFlag.AlignRight, format_time(duration))
            painter.restore()
        for n in range(len(self.spans)):
            color = QColor(SPAN_COLORS[n % len(SPAN_COLORS)])
            band = QColor(color)
            band.setAlpha(60)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(band))
            painter.drawPolygon(self._band(n))
            painter.setBrush(color)
            q, s = self.span_rects(n)
            painter.drawRect(q)
            painter.drawRect(s)
        tick_pen = QPen(QColor("#111827"), 1)
        painter.setPen(tick_pen)
        for bar, ticks, duration in ((qb, self.query_ticks, self.query_duration),
                                     (sb, self.source_ticks, self.source_duration)):
            for t in ticks:
                x = self._x(bar, t, duration)
                painter.drawLine(QPointF(x, bar.top() - 4), QPointF(x, bar.top() + 5))
        if self.current is not None:
            tq, ts = self.current
            painter.setPen(QPen(QColor("#dc2626"), 2))
            xq, xs = self._x(qb, tq, self.query_duration), self._x(sb, ts, self.source_duration)
            painter.drawLine(QPointF(xq, qb.top() - 2), QPointF(xq, qb.bottom() + 2))
            painter.drawLine(QPointF(xq, qb.bottom() + 2), QPointF(xs, sb.top() - 2))
            painter.drawLine(QPointF(xs, sb.top() - 2), QPointF(xs, sb.bottom() + 2))
        painter.end()
