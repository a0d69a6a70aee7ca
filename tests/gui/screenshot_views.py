"""Screenshots of each main view of the window for docs/ (README's window section).

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python tests/gui/screenshot_views.py \
        [--out docs] [--sizes 1366x768,1920x1080]

One case is built from real media (../shared/media, never copied into the repo) with a corpus
of its own video and photo; for each size the window is shown in the light palette and grabbed
on: the video (keyframe, shots, metadata), the photo (metadata and EXIF preview), a keyframe
found in the corpus (Matches), the verdict editor, the history, and the same video view in the
dark palette; then the corpus manager and the keyboard shortcuts at the smaller size. Files:
window-<view>-<width>.png.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from tests.gui.case_builder import PHOTO, VIDEO, build_case  # noqa: E402
from tests.gui.screenshot import ARTICLE, SHARED, show_verdict_editor  # noqa: E402
from verifier.gui.app import create_application, share_width  # noqa: E402
from verifier.gui.main_window import MainWindow  # noqa: E402
from verifier.gui.palette import apply_scheme  # noqa: E402
from verifier.gui.window_actions import open_corpus_manager, show_shortcuts  # noqa: E402

log = logging.getLogger("screenshot_views")

Step = tuple[str, Callable[[], QWidget]]  # file stem, a function that sets up the view


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs"))
    parser.add_argument("--sizes", default="1366x768,1920x1080")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    video, photo = SHARED / "media" / VIDEO, SHARED / "media" / PHOTO
    for needed in (video, photo, ARTICLE):
        if not needed.exists():
            log.error("missing %s (../shared is absent)", needed)
            return 2
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="verifier-views-") as tmp:
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            os.environ[name] = str(Path(tmp) / name.lower())  # not the user's settings
        built = build_case(Path(tmp), video, photo, ARTICLE, corpus_files=[video, photo])
        app = create_application()
        apply_scheme(app, Qt.ColorScheme.Light)
        window = MainWindow()
        window.set_corpus(Path(tmp) / "corpus.sqlite")
        steps: list[Step] = []
        for width, height in sizes:
            steps += views(app, window, built.case_path, built.photo_id, width, height)
        run(app, window, steps, out)
        app.exec()
    return 0


def views(app: QApplication, window: MainWindow, case: Path, photo_id: int, width: int,
          height: int) -> list[Step]:
    def fresh(tab: str = "Metadata") -> MainWindow:
        apply_scheme(app, Qt.ColorScheme.Light)
        window.resize(width, height)
        share_width(window, width)  # as `verifier gui` lays out a first run
        window.show()
        window.open_case(case)
        select_tab(window, tab)
        return window

    def photo() -> QWidget:
        fresh()
        window.select_media(photo_id)
        return window

    def matches() -> QWidget:
        fresh()
        window.media_view.show_keyframe(1)
        window.find_in_corpus()
        return window

    def verdict() -> QWidget:
        fresh()
        show_verdict_editor(window, None)
        return window

    def dark() -> QWidget:
        # As at start-up: the palette is chosen before the window is made.
        apply_scheme(app, Qt.ColorScheme.Dark)
        other = MainWindow()
        other.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        other.resize(width, height)
        share_width(other, width)
        other.show()
        other.open_case(case)
        return other

    steps: list[Step] = [(f"window-main-{width}", fresh), (f"window-photo-{width}", photo),
                         (f"window-matches-{width}", matches),
                         (f"window-verdict-{width}", verdict),
                         (f"window-history-{width}", lambda: fresh("History")),
                         (f"window-dark-{width}", dark)]
    if width == 1366:
        def manager() -> QWidget:
            fresh()
            dialog = open_corpus_manager(window, modal=False)
            dialog.resize(min(980, width - 80), min(680, height - 80))
            return dialog

        def shortcuts() -> QWidget:
            fresh()
            dialog = show_shortcuts(window, modal=False)
            dialog.resize(min(820, width - 80), min(640, height - 80))
            return dialog

        steps += [("window-corpus-manager", manager), ("window-shortcuts", shortcuts)]
    return steps


def select_tab(window: MainWindow, name: str) -> None:
    tabs = window.inspector
    for n in range(tabs.count()):
        if tabs.tabText(n).replace("&", "").lower() == name.lower():
            tabs.setCurrentIndex(n)


def run(app: QApplication, window: MainWindow, steps: list[Step], out: Path) -> None:
    """Each step in turn: set it up, let the pool's loaders finish, grab, close dialogs."""
    pending = list(steps)

    def next_step() -> None:
        if not pending:
            window.shutdown()
            app.quit()
            return
        stem, setup = pending.pop(0)
        target = setup()
        QTimer.singleShot(200, lambda: settle(stem, target))

    def settle(stem: str, target: QWidget) -> None:
        shown = target if isinstance(target, MainWindow) else window
        if shown.background_busy() or shown.job is not None or \
                getattr(target, "busy", lambda: False)():
            QTimer.singleShot(100, lambda: settle(stem, target))
            return
        QTimer.singleShot(300, lambda: grab(stem, target))

    def grab(stem: str, target: QWidget) -> None:
        path = out / f"{stem}.png"
        target.grab().save(str(path))
        compact(path)
        log.info("saved %s (%d x %d)", path, target.width(), target.height())
        if target is not window:
            if isinstance(target, MainWindow):
                target.shutdown()
            target.close()
        next_step()

    QTimer.singleShot(0, next_step)


def compact(path: Path) -> None:
    """256 colours, optimised: a third of the size, still sharp for UI text."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    small.save(path, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
