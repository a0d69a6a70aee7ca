"""`verifier metadata` on real files, compared with what the files are known to say: exifread's
raw tags (decimal degrees computed here), ExifTool when it is installed, the samples' documented
values, and PyAV's own reading of the container."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import exifread
import pytest
from PIL import Image

from tests.conftest import shared_file
from tests.helpers import run_cli

CANON = "exif-samples/jpg/Canon_40D.jpg"
GPS_JPEG = "exif-samples/jpg/gps/DSCN0010.jpg"
APPLE_MOV = "metadata-extractor-images/mov/with-gps.mov"
GOLDENEYE = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
ROTATED = "PySceneDetect/tests/resources/issue-134-rotate.mp4"


def _metadata(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, Any]:
    result = run_cli(capsys, "metadata", path, "--json")
    assert result.rc == 0, result.err
    assert "Traceback" not in result.err
    return json.loads(result.out)


def _field(payload: dict[str, Any], name: str) -> str | None:
    values = [f["value"] for f in payload["fields"] if f["name"] == name]
    assert len(values) <= 1, values
    return values[0] if values else None


def _latlon(value: str | None) -> tuple[float, float]:
    assert value, "no gps field"
    lat, lon = (float(x) for x in value.split(","))
    return lat, lon


def _exiftool(path: Path, *tags: str) -> dict[str, Any]:
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool is not installed (the ExifTool comparison is optional)")
    proc = subprocess.run([exe, "-n", "-json", *[f"-{t}" for t in tags], str(path)],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(proc.stdout)[0]


def _dms_to_decimal(tag: Any, ref: Any) -> float:
    d, m, s = (float(Fraction(v.num, v.den)) for v in tag.values)
    value = d + m / 60 + s / 3600
    return -value if str(ref).strip().upper() in ("S", "W") else value


# ---------------------------------------------------------------- common


@pytest.mark.parametrize("relative", [CANON, GPS_JPEG, APPLE_MOV, GOLDENEYE])
def test_hashes_and_size(relative: str, capsys: pytest.CaptureFixture[str]) -> None:
    import hashlib

    path = shared_file(relative)
    payload = _metadata(capsys, path)
    data = path.read_bytes()
    assert payload["sha256"] == hashlib.sha256(data).hexdigest()
    assert payload["md5"] == hashlib.md5(data).hexdigest()
    assert payload["size"] == len(data) == os.stat(path).st_size
    assert payload["complete"] is True


# ---------------------------------------------------------------- photos


def test_canon_make_and_model(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file(CANON)
    payload = _metadata(capsys, path)
    assert _field(payload, "make") == "Canon"
    assert _field(payload, "model") == "Canon EOS 40D"
    with path.open("rb") as fh:
        tags = exifread.process_file(fh, details=False)
    taken = str(tags["EXIF DateTimeOriginal"])  # "YYYY:MM:DD HH:MM:SS"
    capture = _field(payload, "capture_time")
    assert capture is not None
    assert capture.startswith(taken[:10].replace(":", "-") + "T" + taken[11:])
    with Image.open(path) as img:
        w, h = img.size
    assert _field(payload, "dimensions") == f"{w} x {h}"


def test_canon_agrees_with_exiftool(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file(CANON)
    truth = _exiftool(path, "Make", "Model")
    payload = _metadata(capsys, path)
    assert _field(payload, "make") == str(truth["Make"]).strip()
    assert _field(payload, "model") == str(truth["Model"]).strip()


def test_gps_matches_decimal_degrees_from_raw_exif(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file(GPS_JPEG)
    with path.open("rb") as fh:
        tags = exifread.process_file(fh, details=False)
    lat = _dms_to_decimal(tags["GPS GPSLatitude"], tags["GPS GPSLatitudeRef"])
    lon = _dms_to_decimal(tags["GPS GPSLongitude"], tags["GPS GPSLongitudeRef"])
    payload = _metadata(capsys, path)
    got_lat, got_lon = _latlon(_field(payload, "gps"))
    assert abs(got_lat - lat) < 1e-5 and abs(got_lon - lon) < 1e-5, ((got_lat, got_lon),
                                                                      (lat, lon))
    assert _field(payload, "make") == str(tags["Image Make"]).strip()
    assert _field(payload, "model") == str(tags["Image Model"]).strip()


def test_gps_agrees_with_exiftool(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file(GPS_JPEG)
    truth = _exiftool(path, "GPSLatitude", "GPSLongitude", "Make", "Model")
    payload = _metadata(capsys, path)
    got_lat, got_lon = _latlon(_field(payload, "gps"))
    assert abs(got_lat - float(truth["GPSLatitude"])) < 1e-5
    assert abs(got_lon - float(truth["GPSLongitude"])) < 1e-5
    assert _field(payload, "make") == str(truth["Make"]).strip()
    assert _field(payload, "model") == str(truth["Model"]).strip()


def test_photo_without_exif_is_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stripped = tmp_path / "stripped.jpg"
    with Image.open(shared_file(CANON)) as img:
        img.convert("RGB").save(stripped, format="JPEG", quality=90)  # Pillow drops EXIF
    payload = _metadata(capsys, stripped)
    assert _field(payload, "make") is None and _field(payload, "gps") is None
    assert "metadata-stripped" in [f["code"] for f in payload["flags"]]


def test_renamed_photo_is_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    renamed = tmp_path / "holiday.png"
    shutil.copyfile(shared_file(CANON), renamed)
    payload = _metadata(capsys, renamed)
    assert "extension-mismatch" in [f["code"] for f in payload["flags"]]
    assert _field(payload, "make") == "Canon"


# ---------------------------------------------------------------- videos


def test_mov_apple_keys(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file(APPLE_MOV)
    payload = _metadata(capsys, path)
    assert _field(payload, "make") == "Apple"
    assert _field(payload, "model") == "iPhone 6"
    lat, lon = _latlon(_field(payload, "gps"))
    # The file's ISO 6709 location is +32.0929+034.8620.
    assert abs(lat - 32.0929) < 1e-5 and abs(lon - 34.8620) < 1e-5
    with av.open(str(path)) as c:
        iso = c.metadata.get("com.apple.quicktime.location.ISO6709", "")
        make = c.metadata.get("com.apple.quicktime.make")
        model = c.metadata.get("com.apple.quicktime.model")
    assert iso.startswith("+32.0929+034.8620")
    assert (make, model) == ("Apple", "iPhone 6")


def test_mov_agrees_with_exiftool(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file(APPLE_MOV)
    truth = _exiftool(path, "Make", "Model", "GPSCoordinates")
    payload = _metadata(capsys, path)
    assert _field(payload, "make") == truth["Make"]
    assert _field(payload, "model") == truth["Model"]
    t_lat, t_lon = (float(x) for x in str(truth["GPSCoordinates"]).split()[:2])
    lat, lon = _latlon(_field(payload, "gps"))
    assert abs(lat - t_lat) < 1e-5 and abs(lon - t_lon) < 1e-5


@pytest.mark.parametrize("relative", [GOLDENEYE, APPLE_MOV])
def test_video_duration_matches_pyav(relative: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file(relative)
    with av.open(str(path)) as c:
        container_length = c.duration
        assert container_length is not None
        expected = container_length / 1_000_000
        stream = c.streams.video[0]
        coded = (stream.codec_context.width, stream.codec_context.height)
        codec = stream.codec_context.name
    payload = _metadata(capsys, path)
    length_field = _field(payload, "duration")
    assert length_field is not None and length_field.endswith(" s")
    assert abs(float(length_field[:-2]) - expected) <= 0.0005 + 1e-9
    assert _field(payload, "codec") == codec
    assert _field(payload, "dimensions") == f"{coded[0]} x {coded[1]}"


def test_video_without_device_tags_is_flagged(capsys: pytest.CaptureFixture[str]) -> None:
    payload = _metadata(capsys, shared_file(GOLDENEYE))
    codes = [f["code"] for f in payload["flags"]]
    assert "metadata-stripped" in codes
    with av.open(str(shared_file(GOLDENEYE))) as c:
        encoder = c.metadata.get("encoder", "")
    if encoder.lower().startswith("lavf"):
        assert "re-encoded" in codes


def _first_frame_rotation(path: Path) -> int:
    with av.open(str(path)) as c:
        frame = next(c.decode(video=0))
        return int(frame.rotation or 0)


def test_rotated_video_dimensions_as_displayed(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file(ROTATED)
    rotation = _first_frame_rotation(path)
    if rotation % 180 == 0:
        pytest.skip(f"{path.name} carries no quarter-turn rotation here ({rotation})")
    with av.open(str(path)) as c:
        ctx = c.streams.video[0].codec_context
        coded_w, coded_h = ctx.width, ctx.height
    payload = _metadata(capsys, path)
    # "dimensions" is the coded size, as ExifTool and ffprobe give it; the displayed one is apart.
    assert _field(payload, "dimensions") == f"{coded_w} x {coded_h}"
    assert _field(payload, "displayed_dimensions") == f"{coded_h} x {coded_w}"
    reported = _field(payload, "rotation")
    assert reported is not None and abs(int(reported)) % 180 == 90
