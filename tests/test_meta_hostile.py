"""Hostile and broken input, built here in tmp_path: each gives a UserError naming the file and
the reason, or a partial report (complete=False, with problems), within 5 s; never a hang, a
crash or a traceback. Plus the 98 fuzzed JPEGs of metadata-extractor's ImageTestSuite."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import MEDIA, shared_file
from tests.helpers import run_cli
from verifier.errors import UserError
from verifier.media import intake
from verifier.media.metadata import extract
from verifier.models import MetadataReport

# A hang guard, not a speed test: the parser's own deadline is 1.5 s, so a call still running
# after this long is stuck in a loop.
HANG_GUARD_S = 30.0


def _timed(fn: Callable[[], Any]) -> Any:
    """fn's result (or its exception); fails when fn never returns."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as exc:  # handed back to the caller below
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(HANG_GUARD_S)
    if worker.is_alive():
        pytest.fail(f"still running after {HANG_GUARD_S:.0f} s: the parser hangs")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _partial_or_error(path: Path) -> MetadataReport | UserError:
    """The report, or the UserError, checking the contract of each."""
    try:
        report = _timed(lambda: extract(path))
    except UserError as exc:
        assert exc.subject == str(path)
        assert len(exc.reason) > 5
        return exc
    if not report.complete:
        assert report.problems and all(isinstance(p, str) and p for p in report.problems)
    json.dumps([report.fields, report.raw, report.problems], default=str)
    for f in report.fields:
        assert all(ch.isprintable() for ch in f.value), f
    return report


def _jpeg(size: tuple[int, int] = (32, 24), exif: bytes | None = None, **kw: Any) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", size, (90, 140, 200))
    if exif is not None:
        kw["exif"] = exif
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def _with_app1(jpeg: bytes, tiff: bytes) -> bytes:
    payload = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def _ifd(entries: list[tuple[int, int, int, int]], next_ifd: int = 0) -> bytes:
    out = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        out += struct.pack("<HHII", tag, typ, count, value)
    return out + struct.pack("<I", next_ifd)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- empty, truncated, wrong type


def test_zero_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.jpg", b"")
    err = _partial_or_error(path)
    assert isinstance(err, UserError) and "empty" in err.reason


