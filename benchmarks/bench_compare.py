"""The match comparison: how long aligning an original with its query takes, and whether the
window stays responsive while it loads and while the overlay slider moves.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_compare.py [--rounds 5]

align     verifier.matching.overlay.compare() on a doctored copy of a real photo (mirrored,
          cropped, shrunk, a logo pasted; tests/gui/compare_builder.py) and on the demo clip's
          frame pair, with the homography the match stored, against the peer in the same run:
          the same comparison with the homography found again from scratch (OpenCV ORB features
          and a RANSAC homography on the two pictures, what a viewer without the stored
          alignment has to do). Median of --rounds; decoding the two pictures is timed apart.
stalls    A 10 ms QTimer on the GUI thread (verifier.gui.stall_meter) records the longest gap
          between its ticks while the window selects the match and loads its comparison through
          the worker pool, against the peer: the same load run on the GUI thread. Then while a
          timer moves the overlay slider 100 times (each step repaints the wipe).

Prints markdown for the "## Match comparison" section of benchmarks/RESULTS.md.
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
MEDIA = REPO.parent / "shared" / "media"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_align(rounds: int, tmp: Path) -> tuple[list[str], Path]:
    from tests.gui.compare_builder import DISTRACTORS, ORIGINAL, build_compare_case
    from verifier.case import CaseStore
    from verifier.demo import build_demo
    from verifier.gui.match_compare import request_for
    from verifier.matching.overlay import FEATURES, STORED, compare, load_picture

    built = build_compare_case(tmp / "photo", MEDIA / ORIGINAL, [MEDIA / p for p in DISTRACTORS])
    demo = build_demo(tmp / "demo")
    rows = ["| pair | decode both (ms) | stored homography (ms) | found again, ORB + RANSAC "
            "(ms) | peer / ours |", "|---|---|---|---|---|"]
    for name, case_path in (("doctored photo (520x348 vs 1024x683)", built.case_path),
                            ("demo clip frame vs archive frame (480x270 vs 640x360)",
                             demo.case_path)):
        with CaseStore.open(case_path) as case:
            item = case.media()[0]
            assert item.id is not None
            match = case.matches(item.id)[0]
            request = request_for(match, item, case.keyframes(item.id))

        def decode(match: object = match, item: object = item) -> tuple[object, object]:
            r = request_for(match, item, [])  # type: ignore[arg-type]  # video frames: decoded
            return (load_picture(Path(r.query_path), time=r.query_time),
                    load_picture(Path(r.source_path), time=r.source_time))

        q = load_picture(Path(request.query_path), time=request.query_time)
        s = load_picture(Path(request.source_path), time=request.source_time)
        assert compare(q, s, alignment=match.alignment).method == STORED
        assert compare(q, s, alignment=None).method == FEATURES
        decode_ms = _median_ms(decode, rounds)
        ours = _median_ms(lambda q=q, s=s, a=match.alignment: compare(q, s, alignment=a), rounds)
        peer = _median_ms(lambda q=q, s=s: compare(q, s, alignment=None), rounds)
        rows.append(f"| {name} | {decode_ms:.0f} | {ours:.0f} | {peer:.0f} | "
                    f"{peer / ours:.2f}x |")
    return rows, built.case_path


def bench_stalls(case_path: Path) -> list[str]:
    from PySide6.QtCore import QModelIndex, QTimer

    from verifier.gui.app import create_application
    from verifier.gui.main_window import MainWindow
    from verifier.gui.stall_meter import StallMeter

    app = create_application()
    window = MainWindow()
    window.resize(1366, 768)
    window.show()
    assert window.open_case(case_path)
    window.select_media(1)
    panel = window.inspector.matches
    window.inspector.setCurrentWidget(panel)
    meter = StallMeter()
    rows = ["| what | longest stall (ms) | gaps over 100 ms | over (s) |", "|---|---|---|---|"]

    def wait_loaded(then: Callable[[], None]) -> None:
        if panel.compare.compare.loaded is None or window.background_busy():
            QTimer.singleShot(20, lambda: wait_loaded(then))
        else:
            then()

    def record(what: str) -> None:
        report = meter.stop()
        rows.append(f"| {what} | {report.longest_ms:.0f} | {report.over_100_ms} | "
                    f"{report.seconds:.2f} |")

    def load(inline: bool, then: Callable[[], None]) -> None:
        panel.compare.set_runner(None if inline else window._start_side)
        panel.view.setCurrentIndex(QModelIndex())  # deselect: selecting row 0 loads again
        what = ("comparison loaded on the GUI thread (peer)" if inline
                else "comparison loaded in the worker pool (ours)")
        meter.start(what)
        QTimer.singleShot(30, lambda: panel.view.selectRow(0))
        QTimer.singleShot(60, lambda: wait_loaded(lambda: (record(what), then())))

    def slide() -> None:
        compare = panel.compare.compare
        compare.show_view(1)
        steps = iter(range(100))
        meter.start("overlay slider moved 100 times (a repaint each)")

        def step() -> None:
            n = next(steps, None)
            if n is None:
                record("overlay slider moved 100 times (a repaint each)")
                window.shutdown()
                app.quit()
                return
            compare.slider.setValue(n)
            QTimer.singleShot(15, step)

        step()

    QTimer.singleShot(300, lambda: wait_loaded(
        lambda: load(False, lambda: load(True, lambda: load(False, slide)))))
    app.exec()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (MEDIA / "ThreatExchange").exists():
        print(f"missing {MEDIA} (../shared is absent)")
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        rows, case_path = bench_align(args.rounds, Path(tmp))
        stalls = bench_stalls(case_path)
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores)\n")
    print("\n".join(rows))
    print()
    print("\n".join(stalls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
