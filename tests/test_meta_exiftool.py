"""Our metadata against ExifTool's, on every image and video in ../shared/media our sniffer accepts.

ExifTool is the oracle (installed by `make setup`, never used by the application). For each file
the normalised fields we report (capture time, make, model, software, GPS, orientation, size,
video duration and creation time) must agree with ExifTool's value wherever ExifTool has one.
Real differences are listed in KNOWN_DIFFERENCES with the reason, file by file, instead of
loosening the comparison; a listed difference that no longer happens fails the test too, so the
list stays honest.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MEDIA
from verifier.errors import UserError
from verifier.media.exif import ORIENTATION_NAMES
from verifier.media.intake import sniff
from verifier.media.metadata import extract
from verifier.models import MediaKind, MetadataReport

pytestmark = pytest.mark.shared

EXIFTOOL = shutil.which("exiftool")
if EXIFTOOL is None:
    pytest.skip("exiftool is not installed (the test oracle; `make setup` installs it)",
                allow_module_level=True)
if not MEDIA.is_dir():
    pytest.skip(f"real media not available: {MEDIA} (../shared is absent)",
                allow_module_level=True)

FOLDERS = ("exif-samples", "metadata-extractor-images", "exiftool/t/images", "ThreatExchange",
           "imagehash", "imagededup", "PySceneDetect")
GPS_TOLERANCE = 1e-5  # degrees
DURATION_TOLERANCE = 0.1  # seconds

# (file relative to ../shared/media, field) -> why we differ from ExifTool. Keep it short.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    # Camera raw files (image data stripped in ExifTool's samples): we report the size of the
    # first image Pillow reads (a preview), ExifTool the sensor size from the raw IFD.
    ("exiftool/t/images/CanonRaw.cr2", "dimensions"): "raw: preview size vs sensor size",
    ("exiftool/t/images/DNG.dng", "dimensions"): "raw: preview size vs sensor size",
    ("exiftool/t/images/Nikon.nef", "dimensions"): "raw: preview size vs sensor size",
    ("exiftool/t/images/PhaseOne.iiq", "dimensions"): "raw: preview size vs sensor size",
    # ExifTool's Matroska sample has its clusters stripped: FFmpeg refuses it, so the report is
    # partial (segment info only) and has no tracks to take a size or duration from.
    ("exiftool/t/images/Matroska.mkv", "dimensions"): "FFmpeg cannot open the stripped sample",
    ("exiftool/t/images/Matroska.mkv", "duration"): "FFmpeg cannot open the stripped sample",
    # IDIT chunk "2009/10/27 12:14:34": ExifTool 12.57 drops the seconds (its own Pentax maker
    # note says 12:14:34, as we do).
    ("exiftool/t/images/Pentax.avi", "capture_time"): "ExifTool drops the seconds of IDIT",
    # The stripped sample's movie header says 4.97 s, its tracks 0.43 s; FFmpeg goes by the
    # tracks, ExifTool by the movie header.
    ("exiftool/t/images/QuickTime.mov", "duration"): "movie header and tracks disagree",
    # Fuzzed JPEGs whose first marker is damaged (FF01 or FFFF given a length): ExifTool reads
    # on to the frame header, Pillow and our marker walk stop, so we report no size.
    ("metadata-extractor-images/jpg/ImageTestSuite/2183d39878e734cf79b62428b02fafb5.jpg",
     "dimensions"): "damaged first marker",
    ("metadata-extractor-images/jpg/ImageTestSuite/90e46387f562ca8fa106b51dfcda1dc6.jpg",
     "dimensions"): "damaged first marker",
    ("metadata-extractor-images/jpg/ImageTestSuite/c8bc97335529d069a753c67475b8c82c.jpg",
     "dimensions"): "damaged first marker",
    ("metadata-extractor-images/jpg/ImageTestSuite/eddea4ef9629be031f750a8ff0b7497c.jpg",
     "dimensions"): "damaged first marker",
    # The frame header says height 0 (to be defined by a DNL marker); we report no size rather
    # than "200 x 0".
    ("metadata-extractor-images/jpg/beach.jpg", "dimensions"): "height 0 in the frame header",
    # FFmpeg exposes the (c)xyz atom, rounded to 4 decimals; ExifTool reads the 3GPP 'loci' atom
    # (16.16 fixed point): the two differ by up to 1e-5 degrees (about 1 m).
    ("metadata-extractor-images/mp4/FLIR Thermal.mp4", "gps"): "(c)xyz vs loci precision",
    ("metadata-extractor-images/mp4/Issue 515 (java).mp4", "gps"): "(c)xyz vs loci precision",
}


# ---------------------------------------------------------------- ExifTool


def _exiftool(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """ExifTool's tags (-n: numbers, -G1: group names) for every path, in parallel batches."""
    batches = [paths[i::4] for i in range(4)]

    def run(batch: list[Path]) -> list[dict[str, Any]]:
        if not batch:
            return []
        args = "\n".join(str(p) for p in batch)
        proc = subprocess.run(
            [str(EXIFTOOL), "-json", "-n", "-G1", "-struct", "-charset", "filename=utf8",
             "-api", "LargeFileSupport=1", "-@", "-"],
            input=args, capture_output=True, text=True, timeout=120, check=False)
        # Numbers keep their text: ExifTool prints Software "1.00" as the JSON number 1.00.
        return json.loads(proc.stdout or "[]", parse_float=_Number)

    out: dict[str, dict[str, Any]] = {}
    with ThreadPoolExecutor(4) as pool:
        for records in pool.map(run, batches):
            for rec in records:
                out[rec["SourceFile"]] = rec
    return out