def test_truncated_jpeg_is_a_partial_report(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    whole = _jpeg((400, 300), exif=exif.tobytes(), quality=90)
    path = _write(tmp_path, "cut.jpg", whole[: len(whole) // 2])
    report = _partial_or_error(path)
    assert isinstance(report, MetadataReport)
    assert not report.complete
    assert any("could not be decoded" in p for p in report.problems), report.problems
    assert report.value("make") == "Maker"  # what was readable is still reported


def test_truncated_real_jpeg(tmp_path: Path) -> None:
    data = shared_file("exif-samples/jpg/gps/DSCN0010.jpg").read_bytes()
    for fraction in (0.01, 0.05, 0.3, 0.9):
        path = _write(tmp_path, f"cut{fraction}.jpg", data[: int(len(data) * fraction)])
        result = _partial_or_error(path)
        if isinstance(result, MetadataReport):
            assert not result.complete, fraction


def test_truncated_video(tmp_path: Path) -> None:
    data = shared_file("metadata-extractor-images/mov/with-gps.mov").read_bytes()
    for fraction in (0.001, 0.02, 0.5):
        path = _write(tmp_path, f"cut{fraction}.mov", data[: int(len(data) * fraction)])
        _partial_or_error(path)


@pytest.mark.parametrize(("name", "data"), [
    ("notes.jpg", b"These are notes, not a photo.\n" * 10),
    ("page.png", b"<!doctype html><html><script>alert(1)</script></html>"),
    ("random.mp4", bytes(range(256)) * 40),
    ("fake.mp4", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00junk" * 500),
    ("fake.mkv", b"\x1a\x45\xdf\xa3" + b"\x00" * 2000),
    ("fake.avi", b"RIFF\x00\x10\x00\x00AVI LIST" + b"\x00" * 2000),
    ("audio.m4a", b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00M4A mp42" + b"\x00" * 100),
])
def test_wrong_content(tmp_path: Path, name: str, data: bytes) -> None:
    path = _write(tmp_path, name, data)
    result = _partial_or_error(path)
    assert isinstance(result, UserError), result


def test_folder_and_missing_file(tmp_path: Path) -> None:
    for path, words in ((tmp_path, "folder"), (tmp_path / "nope.jpg", "no such file")):
        err = _partial_or_error(path)
        assert isinstance(err, UserError) and words in err.reason


# ---------------------------------------------------------------- hostile EXIF


def test_huge_tag_count(tmp_path: Path) -> None:
    entries = b"\x0f\x01\x02\x00" * 5000  # far fewer than the 65535 the count claims
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 0xFFFF) + entries
    _partial_or_error(_write(tmp_path, "count.jpg", _with_app1(_jpeg(), tiff)))


def test_looping_ifds(tmp_path: Path) -> None:
    # IFD0's next pointer is itself, its EXIF pointer is itself, and its make is readable.
    ifd0 = _ifd([(0x8769, 4, 1, 8), (0x010F, 2, 4, 0x00414141)], next_ifd=8)
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd0
    report = _partial_or_error(_write(tmp_path, "loop.jpg", _with_app1(_jpeg(), tiff)))
    assert isinstance(report, MetadataReport)
    assert report.value("make") == "AAA"


def test_ifd_bomb_is_cut_short(tmp_path: Path) -> None:
    # 999 sub-IFDs, all pointing at one IFD that claims 65535 entries.
    big = struct.pack("<H", 0xFFFF) + struct.pack("<HHII", 0x010F, 2, 4, 0x41414141) * 2000
    at = 8 + 2 + 12 + 4
    tiff = (b"II*\x00" + struct.pack("<I", 8) + _ifd([(0x014A, 4, 999, at + len(big))]) + big
            + struct.pack("<999I", *([at] * 999)))
    report = _partial_or_error(_write(tmp_path, "bomb.jpg", _with_app1(_jpeg(), tiff)))
    assert isinstance(report, MetadataReport)
    assert not report.complete and any("EXIF" in p for p in report.problems)


def test_binary_junk_and_html_in_text_tags(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    junk = b"\x1b[31mEVIL\x07\x08<script>alert('x')</script>\xff\xfe" * 100 + b"\x00"
    offset = 8 + 2 + 2 * 12 + 4
    tiff = (b"II*\x00" + struct.pack("<I", 8)
            + _ifd([(0x010F, 2, len(junk), offset), (0x0131, 2, len(junk), offset)]) + junk)
    path = _write(tmp_path, "junk.jpg", _with_app1(_jpeg(), tiff))
    report = _partial_or_error(path)
    assert isinstance(report, MetadataReport)
    make = report.value("make")
    assert make is not None and "\x1b" not in make and "\x07" not in make
    assert "<script>" in make  # kept as text: the HTML report and the GUI escape it
    assert len(make) <= 2001
    for group in report.raw.values():
        for value in group.values():
            assert "\x1b" not in value and "\x00" not in value
    result = run_cli(capsys, "metadata", path)
    assert result.rc == 0 and "\x1b" not in result.out
    result = run_cli(capsys, "metadata", path, "--json")
    assert result.rc == 0 and json.loads(result.out)["fields"]


def test_html_in_xmp_and_xml_bomb(tmp_path: Path) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
            b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="&c;"/></rdf:RDF>'
            b"</x:xmpmeta>")
    img = Image.new("RGB", (20, 20))
    buf = io.BytesIO()
    img.save(buf, "JPEG", xmp=bomb)
    report = _partial_or_error(_write(tmp_path, "bomb-xmp.jpg", buf.getvalue()))
    assert isinstance(report, MetadataReport)
    assert not report.complete and any("XMP" in p for p in report.problems)

    html = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
            b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
            b'xmp:CreatorTool="&lt;img src=x onerror=alert(1)&gt; Photoshop"/></rdf:RDF>'
            b"</x:xmpmeta>")
    buf = io.BytesIO()
    img.save(buf, "JPEG", xmp=html)
    report = _partial_or_error(_write(tmp_path, "html-xmp.jpg", buf.getvalue()))
    assert isinstance(report, MetadataReport) and report.complete
    assert report.raw["XMP"]["xmp:CreatorTool"].startswith("<img src=x")
    assert "editing-software" in [f.code for f in report.flags]


# ---------------------------------------------------------------- decompression bombs


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + \
        chunk(b"IEND", b"")


def test_png_claiming_100000_by_100000(tmp_path: Path) -> None:
    path = _write(tmp_path, "bomb.png", _png_header_only(100_000, 100_000))
    report = _partial_or_error(path)
    assert isinstance(report, MetadataReport)
    assert not report.complete
    assert any("decompression bomb" in p for p in report.problems), report.problems
    with pytest.raises(UserError) as info:
        _timed(lambda: intake.inspect(path))
    assert info.value.subject == str(path) and "decompression bomb" in info.value.reason


def test_jpeg_claiming_65000_square(tmp_path: Path) -> None:
    data = bytearray(_jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65000, 65000)
    report = _partial_or_error(_write(tmp_path, "huge.jpg", bytes(data)))
    assert isinstance(report, MetadataReport) and not report.complete


def test_exif_thumbnail_that_is_a_bomb(tmp_path: Path) -> None:
    # The EXIF preview is itself a PNG claiming 100000 x 100000: it is skipped, not decoded.
    thumb = _png_header_only(100_000, 100_000)
    at = 8 + 2 + 0 + 4  # IFD0 (empty) -> IFD1 with the thumbnail
    ifd1_at = at
    ifd1 = _ifd([(0x0201, 4, 1, ifd1_at + 2 + 24 + 4), (0x0202, 4, 1, len(thumb))])
    tiff = b"II*\x00" + struct.pack("<I", 8) + _ifd([], next_ifd=ifd1_at) + ifd1 + thumb
    _partial_or_error(_write(tmp_path, "thumb-bomb.jpg", _with_app1(_jpeg(), tiff)))


# ---------------------------------------------------------------- the fuzzed JPEGs


def _fuzzed() -> list[Path]:
    folder = MEDIA / "metadata-extractor-images" / "jpg" / "ImageTestSuite"
    if not folder.is_dir():
        pytest.skip(f"real media not available: {folder} (../shared is absent)")
    return sorted(folder.glob("*.jpg"))


@pytest.mark.shared
def test_fuzzed_jpegs_through_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    files = _fuzzed()
    assert len(files) >= 90
    codes: dict[int, int] = {}
    for path in files:
        result = _timed(lambda p=path: run_cli(capsys, "metadata", p, "--json"))
        assert "Traceback" not in result.err, (path.name, result.err)
        assert result.rc in (0, 2), (path.name, result.rc, result.err)
        if result.rc == 0:
            json.loads(result.out)
        else:
            assert str(path) in result.err
        codes[result.rc] = codes.get(result.rc, 0) + 1
    print(f"\nfuzzed JPEGs: {len(files)} files, exit codes {codes}")


@pytest.mark.shared
def test_fuzzed_jpegs_as_a_user_runs_them() -> None:
    """The console script in a fresh process on a sample: no traceback on stderr."""
    files = _fuzzed()[::10]
    for path in files:
        proc = subprocess.run([sys.executable, "-m", "verifier.cli", "metadata", str(path)],
                              capture_output=True, text=True, timeout=30, check=False)
        assert proc.returncode in (0, 2), (path.name, proc.stderr)
        assert "Traceback" not in proc.stderr, proc.stderr
