"""What `extract` reports, feature by feature: every format, normalised fields with their source,
XMP, IPTC, ICC, JPEG quality, the EXIF thumbnail, the timeline and each red flag, on real files
from ../shared/media and on files made here."""

from __future__ import annotations

import io
import json
import os
import shutil
from dataclasses import asdict
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image, ImageDraw

from tests.conftest import shared_file
from tests.helpers import run_cli
from verifier.errors import UserError
from verifier.media import intake, jpeg_tables
from verifier.media.avmeta import parse_iso6709
from verifier.media.imageio import decode_image
from verifier.media.metadata import (
    exif_thumbnail,
    exif_thumbnail_image,
    extract,
    osm_link,
    timeline_of,
)
from verifier.models import MediaKind, MetadataReport

CANON = "exif-samples/jpg/Canon_40D.jpg"
GPS_JPEG = "exif-samples/jpg/gps/DSCN0010.jpg"  # 43.467448, 11.885127 (Tuscany)
HEIC = "exif-samples/heic/IMG_5195.HEIC"
APPLE_MOV = "metadata-extractor-images/mov/with-gps.mov"
ANDROID_MP4 = "metadata-extractor-images/mp4/with-gps.mp4"
MKV = "PySceneDetect/tests/resources/issue-236-split-copy.mkv"
LAVF_MP4 = "PySceneDetect/tests/resources/issue-134-rotate.mp4"


def codes(report: MetadataReport) -> list[str]:
    return [f.code for f in report.flags]


def source(report: MetadataReport, name: str) -> str | None:
    return next((f.source for f in report.fields if f.name == name), None)


# ---------------------------------------------------------------- formats made here


def _image_bytes(fmt: str) -> bytes:
    img = Image.new("RGB", (48, 32), (10, 120, 200))
    ImageDraw.Draw(img).rectangle((5, 5, 30, 20), fill=(250, 250, 0))
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "ext", "mime"), [
    ("JPEG", ".jpg", "image/jpeg"), ("PNG", ".png", "image/png"), ("WEBP", ".webp", "image/webp"),
    ("TIFF", ".tif", "image/tiff"), ("GIF", ".gif", "image/gif"), ("BMP", ".bmp", "image/bmp"),
])
def test_every_image_format(tmp_path: Path, fmt: str, ext: str, mime: str) -> None:
    path = tmp_path / f"picture{ext}"
    path.write_bytes(_image_bytes(fmt))
    item = intake.inspect(path)
    assert (item.kind, item.mime) == (MediaKind.IMAGE, mime)
    report = extract(path)
    assert report.complete, report.problems
    assert report.value("dimensions") == "48 x 32"
    assert "metadata-stripped" in codes(report)
    assert "extension-mismatch" not in codes(report)


def _video(path: Path, fmt: str, codec: str, frames: int = 12) -> Path:
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=12)
        stream.width, stream.height = 64, 48
        stream.pix_fmt = "yuv420p"
        if codec == "h263":
            stream.width, stream.height = 128, 96
        for i in range(frames):
            img = Image.new("RGB", (stream.width, stream.height), (i * 20 % 255, 80, 160))
            frame = av.VideoFrame.from_image(img)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


