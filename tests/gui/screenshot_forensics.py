"""Screenshot of the Forensics tab on a real photo.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python tests/gui/screenshot_forensics.py \
        [--out /tmp/verifier-forensics.png] [--size 1366x768] [--lens ela|noise|jpeg|clone|...]
        [--map N] [--opacity 0-100] [--cloned] [--photo RELATIVE_PATH] [--loupe X,Y] [--dark]

Builds a case with `verifier check` on a real photo from ../shared/media (DSCN0010.jpg by
default; never copied into the repo) and the real article, opens the Forensics tab, runs the
lens through the tab (as F9 does) and grabs the window once the result is shown. --cloned
analyses a copy of the photo with one block copied within it (as tests/gui/test_forensics_tab.py
does); --map picks the lens's map N (from 0); --loupe shows the magnifier at picture pixel X,Y.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from PySide6.QtCore import QPointF, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from verifier.gui.app import create_application  # noqa: E402
from verifier.gui.main_window import MainWindow  # noqa: E402

SHARED = REPO.parent / "shared"
ARTICLE = SHARED / "articles" / "soleimani-volleyball-2020-02-19.txt"
PHOTO = "exif-samples/jpg/gps/DSCN0010.jpg"

log = logging.getLogger("screenshot")


def cloned_copy(photo: Path, out: Path) -> Path:
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(photo).convert("RGB")).copy()
    rgb[60:180, 420:580] = rgb[280:400, 40:200]
    target = out / f"{photo.stem}-cloned.jpg"
    Image.fromarray(rgb).save(target, quality=92)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/verifier-forensics.png")
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--lens", default="ela")
    parser.add_argument("--map", type=int, default=0)
    parser.add_argument("--opacity", type=int, default=60)
    parser.add_argument("--cloned", action="store_true")
    parser.add_argument("--photo", default=PHOTO)
    parser.add_argument("--loupe", default="", help="X,Y: show the magnifier there")
    parser.add_argument("--dark", action="store_true", help="the dark palette")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    photo = SHARED / "media" / args.photo
    for needed in (photo, ARTICLE):
        if not needed.exists():
            log.error("missing %s (../shared is absent)", needed)
            return 2
    with tempfile.TemporaryDirectory(prefix="verifier-forensics-") as tmp:
        from verifier.services import check

        source = cloned_copy(photo, Path(tmp)) if args.cloned else photo
        case = check(str(source), str(ARTICLE), Path(tmp) / "report.html",
                     case_path=Path(tmp) / "forensics.vcase").case_path
        app = create_application()
        if args.dark:
            from verifier.gui.palette import apply_scheme

            apply_scheme(app, Qt.ColorScheme.Dark)
        window = MainWindow()
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()
        if not window.open_case(case):
            return 1
        panel = window.inspector.forensics
        window.forensics_actions.open_tab.trigger()
        panel.select_lens(args.lens)
        panel.opacity.setValue(args.opacity)

        def start() -> None:
            if panel.source is None or window.background_busy():
                QTimer.singleShot(100, start)
                return
            window.job_done.connect(shown)
            window.forensics_actions.run.trigger()

        def shown() -> None:
            if args.map:
                panel.map_choice.setCurrentIndex(args.map)
            if args.loupe:
                x, y = (int(v) for v in args.loupe.split(","))
                panel.loupe.setChecked(True)
                show_loupe(panel.canvas, x, y)
            QTimer.singleShot(400, finish)

        def finish() -> None:
            window.grab().save(args.out)
            log.info("saved %s", args.out)
            window.shutdown()
            app.quit()

        QTimer.singleShot(200, start)
        app.exec()
    return 0


def show_loupe(canvas: object, x: int, y: int) -> None:
    """Move the pointer (as far as the canvas knows) over picture pixel x, y."""
    from verifier.gui.forensics_view import OverlayCanvas

    assert isinstance(canvas, OverlayCanvas) and canvas.picture is not None
    rect = canvas.target_rect()
    scale = rect.width() / canvas.picture.shape[1]
    pos = QPointF(rect.x() + x * scale, rect.y() + y * scale)
    event = QMouseEvent(QMouseEvent.Type.MouseMove, pos, canvas.mapToGlobal(pos),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, event)


if __name__ == "__main__":
    sys.exit(main())