class _Number(float):
    """A JSON number that remembers how ExifTool wrote it."""

    text: str

    def __new__(cls, text: str) -> _Number:
        obj = super().__new__(cls, text)
        obj.text = text
        return obj

    def __str__(self) -> str:
        return self.text


def _first(et: dict[str, Any], *keys: str) -> tuple[str, Any] | None:
    for key in keys:
        value = et.get(key)
        if value is None:
            continue
        if isinstance(value, str) and not value.strip(" \x00"):
            continue
        if isinstance(value, str) and re.fullmatch(r"[0: ]+", value.strip()):
            continue  # ExifTool shows unset dates as 0000:00:00 00:00:00
        return key, value
    return None


# ---------------------------------------------------------------- normalising values


_DATE = re.compile(r"(\d{4})[:-](\d\d)[:-](\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?"
                   r"(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?")


def _date_parts(text: str) -> tuple[str, str | None, str | None] | None:
    m = _DATE.search(str(text))
    if not m:
        return None
    y, mo, d, h, mi, s, zone = m.groups()
    clock = f"{h}:{mi}:{s or '00'}" if h else None
    if zone == "Z":
        zone = "+00:00"
    elif zone and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    return f"{y}-{mo}-{d}", clock, zone


def _dates_agree(ours: str, theirs: str, their_zone: str | None = None) -> bool:
    a, b = _date_parts(ours), _date_parts(theirs)
    if a is None or b is None:
        return False
    zone_b = b[2] or their_zone
    if a[0] != b[0]:
        return False
    if a[1] and b[1] and a[1] != b[1]:
        return False
    return not (a[2] and zone_b and a[2] != zone_b)