@pytest.mark.parametrize(("name", "fmt", "codec", "mime"), [
    ("clip.mp4", "mp4", "libx264", "video/mp4"),
    ("clip.mov", "mov", "libx264", "video/quicktime"),
    ("clip.m4v", "ipod", "libx264", "video/x-m4v"),
    ("clip.mkv", "matroska", "libx264", "video/x-matroska"),
    ("clip.webm", "webm", "libvpx-vp9", "video/webm"),
    ("clip.avi", "avi", "mpeg4", "video/x-msvideo"),
    ("clip.3gp", "3gp", "h263", "video/3gpp"),
])
def test_every_video_format(tmp_path: Path, name: str, fmt: str, codec: str, mime: str) -> None:
    path = _video(tmp_path / name, fmt, codec)
    item = intake.inspect(path)
    assert item.kind is MediaKind.VIDEO
    assert item.mime == mime or intake.extension_agrees(name, item.mime), item.mime
    report = extract(path)
    assert report.complete, report.problems
    assert report.value("codec") in (codec.removeprefix("lib").replace("x264", "h264"),
                                     "h264", "vp9", "mpeg4", "h263")
    length_field = report.value("duration")
    assert length_field is not None, report.fields
    assert abs(float(length_field.split()[0]) - 1.0) < 0.2, length_field
    assert report.value("frame_rate") is not None
    # Where FFmpeg names itself (its MP4, MOV and Matroska muxers do): re-encoded by a tool.
    if "encoder" in report.raw["Container"]:
        assert "re-encoded" in codes(report), report.raw["Container"]
    assert "extension-mismatch" not in codes(report)


# ---------------------------------------------------------------- real photos


def test_canon_fields_sources_and_groups() -> None:
    report = extract(shared_file(CANON))
    assert report.value("make") == "Canon" and source(report, "make") == "Image Make"
    assert report.value("capture_time") == "2008-05-30T15:56:01 (zone unknown)"
    assert source(report, "capture_time") == "EXIF DateTimeOriginal"
    for group in ("Image", "EXIF", "Thumbnail", "JPEG", "Timeline"):
        assert group in report.raw, group
    nikon = extract(shared_file(GPS_JPEG))
    assert "MakerNote" in nikon.raw and "GPS" in nikon.raw
    assert "tags decoded under MakerNote" in nikon.raw["EXIF"]["MakerNote"]
    assert report.value("lens") is None or report.value("lens")
    names = [f.name for f in report.fields]
    assert names.index("capture_time") < names.index("make") < names.index("dimensions")


def test_gps_and_map_link() -> None:
    report = extract(shared_file(GPS_JPEG))
    assert report.value("gps") == "43.467448, 11.885127"
    link = report.value("gps_map")
    assert link == osm_link(43.467448, 11.885127)
    assert link.startswith("https://www.openstreetmap.org/?mlat=43.467448&mlon=11.885127")


def test_heic_decodes_and_reads() -> None:
    path = shared_file(HEIC)
    item = intake.inspect(path)
    assert item.mime == "image/heic"
    img = decode_image(path, max_side=256)
    assert max(img.size) == 256
    report = extract(path)
    assert report.complete, report.problems
    assert report.value("make") == "Apple"
    assert report.value("capture_time") == "2021-04-11T15:47:53-05:00"
    assert report.value("icc_profile") == "Display P3"
    assert report.value("gps") is not None


@pytest.mark.parametrize("relative", ["exif-samples/heic/samplefilehub.heif",
                                      "exif-samples/heic/mobile/iphone_13_pro_max.HEIC"])
def test_other_heif_files_decode(relative: str) -> None:
    img = decode_image(shared_file(relative), max_side=128)
    assert img.mode == "RGB" and max(img.size) == 128


def test_xmp_utf16_and_iptc() -> None:
    xmp = extract(shared_file("exiftool/t/images/XMP.jpg"))
    assert xmp.complete, xmp.problems
    assert xmp.raw["XMP"]["dc:creator"] == "Phil Harvey"
    assert xmp.raw["XMP"]["dc:subject"] == "ExifTool; Test; XMP"
    assert "editing-software" in codes(xmp)  # Software: Adobe Photoshop 7.0
    iptc = extract(shared_file("exiftool/t/images/IPTC.jpg"))
    assert iptc.raw["IPTC"]["City"] == "Kingston"
    assert iptc.raw["IPTC"]["DateCreated"] == "20040226"
    assert iptc.value("capture_time") == "2004-02-26 (zone unknown)"
    assert source(iptc, "capture_time") == "IPTC DateCreated"


