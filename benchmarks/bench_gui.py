"""The window: start-up time and the longest event-loop stall while real jobs run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py [--rounds 3]

start-up  `verifier gui --measure-startup` (process start to the window shown, painted and
          idle, /proc clock) in fresh processes, against two peers in the same run: a bare
          PySide6 QMainWindow (the floor: Python + Qt), and our window with the analysis
          modules imported eagerly before it (what start-up costs without lazy imports).
stalls    A 10 ms QTimer on the GUI thread records the longest gap between its ticks while the
          window's own job machinery runs each job on real media from ../shared/media:
          ingest of a folder of real photos through the corpus manager (worker thread + its
          process pool), adding a real video to the open case (copy, metadata, keyframes,
          matching), re-extracting that video's keyframes, playing that video in the media
          pane's frame player and stepping it frame by frame, and matching a photo against
          the corpus. The peer is the job itself: run on the GUI thread, the stall would be the
          whole job, so the table shows the job's duration and stall / duration. The GUI
          thread's CPU time during the job is shown too (a stall with little CPU is the
          machine's load, not our work).

Prints markdown for the "## Window" section of benchmarks/RESULTS.md, with the load average.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared"
MEDIA = SHARED / "media"
ARTICLE = SHARED / "articles" / "soleimani-volleyball-2020-02-19.txt"
PHOTO_FOLDER = MEDIA / "exif-samples" / "jpg"
EXTRA_VIDEO = MEDIA / "PySceneDetect" / "tests" / "resources" / "testvideo.mp4"
TARGET_STALL_MS = 100.0
TARGET_STARTUP_S = 2.0

BARE_WINDOW = """
import os, sys, time
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1]); w = QMainWindow(); w.resize(1400, 900); w.show()
def done():
    f = Path('/proc/self/stat').read_text().rsplit(')', 1)[1].split()
    up = float(Path('/proc/uptime').read_text().split()[0])
    print(f"startup: {up - int(f[19]) / os.sysconf('SC_CLK_TCK'):.3f} s"); app.quit()
QTimer.singleShot(0, lambda: (w.repaint(), QTimer.singleShot(0, done)))
app.exec()
"""
WARM_UP = """
import sys, time
from verifier.gui.app import create_application
from verifier.gui.main_window import MainWindow
from verifier.gui.stall_meter import StallMeter
from verifier.gui.warmup import warm_up
app = create_application(); w = MainWindow(); w.resize(1400, 900); w.show(); app.processEvents()
meter = StallMeter(w); meter.start('warm-up'); t0 = time.perf_counter(); thread = warm_up()
while thread.is_alive():
    app.processEvents(); time.sleep(0.001)
report = meter.stop()
print(f"warm-up: {report.longest_ms:.1f} ms stall, {time.perf_counter() - t0:.3f} s")
"""
EAGER = ("import verifier.services, verifier.media.keyframes, verifier.corpus, "
         "verifier.reports.html, verifier.reports.pdf, verifier.verdicts\n"
         "from verifier.cli import main\nraise SystemExit(main(['gui', '--measure-startup']))\n")


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    return env


def _startup_once(args: list[str], home: Path) -> float:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          env=_env(home), timeout=120, cwd=REPO)
    match = re.search(r"startup: (\d+\.\d+) s", done.stdout)
    if done.returncode != 0 or not match:
        raise RuntimeError(f"{args}: {done.stdout}\n{done.stderr}")
    return float(match.group(1))


def bench_startup(rounds: int, home: Path) -> list[tuple[str, list[float]]]:
    tools = [("bare PySide6 QMainWindow (floor)", ["-c", BARE_WINDOW]),
             ("verifier gui (ours, lazy imports)", ["-m", "verifier.cli", "gui",
                                                    "--measure-startup"]),
             ("verifier gui with the analysis imported first", ["-c", EAGER])]
    times: dict[str, list[float]] = {name: [] for name, _ in tools}
    _startup_once(tools[1][1], home)  # a first run warms the disk cache for all
    for _ in range(rounds):  # interleaved, so load on the machine hits every tool alike
        for name, args in tools:
            times[name].append(_startup_once(args, home))
    return [(name, times[name]) for name, _ in tools]


def bench_warm_up(rounds: int, home: Path) -> list[tuple[float, float]]:
    """(longest stall ms, seconds) of the background import of the analysis modules in a
    fresh window process; the timer loop here polls every 1 ms instead of sleeping in Qt."""
    out = []
    for _ in range(rounds):
        done = subprocess.run([sys.executable, "-c", WARM_UP], capture_output=True, text=True,
                              env=_env(home), timeout=120, cwd=REPO)
        match = re.search(r"warm-up: (\d+\.\d+) ms stall, (\d+\.\d+) s", done.stdout)
        if done.returncode != 0 or not match:
            raise RuntimeError(f"warm-up: {done.stdout}\n{done.stderr}")
        out.append((float(match.group(1)), float(match.group(2))))
    return out


@dataclass
class JobStall:
    job: str
    longest_ms: float
    job_s: float
    gui_cpu_s: float
    over_100: int


def _wait_until(condition: Callable[[], bool], timeout: float = 600.0) -> None:
    """Run the event loop until condition() holds (checked every 5 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    end = time.monotonic() + timeout
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if condition() or time.monotonic() > end
                          else None)
    timer.start(5)
    loop.exec()
    timer.stop()


