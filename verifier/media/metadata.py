"""What a file says about itself: EXIF (exifread) for images, container metadata (PyAV) for video,
normalised into a few fields a fact-checker reads first, with red flags explained in plain words."""

from __future__ import annotations

import logging
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import exifread

from verifier.errors import UserError
from verifier.media.intake import sniff
from verifier.models import MediaKind, MetadataField, MetadataReport, RedFlag

log = logging.getLogger(__name__)

# Text tags are cut to this length: hostile files carry megabytes of junk in them.
_MAX_TEXT = 2000
_EDITORS = re.compile(
    r"photoshop|lightroom|gimp|affinity|pixelmator|snapseed|picsart|paint\.net|capture one|"
    r"darktable|luminar|facetune|canva|photopea|aftershot|acdsee|paintshop|premiere|final cut|"
    r"davinci|imovie|capcut|inshot|kinemaster|after effects",
    re.IGNORECASE,
)
_REENCODERS = re.compile(r"lavf|lavc|ffmpeg|handbrake|x264|x265|libvpx|whatsapp|telegram|tiktok",
                         re.IGNORECASE)


def extract(path: Path) -> MetadataReport:
    """Metadata of an image or video; raises UserError when the file is not media at all."""
    path = Path(path)
    sniffed = sniff(path)
    is_image = sniffed.kind is MediaKind.IMAGE
    report = _image_metadata(path) if is_image else _video_metadata(path)
    if not sniffed.extension_agrees:
        report = _with_flag(
            report,
            RedFlag(
                "extension-mismatch",
                "Extension and content disagree",
                f"The file is named {path.suffix or '(no extension)'} but its content is "
                f"{sniffed.mime}; files are sometimes renamed to hide where they came from.",
            ),
        )
    return report


def _with_flag(report: MetadataReport, flag: RedFlag) -> MetadataReport:
    return MetadataReport(report.fields, (*report.flags, flag), report.raw, report.complete,
                          report.problems)


def _clean(value: object) -> str:
    text = str(value)
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in text)
    text = text.strip().strip("\x00")
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


# ---------------------------------------------------------------- images


def _image_metadata(path: Path) -> MetadataReport:
    problems: list[str] = []
    try:
        with path.open("rb") as fh:
            tags = exifread.process_file(fh, details=True, extract_thumbnail=False)
    except Exception as exc:  # exifread raises many types on hostile input
        log.warning("exifread failed on %s: %s", path, exc)
        problems.append(f"EXIF could not be fully read ({type(exc).__name__}: {_clean(exc)})")
        tags = {}
    raw: dict[str, dict[str, str]] = {}
    for key, value in tags.items():
        if key in ("JPEGThumbnail", "TIFFThumbnail"):
            continue
        group, _, name = key.partition(" ")
        if not name:
            group, name = "Other", key
        raw.setdefault(group, {})[name] = _clean(value)

    fields: list[MetadataField] = []

    def add(name: str, tag: str, value: str | None = None) -> None:
        group, _, key = tag.partition(" ")
        val = value if value is not None else raw.get(group, {}).get(key)
        if val:
            fields.append(MetadataField(name, val, tag))

    capture_tag = next(
        (t for t in ("EXIF DateTimeOriginal", "EXIF DateTimeDigitized", "Image DateTime")
         if _tag_present(raw, t)),
        None,
    )
    if capture_tag:
        add("capture_time", capture_tag, _exif_datetime(raw, capture_tag))
    add("make", "Image Make")
    add("model", "Image Model")
    add("software", "Image Software")
    add("orientation", "Image Orientation")
    gps = _gps_decimal(tags)
    if gps:
        lat, lon = gps
        fields.append(MetadataField("gps", f"{lat:.6f}, {lon:.6f}", "GPS GPSLatitude/GPSLongitude"))
    size = _image_size(path)
    if size:
        fields.append(MetadataField("dimensions", f"{size[0]} x {size[1]}", "decoded image"))

    flags: list[RedFlag] = []
    if not any(g in raw for g in ("EXIF", "Image", "GPS")):
        flags.append(RedFlag(
            "metadata-stripped", "No camera metadata",
            "The file carries no EXIF; social platforms remove it on upload, so this is typical "
            "of a re-shared copy, not proof of manipulation.",
        ))
    editor = next((v for k, v in _software_values(raw) if _EDITORS.search(v)), None)
    if editor:
        flags.append(RedFlag(
            "editing-software", "Edited with software",
            f"The metadata names editing software ({editor}); the file was saved by an editor "
            "after capture, which may or may not have changed its content.",
        ))
    return MetadataReport(tuple(fields), tuple(flags), raw, not problems, tuple(problems))


