"""A screenshot of a post finds its picture even when the corpus also holds screenshots of other
posts from the same app: the app's caption, buttons and header then vote for those, and the
copy with borders cut away must vote too."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from tests.article_page import article_page
from tests.conftest import shared_file
from verifier.corpus import Corpus
from verifier.matching.search import Matcher

SOURCE = "metadata-extractor-images/jpg/Nikon E775.jpg"
OTHERS = ["exif-samples/jpg/Canon_40D.jpg", "exif-samples/jpg/Nikon_D70.jpg",
          "exif-samples/jpg/gps/DSCN0010.jpg"]


def _post(photo: Path, user: str) -> Image.Image:
    """A phone screenshot: status bar, header, the picture, a caption, four buttons."""
    with Image.open(photo) as raw:
        pic = raw.convert("RGB")
    pic.thumbnail((720, 1440))
    top, header, caption, buttons = 48, 96, 120, 110
    canvas = Image.new("RGB", (720, top + header + pic.height + caption + buttons),
                       (250, 250, 250))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, 720, top), fill=(20, 20, 20))
    draw.text((20, 14), "12:43  4G  87%", fill=(255, 255, 255))
    draw.ellipse((20, top + 20, 76, top + 76), fill=(80, 120, 200))
    draw.text((92, top + 36), f"{user} - 2h", fill=(0, 0, 0))
    canvas.paste(pic, (0, top + header))
    y = top + header + pic.height + 16
    for line in ("Look at this!! #news #breaking", "23k likes  5k comments",
                 "View all comments", "Add a comment..."):
        draw.text((20, y), line, fill=(10, 10, 10))
        y += 24
    y = top + header + pic.height + caption
    for i in range(4):
        draw.rectangle((30 + i * 170, y + 30, 80 + i * 170, y + 80), outline=(60, 60, 60),
                       width=4)
    return canvas


def _archive(tmp_path: Path, with_source: bool) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    if with_source:
        (folder / "source.jpg").symlink_to(shared_file(SOURCE))
    for n, name in enumerate(OTHERS):
        _post(shared_file(name), f"user_{n}").save(folder / f"post-{n}.jpg", quality=92)
    return folder


def _match(tmp_path: Path, folder: Path) -> list[tuple[str, bool]]:
    query = tmp_path / "query.jpg"
    _post(shared_file(SOURCE), "user_993").save(query, quality=85)
    with Corpus(tmp_path / "c.sqlite") as corpus:
        corpus.add([folder], workers=1)
        return [(Path(m.corpus_path).name, m.confirmed)
                for m in Matcher(corpus).match_file(query).matches]


def test_screenshot_finds_its_picture_among_screenshots_of_other_posts(tmp_path: Path) -> None:
    matches = _match(tmp_path, _archive(tmp_path, with_source=True))
    source = shared_file(SOURCE).name  # a location is its file's resolved path
    assert matches[0] == (source, True)
    assert all(not confirmed for name, confirmed in matches if name != source)


def test_other_posts_from_the_same_app_are_no_match(tmp_path: Path) -> None:
    """Their header, caption and buttons agree with the query's, their pictures do not."""
    matches = _match(tmp_path, _archive(tmp_path, with_source=False))
    assert not any(confirmed for _name, confirmed in matches)


def test_content_agreement_tells_a_copy_from_another_picture() -> None:
    import cv2
    import numpy as np

    from verifier.matching.search import decode_query_image
    from verifier.matching.verify import content_agreement

    def grey(name: str) -> np.ndarray:
        return cv2.cvtColor(decode_query_image(shared_file(name)), cv2.COLOR_RGB2GRAY)

    source, other = grey(SOURCE), grey(OTHERS[0])
    # The copy: half size, shifted by 10 pixels, re-encoded; the homography maps it back.
    half = cv2.resize(source, (source.shape[1] // 2, source.shape[0] // 2),
                      interpolation=cv2.INTER_AREA)[10:, 10:]
    ok, jpeg = cv2.imencode(".jpg", half, [cv2.IMWRITE_JPEG_QUALITY, 40])
    assert ok
    copy = cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)
    to_source = np.array([[2.0, 0, 20], [0, 2.0, 20], [0, 0, 1]])
    agreement = content_agreement(copy, source, to_source)
    assert agreement is not None and agreement > 0.8
    other_small = cv2.resize(other, (copy.shape[1], copy.shape[0]))
    wrong = content_agreement(other_small, source, to_source)
    assert wrong is not None and wrong < 0.3
    assert content_agreement(copy[:40, :40], source, to_source) is None  # too small to judge


# ---------------------------------------------------------------- a picture inside a web page

PAGE_PHOTOS = ["metadata-extractor-images/jpg/Canon EOS REBEL T3i.jpg",
               "metadata-extractor-images/jpg/HTC One.jpg",
               "metadata-extractor-images/jpg/Kodak DC210.jpg",
               "metadata-extractor-images/jpg/Panasonic NV-GX7.jpg"]


def _page(photo: Path, headline: str, share: float = 0.3) -> tuple[Image.Image,
                                                                   tuple[int, int, int, int]]:
    """A desktop screenshot of an article with `photo` in it, and where the photo is."""
    with Image.open(photo) as raw:
        return article_page(raw, headline, share, seed=headline)


def test_the_picture_inside_a_page_is_found() -> None:
    import numpy as np

    from verifier.matching.preprocess import picture_box

    for n, name in enumerate(PAGE_PHOTOS):
        page, where = _page(shared_file(name), f"story {n}")
        box = picture_box(np.asarray(page))
        assert box is not None
        inter = (min(box[2], where[2]) - max(box[0], where[0])) * \
            (min(box[3], where[3]) - max(box[1], where[1]))
        union = (box[2] - box[0]) * (box[3] - box[1]) + \
            (where[2] - where[0]) * (where[3] - where[1]) - inter
        assert inter / union > 0.8, (name, box, where)
    for name in (SOURCE, *OTHERS):  # photos are not pages
        with Image.open(shared_file(name)) as img:
            assert picture_box(np.asarray(img.convert("RGB"))) is None, name


def test_a_screenshot_of_an_article_finds_its_picture(tmp_path: Path) -> None:
    """The text around the picture holds the strongest corners of the page: the page as a
    whole found nothing (4 of 24 such screenshots in an archive of 40 photos); the picture cut
    out of it is a plain query."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for name in PAGE_PHOTOS:
        (folder / Path(name).name).symlink_to(shared_file(name))
    for n, name in enumerate(OTHERS):  # other stories of the same site
        _page(shared_file(name), f"other story {n}")[0].save(folder / f"page-{n}.jpg",
                                                            quality=90)
    with Corpus(tmp_path / "c.sqlite") as corpus:
        corpus.add([folder], workers=1)
        matcher = Matcher(corpus)
        for n, name in enumerate(PAGE_PHOTOS):
            query = tmp_path / f"query-{n}.jpg"
            page, where = _page(shared_file(name), f"breaking {n}", 0.25 + 0.05 * n)
            page.save(query, quality=85)
            matches = matcher.match_file(query).matches
            assert matches and Path(matches[0].corpus_path).name == Path(name).name, name
            assert matches[0].confirmed and matches[0].transform["borders_removed"]
            # Where the picture sits in the page, as shares of the page's width and height.
            found = matches[0].transform["query_box"]
            truth = [where[0] / page.width, where[1] / page.height, where[2] / page.width,
                     where[3] / page.height]
            assert max(abs(a - b) for a, b in zip(found, truth, strict=True)) < 0.05, name
            assert not any(m.confirmed for m in matches[1:]), name
