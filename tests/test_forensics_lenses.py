"""Forensic lenses on constructed cases with known answers, built from real photos: a region
pasted from another JPEG saved at another quality, a cloned region, JPEGs saved at known
qualities, a picture edited after its EXIF thumbnail was made, a re-saved JPEG."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import shared_file
from verifier.errors import UserError
from verifier.forensics import analyse, from_array, load, run_lens
from verifier.forensics.known_tables import lookup
from verifier.forensics.magnifier import magnify
from verifier.media import jpeg_tables

BASE = "metadata-extractor-images/jpg/Apple iPhone 4.jpg"
OTHER = "metadata-extractor-images/jpg/HTC One.jpg"
WITH_THUMBNAIL = "exif-samples/jpg/gps/DSCN0010.jpg"


def _jpeg(rgb: np.ndarray, quality: int, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality, **kw)
    return buf.getvalue()


def _decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def _photo(relative: str, h: int = 768, w: int = 1024) -> np.ndarray:
    return np.asarray(Image.open(shared_file(relative)).convert("RGB"))[:h, :w].copy()


def _inside(region: object, box: tuple[int, int, int, int]) -> float:
    return region.overlaps(box)  # type: ignore[attr-defined,no-any-return]


@pytest.fixture(scope="module")
def pasted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[int, int, int, int]]:
    """A photo with a 160x128 area pasted from another photo that had been saved at quality
    60; the whole saved at 92."""
    base, other = _photo(BASE), _photo(OTHER)
    patch = _decoded(_jpeg(other, 60))[64:192, 64:224]
    x, y = 600, 400
    base[y: y + 128, x: x + 160] = patch
    path = tmp_path_factory.mktemp("pasted") / "pasted.jpg"
    path.write_bytes(_jpeg(base, 92))
    return path, (x, y, 160, 128)


def test_pasted_region_stands_out_in_ela(pasted: tuple[Path, tuple[int, int, int, int]]) -> None:
    path, box = pasted
    result = run_lens("ela", load(path))
    assert result.regions, result.findings
    assert _inside(result.regions[0], box) > 0.6, (result.regions, box)
    ela_map = result.map("ela").image
    assert ela_map.shape[:2] == (768, 1024)
    assert "photoshopped" in result.note  # the warning about misreading ELA


def test_pasted_region_shows_in_the_jpeg_ghost(
        pasted: tuple[Path, tuple[int, int, int, int]]) -> None:
    path, box = pasted
    result = run_lens("jpeg", load(path), {"ghost_qualities": (50, 60, 70, 80, 90)})
    assert result.numbers["estimated_quality"] == 92
    assert result.regions and _inside(result.regions[0], box) > 0.6, result.findings
    ghost_q = result.numbers["ghost_quality"]
    assert isinstance(ghost_q, int) and ghost_q <= 70, result.findings  # saved at 60
    # In the ghost map at 60 the pasted area is darker than the rest of the picture.
    g = result.map("ghost_q60").image.astype(float)
    scale_y, scale_x = g.shape[0] / 768, g.shape[1] / 1024
    x, y, w, h = box
    inside = g[int(y * scale_y): int((y + h) * scale_y), int(x * scale_x): int((x + w) * scale_x)]
    assert inside.mean() < 0.5 * g.mean()


def test_unedited_photo_has_no_ghost_region() -> None:
    data = _jpeg(_photo(BASE), 92)
    src = from_array(_decoded(data))
    result = run_lens("jpeg", src, {"ghost_qualities": (50, 60, 70, 80)})
    assert result.regions == ()
    assert any("Not a JPEG" in f for f in result.findings)  # an array carries no tables


def test_cloned_region_is_found_with_its_source(tmp_path: Path) -> None:
    img = _photo(BASE)
    src_box, dst_xy = (480, 400, 140, 120), (750, 100)
    x, y, w, h = src_box
    img[dst_xy[1]: dst_xy[1] + h, dst_xy[0]: dst_xy[0] + w] = img[y: y + h, x: x + w].copy()
    path = tmp_path / "cloned.jpg"
    path.write_bytes(_jpeg(img, 90))
    result = run_lens("clone", load(path))
    assert result.numbers["groups"] >= 1, result.findings
    ends = {r.label: r for r in result.regions if r.label.endswith(" 1")}
    boxes = [src_box, (dst_xy[0], dst_xy[1], w, h)]
    # One end of the first group on the source, the other on the copy.
    assert sorted(max(_inside(r, b) for b in boxes) for r in ends.values())[0] > 0.6
    assert {_best(ends["source 1"], boxes), _best(ends["target 1"], boxes)} == {0, 1}
    group = result.details["groups"][0]
    shift = np.array(group["shift"])
    assert np.allclose(np.abs(shift), (270, 300), atol=6)
    assert len(group["pairs"]) >= 8


def _best(region: object, boxes: list[tuple[int, int, int, int]]) -> int:
    return int(np.argmax([_inside(region, b) for b in boxes]))


def test_unedited_photo_has_no_clone() -> None:
    result = run_lens("clone", from_array(_photo(BASE)))
    assert result.numbers["groups"] == 0


@pytest.mark.parametrize("quality", [35, 50, 75, 85, 92, 100])
def test_known_table_lookup_names_the_quality(quality: int) -> None:
    data = _jpeg(_photo(BASE, 256, 256), quality)
    matches = lookup(jpeg_tables.parse(data).tables)
    standard = [m for m in matches if m.kind == "standard" and m.exact]
    assert [m.quality for m in standard] == [quality]


def test_known_table_lookup_names_a_camera() -> None:
    path = shared_file(BASE)
    matches = lookup(jpeg_tables.parse(path.read_bytes()).tables)
    assert any("iPhone 4" in m.source and m.kind == "camera" for m in matches)
    assert not any(m.kind == "standard" for m in matches)


def test_jpeg_lens_reports_quality_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "q77.jpg"
    path.write_bytes(_jpeg(_photo(BASE, 320, 320), 77))
    result = run_lens("jpeg", load(path), {"ghost_qualities": (70,)})
    assert result.numbers["estimated_quality"] == 77
    assert result.numbers["standard_tables"] is True
    assert result.details["known_tables"][0]["quality"] == 77


def test_double_compression_indicator(tmp_path: Path) -> None:
    # A true single save: a camera photo shrunk (its JPEG traces averaged away), saved once.
    img = Image.open(shared_file(OTHER)).convert("RGB")
    fresh = np.asarray(img.resize((img.width // 2, img.height // 2), Image.Resampling.LANCZOS))
    fresh = fresh[:640, :640].copy()
    once, twice = tmp_path / "once.jpg", tmp_path / "twice.jpg"
    once.write_bytes(_jpeg(fresh, 90))
    twice.write_bytes(_jpeg(_decoded(_jpeg(fresh, 60)), 90))
    single = run_lens("jpeg", load(once), {"ghost_qualities": (80,)}).numbers
    double = run_lens("jpeg", load(twice), {"ghost_qualities": (80,)}).numbers
    assert single["double_compression_gap_share"] < 0.1 < 0.15 < \
        double["double_compression_gap_share"]


def test_thumbnail_mismatch_found_where_the_picture_was_edited(tmp_path: Path) -> None:
    original = shared_file(WITH_THUMBNAIL)
    untouched = run_lens("thumbnail", load(original))
    assert untouched.numbers["has_thumbnail"] is True
    assert untouched.numbers["mismatch"] is False
    with Image.open(original) as im:
        exif = im.info["exif"]
        rgb = np.asarray(im.convert("RGB")).copy()
    h, w = rgb.shape[:2]
    box = (w // 2, h // 4, w // 4, h // 4)
    rgb[box[1]: box[1] + box[3], box[0]: box[0] + box[2]] = (250, 30, 30)
    edited = tmp_path / "edited.jpg"
    edited.write_bytes(_jpeg(rgb, 92, exif=exif))  # the camera's EXIF, preview included
    result = run_lens("thumbnail", load(edited))
    assert result.numbers["mismatch"] is True
    assert result.regions and _inside(result.regions[0], box) > 0.6
    assert result.map("thumbnail_difference").image.ndim == 2


def test_no_thumbnail_says_so() -> None:
    result = run_lens("thumbnail", from_array(_photo(BASE, 200, 200)))
    assert result.numbers == {"has_thumbnail": False}
    assert result.maps == ()


def test_noise_finds_a_blurred_patch() -> None:
    import cv2

    img = _photo(BASE)
    img[400:528, 600:760] = cv2.GaussianBlur(img[400:528, 600:760], (7, 7), 2)
    result = run_lens("noise", from_array(img))
    assert result.regions and _inside(result.regions[0], (600, 400, 160, 128)) > 0.5
    assert {m.name for m in result.maps} == {"noise_median", "noise_wavelet", "noise_level"}


def test_magnifier_crops_enlarges_and_equalises() -> None:
    img = np.full((100, 200, 3), 100, dtype=np.uint8)
    img[20:40, 30:60] = np.linspace(100, 110, 30, dtype=np.uint8)[None, :, None]
    out = magnify(img, 30, 20, 30, 20, zoom=4)
    assert out.shape == (80, 120, 3)
    assert int(out.max()) - int(out.min()) > 100  # a 10-level ramp stretched to full range
    with pytest.raises(UserError):
        magnify(img, 500, 500, 10, 10)


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(UserError) as exc:
        analyse(text)
    assert "notes.jpg" in str(exc.value)
    data = _jpeg(_photo(BASE, 400, 400), 90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="truncated"):
        load(cut)
    with pytest.raises(UserError, match="frames lens needs a video"):
        analyse(shared_file(BASE), ("frames",))


def test_huge_picture_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier.forensics import source

    path = tmp_path / "big.png"
    Image.fromarray(np.zeros((300, 400, 3), dtype=np.uint8)).save(path)
    monkeypatch.setattr(source, "MAX_PIXELS", 100_000)
    with pytest.raises(UserError, match="too large"):
        load(path)


def test_tiny_and_flat_pictures(tmp_path: Path) -> None:
    tiny = tmp_path / "icon.png"
    Image.fromarray(np.zeros((16, 16, 3), dtype=np.uint8)).save(tiny)
    with pytest.raises(UserError, match="too small"):
        load(tiny)
    flat = np.full((48, 40, 3), 77, dtype=np.uint8)  # nothing to find, nothing may fail
    from verifier.forensics import IMAGE_LENSES

    for lens in IMAGE_LENSES:
        result = run_lens(lens, from_array(flat))
        assert result.regions == (), lens


def test_overlay_and_regions_render_over_the_picture() -> None:
    from verifier.forensics.render import draw_regions, map_rgb, overlay

    img = _photo(BASE, 256, 320)
    result = run_lens("noise", from_array(img))
    level = result.map("noise_level")  # a block map, smaller than the picture
    assert level.image.shape[:2] != img.shape[:2]
    shown = overlay(img, level, 0.5)
    assert shown.shape == img.shape and shown.dtype == np.uint8
    assert np.array_equal(overlay(img, level, 0.0), img)
    assert np.array_equal(overlay(img, level, 1.0), map_rgb(level, (320, 256)))
    from verifier.forensics import Region

    boxed = draw_regions(img, [Region(10, 10, 50, 40, "test")])
    assert not np.array_equal(boxed, img) and np.array_equal(boxed[100:, 100:], img[100:, 100:])


def test_cli_lists_content_credentials_as_a_lens(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from tests.helpers import run_cli
    from verifier.forensics.credentials import available

    if not available():
        pytest.skip("verifier.provenance is not installed")
    result = run_cli(capsys, "forensics", shared_file(WITH_THUMBNAIL), "--lens", "c2pa",
                     "--lens", "thumbnail", "--out", tmp_path, "--json")
    assert result.rc == 0, result.err
    by_lens = {r["lens"]: r for r in json.loads(result.out)["results"]}
    assert set(by_lens) == {"c2pa", "thumbnail"}
    assert by_lens["c2pa"]["numbers"]["present"] is False
    assert "not a sign of fakery" in by_lens["c2pa"]["note"]


def test_turned_and_scaled_clone_is_found() -> None:
    import cv2

    base = _photo(BASE)
    patch = base[380:540, 460:640].copy()
    turn = cv2.getRotationMatrix2D((90, 80), 20, 1.1)
    turned = cv2.warpAffine(patch, turn, (180, 160))
    mask = cv2.warpAffine(np.ones((160, 180), np.uint8), turn, (180, 160)).astype(bool)
    img = base.copy()
    img[80:240, 760:940][mask] = turned[mask]
    result = run_lens("clone", from_array(_decoded(_jpeg(img, 90))))
    assert result.numbers["groups"] == 1, result.findings
    group = result.details["groups"][0]
    assert abs(abs(group["rotation"]) - 20) < 3 and abs(group["scale"] - 1.1) < 0.05
    boxes = [(460, 380, 180, 160), (760, 80, 180, 160)]
    assert {_best(r, boxes) for r in result.regions} == {0, 1}


def test_a_regularly_repeated_pattern_is_not_a_clone() -> None:
    # A real photo of a framed painting: ornaments and lights repeat along a row.
    result = run_lens("clone", load(shared_file("exif-samples/jpg/tests/42_IndexError.jpg")))
    assert result.numbers["matches"] > 0 and result.numbers["groups"] == 0


def test_ghost_of_a_paste_off_the_grid_needs_the_shift_search(tmp_path: Path) -> None:
    base, other = _photo(BASE, 384, 512), _photo(OTHER, 384, 512)
    patch = _decoded(_jpeg(other, 60))[64:160, 64:192]
    x, y = 203, 130  # not a multiple of 8: the patch's own grid is off the picture's
    base[y: y + 96, x: x + 128] = patch
    path = tmp_path / "offgrid.jpg"
    path.write_bytes(_jpeg(base, 92))
    src = load(path)
    shifted = run_lens("jpeg", src, {"ghost_qualities": (50, 60, 70), "ghost_shifts": 64})
    assert shifted.parameters["ghost_shifts"] == 64
    assert shifted.regions and _inside(shifted.regions[0], (x, y, 128, 96)) > 0.6, \
        shifted.findings
