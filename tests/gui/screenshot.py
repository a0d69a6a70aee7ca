"""Screenshot of the workbench on a case built from real media.

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python tests/gui/screenshot.py \
        [--out /tmp/verifier-screenshot.png] [--size 1366x768]
        [--tab Metadata|Matches|Verdict|History] [--photo]
        [--keyframe N] [--find] [--media-height PX] [--add RELATIVE_PATH]
        [--verdict] [--link-photo] [--save] [--scroll-claim N]
        [--export html|pdf|json|claimreview] [--source]

Builds the case in a temporary folder (media from ../shared/media, never copied into the repo),
opens it at --size (1400x900 by default), lets it render (thumbnails and the EXIF preview load
in the pool), grabs the window. --keyframe shows the video's keyframe N (from 1); --find then
searches the case's corpus for it and shows the Matches tab. --add adds
../shared/media/RELATIVE_PATH through the window (as Media ▸ Add media… does) and shows it.
--verdict opens the verdict editor on the "cannot be verified" claim with a rationale typed and
a keyframe added as evidence (--link-photo links that claim to the photo first; --save saves
it). --export opens File ▸ Export report… in that format and grabs the dialog once its preview
is rendered (--source: the HTML as source).
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

from tests.gui.case_builder import PHOTO, VIDEO, build_case  # noqa: E402
from verifier.claims import UNVERIFIABLE  # noqa: E402
from verifier.gui.app import create_application  # noqa: E402
from verifier.gui.main_window import MainWindow  # noqa: E402
from verifier.models import Rating  # noqa: E402

SHARED = REPO.parent / "shared"
ARTICLE = SHARED / "articles" / "soleimani-volleyball-2020-02-19.txt"

log = logging.getLogger("screenshot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/verifier-screenshot.png")
    parser.add_argument("--tab", default="", help="Metadata, Matches, Verdict or History")
    parser.add_argument("--photo", action="store_true", help="show the photo, not the video")
    parser.add_argument("--size", default="1400x900")
    parser.add_argument("--keyframe", type=int, default=0, help="show the video's keyframe N")
    parser.add_argument("--find", action="store_true", help="find the keyframe in the corpus")
    parser.add_argument("--add", default="", help="add this file (under ../shared/media)")
    parser.add_argument("--media-height", type=int, default=0,
                        help="give the media pane this many pixels of the centre column")
    parser.add_argument("--verdict", action="store_true",
                        help="the verdict editor on the 'cannot be verified' claim")
    parser.add_argument("--link-photo", action="store_true",
                        help="link that claim to the photo first")
    parser.add_argument("--save", action="store_true", help="save that verdict")
    parser.add_argument("--scroll-claim", type=int, default=0,
                        help="scroll the article to claim N (after everything else)")
    parser.add_argument("--export", default="", help="grab the export dialog in this format")
    parser.add_argument("--source", action="store_true", help="the export preview as source")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    video, photo = SHARED / "media" / VIDEO, SHARED / "media" / PHOTO
    for needed in (video, photo, ARTICLE):
        if not needed.exists():
            log.error("missing %s (../shared is absent)", needed)
            return 2
    with tempfile.TemporaryDirectory(prefix="verifier-shot-") as tmp:
        built = build_case(Path(tmp), video, photo, ARTICLE, corpus_files=[video, photo])
        app = create_application()
        window = MainWindow()
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()
        if not window.open_case(built.case_path):
            return 1
        if args.photo:
            window.select_media(built.photo_id)
        if args.media_height:
            total = sum(window.centre_splitter.sizes())
            window.centre_splitter.setSizes([total - args.media_height, args.media_height])
        if args.keyframe:
            window.media_view.show_keyframe(args.keyframe - 1)
        if args.verdict or args.link_photo:
            show_verdict_editor(window, built.photo_id if args.link_photo else None)
            if args.save:
                window.inspector.verdict.save_button.click()
        tabs = window.inspector
        for n in range(tabs.count()):
            if args.tab and tabs.tabText(n).lower() == args.tab.lower():
                tabs.setCurrentIndex(n)
        if args.find:
            window.set_corpus(Path(tmp) / "corpus.sqlite")
            window.find_in_corpus()
        if args.add:
            window.add_media([str(SHARED / "media" / args.add)])
        if args.scroll_claim:
            view = window.article_view
            QTimer.singleShot(0, lambda: (view.verticalScrollBar().setValue(0),
                                          view.scroll_to_claim(args.scroll_claim)))
        dialog = window.make_export_dialog(args.export) if args.export else None
        if dialog is not None:
            dialog.show()
            if args.source:
                dialog.view_source.setChecked(True)

        def grab() -> None:
            # thumbnails, the EXIF preview, a search or the report preview still running
            if window.background_busy() or (dialog is not None and not dialog.preview_ready):
                QTimer.singleShot(100, grab)
                return
            QTimer.singleShot(300, finish)

        def finish() -> None:
            (dialog.grab() if dialog is not None else window.grab()).save(args.out)
            log.info("saved %s", args.out)
            if dialog is not None:
                dialog.close()
            window.shutdown()
            app.quit()

        QTimer.singleShot(200, grab)
        app.exec()
    return 0


def show_verdict_editor(window: MainWindow, link_to: int | None) -> None:
    """The verdict editor on the claim that says it cannot be verified, half filled in."""
    snapshot = window.snapshot
    assert snapshot is not None
    claim = next(c for c in snapshot.claims if UNVERIFIABLE in c.kinds)
    assert claim.id is not None
    if link_to is not None:
        window.link_claim(claim.id, link_to)
    window.open_verdict_editor(claim.id)
    editor = window.inspector.verdict
    editor.rating.setCurrentIndex(editor.rating.findData(Rating.OUT_OF_CONTEXT.value))
    editor.set_confidence("medium")
    editor.rationale.setPlainText(
        "The clip's first shot matches an archived broadcast; its metadata was stripped and it "
        "was re-encoded, so the date the article gives cannot stand.")
    evidence = window.media_view.keyframe_evidence(0)
    if evidence is not None and link_to is None:
        editor.add_evidence([evidence])


if __name__ == "__main__":
    sys.exit(main())
