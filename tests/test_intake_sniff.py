"""Intake of local files: the type comes from the content, the extension is only checked against
it; hashes are of the original bytes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from tests.conftest import MEDIA, shared_file
from verifier.errors import UserError
from verifier.media import intake
from verifier.models import MediaKind

FTYP = b"\x00\x00\x00\x18ftyp"


@pytest.mark.parametrize(("head", "expected"), [
    (b"\xff\xd8\xff\xe0", (MediaKind.IMAGE, "image/jpeg")),
    (b"\x89PNG\r\n\x1a\n", (MediaKind.IMAGE, "image/png")),
    (b"GIF89a", (MediaKind.IMAGE, "image/gif")),
    (b"II*\x00", (MediaKind.IMAGE, "image/tiff")),
    (b"MM\x00*", (MediaKind.IMAGE, "image/tiff")),
    (b"BM\x00\x00", (MediaKind.IMAGE, "image/bmp")),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", (MediaKind.IMAGE, "image/webp")),
    (b"RIFF\x00\x00\x00\x00AVI LIST", (MediaKind.VIDEO, "video/x-msvideo")),
    (FTYP + b"heic\x00\x00\x00\x00", (MediaKind.IMAGE, "image/heic")),
    (FTYP + b"mif1\x00\x00\x00\x00mif1heic", (MediaKind.IMAGE, "image/heic")),
    (FTYP + b"avif\x00\x00\x00\x00", (MediaKind.IMAGE, "image/avif")),
    (FTYP + b"qt  \x00\x00\x00\x00", (MediaKind.VIDEO, "video/quicktime")),
    (FTYP + b"M4V \x00\x00\x00\x00", (MediaKind.VIDEO, "video/x-m4v")),
    (FTYP + b"3gp4\x00\x00\x00\x00", (MediaKind.VIDEO, "video/3gpp")),
    (FTYP + b"isom\x00\x00\x02\x00", (MediaKind.VIDEO, "video/mp4")),
    (FTYP + b"XAVC\x00\x00\x00\x00", (MediaKind.VIDEO, "video/mp4")),  # unknown: MP4 family
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", (MediaKind.VIDEO, "video/webm")),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska",
     (MediaKind.VIDEO, "video/x-matroska")),
    (b"\x00\x00\x00\x08wide\x00\x00\x00\x00mdat", (MediaKind.VIDEO, "video/quicktime")),
    ((b"\x47" + b"\x00" * 187) * 3, (MediaKind.VIDEO, "video/mp2t")),
    (FTYP + b"M4A \x00\x00\x00\x00", None),  # audio
    (FTYP + b"crx \x00\x00\x00\x00", None),  # Canon CR3 raw
    (b"%PDF-1.7", None),
    (b"<!doctype html>", None),
])
def test_sniff_bytes(head: bytes, expected: tuple[MediaKind, str] | None) -> None:
    assert intake.sniff_bytes(head) == expected


@pytest.mark.parametrize(("name", "mime", "agrees"), [
    ("a.jpg", "image/jpeg", True), ("a.JPEG", "image/jpeg", True),
    ("a.png", "image/jpeg", False), ("a.mp4", "video/quicktime", True),
    ("a.mov", "video/mp4", True), ("a.3gp", "video/mp4", True),
    ("a.webm", "video/x-matroska", True),
    ("a.avi", "video/mp4", False), ("a.heic", "image/heif", True), ("a.dng", "image/tiff", True),
    ("a.txt", "image/jpeg", False), ("a.svg", "image/png", False), ("noext", "video/mp4", True),
    ("a.weird-ext", "image/png", True),
])
def test_extension_agreement(name: str, mime: str, agrees: bool) -> None:
    assert intake.extension_agrees(name, mime) is agrees


def test_inspect_hashes_original_bytes(tmp_path: Path) -> None:
    source = shared_file("exif-samples/jpg/Canon_40D.jpg")
    path = tmp_path / "photo.jpg"
    shutil.copyfile(source, path)
    item = intake.inspect(path)
    data = source.read_bytes()
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    assert item.md5 == hashlib.md5(data).hexdigest()
    assert item.size == len(data)
    assert item.added_at.endswith("+00:00") and item.original_name == "photo.jpg"


def test_same_bytes_under_other_names() -> None:
    """imagededup keeps one JPEG under .bmp, .png and .svg names: all sniff as JPEG."""
    folder = MEDIA / "imagededup" / "tests" / "data" / "formats_images"
    if not folder.is_dir():
        pytest.skip(f"real media not available: {folder}")
    for path in sorted(folder.iterdir()):
        try:
            sniffed = intake.sniff(path)
        except UserError:
            continue
        if sniffed.mime == "image/jpeg":
            assert sniffed.extension_agrees is (path.suffix.lower() in (".jpg", ".jpeg"))


def test_real_videos_sniff_as_video() -> None:
    for relative in ("metadata-extractor-images/mov/with-gps.mov",
                     "metadata-extractor-images/mp4/with-gps.mp4",
                     "metadata-extractor-images/3gp/sample.3gp",
                     "metadata-extractor-images/avi/MVI_4823.AVI",
                     "PySceneDetect/tests/resources/issue-236-split-copy.mkv",
                     "metadata-extractor-images/mts/Sony ILCE-7M3 (A7M3).mts"):
        sniffed = intake.sniff(shared_file(relative))
        assert sniffed.kind is MediaKind.VIDEO, relative
        assert sniffed.extension_agrees, (relative, sniffed.mime)


def test_heic_sniffs_as_image() -> None:
    for path in sorted((MEDIA / "exif-samples" / "heic").rglob("*")):
        if path.is_file():
            sniffed = intake.sniff(path)
            assert sniffed.kind is MediaKind.IMAGE and sniffed.mime in ("image/heic",
                                                                        "image/heif")
