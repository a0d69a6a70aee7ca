"""Copies of real photos are matched first, with the transform that made them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.conftest import shared_file
from verifier.corpus import Corpus
from verifier.matching.search import Matcher, MatchOptions
from verifier.models import Match

PHOTO = "metadata-extractor-images/jpg/Canon EOS 7D.jpg"
OTHERS = [
    "metadata-extractor-images/jpg/Casio EX-S1.jpg",
    "metadata-extractor-images/jpg/HP PhotoSmart 735.jpg",
    "metadata-extractor-images/jpg/Kodak DC240.jpg",
    "metadata-extractor-images/jpg/Canon PowerShot S330.jpg",
    "metadata-extractor-images/jpg/Issue 116.jpg",
    "ThreatExchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg",
]
OUTSIDER = "metadata-extractor-images/jpg/FujiFilm MX1700.jpg"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    files = [shared_file(PHOTO)] + [shared_file(p) for p in OTHERS]
    db = tmp_path_factory.mktemp("corpus") / "corpus.sqlite"
    with Corpus(db) as c:
        report = c.add(files, workers=1)
        assert report.added == len(files) and not report.skipped
        yield c


def _photo() -> Image.Image:
    with Image.open(shared_file(PHOTO)) as img:
        return ImageOps.exif_transpose(img).convert("RGB")


def _match(corpus: Corpus, img: Image.Image, tmp_path: Path, name: str) -> list[Match]:
    path = tmp_path / name
    img.save(path, quality=90)
    return Matcher(corpus).match_file(path).matches


def _is_photo(m: Match) -> bool:
    return Path(m.corpus_path).name == Path(PHOTO).name


def test_mirrored_copy_is_found_first_and_called_mirrored(corpus: Corpus, tmp_path: Path) -> None:
    matches = _match(corpus, ImageOps.mirror(_photo()), tmp_path, "mirror.jpg")
    top = matches[0]
    assert _is_photo(top) and top.confirmed and top.hash_kind == "pdq"
    assert top.transform is not None and top.transform["mirror"] is True
    assert top.transform["rotation"] == 0
    assert top.distances is not None and top.distances["pdq"] <= 31
    assert top.score is not None and top.score >= 0.9


def test_rotated_90_copy_is_found_first_with_its_rotation(corpus: Corpus, tmp_path: Path) -> None:
    turned = _photo().transpose(Image.Transpose.ROTATE_270)  # 90 degrees clockwise
    top = _match(corpus, turned, tmp_path, "rot90.jpg")[0]
    assert _is_photo(top) and top.confirmed
    assert top.transform is not None
    assert top.transform["rotation"] == 90 and top.transform["mirror"] is False


def test_cropped_20_percent_copy_is_found_by_local_features(corpus: Corpus,
                                                            tmp_path: Path) -> None:
    img = _photo()
    w, h = img.size
    box = (int(w * 0.15), int(h * 0.05), int(w * 0.95), int(h * 0.85))  # 80 % of each side
    top = _match(corpus, img.crop(box), tmp_path, "crop.jpg")[0]
    assert _is_photo(top) and top.confirmed
    assert top.transform is not None
    crop = top.transform["crop_box"]
    expected = (box[0] / w, box[1] / h, box[2] / w, box[3] / h)
    assert np.allclose(crop, expected, atol=0.04), crop
    assert top.transform["mirror"] is False
    assert abs(top.transform["scale"] - 1.0) < 0.1  # a crop at the original's pixel size


def test_half_size_copy_reports_its_scale(corpus: Corpus, tmp_path: Path) -> None:
    img = _photo()
    top = _match(corpus, img.resize((img.width // 2, img.height // 2)), tmp_path, "half.jpg")[0]
    assert _is_photo(top) and top.confirmed and top.transform is not None
    assert abs(top.transform["scale"] - 0.5) < 0.05


def test_letterboxed_copy_is_found_with_its_bars_named(corpus: Corpus, tmp_path: Path) -> None:
    img = _photo()
    w, h = img.size
    side = max(w, h) * 16 // 9
    canvas = Image.new("RGB", (side, max(w, h)), (0, 0, 0))
    canvas.paste(img, ((side - w) // 2, (max(w, h) - h) // 2))
    top = _match(corpus, canvas, tmp_path, "letterbox.jpg")[0]
    assert _is_photo(top) and top.confirmed
    assert top.transform is not None and top.transform["borders_removed"] is True
    x0, _y0, x1, _y1 = top.transform["query_box"]
    assert x0 > 0.15 and x1 < 0.85  # the picture sits between the bars


def test_a_photo_not_in_the_corpus_matches_nothing(corpus: Corpus, tmp_path: Path) -> None:
    with Image.open(shared_file(OUTSIDER)) as img:
        assert _match(corpus, img.convert("RGB"), tmp_path, "outsider.jpg") == []


def test_flat_picture_falls_back_to_phash_and_says_so(corpus: Corpus, tmp_path: Path) -> None:
    flat = Image.new("RGB", (400, 300), (120, 130, 140))
    path = tmp_path / "flat.png"
    flat.save(path)
    result = Matcher(corpus).match_file(path)
    assert any("pHash" in note for note in result.notes)


def test_hashes_only_mode_still_finds_the_mirror(corpus: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "m.jpg"
    ImageOps.mirror(_photo()).save(path)
    result = Matcher(corpus, MatchOptions(verify=False)).match_file(path)
    top = result.matches[0]
    assert _is_photo(top) and not top.confirmed
    assert top.transform is not None and top.transform["verification"] == "not attempted"


@pytest.mark.parametrize(("kind", "share"), [("crop", 0.7), ("crop", 0.5), ("page", 0.35),
                                             ("page", 0.2)])
def test_stored_features_vote_for_the_photo_at_the_scales_copies_show_it(
        corpus: Corpus, kind: str, share: float) -> None:
    """A picture's stored features come from three pyramid levels only (the ingest's largest
    cost after decoding): a copy showing it magnified (a crop keeping `share` of each side) or
    small (pasted at `share` of a 1366-pixel page's width) still gives it the most votes."""
    from verifier.matching.hashing import work_image
    from verifier.matching.search import _query_variants
    from verifier.matching.verify import VERIFY_SIDE

    img = _photo()
    w, h = img.size
    if kind == "crop":
        query = img.crop((int(w * (1 - share) / 2), int(h * (1 - share) / 2),
                          int(w * (1 + share) / 2), int(h * (1 + share) / 2)))
    else:
        with Image.open(shared_file(OUTSIDER)) as other:
            query = other.convert("RGB").resize((1366, 768))
        query.paste(img.resize((int(1366 * share), int(1366 * share * h / w))), (200, 100))
    as_given = _query_variants(work_image(np.asarray(query), VERIFY_SIDE))[0]
    votes = corpus.feature_index.vote(as_given.vote_descriptors())
    photo_frame = corpus.conn.execute(
        "SELECT f.id FROM frames f JOIN locations l ON l.item_id = f.item_id"
        " WHERE l.path LIKE ?", (f"%{Path(PHOTO).name}",)).fetchone()[0]
    runner_up = max((n for f, n in votes.items() if f != photo_frame), default=0)
    assert votes.get(photo_frame, 0) >= max(1.5 * runner_up, 30), (votes, photo_frame)


FINE_TEXTURE = "metadata-extractor-images/jpg/Nikon E775.jpg"  # an alpine valley, 1600x1200


@pytest.mark.parametrize("box", [(68, 291, 1188, 1131), (121, 303, 1241, 1143)])
def test_a_30_percent_crop_of_a_fine_texture_is_found(tmp_path: Path,
                                                      box: tuple[int, int, int, int]) -> None:
    """Trees on a hillside cut by 30% each way: the query's own features meet the stored ones
    only at its pyramid's smallest level (0-2 votes, less than other photos got); the copy made
    as the corpus makes its own features finds it."""
    # Other photos' features outvote it among forty.
    files = [shared_file(FINE_TEXTURE)]
    files += sorted(shared_file("metadata-extractor-images/jpg").glob("*.jpg"))[:40]
    with Corpus(tmp_path / "c.sqlite") as corpus:
        corpus.add(files, workers=1)
        _assert_crop_found(corpus, FINE_TEXTURE, box, tmp_path)


def _assert_crop_found(corpus: Corpus, name: str, box: tuple[int, int, int, int],
                       tmp_path: Path) -> None:
    """The crop `box` of the photo `name` comes first, confirmed, with its crop box."""
    with Image.open(shared_file(name)) as img:
        photo = ImageOps.exif_transpose(img).convert("RGB")
    w, h = photo.size
    top = _match(corpus, photo.crop(box), tmp_path, "crop.jpg")[0]
    assert Path(top.corpus_path).name == Path(name).name and top.confirmed
    assert top.transform is not None
    assert np.allclose(top.transform["crop_box"],
                       (box[0] / w, box[1] / h, box[2] / w, box[3] / h), atol=0.04)


LOW_CONTRAST = "metadata-extractor-images/jpg/Canon PowerShot S330.jpg"  # a green blob, 800x600


def test_a_crop_of_a_low_contrast_picture_is_confirmed(corpus: Corpus, tmp_path: Path) -> None:
    """15 and 30 corners at the usual FAST threshold in the crop and its source: too few to
    confirm; taken again at a lower threshold they give the crop box."""
    _assert_crop_found(corpus, LOW_CONTRAST, (92, 58, 732, 538), tmp_path)  # 80% each way


def test_a_photo_pasted_into_another_is_found_where_it_lies(corpus: Corpus,
                                                             tmp_path: Path) -> None:
    """A collage: the photo at under a fifth of the width of another photo. Its inliers cover
    a few percent of the whole query, under the share asked of a copy, but a good part of the
    part it lies in."""
    with Image.open(shared_file(OTHERS[1])) as other:
        collage = other.convert("RGB").resize((1366, 768))
    img = _photo()
    small = img.resize((240, round(240 * img.height / img.width)))
    collage.paste(small, (150, 80))
    matches = _match(corpus, collage, tmp_path, "collage.jpg")
    found = {Path(m.corpus_path).name: m for m in matches if m.confirmed}
    assert Path(PHOTO).name in found, [m.corpus_path for m in matches]
    transform = found[Path(PHOTO).name].transform
    assert transform is not None
    expected = (150 / 1366, 80 / 768, 390 / 1366, (80 + small.height) / 768)
    assert np.allclose(transform["query_box"], expected, atol=0.03), transform["query_box"]
