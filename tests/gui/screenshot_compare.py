"""Screenshot of the match comparison on a real match.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python tests/gui/screenshot_compare.py \
        [--out /tmp/verifier-compare.png] [--size 1366x768] [--demo]
        [--view side|overlay|difference|time] [--popout] [--slider 0-100] [--blend]

Without --demo: a doctored copy of a real photo from ../shared/media (mirrored, cropped, shrunk,
a logo pasted; tests/gui/compare_builder.py) matched against a small corpus holding the
original. With --demo: the demo case's clip and its archive video. The window opens on the
Matches tab with the best match selected; --popout grabs the comparison's own window instead.
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

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from tests.gui.compare_builder import DISTRACTORS, ORIGINAL, build_compare_case  # noqa: E402
from verifier.gui.app import create_application  # noqa: E402
from verifier.gui.main_window import MainWindow  # noqa: E402
from verifier.gui.match_compare import VIEW_NAMES  # noqa: E402

MEDIA = REPO.parent / "shared" / "media"
VIEWS = {"side": 0, "overlay": 1, "difference": 2, "time": 3}

log = logging.getLogger("screenshot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/verifier-compare.png")
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--demo", action="store_true", help="the demo's video match")
    parser.add_argument("--view", default="side", choices=sorted(VIEWS))
    parser.add_argument("--popout", action="store_true", help="grab the comparison window")
    parser.add_argument("--slider", type=int, default=50)
    parser.add_argument("--blend", action="store_true", help="overlay as a blend, not a wipe")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory(prefix="verifier-compare-") as tmp:
        if args.demo:
            from verifier.demo import build_demo

            case_path = build_demo(Path(tmp) / "demo").case_path
            media_id = 1
        else:
            needed = [MEDIA / ORIGINAL, *(MEDIA / p for p in DISTRACTORS)]
            missing = [p for p in needed if not p.exists()]
            if missing:
                log.error("missing %s (../shared is absent)", missing[0])
                return 2
            built = build_compare_case(Path(tmp), needed[0], needed[1:])
            case_path, media_id = built.case_path, built.media_id
        app = create_application()
        window = MainWindow()
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()
        if not window.open_case(case_path):
            return 1
        window.select_media(media_id)
        panel = window.inspector.matches
        window.inspector.setCurrentWidget(panel)
        compare = panel.compare.compare
        compare.slider.setValue(args.slider)
        if args.blend:
            compare.toggle_blend()
        target: list[QWidget] = [window]

        def ready() -> bool:
            return compare.loaded is not None and not window.background_busy()

        def choose() -> None:
            if not ready():
                QTimer.singleShot(100, choose)
                return
            compare.show_view(VIEWS[args.view])
            if args.popout:
                popped = panel.compare.pop_out()
                if popped is not None:
                    popped.compare.show_view(VIEWS[args.view])
                    target[0] = popped
            log.info("showing %s", VIEW_NAMES[VIEWS[args.view]])
            QTimer.singleShot(500, finish)

        def finish() -> None:
            target[0].grab().save(args.out)
            log.info("saved %s", args.out)
            window.shutdown()
            app.quit()

        QTimer.singleShot(200, choose)
        app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
