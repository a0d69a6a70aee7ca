"""Build a real case for the GUI tests and the screenshot: a real video checked against the
real article with verifier.services.check, plus a real photo added and analysed. No Qt here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from verifier.case import CaseStore
from verifier.media import intake
from verifier.services import analyse_media, check

VIDEO = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
PHOTO = "exif-samples/jpg/Canon_40D.jpg"

if TYPE_CHECKING:
    from verifier.corpus import Corpus


@dataclass(frozen=True)
class BuiltCase:
    case_path: Path
    report_path: Path
    video_id: int
    photo_id: int


def build_case(out_dir: Path, video: Path, photo: Path, article: Path, *,
               corpus_files: list[Path] | None = None, name: str = "volleyball") -> BuiltCase:
    """The case at out_dir/<name>.vcase. With corpus_files, a corpus of them is searched too."""
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus_path: Path | None = None
    if corpus_files:
        from verifier.corpus import Corpus

        corpus_path = out_dir / "corpus.sqlite"
        with Corpus(corpus_path) as fresh:
            fresh.add(corpus_files)
    report = out_dir / f"{name}.html"
    result = check(str(video), str(article), report, case_path=out_dir / f"{name}.vcase",
                   corpus_path=corpus_path)
    assert result.media.id is not None
    with CaseStore.open(result.case_path) as case:
        photo_item = case.add_media(intake.inspect(photo))
        corpus: Corpus | None = None
        if corpus_path is not None:
            from verifier.corpus import Corpus

            corpus = Corpus(corpus_path)
        try:
            analyse_media(case, photo_item, corpus)
        finally:
            if corpus is not None:
                corpus.close()
    assert photo_item.id is not None
    return BuiltCase(result.case_path, report, result.media.id, photo_item.id)