def test_xmp_history_names_the_editor(tmp_path: Path) -> None:
    packet = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
              b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
              b'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
              b'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#">'
              b"<xmpMM:History><rdf:Seq><rdf:li rdf:parseType=\"Resource\">"
              b"<stEvt:action>saved</stEvt:action><stEvt:when>2020-02-20T10:00:00+01:00"
              b"</stEvt:when><stEvt:softwareAgent>Adobe Photoshop Lightroom Classic 9.1"
              b"</stEvt:softwareAgent></rdf:li></rdf:Seq></xmpMM:History>"
              b"</rdf:Description></rdf:RDF></x:xmpmeta>")
    path = tmp_path / "edited.jpg"
    Image.new("RGB", (20, 20)).save(path, "JPEG", xmp=packet)
    report = extract(path)
    assert report.raw["XMP"]["xmpMM:History[1]/stEvt:softwareAgent"].startswith("Adobe")
    flag = next(f for f in report.flags if f.code == "editing-software")
    assert "Lightroom" in flag.explanation
    when = [e for e in report.timeline if "History" in e.source]
    assert when and when[0].time == "2020-02-20T10:00:00+01:00"


def test_icc_profile_name() -> None:
    from PIL import ImageCms

    img = Image.new("RGB", (16, 16))
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    img.save(buf, "PNG", icc_profile=icc)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"icc-{os.getpid()}.png"
    try:
        path.write_bytes(buf.getvalue())
        report = extract(path)
    finally:
        path.unlink(missing_ok=True)
    assert report.value("icc_profile") and "sRGB" in report.value("icc_profile")


@pytest.mark.parametrize("quality", [30, 50, 75, 85, 95, 100])
def test_jpeg_quality_estimate(tmp_path: Path, quality: int) -> None:
    path = tmp_path / f"q{quality}.jpg"
    Image.new("RGB", (64, 64), (1, 2, 3)).save(path, "JPEG", quality=quality)
    report = extract(path)
    assert report.value("jpeg_quality") == f"{quality} (IJG standard tables)"
    assert len(report.raw["JPEG"]["quantization table 0"].split()) == 64


def test_jpeg_quality_of_camera_tables() -> None:
    info = jpeg_tables.parse(shared_file(CANON).read_bytes())
    estimate = jpeg_tables.estimate_quality(info.tables)
    assert estimate is not None and 1 <= estimate.quality <= 100
    assert info.subsampling in ("4:2:2", "4:2:0", "4:4:4")


# ---------------------------------------------------------------- EXIF thumbnail


def test_exif_thumbnail_extracted() -> None:
    path = shared_file(CANON)
    data = exif_thumbnail(path)
    assert data is not None and data.startswith(b"\xff\xd8")
    img = exif_thumbnail_image(path)
    assert img is not None and img.mode == "RGB" and max(img.size) <= 256
    report = extract(path)
    assert "thumbnail-mismatch" not in codes(report)
    assert int(report.raw["Thumbnail"]["pHash distance to the picture"]) <= 12


