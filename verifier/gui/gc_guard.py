"""Python's cyclic garbage collector runs in whatever thread allocates when a threshold is
crossed. If that is a worker thread and the garbage holds Qt objects, Qt destroys them off the
GUI thread and crashes. So automatic collection is switched off and the GUI thread collects on a
timer instead (the pattern long-lived PyQt/PySide applications use)."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        if counts[0] > self._threshold[0]:
            gen = 0
            if counts[1] > self._threshold[1]:
                gen = 1
                if counts[2] > self._threshold[2]:
                    gen = 2
            gc.collect(gen)
