"""The Forensics tab on a 12 Mpx real photo: how long the window's event loop stalls.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_forensics_tab.py [--rounds 3]

A 10 ms QTimer on the GUI thread (verifier.gui.stall_meter) records the longest gap between its
ticks while the tab, in a real window on a case holding the photo, (1) reads the picture when
the tab is shown, (2) runs ELA and shows its result, (3) runs the clone lens and shows it,
(4) moves the opacity slider 50 steps (a repaint each). Peers, in the same run: the picture
read and ELA run and composited on the GUI thread (what the tab would do without its worker),
and each slider step composited at full size with the core's `render.overlay`, converted to a
QImage and repainted (what the tab would do without its display copy).

Prints markdown for the "## Forensics tab" section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PHOTO = REPO.parent / "shared" / "media" / "exif-samples/jpg/tests/42_IndexError.jpg"
STEPS = 50


def _wait_until(done: Callable[[], bool], timeout: float = 300.0) -> None:
    from PySide6.QtCore import QCoreApplication

    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not finish in time")
        QCoreApplication.processEvents()
        time.sleep(0.002)


def one_round(folder: Path) -> dict[str, float]:
    from PySide6.QtCore import QCoreApplication

    from verifier.case import CaseStore
    from verifier.forensics import load, run_lens
    from verifier.forensics.render import overlay
    from verifier.gui.forensics_view import to_qimage
    from verifier.gui.main_window import MainWindow
    from verifier.gui.stall_meter import StallMeter
    from verifier.media import intake

    case_path = folder / "bench.vcase"
    with CaseStore.create(case_path) as case:
        item = case.add_media(intake.inspect(PHOTO))
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    assert window.open_case(case_path) and item.id is not None
    window.select_media(item.id)
    QCoreApplication.processEvents()
    panel = window.inspector.forensics
    meter = StallMeter(window)
    out: dict[str, float] = {}

    def measure(key: str, start: Callable[[], object], done: Callable[[], bool]) -> None:
        meter.start(key)
        t0, cpu0 = time.perf_counter(), time.thread_time()
        start()
        _wait_until(done)
        for _ in range(5):  # the repaints the result queued
            QCoreApplication.processEvents()
        report = meter.stop()
        out[key] = report.longest_ms
        out[key + " s"] = time.perf_counter() - t0
        out[key + " cpu"] = time.thread_time() - cpu0
        if os.environ.get("BENCH_VERBOSE"):
            print(key, report.line(), report.worst, file=sys.stderr)

    def idle() -> bool:
        return window.job is None and not window.background_busy()

    measure("read", lambda: window.inspector.setCurrentWidget(panel),
            lambda: panel.source is not None and idle())
    for lens in ("ela", "clone"):
        panel.select_lens(lens)
        measure(lens, panel.run_lens, lambda: idle() and panel.run is not None
                and panel.run.lens == panel.current_spec().name)
    panel.select_lens("ela")
    measure("ela again", panel.run_lens, idle)

    def slide() -> None:  # one step, then the events it queued, as a dragged slider does
        for n in range(STEPS):
            panel.opacity.setValue(n * 2)
            panel.canvas.repaint()
            QCoreApplication.processEvents()

    t0 = time.perf_counter()
    measure("slider", slide, lambda: True)
    out["slider step ms"] = (time.perf_counter() - t0) * 1000 / STEPS

    # Peers: the same work on the GUI thread.
    def gui_thread_ela() -> None:
        src = load(PHOTO)
        result = run_lens("ela", src)
        panel.canvas.set_picture(src.rgb)
        panel.canvas.set_map(result.maps[0])
        panel.canvas.repaint()

    measure("peer ela", gui_thread_ela, lambda: True)
    src = load(PHOTO)
    result = run_lens("ela", src)

    def full_size_steps() -> None:
        canvas = panel.canvas
        for n in range(STEPS // 5):
            image = to_qimage(overlay(src.rgb, result.maps[0], n / 10))
            canvas._image = image  # the composite a full-size tab would draw
            canvas.repaint()
            QCoreApplication.processEvents()

    t0 = time.perf_counter()
    measure("peer slider", full_size_steps, lambda: True)
    out["peer slider step ms"] = (time.perf_counter() - t0) * 1000 / (STEPS // 5)
    window.shutdown()
    window.deleteLater()
    QCoreApplication.processEvents()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not PHOTO.exists():
        print(f"missing {PHOTO} (../shared is absent)", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QMessageBox

    from verifier.gui.app import create_application

    def no_box(box: QMessageBox) -> int:
        print(f"message box: {box.text()} {box.informativeText()}", file=sys.stderr)
        return int(QMessageBox.StandardButton.Ok.value)

    QMessageBox.exec = no_box  # type: ignore[method-assign]
    create_application()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-forensics-tab-") as tmp:
        rounds = [one_round(Path(tmp) / f"r{n}") for n in range(args.rounds)]
    load_after = os.getloadavg()[0]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    from PIL import Image

    with Image.open(PHOTO) as img:
        size = f"{img.width}x{img.height}"
    print(f"Photo {PHOTO.name} ({size}); median of {args.rounds} rounds; load average "
          f"{load_before:.2f} before, {load_after:.2f} after.\n")
    print("| what | longest stall (ms) | GUI-thread CPU (ms) | took (s) |")
    print("|---|---|---|---|")
    rows = [("picture read when the tab is shown (worker)", "read"),
            ("ELA run and shown (worker)", "ela"),
            ("clone lens run and shown (worker)", "clone"),
            ("ELA again, picture already read (worker)", "ela again"),
            ("peer: picture read, ELA run and shown on the GUI thread", "peer ela")]
    for label, key in rows:
        print(f"| {label} | {med(key):.0f} | {med(key + ' cpu') * 1000:.0f} | "
              f"{med(key + ' s'):.2f} |")
    ratio = med("peer ela") / max(med("ela"), 1e-9)
    print(f"\nELA: peer stall / ours = {ratio:.1f}x.\n")
    ours_cpu = med("slider cpu") * 1000 / STEPS
    peer_cpu = med("peer slider cpu") * 1000 / (STEPS // 5)
    print("| opacity slider step | wall (ms) | GUI-thread CPU (ms) | longest stall (ms) |")
    print("|---|---|---|---|")
    print(f"| display copy, maps coloured in the worker (ours) | {med('slider step ms'):.1f} | "
          f"{ours_cpu:.1f} | {med('slider'):.0f} |")
    print(f"| full size with render.overlay (peer) | {med('peer slider step ms'):.1f} | "
          f"{peer_cpu:.1f} | {med('peer slider'):.0f} |")
    print(f"\nSlider step CPU: peer / ours = {peer_cpu / max(ours_cpu, 1e-9):.1f}x.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
