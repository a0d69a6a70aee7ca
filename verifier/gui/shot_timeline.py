"""A video's shots as a thin bar: alternating segments, a tick per keyframe, the selected keyframe
marked, the player's frame as an orange line. Clicking a shot selects its keyframe (the one
nearest the click when it has several); dragging along the bar goes to the exact time."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from verifier.gui.style import muted_hex
from verifier.media.timecode import format_timestamp
from verifier.models import Keyframe, Shot

SEGMENT_COLORS = (QColor("#cbd5e1"), QColor("#94a3b8"))  # alternating shots
SELECTED_SHOT = QColor("#bfdbfe")
SELECTED_SHOT_EDGE = QColor("#60a5fa")
PREVIEW_COLOR = QColor("#e5e7eb")  # an I-frame preview has no shots
TICK_COLOR = QColor("#1f2937")
MARKER_COLOR = QColor("#2563eb")
PLAYHEAD_COLOR = QColor("#ea580c")  # the player's frame, when it is not the keyframe marked
MARGIN = 6  # room for the marker's triangle at the ends
BAR_TOP, BAR_HEIGHT = 7, 14
LABEL_HEIGHT = 13  # start and end times under the bar


def shot_label(kf: Keyframe) -> str:
    return "I-frame preview" if kf.shot < 0 else f"shot {kf.shot + 1}"


class ShotTimeline(QWidget):
    keyframe_chosen = Signal(int)  # index into the keyframes
    time_chosen = Signal(float)  # dragged along the bar: the player goes to that time

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shots: list[Shot] = []
        self.keyframes: list[Keyframe] = []
        self.duration = 0.0
        self.selected = -1
        self.playhead: float | None = None  # the time of the frame shown
        self._scrubbing = False
        self.setFixedHeight(BAR_TOP + BAR_HEIGHT + 4 + LABEL_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("")  # tooltips come from event() per position

    def sizeHint(self) -> QSize:
        return QSize(400, self.height())

    def set_video(self, shots: list[Shot], keyframes: list[Keyframe],
                  duration: float | None) -> None:
        self.shots = sorted(shots, key=lambda s: s.start)
        self.keyframes = list(keyframes)
        ends = [s.end for s in self.shots] + [k.time for k in self.keyframes] + [duration or 0.0]
        self.duration = max(ends) if ends else 0.0
        self.selected = -1
        self.playhead = None
        self.update()

    def set_playhead(self, seconds: float | None) -> None:
        self.playhead = seconds
        self.update()

    def set_selected(self, index: int) -> None:
        self.selected = index
        self.update()

    # ------------------------------------------------------------ geometry

    def bar_rect(self) -> QRect:
        return QRect(MARGIN, BAR_TOP, max(self.width() - 2 * MARGIN, 1), BAR_HEIGHT)

    def x_of(self, seconds: float) -> float:
        bar = self.bar_rect()
        if self.duration <= 0:
            return float(bar.left())
        return bar.left() + bar.width() * min(max(seconds / self.duration, 0.0), 1.0)

    def time_at(self, x: float) -> float:
        bar = self.bar_rect()
        return max(0.0, min(1.0, (x - bar.left()) / max(bar.width(), 1))) * self.duration

    def segment_count(self) -> int:
        return len(self.shots)

    def segment_rect(self, n: int) -> QRect:
        shot = self.shots[n]
        bar = self.bar_rect()
        left, right = round(self.x_of(shot.start)), round(self.x_of(shot.end))
        return QRect(left, bar.top(), max(right - left, 1), bar.height())

    def shot_at(self, seconds: float) -> int | None:
        """Index (into self.shots) of the shot playing at that time."""
        for n, shot in enumerate(self.shots):
            if shot.start <= seconds < shot.end:
                return n
        if self.shots and seconds >= self.shots[-1].start:
            return len(self.shots) - 1
        return None

    def keyframe_for(self, seconds: float) -> int | None:
        """The keyframe a click at that time selects: the nearest of the shot's own, else (a shot
        whose keyframe was merged into an earlier near-duplicate) the nearest of all."""
        if not self.keyframes:
            return None
        n = self.shot_at(seconds)
        candidates = [i for i, k in enumerate(self.keyframes)
                      if n is not None and k.shot == self.shots[n].index]
        candidates = candidates or list(range(len(self.keyframes)))
        return min(candidates, key=lambda i: abs(self.keyframes[i].time - seconds))

    # ------------------------------------------------------------ events

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        index = self.keyframe_for(self.time_at(event.position().x()))
        if index is not None:
            self.set_selected(index)
            self.keyframe_chosen.emit(index)
        self._scrubbing = True
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        # A click shows the shot's keyframe; dragging goes to the exact time under the pointer.
        if self._scrubbing and event.buttons() & Qt.MouseButton.LeftButton:
            seconds = self.time_at(event.position().x())
            self.set_playhead(seconds)
            self.time_chosen.emit(seconds)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._scrubbing = False
        super().mouseReleaseEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def tooltip_at(self, pos: QPoint) -> str:
        if self.duration <= 0:
            return ""
        seconds = self.time_at(pos.x())
        lines = []
        n = self.shot_at(seconds)
        if n is not None:
            shot = self.shots[n]
            how = f", begins with a {shot.transition}" if shot.transition not in ("", "start") \
                else ""
            lines.append(f"Shot {shot.index + 1} of {len(self.shots)}: "
                         f"{format_timestamp(shot.start)} – {format_timestamp(shot.end)} "
                         f"({shot.end - shot.start:.1f} s{how})")
        elif not self.shots:
            lines.append("Quick preview: the stream's I-frames, not shot boundaries")
        index = self.keyframe_for(seconds)
        if index is not None:
            kf = self.keyframes[index]
            lines.append(f"Click to show keyframe {index + 1} at {format_timestamp(kf.time)}")
        lines.append("Drag along the bar to go to an exact time")
        return "\n".join(lines)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        bar = self.bar_rect()
        selected_kf = self.keyframes[self.selected] \
            if 0 <= self.selected < len(self.keyframes) else None
        if not self.shots:
            painter.fillRect(bar, PREVIEW_COLOR)
        for n, shot in enumerate(self.shots):
            rect = self.segment_rect(n)
            if selected_kf is not None and selected_kf.shot == shot.index:
                painter.fillRect(rect, SELECTED_SHOT)
                painter.setPen(QPen(SELECTED_SHOT_EDGE, 1))
                painter.drawRect(rect.adjusted(0, 0, -1, -1))
            else:
                painter.fillRect(rect, SEGMENT_COLORS[n % 2])
            if n:  # a hairline between shots
                painter.fillRect(QRect(rect.left(), rect.top(), 1, rect.height()),
                                 QColor("#ffffff"))
        painter.setPen(QPen(TICK_COLOR, 1.5))
        for kf in self.keyframes:
            x = self.x_of(kf.time)
            painter.drawLine(QPointF(x, bar.top() + 3), QPointF(x, bar.bottom() - 2))
        font = painter.font()
        font.setPointSizeF(max(font.pointSizeF() * 0.8, 6.5))
        painter.setFont(font)
        painter.setPen(QColor(muted_hex()))
        labels = QRect(bar.left(), bar.bottom() + 3, bar.width(), LABEL_HEIGHT)
        painter.drawText(labels, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                         format_timestamp(0.0))
        painter.drawText(labels, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                         format_timestamp(self.duration))
        summary = (f"{len(self.shots)} shot{'s' if len(self.shots) != 1 else ''} · "
                   f"{len(self.keyframes)} keyframe{'s' if len(self.keyframes) != 1 else ''}"
                   if self.shots else f"I-frame preview · {len(self.keyframes)} keyframes")
        painter.drawText(labels, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                         summary)
        if selected_kf is not None:
            x = self.x_of(selected_kf.time)
            painter.setPen(QPen(MARKER_COLOR, 3))
            painter.drawLine(QPointF(x, bar.top() - 1), QPointF(x, bar.bottom() + 3))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(MARKER_COLOR)
            painter.drawPolygon(QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0),
                                           QPointF(x, bar.top() - 1)]))
        if self.playhead is not None and (selected_kf is None
                                          or abs(selected_kf.time - self.playhead) > 1e-3):
            x = self.x_of(self.playhead)
            painter.setPen(QPen(PLAYHEAD_COLOR, 2))
            painter.drawLine(QPointF(x, bar.top() - 3), QPointF(x, bar.bottom() + 3))
        painter.end()