def _stall_round(folder: Path) -> list[JobStall]:
    from PySide6.QtCore import QCoreApplication

    from tests.gui.case_builder import PHOTO, VIDEO, build_case
    from verifier.gui.main_window import MainWindow
    from verifier.gui.stall_meter import StallMeter
    from verifier.gui.window_actions import open_corpus_manager

    built = build_case(folder, MEDIA / VIDEO, MEDIA / PHOTO, ARTICLE)
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    window.open_case(built.case_path)
    meter = StallMeter(window)
    out: list[JobStall] = []

    def measure(what: str, start: Callable[[], object], done: Callable[[], bool]) -> None:
        t0, cpu0 = time.perf_counter(), time.thread_time()
        meter.start(what)
        start()
        _wait_until(done)
        report = meter.stop()
        out.append(JobStall(what, report.longest_ms, time.perf_counter() - t0,
                            time.thread_time() - cpu0, report.over_100_ms))

    def window_idle() -> bool:
        return window.job is None and not window.background_busy()

    manager = open_corpus_manager(window, modal=False)
    _wait_until(lambda: not manager.busy())  # it first reads the window's corpus, if any
    manager.create_new(folder / "corpus.sqlite")
    _wait_until(lambda: not manager.busy())
    files = sum(1 for p in PHOTO_FOLDER.rglob("*") if p.is_file())
    idle_ticks = [0]

    def manager_idle() -> bool:  # the ingest, then the refresh it queues
        idle_ticks[0] = idle_ticks[0] + 1 if not manager.busy() else 0
        return idle_ticks[0] > 20

    measure(f"ingest of {files} real photos (corpus manager)",
            lambda: manager.add_folders([PHOTO_FOLDER]), manager_idle)
    manager.close()
    QCoreApplication.processEvents()
    measure(f"adding a real video to the case ({EXTRA_VIDEO.name}: copy, metadata, keyframes, "
            "matching)", lambda: window.add_media([str(EXTRA_VIDEO)]), window_idle)
    assert window.snapshot is not None
    video_id = next(m.id for m in window.snapshot.media if m.original_name == EXTRA_VIDEO.name)
    assert video_id is not None
    measure(f"keyframes of {EXTRA_VIDEO.name} again",
            lambda: window.extract_keyframes(video_id), window_idle)
    play_round(window, video_id, measure, out)
    window.select_media(built.photo_id)
    measure("matching a photo against the corpus", window.match_media, window_idle)
    window.shutdown()
    window.deleteLater()
    QCoreApplication.processEvents()
    return out


PLAY_SECONDS = 4.0


def play_round(window: object, video_id: int,
               measure: Callable[[str, Callable[[], object], Callable[[], bool]], None],
               out: list[JobStall]) -> None:
    """The media pane's frame player: play the video for PLAY_SECONDS, pause (a full-size
    still is decoded and written), then 20 single-frame steps. The job's name says how many
    frames were shown per second while playing (the player aims at up to PLAY_FPS)."""
    from verifier.gui.main_window import MainWindow
    from verifier.gui.video_player import PLAY_FPS

    assert isinstance(window, MainWindow)
    window.select_media(video_id)
    view, player = window.media_view, window.media_view.player
    _wait_until(lambda: player.is_open() and not view.is_loading(), timeout=60)
    shown: list[float] = []
    player.frame_ready.connect(lambda frame: shown.append(time.perf_counter()))
    start = [0.0]

    def play() -> None:
        start[0] = time.perf_counter()
        player.seek_frame(0)
        player.play()

    def played() -> bool:
        if time.perf_counter() - start[0] < PLAY_SECONDS:
            return False
        if player.playing:
            player.pause()
        kf = view.current_keyframe()
        return kf is not None and kf.frame == player.position and not player.playing

    measure("playing", play, played)
    rate = max(len(shown) - 1, 0) / PLAY_SECONDS
    out[-1].job = (f"playing {EXTRA_VIDEO.name} in the frame player for {PLAY_SECONDS:g} s, "
                   f"then pausing (this round: {rate:.1f} frames shown/s, {PLAY_FPS:g} aimed at)")
    steps = [0]

    def step() -> None:
        steps[0] += 1
        player.step(1)

    def stepped() -> bool:
        kf = view.current_keyframe()
        if kf is None or kf.frame != player.position or view.is_loading():
            return False
        if steps[0] < 20:
            step()
            return False
        return True

    measure("20 single-frame steps (full-size still each)", step, stepped)


