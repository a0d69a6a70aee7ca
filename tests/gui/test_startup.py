"""Start-up: the window's import path leaves the decoders and renderers for later, and
`verifier gui --measure-startup` reports its figure and quits (benchmarks/bench_gui.py records
it; no timing is asserted here)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

# Heavy modules the window must not import to show itself (python -X importtime shows them at
# tens to hundreds of ms each); the analysis imports them in a worker or in the background.
HEAVY = ("av", "cv2", "faiss", "trafilatura", "fpdf", "jinja2", "imagehash", "exifread",
         "pdqhash", "PIL.Image", "verifier.media.keyframes", "verifier.corpus",
         "verifier.services")


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(tmp_path / name.lower())
    return env


def test_showing_the_window_imports_no_heavy_module(tmp_path: Path) -> None:
    code = ("import sys\n"
            "from verifier.gui.app import create_application\n"
            "from verifier.gui.main_window import MainWindow\n"
            "app = create_application(); w = MainWindow(); w.show(); app.processEvents()\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=120, check=True)
    loaded = [m for m in done.stdout.strip().split(",") if m]
    assert loaded == [], f"imported while starting: {loaded}"


def test_measure_startup_prints_a_figure_and_quits(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "verifier.cli", "gui", "--measure-startup"],
                          capture_output=True, text=True, env=_env(tmp_path), timeout=120)
    assert done.returncode == 0, done.stderr
    match = re.search(r"startup: (\d+\.\d+) s from process start to a usable window", done.stdout)
    assert match, done.stdout
    print(match.group(0))
    log = tmp_path / "xdg_state_home" / "verifier" / "log" / "verifier.log"
    assert "startup took" in log.read_text(encoding="utf-8")  # the log is where Help shows it
