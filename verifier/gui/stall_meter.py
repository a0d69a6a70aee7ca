"""Measures how long the event loop goes without running a timer: the longest gap between the
ticks of a short QTimer is the worst freeze a user would have felt."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QTimer, Slot

TICK_MS = 10


@dataclass(frozen=True)
class StallReport:
    what: str
    longest_ms: float  # the longest gap between two ticks (a free loop gives about TICK_MS)
    ticks: int
    over_100_ms: int  # gaps a user would notice
    seconds: float  # how long the measurement ran
    worst: tuple[tuple[float, float], ...] = ()  # (seconds after start, gap ms) of the 5 longest

    def line(self) -> str:
        return (f"{self.what}: longest stall {self.longest_ms:.0f} ms over {self.seconds:.1f} s "
                f"({self.ticks} ticks, {self.over_100_ms} gaps over 100 ms)")


class StallMeter(QObject):
    def __init__(self, parent: QObject | None = None, tick_ms: int = TICK_MS) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self._tick)
        self._what = ""
        self._reset()

    def _reset(self) -> None:
        self._started = self._last = time.perf_counter()
        self._longest = 0.0
        self._ticks = 0
        self._over = 0
        self._gaps: list[tuple[float, float]] = []

    def start(self, what: str) -> None:
        self._what = what
        self._reset()
        self.timer.start()

    def stop(self) -> StallReport:
        self.timer.stop()
        self._tick()  # the gap up to now counts too
        worst = tuple(sorted(self._gaps, key=lambda g: -g[1])[:5])
        return StallReport(self._what, self._longest * 1000, self._ticks, self._over,
                           time.perf_counter() - self._started, worst)

    @Slot()
    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self._last = now
        self._ticks += 1
        self._longest = max(self._longest, gap)
        if gap > 0.1:
            self._over += 1
        if gap > 0.03:
            self._gaps.append((round(self._last - gap - self._started, 3), round(gap * 1000, 1)))