def bench_stalls(rounds: int, work: Path) -> list[list[JobStall]]:
    from PySide6.QtWidgets import QMessageBox

    from verifier.gui.app import create_application

    def no_box(box: QMessageBox) -> int:  # offscreen nobody clicks: say it and go on
        print(f"message box: {box.text()} {box.informativeText()}", file=sys.stderr)
        return int(QMessageBox.StandardButton.Ok.value)

    QMessageBox.exec = no_box  # type: ignore[method-assign,assignment]
    create_application()
    return [_stall_round(work / f"round{n}") for n in range(rounds)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-stalls", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for needed in (PHOTO_FOLDER, EXTRA_VIDEO, ARTICLE):
        if not needed.exists():
            print(f"missing {needed} (../shared is absent)", file=sys.stderr)
            return 2
    load_before = os.getloadavg()
    lines = [f"Command: `QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_gui.py "
             f"--rounds {args.rounds}` ({os.cpu_count()} cores, shared; load average "
             f"{load_before[0]:.1f} at the start)."]
    with tempfile.TemporaryDirectory(prefix="verifier-bench-gui-") as tmp:
        work = Path(tmp)
        os.environ.update(_env(work / "home"))  # never the user's settings, corpus or log
        if not args.skip_startup:
            startup = bench_startup(args.rounds, work / "home")
            ours = statistics.median(startup[1][1])
            lines += ["", "Start-up to a usable window (process start to the window shown, "
                          "painted and idle; median of the rounds, all rounds listed):", "",
                      "| what | seconds (median) | all rounds | vs ours |", "|---|---|---|---|"]
            for name, times in startup:
                median = statistics.median(times)
                lines.append(f"| {name} | {median:.2f} | {[round(t, 2) for t in times]} | "
                             f"{median / ours:.2f}x |")
            verdict = "met" if ours < TARGET_STARTUP_S else "MISSED"
            lines += ["", f"Target: start-up < {TARGET_STARTUP_S:.0f} s: {ours:.2f} s: "
                          f"{verdict}"]
            warm = bench_warm_up(args.rounds, work / "home")
            lines += ["", "After start-up the analysis modules are imported in a background "
                          f"thread: {statistics.median(w[1] for w in warm):.2f} s (median), "
                          "longest stall of the window meanwhile "
                          f"{statistics.median(w[0] for w in warm):.0f} ms (median; all rounds "
                          f"{[round(w[0]) for w in warm]} ms)."]
        if not args.skip_stalls:
            rounds = bench_stalls(args.rounds, work / "stalls")
            lines += ["", "Longest event-loop stall per job (a 10 ms timer on the GUI thread; "
                          "median over the rounds, every round's figure listed):", "",
                      "| job | longest stall ms (median) | all rounds ms | job s (median) | "
                      "stall / job | GUI-thread CPU s | gaps > 100 ms |",
                      "|---|---|---|---|---|---|---|"]
            worst = 0.0
            for i, first in enumerate(rounds[0]):
                runs = [r[i] for r in rounds]
                stall = statistics.median(r.longest_ms for r in runs)
                job = statistics.median(r.job_s for r in runs)
                worst = max(worst, stall)
                lines.append(
                    f"| {first.job} | {stall:.0f} | {[round(r.longest_ms) for r in runs]} | "
                    f"{job:.2f} | {stall / 1000 / job:.3f} | "
                    f"{statistics.median(r.gui_cpu_s for r in runs):.2f} | "
                    f"{[r.over_100 for r in runs]} |")
            verdict = "met" if worst < TARGET_STALL_MS else "MISSED"
            lines += ["", f"Target: longest stall < {TARGET_STALL_MS:.0f} ms (median per job): "
                          f"worst {worst:.0f} ms: {verdict}"]
    load_after = os.getloadavg()
    lines.append(f"Load average at the end: {load_after[0]:.1f}.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":  # the ingest's process pool starts with forkserver
    sys.exit(main())