def test_exif_thumbnail_of_a_photo_without_one(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    Image.new("RGB", (16, 16)).save(path)
    assert exif_thumbnail(path) is None and exif_thumbnail_image(path) is None


def test_thumbnail_differs_from_an_edited_picture(tmp_path: Path) -> None:
    original = shared_file(CANON)
    with Image.open(original) as img:
        exif_bytes = img.info["exif"]  # IFD1 and the preview go along
        size = img.size
    edited = Image.new("RGB", size, (30, 30, 30))
    draw = ImageDraw.Draw(edited)
    for i in range(0, size[0], 80):
        draw.rectangle((i, 0, i + 40, size[1]), fill=(240, 240, 240))
    path = tmp_path / "edited.jpg"
    edited.save(path, "JPEG", exif=exif_bytes, quality=90)
    assert exif_thumbnail(path) == exif_thumbnail(original)
    report = extract(path)
    assert "thumbnail-mismatch" in codes(report), report.raw.get("Thumbnail")


# ---------------------------------------------------------------- dates, claims, places


def test_timeline_sorted_with_sources(tmp_path: Path) -> None:
    path = tmp_path / "gps.jpg"
    shutil.copyfile(shared_file(GPS_JPEG), path)
    report = extract(path)
    sources = [e.source for e in report.timeline]
    for wanted in ("EXIF DateTimeOriginal", "EXIF DateTimeDigitized", "Image DateTime",
                   "GPS GPSDateStamp/GPSTimeStamp (UTC)", "file modified (file system)"):
        assert wanted in sources, sources
    original = next(e for e in report.timeline if e.source == "EXIF DateTimeOriginal")
    assert original.time == "2008-10-22T16:28:39" and not original.zone_known
    assert original.value == "2008:10:22 16:28:39"
    gps = next(e for e in report.timeline if e.source.startswith("GPS"))
    assert gps.time == "2008-10-23T14:27:07Z" and gps.zone_known
    assert sources[-1] == "file modified (file system)"
    assert report.raw["Timeline"]["EXIF DateTimeOriginal"] == "2008-10-22T16:28:39 (zone unknown)"
    # The case store keeps raw; the timeline comes back from it.
    stored = MetadataReport(report.fields, report.flags, report.raw, report.complete,
                            report.problems)
    assert [e.time for e in timeline_of(stored)] == [e.time for e in report.timeline]


def test_capture_after_file_modification(tmp_path: Path) -> None:
    path = tmp_path / "gps.jpg"
    shutil.copyfile(shared_file(GPS_JPEG), path)
    assert "capture-after-modified" not in codes(extract(path))
    os.utime(path, (1_000_000_000, 1_000_000_000))  # 2001: before the 2008 capture
    flag = next(f for f in extract(path).flags if f.code == "capture-after-modified")
    assert "2008-10-22" in flag.explanation


def test_claim_dates() -> None:
    path = shared_file(GPS_JPEG)  # taken 2008-10-22 16:28:39, zone unknown
    assert "capture-after-claim" in codes(extract(path, claim_date="2008-10-20"))
    assert "capture-after-claim" not in codes(extract(path, claim_date="2008-10-22"))
    assert "capture-after-claim" not in codes(extract(path, claim_date="2008-10-23"))
    old = extract(path, claim_date="2012-05-01")
    assert "capture-before-claim" in codes(old) and "capture-after-claim" not in codes(old)
    claimed = next(e for e in old.timeline if e.source.startswith("claimed date"))
    assert claimed.time == "2012-05-01"
    with pytest.raises(UserError):
        extract(path, claim_date="last Tuesday")


def test_claimed_place() -> None:
    path = shared_file(GPS_JPEG)
    far = extract(path, claimed_place="48.8566, 2.3522")  # Paris
    flag = next(f for f in far.flags if f.code == "gps-far-from-claim")
    assert "km" in flag.explanation
    assert float(far.value("distance_to_claimed_place").split()[0]) > 900
    near = extract(path, claimed_place=(43.47, 11.88))
    assert "gps-far-from-claim" not in codes(near)
    assert float(near.value("distance_to_claimed_place").split()[0]) < 1
    with pytest.raises(UserError):
        extract(path, claimed_place="Tuscany")


def test_time_zone_inferred_from_gps(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x8769] = {0x9003: "2020:02:19 14:05:00"}
    exif[0x8825] = {1: "N", 2: (52.0, 30.0, 0.0), 3: "E", 4: (13.0, 24.0, 0.0),
                    7: (12.0, 5.0, 3.0), 29: "2020:02:19"}
    path = tmp_path / "berlin.jpg"
    Image.new("RGB", (32, 32)).save(path, "JPEG", exif=exif.tobytes())
    report = extract(path)
    assert report.value("capture_time") == "2020-02-19T14:05:00 (zone unknown)"
    assert report.value("time_zone") == "+02:00 (inferred from the GPS clock)"
    assert report.value("gps") == "52.500000, 13.400000"


# ---------------------------------------------------------------- real videos


def test_apple_movie() -> None:
    report = extract(shared_file(APPLE_MOV))
    assert report.value("capture_time") == "2019-07-24T11:25:40+03:00"
    assert source(report, "capture_time") == "container com.apple.quicktime.creationdate"
    assert (report.value("make"), report.value("model"), report.value("software")) == (
        "Apple", "iPhone 6", "12.3")
    assert report.value("gps") == "32.092900, 34.862000"
    assert report.value("gps_altitude") == "28.5 m"
    assert report.value("rotation") == "90"
    assert report.value("dimensions") == "568 x 320"
    assert report.value("displayed_dimensions") == "320 x 568"
    assert report.value("audio", ).startswith("aac")
    assert report.value("profile") == "Baseline"
    sources = [e.source for e in report.timeline]
    assert "container com.apple.quicktime.creationdate" in sources
    assert "container creation_time" in sources
    assert "metadata-stripped" not in codes(report) and "re-encoded" not in codes(report)


def test_android_mp4_xyz_location() -> None:
    report = extract(shared_file(ANDROID_MP4))
    assert report.value("gps") == "51.416900, -0.080600"
    assert source(report, "gps") == "container location"
    assert report.value("capture_time") == "2017-02-22T08:20:28Z"
    assert report.value("software") == "Android 6.0.1"


def test_matroska_writing_app() -> None:
    report = extract(shared_file(MKV))
    assert report.value("software", ).startswith("mkvmerge")
    assert source(report, "software") == "Matroska WritingApp"
    assert report.raw["Matroska"]["MuxingApp"].startswith("libebml")


def test_rotated_lavf_video() -> None:
    report = extract(shared_file(LAVF_MP4))
    assert report.value("rotation") == "90"
    assert report.value("displayed_dimensions") == "544 x 1280"
    assert "re-encoded" in codes(report)
    assert report.value("encoder", ).startswith("Lavf")


@pytest.mark.parametrize(("text", "expected"), [
    ("+33.3128+044.3615/", (33.3128, 44.3615)),
    ("+32.0929+034.8620+028.516/", (32.0929, 34.862)),
    ("-33.8688+151.2093/", (-33.8688, 151.2093)),
    ("+4807.038-01131.000/", (48 + 7.038 / 60, -(11 + 31 / 60))),
    ("+000.0000+000.0000/", None),
    ("+95.0+010.0/", None),
    ("garbage", None),
])
def test_iso6709(text: str, expected: tuple[float, float] | None) -> None:
    got = parse_iso6709(text)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert abs(got[0] - expected[0]) < 1e-9 and abs(got[1] - expected[1]) < 1e-9


# ---------------------------------------------------------------- the command line


def test_cli_json_has_everything(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "metadata", shared_file(GPS_JPEG), "--json", "--claim-date",
                     "2008-10-01", "--claimed-place", "48.8566,2.3522")
    assert result.rc == 0, result.err
    payload = json.loads(result.out)
    for key in ("file", "sha256", "md5", "size", "fields", "flags", "timeline", "raw",
                "complete", "problems"):
        assert key in payload, key
    flags = {f["code"] for f in payload["flags"]}
    assert {"capture-after-claim", "gps-far-from-claim"} <= flags
    assert payload["timeline"][0]["source"].startswith("claimed date")
    assert {"time", "source", "value", "zone_known"} <= set(payload["timeline"][0])
    assert payload["raw"]["GPS"]


def test_cli_text_lists_timeline_and_groups(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "metadata", shared_file(GPS_JPEG))
    assert result.rc == 0, result.err
    assert "Timeline:" in result.out and "[EXIF]" in result.out and "[MakerNote]" in result.out


def test_report_is_plain_data() -> None:
    report = extract(shared_file(CANON))
    json.dumps(asdict(report))
    assert Fraction(1, 2)  # exifread ratios never leak into the report
    for group in report.raw.values():
        assert all(isinstance(v, str) for v in group.values())
