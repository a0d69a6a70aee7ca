"""Screenshot of the media pane's frame player (a video stopped on a frame that is not a
keyframe) or of the magnifier lens on the photo.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python tests/gui/screenshot_player.py \
        [--out /tmp/verifier-player.png] [--size 1366x768] [--frame N] [--magnifier]
        [--media-height PX] [--dark] [--photo RELATIVE_PATH --at FX,FY]

High-DPI check: run with QT_SCALE_FACTOR=2 on a 2732x1536 screen and --size 1366x768; the
grab then has twice the pixels.
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

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.gui.case_builder import PHOTO, VIDEO, build_case  # noqa: E402
from verifier.gui.app import create_application  # noqa: E402
from verifier.gui.main_window import MainWindow  # noqa: E402

SHARED = REPO.parent / "shared"
ARTICLE = SHARED / "articles" / "soleimani-volleyball-2020-02-19.txt"
log = logging.getLogger("screenshot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/verifier-player.png")
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--frame", type=int, default=100, help="the video frame to stop on")
    parser.add_argument("--magnifier", action="store_true", help="the photo with the lens")
    parser.add_argument("--photo", default="",
                        help="with --magnifier: add this photo (under ../shared/media) first")
    parser.add_argument("--at", default="0.42,0.35", help="the pointer, as fractions of the "
                        "picture's width and height")
    parser.add_argument("--media-height", type=int, default=0)
    parser.add_argument("--dark", action="store_true", help="the dark palette")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    video, photo = SHARED / "media" / VIDEO, SHARED / "media" / PHOTO
    with tempfile.TemporaryDirectory(prefix="verifier-shot-") as tmp:
        built = build_case(Path(tmp), video, photo, ARTICLE)
        app = create_application()
        if args.dark:  # as at start-up: the palette is chosen before the window is made
            from verifier.gui.palette import apply_scheme

            apply_scheme(app, Qt.ColorScheme.Dark)
        window = MainWindow()
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()
        if not window.open_case(built.case_path):
            return 1
        if args.media_height:
            total = sum(window.centre_splitter.sizes())
            window.centre_splitter.setSizes([total - args.media_height, args.media_height])
        view = window.media_view
        window.select_media(built.photo_id if args.magnifier else built.video_id)
        added = Path(args.photo).name if args.photo else ""
        if added:
            window.add_media([str(SHARED / "media" / args.photo)])

        def ready() -> bool:
            if window.background_busy() or view.is_loading():
                return False
            if args.magnifier:
                shown = view.item.original_name if view.item is not None else ""
                return view.canvas.has_image() and (not added or shown == added)
            kf = view.current_keyframe()
            return kf is not None and kf.frame == args.frame and not view.player.playing

        def start() -> None:
            if args.magnifier and not ready():
                QTimer.singleShot(100, start)
                return
            if args.magnifier:
                window.extras.magnifier.setChecked(True)
                canvas = view.canvas
                rect = canvas.target_rect()
                fx, fy = (float(v) for v in args.at.split(","))
                pos = QPointF(rect.x() + rect.width() * fx, rect.y() + rect.height() * fy)
                QApplication.sendEvent(canvas, QMouseEvent(
                    QEvent.Type.MouseMove, pos, canvas.mapToGlobal(pos),
                    Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                    Qt.KeyboardModifier.NoModifier))
            elif view.player.is_open():
                view.player.seek_frame(args.frame)
            else:
                QTimer.singleShot(100, start)
                return
            QTimer.singleShot(200, grab)

        def grab() -> None:
            if not ready():
                QTimer.singleShot(100, grab)
                return
            QTimer.singleShot(300, finish)

        def finish() -> None:
            window.grab().save(args.out)
            log.info("saved %s", args.out)
            window.shutdown()
            app.quit()

        QTimer.singleShot(300, start)
        app.exec()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