def _tag_present(raw: dict[str, dict[str, str]], tag: str) -> bool:
    group, _, key = tag.partition(" ")
    return bool(raw.get(group, {}).get(key, "").strip(" :0"))


def _exif_datetime(raw: dict[str, dict[str, str]], tag: str) -> str:
    group, _, key = tag.partition(" ")
    value = raw[group][key]
    m = re.match(r"(\d{4})[:-](\d\d)[:-](\d\d)[ T](\d\d):(\d\d):(\d\d)", value)
    if not m:
        return value
    stamp = "{}-{}-{}T{}:{}:{}".format(*m.groups())
    offset_key = {"DateTimeOriginal": "OffsetTimeOriginal",
                  "DateTimeDigitized": "OffsetTimeDigitized", "DateTime": "OffsetTime"}[key]
    offset = raw.get("EXIF", {}).get(offset_key, "")
    if re.fullmatch(r"[+-]\d\d:\d\d", offset):
        return stamp + offset
    return stamp + " (zone unknown)"


def _software_values(raw: dict[str, dict[str, str]]) -> list[tuple[str, str]]:
    out = []
    for group, tags in raw.items():
        for key, value in tags.items():
            if key in ("Software", "ProcessingSoftware", "CreatorTool", "HistorySoftwareAgent"):
                out.append((f"{group} {key}", value))
    return out


def _ratio(value: Any) -> float:
    return float(Fraction(value.num, value.den)) if hasattr(value, "num") else float(value)


def _gps_decimal(tags: dict[str, Any]) -> tuple[float, float] | None:
    try:
        lat_t, lon_t = tags.get("GPS GPSLatitude"), tags.get("GPS GPSLongitude")
        if lat_t is None or lon_t is None:
            return None

        def dms(tag: Any) -> float:
            parts = [_ratio(v) for v in tag.values]
            while len(parts) < 3:
                parts.append(0.0)
            return parts[0] + parts[1] / 60 + parts[2] / 3600

        lat, lon = dms(lat_t), dms(lon_t)
        if str(tags.get("GPS GPSLatitudeRef", "N")).strip().upper().startswith("S"):
            lat = -lat
        if str(tags.get("GPS GPSLongitudeRef", "E")).strip().upper().startswith("W"):
            lon = -lon
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return None
        return lat, lon
    except (ZeroDivisionError, ValueError, TypeError, AttributeError, IndexError):
        return None


def _image_size(path: Path) -> tuple[int, int] | None:
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as img:
            # Report the size as displayed: orientation 5-8 swap width and height.
            orientation = img.getexif().get(0x0112, 1) if hasattr(img, "getexif") else 1
            w, h = img.size
            del ImageOps
            return (h, w) if orientation in (5, 6, 7, 8) else (w, h)
    except Exception:  # size is a nicety; the decode check reports real failures
        return None


# ---------------------------------------------------------------- video