def _text(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip(" \x00")


# ---------------------------------------------------------------- the comparison


@dataclass
class Comparison:
    files: int = 0
    fields: int = 0
    per_field: dict[str, int] = field(default_factory=dict)
    disagreements: dict[tuple[str, str], str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


_IMAGE_CAPTURE = ("ExifIFD:DateTimeOriginal", "ExifIFD:CreateDate", "IFD0:ModifyDate",
                  "XMP-exif:DateTimeOriginal", "XMP-photoshop:DateCreated", "XMP-xmp:CreateDate",
                  "IPTC:DateCreated", "PNG:CreationTime")
_VIDEO_CAPTURE = ("Keys:CreationDate", "QuickTime:CreateDate", "Matroska:DateTimeOriginal",
                  "RIFF:DateTimeOriginal", "UserData:DateTimeOriginal")
_IMAGE_TEXT = {
    "make": ("IFD0:Make", "XMP-tiff:Make"),
    "model": ("IFD0:Model", "XMP-tiff:Model"),
    "software": ("IFD0:Software", "XMP-xmp:CreatorTool", "XMP-tiff:Software", "PNG:Software"),
}
_VIDEO_TEXT = {
    "make": ("Keys:Make", "UserData:Make", "ItemList:Make"),
    "model": ("Keys:Model", "UserData:Model", "ItemList:Model"),
    "software": ("Keys:Software", "UserData:Software", "RIFF:Software", "Keys:AndroidVersion",
                 "Matroska:WritingApp", "ItemList:Encoder"),
}
_DURATION = ("QuickTime:Duration", "Matroska:Duration", "RIFF:Duration", "M2TS:Duration",
             "Composite:Duration")
_ORIENTATION_NUMBER = {name: n for n, name in ORIENTATION_NAMES.items()}


def _compare_file(rel: str, kind: MediaKind, report: MetadataReport, et: dict[str, Any],
                  note: Callable[[str, str | None], None]) -> None:
    """note(field, None) for an agreement, note(field, why) for a disagreement."""
    ours = {f.name: f.value for f in report.fields}

    # Capture time.
    hit = _first(et, *(_IMAGE_CAPTURE if kind is MediaKind.IMAGE else _VIDEO_CAPTURE))
    if hit:
        key, value = hit
        theirs = str(value)
        zone = None
        if key == "IPTC:DateCreated" and et.get("IPTC:TimeCreated"):
            theirs = f"{value} {et['IPTC:TimeCreated']}"
        if key.startswith("ExifIFD:") or key.startswith("IFD0:"):
            offset_key = {"ExifIFD:DateTimeOriginal": "ExifIFD:OffsetTimeOriginal",
                          "ExifIFD:CreateDate": "ExifIFD:OffsetTimeDigitized",
                          "IFD0:ModifyDate": "ExifIFD:OffsetTime"}[key]
            zone = et.get(offset_key)
            if zone is not None and not re.fullmatch(r"[+-]\d\d:\d\d", str(zone)):
                zone = None
        mine = ours.get("capture_time")
        if mine is None:
            note("capture_time", f"we have none; ExifTool {key} = {value}")
        elif not _dates_agree(mine, theirs, zone):
            note("capture_time", f"ours {mine} vs ExifTool {key} = {theirs}")
        else:
            note("capture_time", None)
    if kind is MediaKind.VIDEO:
        hit = _first(et, "QuickTime:CreateDate")
        created = next((e for e in report.timeline if e.source == "container creation_time"),
                       None)
        if hit:
            if created is None:
                note("creation_time", f"we have none; ExifTool {hit[0]} = {hit[1]}")
            elif not _dates_agree(created.time, str(hit[1]), "+00:00"):
                note("creation_time", f"ours {created.time} vs ExifTool {hit[0]} = {hit[1]}")
            else:
                note("creation_time", None)

    # Make, model, software.
    for name, keys in (_IMAGE_TEXT if kind is MediaKind.IMAGE else _VIDEO_TEXT).items():
        hit = _first(et, *keys)
        if not hit:
            continue
        key, value = hit
        mine = ours.get(name)
        theirs = _text(value)
        if key == "Keys:AndroidVersion":
            theirs = f"Android {theirs}"
        if mine is None:
            note(name, f"we have none; ExifTool {key} = {theirs!r}")
        elif _text(mine) != theirs:
            note(name, f"ours {mine!r} vs ExifTool {key} = {theirs!r}")
        else:
            note(name, None)

    # GPS.
    lat, lon = et.get("Composite:GPSLatitude"), et.get("Composite:GPSLongitude")
    if isinstance(lat, int | float) and isinstance(lon, int | float) and (lat, lon) != (0, 0):
        mine = ours.get("gps")
        if mine is None:
            note("gps", f"we have none; ExifTool {lat}, {lon}")
        else:
            mlat, mlon = (float(v) for v in mine.split(","))
            if abs(mlat - lat) > GPS_TOLERANCE or abs(mlon - lon) > GPS_TOLERANCE:
                note("gps", f"ours {mine} vs ExifTool {lat}, {lon}")
            else:
                note("gps", None)

    # Orientation.
    orientation = et.get("IFD0:Orientation")
    if kind is MediaKind.IMAGE and isinstance(orientation, int) and 1 <= orientation <= 8:
        mine = ours.get("orientation")
        if mine is None:
            note("orientation", f"we have none; ExifTool {orientation}")
        elif _ORIENTATION_NUMBER.get(mine) != orientation:
            note("orientation", f"ours {mine!r} vs ExifTool {orientation}")
        else:
            note("orientation", None)

    # Width and height (ours as displayed: turn back to stored before comparing).
    size = et.get("Composite:ImageSize")
    if isinstance(size, str) and re.fullmatch(r"\d+ \d+", size.strip()):
        w, h = (int(v) for v in size.split())
        mine = ours.get("dimensions")
        if mine is None:
            note("dimensions", f"we have none; ExifTool {w} x {h}")
        else:
            mw, mh = (int(v) for v in mine.split(" x "))
            # Images: ours is the size as displayed (turned as EXIF orientation says; HEIF's
            # decoder turns it by the container's rotation, which agrees); video: as coded.
            if kind is MediaKind.IMAGE and orientation in (5, 6, 7, 8):
                mw, mh = mh, mw
            if (mw, mh) != (w, h):
                note("dimensions", f"ours {mine} (stored {mw} x {mh}) vs ExifTool {w} x {h}")
            else:
                note("dimensions", None)
            shown = ours.get("displayed_dimensions")
            if kind is MediaKind.VIDEO and ours.get("rotation") in ("90", "270"):
                if shown != f"{h} x {w}":
                    note("displayed_dimensions", f"ours {shown} vs ExifTool {w} x {h} turned")
                else:
                    note("displayed_dimensions", None)

    # Duration.
    if kind is MediaKind.VIDEO:
        hit = _first(et, *_DURATION)
        if hit and isinstance(hit[1], int | float) and hit[1] > 0:
            mine = ours.get("duration")
            if mine is None:
                note("duration", f"we have none; ExifTool {hit[0]} = {hit[1]}")
            elif abs(float(mine.split()[0]) - float(hit[1])) > DURATION_TOLERANCE:
                note("duration", f"ours {mine} vs ExifTool {hit[0]} = {hit[1]}")
            else:
                note("duration", None)


def _media_files() -> list[tuple[Path, MediaKind]]:
    out = []
    for folder in FOLDERS:
        root = MEDIA / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            try:
                out.append((path, sniff(path).kind))
            except UserError:
                continue  # not media by content: ExifTool's other formats, text, expected dumps
    return out


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    start = time.monotonic()
    files = _media_files()
    et_all = _exiftool([p for p, _ in files])
    result = Comparison()
    for path, kind in files:
        rel = str(path.relative_to(MEDIA))
        et = et_all.get(str(path))
        if et is None:
            continue
        result.files += 1
        try:
            report = extract(path)
        except UserError as exc:
            result.refused[rel] = exc.reason
            result.disagreements[(rel, "readable")] = f"we refuse it: {exc.reason}"
            continue

        def note(name: str, why: str | None, rel: str = rel) -> None:
            result.fields += 1
            result.per_field[name] = result.per_field.get(name, 0) + 1
            if why is not None:
                result.disagreements[(rel, name)] = why

        _compare_file(rel, kind, report, et, note)
    result.seconds = time.monotonic() - start
    print(f"\nExifTool comparison: {result.files} files, {result.fields} fields compared "
          f"({', '.join(f'{k} {v}' for k, v in sorted(result.per_field.items()))}); "
          f"{len(result.disagreements)} disagreements, all listed as known: "
          f"{set(result.disagreements) <= set(KNOWN_DIFFERENCES)}; {result.seconds:.1f} s")
    return result


def test_every_media_file_agrees_with_exiftool(comparison: Comparison) -> None:
    unexpected = {k: v for k, v in comparison.disagreements.items()
                  if k not in KNOWN_DIFFERENCES}
    lines = [f"{rel} [{name}]: {why}" for (rel, name), why in sorted(unexpected.items())]
    assert not unexpected, f"{len(unexpected)} disagreements with ExifTool:\n" + "\n".join(lines)


def test_known_differences_still_happen(comparison: Comparison) -> None:
    stale = sorted(set(KNOWN_DIFFERENCES) - set(comparison.disagreements))
    assert not stale, f"known differences that no longer happen (remove them): {stale}"


def test_the_comparison_is_broad_and_fast(comparison: Comparison) -> None:
    assert comparison.files >= 300, comparison.files
    assert comparison.fields >= 1000, comparison.fields
    for name in ("capture_time", "make", "model", "software", "gps", "orientation",
                 "dimensions", "duration", "creation_time"):
        assert comparison.per_field.get(name, 0) > 0, f"no {name} compared"
    assert comparison.seconds < 100, f"took {comparison.seconds:.0f} s"