def _video_metadata(path: Path) -> MetadataReport:
    import av

    raw: dict[str, dict[str, str]] = {}
    fields: list[MetadataField] = []
    flags: list[RedFlag] = []
    try:
        with av.open(str(path)) as container:
            fmt = container.format.name
            raw["Container"] = {"format": _clean(container.format.long_name or fmt)}
            if container.bit_rate:
                raw["Container"]["bit_rate"] = str(container.bit_rate)
            for key, value in container.metadata.items():
                raw["Container"][key] = _clean(value)
            duration = container.duration / 1_000_000 if container.duration else None
            for stream in container.streams:
                group = f"Stream {stream.index} ({stream.type})"
                info = {k: _clean(v) for k, v in stream.metadata.items()}
                ctx: Any = stream.codec_context
                info["codec"] = _clean(ctx.name if ctx else "unknown")
                if stream.type == "video":
                    info["width"], info["height"] = str(ctx.width), str(ctx.height)
                    if stream.average_rate:
                        info["frame_rate"] = f"{float(stream.average_rate):.3f}"
                    if stream.frames:
                        info["frames"] = str(stream.frames)
                    if ctx.profile:
                        info["profile"] = _clean(ctx.profile)
                elif stream.type == "audio":
                    info["sample_rate"] = str(getattr(ctx, "sample_rate", ""))
                    info["channels"] = str(getattr(ctx, "channels", ""))
                if stream.duration and stream.time_base:
                    info["duration"] = f"{float(stream.duration * stream.time_base):.3f}"
                raw[group] = info
            video = container.streams.video[0] if container.streams.video else None
            if video is None:
                raise UserError(path, "has no video stream")
            if duration is None and video.duration and video.time_base:
                duration = float(video.duration * video.time_base)
            rotation = _rotation(video)
            vgroup = f"Stream {video.index} (video)"
    except UserError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise UserError(path, f"not a readable video ({_clean(exc)[:200]})") from None

    container_tags = raw.get("Container", {})
    creation = container_tags.get("creation_time") or raw[vgroup].get("creation_time")
    if creation:
        fields.append(MetadataField("capture_time", creation, "container creation_time"))
    for name, keys in (
        ("make", ("com.apple.quicktime.make", "make")),
        ("model", ("com.apple.quicktime.model", "model")),
        ("software", ("com.apple.quicktime.software", "software", "encoder")),
    ):
        for key in keys:
            if container_tags.get(key):
                fields.append(MetadataField(name, container_tags[key], f"container {key}"))
                break
    location_key = next((k for k in ("com.apple.quicktime.location.ISO6709", "location")
                         if container_tags.get(k)), None)
    if location_key:
        parsed = parse_iso6709(container_tags[location_key])
        if parsed:
            fields.append(MetadataField("gps", f"{parsed[0]:.6f}, {parsed[1]:.6f}",
                                        f"container {location_key}"))
    vinfo = raw[vgroup]
    w, h = int(vinfo["width"]), int(vinfo["height"])
    if rotation in (90, 270, -90, -270):
        w, h = h, w
    fields.append(MetadataField("dimensions", f"{w} x {h}", "video stream"))
    if duration is not None:
        fields.append(MetadataField("duration", f"{duration:.3f} s", "container"))
    if "frame_rate" in vinfo:
        fields.append(MetadataField("frame_rate", vinfo["frame_rate"], "video stream"))
    fields.append(MetadataField("codec", vinfo["codec"], "video stream"))
    if rotation:
        fields.append(MetadataField("rotation", f"{rotation}", "display matrix"))

    encoder = container_tags.get("encoder", "")
    if encoder and _REENCODERS.search(encoder):
        flags.append(RedFlag(
            "re-encoded", "Re-encoded video",
            f"The encoder string ({encoder}) is that of a conversion tool, not a camera: this "
            "copy was re-encoded after recording, as platforms and editors do.",
        ))
    if not creation and not any(f.name in ("make", "model") for f in fields):
        flags.append(RedFlag(
            "metadata-stripped", "No recording metadata",
            "The container has no creation time or device; platforms strip these on upload, so "
            "this is typical of a re-shared copy, not proof of manipulation.",
        ))
    return MetadataReport(tuple(fields), tuple(flags), raw, True, ())


def _rotation(stream: Any) -> int:
    try:
        for side in getattr(stream, "side_data", {}) or {}:
            if "rotat" in str(side).lower():
                return int(float(stream.side_data[side]))
    except (TypeError, ValueError, KeyError):
        pass
    rotate = stream.metadata.get("rotate")
    try:
        return int(rotate) if rotate else 0
    except ValueError:
        return 0


_ISO6709 = re.compile(r"([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")


def parse_iso6709(text: str) -> tuple[float, float] | None:
    """'+33.3128+044.3615/' (decimal degrees form) -> (33.3128, 44.3615)."""
    m = _ISO6709.match(text.strip())
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon
