"""What a file says about itself, normalised into the fields a fact-checker reads first, with every
date on a timeline and red flags explained in plain words.

Images: EXIF (exifread, every tag, grouped), XMP (defusedxml), IPTC (Pillow), ICC profile name,
JPEG quantization tables and estimated quality, the embedded EXIF thumbnail. Video: container and
stream metadata through PyAV (FFmpeg), QuickTime/MP4 keys, Matroska and AVI tags, XMP.

Hostile files give a partial report (complete=False, with the reasons in problems) or a UserError
naming the file; the EXIF parser runs under an operation budget and a deadline.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from verifier.errors import UserError
from verifier.media import avmeta, exif, flags, jpeg_tables, xmp
from verifier.media import imageio as _imageio  # registers the HEIF opener with Pillow
from verifier.media.avmeta import parse_iso6709
from verifier.media.exif import ExifData, clean_text
from verifier.media.intake import Sniffed, sniff
from verifier.media.timeline import ParsedDate, TimelineBuilder, parse_date
from verifier.models import MediaKind, MetadataField, MetadataReport, RedFlag, TimelineEntry
from verifier.provenance import Credentials, CredentialState, read_credentials

__all__ = ["exif_thumbnail", "exif_thumbnail_image", "extract", "osm_link", "parse_iso6709"]

log = logging.getLogger(__name__)
del _imageio

# Whole images up to this size are read into memory; past it only the head is parsed.
MAX_IMAGE_BYTES = 256 * 1024 * 1024
HEAD_BYTES = 64 * 1024 * 1024
# Video: XMP is searched for in the first and last few MiB.
VIDEO_XMP_WINDOW = 8 * 1024 * 1024
THUMBNAIL_DECODE_SIDE = 512

_IPTC_NAMES = {
    (1, 90): "CodedCharacterSet", (2, 0): "ApplicationRecordVersion",
    (2, 3): "ObjectTypeReference", (2, 4): "ObjectAttributeReference", (2, 5): "ObjectName",
    (2, 7): "EditStatus", (2, 10): "Urgency", (2, 12): "SubjectReference", (2, 15): "Category",
    (2, 20): "SupplementalCategories", (2, 22): "FixtureIdentifier", (2, 25): "Keywords",
    (2, 26): "ContentLocationCode", (2, 27): "ContentLocationName", (2, 30): "ReleaseDate",
    (2, 35): "ReleaseTime", (2, 37): "ExpirationDate", (2, 38): "ExpirationTime",
    (2, 40): "SpecialInstructions", (2, 45): "ReferenceService", (2, 47): "ReferenceDate",
    (2, 50): "ReferenceNumber", (2, 55): "DateCreated", (2, 60): "TimeCreated",
    (2, 62): "DigitalCreationDate", (2, 63): "DigitalCreationTime",
    (2, 65): "OriginatingProgram", (2, 70): "ProgramVersion", (2, 75): "ObjectCycle",
    (2, 80): "By-line", (2, 85): "By-lineTitle", (2, 90): "City", (2, 92): "Sub-location",
    (2, 95): "Province-State", (2, 100): "Country-PrimaryLocationCode",
    (2, 101): "Country-PrimaryLocationName", (2, 103): "OriginalTransmissionReference",
    (2, 105): "Headline", (2, 110): "Credit", (2, 115): "Source", (2, 116): "CopyrightNotice",
    (2, 118): "Contact", (2, 120): "Caption-Abstract", (2, 122): "Writer-Editor",
    (2, 130): "ImageType", (2, 131): "ImageOrientation", (2, 135): "LanguageIdentifier",
}
# Normalised fields in the order a fact-checker reads them.
FIELD_ORDER = ("capture_time", "time_zone", "make", "model", "software", "lens", "gps",
               "gps_map", "gps_altitude", "distance_to_claimed_place", "orientation",
               "dimensions", "displayed_dimensions", "duration", "frame_rate", "codec",
               "profile", "rotation", "audio", "encoder", "bit_rate", "format",
               "jpeg_quality", "icc_profile", "c2pa")
_EXIF_DATES = (
    ("EXIF DateTimeOriginal", "OffsetTimeOriginal"),
    ("EXIF DateTimeDigitized", "OffsetTimeDigitized"),
    ("Image DateTime", "OffsetTime"),
)
_XMP_DATES = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate",
              "exif:DateTimeDigitized", "xmp:ModifyDate", "xmp:MetadataDate", "tiff:DateTime",
              "xmpDM:shotDate", "Iptc4xmpExt:DateCreated")
_SOFTWARE_KEYS = ("Software", "ProcessingSoftware", "CreatorTool", "HistorySoftwareAgent",
                  "OriginatingProgram", "softwareAgent", "software", "encoder",
                  "com.apple.quicktime.software", "writing_application", "creator")


@dataclass
class _Builder:
    """The report under construction."""

    fields: list[MetadataField] = field(default_factory=list)
    flags: list[RedFlag] = field(default_factory=list)
    raw: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    timeline: TimelineBuilder = field(default_factory=TimelineBuilder)
    capture: ParsedDate | None = None
    gps: tuple[float, float] | None = None
    credentials: Credentials | None = None

    def add(self, name: str, value: str | None, source: str) -> None:
        if value and not any(f.name == name for f in self.fields):
            self.fields.append(MetadataField(name, value, source))

    def flag(self, flag: RedFlag) -> None:
        if not any(f.code == flag.code for f in self.flags):
            self.flags.append(flag)

    def group(self, name: str, values: Mapping[str, str]) -> None:
        cleaned = {clean_text(k, 200): clean_text(v) for k, v in values.items() if v is not None}
        cleaned = {k: v for k, v in cleaned.items() if k and v}
        if cleaned:
            self.raw.setdefault(name, {}).update(cleaned)

    def report(self) -> MetadataReport:
        entries = self.timeline.entries()
        if entries:
            group: dict[str, str] = {}
            for e in entries:
                key = e.source
                n = 2
                while key in group:
                    key = f"{e.source} #{n}"
                    n += 1
                group[key] = e.time if e.zone_known else f"{e.time} (zone unknown)"
            self.raw["Timeline"] = group
        problems = tuple(dict.fromkeys(self.problems))
        order = {name: i for i, name in enumerate(FIELD_ORDER)}
        fields = sorted(self.fields, key=lambda f: order.get(f.name, len(order)))
        return MetadataReport(tuple(fields), tuple(self.flags), self.raw, not problems,
                              problems, entries, self.credentials)


def extract(
    path: Path,
    *,
    claim_date: str | date | datetime | None = None,
    claimed_place: str | tuple[float, float] | None = None,
    http_headers: Mapping[str, str] | None = None,
    source_url: str | None = None,
) -> MetadataReport:
    """Metadata of an image or video; raises UserError when the file is not media at all.

    claim_date: when the claim says the media was recorded (flags a capture time after it, or
    long before it). claimed_place: "lat, lon" or (lat, lon) the claim names (flags GPS more than
    50 km away). http_headers and source_url: the response that delivered the file, when it came
    from the web (kept as evidence; Last-Modified joins the timeline).
    """
    path = Path(path)
    sniffed = sniff(path)
    try:
        claim = flags.parse_claim_date(claim_date)
        place = flags.parse_place(claimed_place)
    except ValueError as exc:
        raise UserError("claim", str(exc)) from None
    if claim_date is not None and claim is None:
        raise UserError("claim", f"the claim date {claim_date!r} is not a date")
    b = _Builder()
    if sniffed.kind is MediaKind.IMAGE:
        _image_metadata(path, sniffed, b)
    else:
        _video_metadata(path, sniffed, b)
    _credentials(path, sniffed, b)
    _common(path, sniffed, b, claim, place, http_headers, source_url)
    return b.report()


def osm_link(lat: float, lon: float, zoom: int = 15) -> str:
    return (f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}"
            f"#map={zoom}/{lat:.6f}/{lon:.6f}")


def timeline_of(report: MetadataReport) -> tuple[TimelineEntry, ...]:
    """The report's timeline, rebuilt from raw["Timeline"] for reports loaded without one."""
    if report.timeline:
        return report.timeline
    out = []
    for source, text in report.raw.get("Timeline", {}).items():
        zone_known = not text.endswith(" (zone unknown)")
        out.append(TimelineEntry(text.removesuffix(" (zone unknown)"),
                                 re.sub(r" #\d+$", "", source), "", zone_known))
    return tuple(out)


# ---------------------------------------------------------------- common to images and video


def _common(path: Path, sniffed: Sniffed, b: _Builder, claim: ParsedDate | None,
            place: tuple[float, float] | None, http_headers: Mapping[str, str] | None,
            source_url: str | None) -> None:
    if not sniffed.extension_agrees:
        b.flag(flags.extension_mismatch(path.suffix, sniffed.mime))
    mtime: datetime | None = None
    try:
        mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        b.timeline.add_datetime("file modified (file system)", mtime)
    except (OSError, ValueError, OverflowError):
        pass
    last_modified: ParsedDate | None = None
    if http_headers or source_url:
        headers = {str(k): str(v) for k, v in (http_headers or {}).items()}
        group = {"URL": source_url or ""} | headers
        b.group("HTTP", group)
        lowered = {k.lower(): v for k, v in headers.items()}
        last_modified = b.timeline.add("HTTP Last-Modified", lowered.get("last-modified"))
        b.timeline.add("HTTP Date (when fetched)", lowered.get("date"))
        declared = lowered.get("content-type", "").split(";")[0].strip().lower()
        if declared and declared not in ("application/octet-stream", "binary/octet-stream"):
            from verifier.media.intake import _same_family

            if not _same_family(declared, sniffed.mime) and declared != sniffed.mime:
                b.flag(flags.content_type_mismatch(declared, sniffed.mime))
    if claim is not None:
        b.timeline.add_parsed("claimed date (given by the caller)", claim, claim.iso())
    capture = b.capture
    if capture is not None:
        if mtime is not None:
            modified = ParsedDate(mtime, True)
            if flags.clearly_after(capture, modified, timedelta(hours=1)):
                b.flag(flags.capture_after(capture, modified, "file's modification time"))
        if last_modified is not None and flags.clearly_after(capture, last_modified,
                                                              timedelta(hours=1)):
            b.flag(flags.capture_after(capture, last_modified, "web server's Last-Modified date"))
        if claim is not None:
            if flags.clearly_after(capture, claim):
                b.flag(flags.capture_after_claim(capture, claim))
            elif flags.latest_possible(capture) + flags.LONG_BEFORE_CLAIM < \
                    flags.earliest_possible(claim):
                b.flag(flags.capture_long_before_claim(capture, claim))
    if place is not None and b.gps is not None:
        km = flags.haversine_km(b.gps, place)
        b.add("distance_to_claimed_place", f"{km:.1f} km", "GPS vs claimed place")
        if km > flags.CLAIMED_PLACE_MAX_KM:
            b.flag(flags.gps_far(km, place))


def _credentials(path: Path, sniffed: Sniffed, b: _Builder) -> None:
    """Content Credentials (C2PA): a field when present, red flags when they fail or declare
    generative AI, the signature's time stamp on the timeline. Absence is never a flag."""
    creds = read_credentials(path, sniffed.mime)
    b.credentials = creds
    if creds.state is CredentialState.UNAVAILABLE:
        # Said as a field too, so nothing downstream takes "not checked" for "none".
        b.add("c2pa", creds.summary, creds.error or "c2pa-python")
    if not creds.present:
        return
    b.add("c2pa", creds.summary, "C2PA manifest")
    active = creds.active
    if creds.ai_sources:
        # Shown first: a declared generative-AI source is the finding a reader needs soonest.
        b.flags.insert(0, flags.ai_generated(list(creds.ai_sources),
                                             active.signer if active else ""))
    if creds.state is CredentialState.INVALID:
        codes = [v.code for v in creds.validation if not v.code.endswith(".untrusted")]
        b.flag(flags.credentials_invalid(creds.summary, codes))
    elif creds.state is CredentialState.UNREADABLE and creds.embedded:
        b.flag(flags.credentials_unreadable(creds.error))
    for m in creds.manifests:
        if m.signing_time:
            label = "C2PA signature time stamp" if m.active else \
                "C2PA signature time stamp (ingredient)"
            b.timeline.add(label, m.signing_time)


def _add_gps(b: _Builder, lat: float, lon: float, source: str,
             altitude: float | None = None) -> None:
    if b.gps is not None:
        return
    b.gps = (lat, lon)
    b.add("gps", f"{lat:.6f}, {lon:.6f}", source)
    b.add("gps_map", osm_link(lat, lon), source)
    if altitude is not None:
        b.add("gps_altitude", f"{altitude:.1f} m", source)


def _set_capture(b: _Builder, parsed: ParsedDate, source: str) -> None:
    if b.capture is not None:
        return
    b.capture = parsed
    value = parsed.iso() if parsed.zone_known else f"{parsed.iso()} (zone unknown)"
    b.add("capture_time", value, source)


def _check_software(b: _Builder) -> None:
    """editing-software from every software-like value in every group."""
    for group, tags in b.raw.items():
        if group in ("HTTP", "Timeline"):
            continue
        for key, value in tags.items():
            leaf = key.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            if leaf in _SOFTWARE_KEYS or key in _SOFTWARE_KEYS or group == "JPEG comment":
                m = flags.EDITORS.search(value)
                if m:
                    b.flag(flags.editing_software(f"{group} {key}", value[:120]))
                    return


# ---------------------------------------------------------------- images


def _read_bytes(path: Path, b: _Builder) -> bytes:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            if size <= MAX_IMAGE_BYTES:
                return fh.read()
            b.problems.append(f"the file is {size} bytes; only the first {HEAD_BYTES} were "
                              "searched for metadata")
            return fh.read(HEAD_BYTES)
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None


def _image_metadata(path: Path, sniffed: Sniffed, b: _Builder) -> None:
    data = _read_bytes(path, b)
    ex = exif.read_exif(data)
    img_info = _pillow_header(path, data, b)
    if not ex.tags and not img_info.get("exif"):
        raw_exif = _raw_profile((img_info.get("text") or {}).get("Raw profile type exif"))
        if raw_exif:
            img_info["exif"] = raw_exif
    if not img_info.get("xmp"):
        raw_xmp = _raw_profile((img_info.get("text") or {}).get("Raw profile type xmp"))
        if raw_xmp:
            img_info["xmp"] = raw_xmp
    if not ex.tags and not ex.problems and img_info.get("exif"):
        # WebP, PNG eXIf and HEIF carry EXIF that Pillow finds even when exifread does not.
        payload = img_info["exif"]
        if isinstance(payload, bytes):
            fallback = exif.read_exif(payload[6:] if payload.startswith(b"Exif\x00\x00")
                                      else payload)
            if fallback.tags:
                ex = fallback
    b.problems.extend(ex.problems)
    for group, values in ex.groups.items():
        b.group(group, values)

    # XMP: Pillow's, TIFF tag 700, or the first packet in the bytes.
    packet = img_info.get("xmp") or ex.xmp_packet or xmp.find_packet(data)
    xd = xmp.parse(packet if isinstance(packet, bytes | str) else None)
    b.problems.extend(xd.problems)
    b.group("XMP", xd.values)
    iptc = img_info.get("iptc") or {}
    b.group("IPTC", iptc)

    jinfo: jpeg_tables.JpegInfo | None = None
    if sniffed.mime == "image/jpeg":
        jinfo = jpeg_tables.parse(data)
        _jpeg_group(jinfo, b)

    _image_fields(ex, xd, iptc, img_info, jinfo, b)
    _image_timeline(ex, xd, iptc, img_info, b)

    # A TIFF always has an IFD0 of structure tags: what counts is camera metadata.
    if "EXIF" not in b.raw and "GPS" not in b.raw and \
            not any(f.name in ("capture_time", "make", "model", "gps") for f in b.fields):
        b.flag(flags.stripped("image"))
    _check_software(b)
    _modified_after_capture(ex, b)
    _thumbnail_check(path, data, ex, img_info, b)


def _raw_profile(text: object) -> bytes | None:
    """ImageMagick's and GIMP's PNG text chunk 'Raw profile type exif': name, length, hex."""
    if not isinstance(text, str):
        return None
    parts = text.strip().split(None, 2)
    if len(parts) < 3 or not parts[1].isdigit():
        return None
    try:
        data = bytes.fromhex("".join(parts[2].split()))
    except ValueError:
        return None
    return data[: int(parts[1])] or None


def _pillow_header(path: Path, data: bytes, b: _Builder) -> dict[str, Any]:
    """Format, size and the metadata Pillow reads from the header, without decoding pixels."""
    out: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about every odd TIFF tag
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                out["format"] = img.format or ""
                out["size"] = img.size
                out["mode"] = img.mode
                out["frames"] = getattr(img, "n_frames", 1)
                info = dict(img.info)
                for key in ("exif", "xmp", "XML:com.adobe.xmp"):
                    if isinstance(info.get(key), bytes | str) and info.get(key):
                        out["xmp" if key != "exif" else "exif"] = info[key]
                try:
                    out["orientation"] = img.getexif().get(0x0112)
                except Exception:
                    out["orientation"] = None
                icc = info.get("icc_profile")
                if isinstance(icc, bytes) and icc:
                    out["icc"] = _icc_description(icc)
                    out["icc_size"] = len(icc)
                out["iptc"] = _iptc(img)
                out["text"] = {str(k): v for k, v in info.items()
                               if isinstance(v, str) and k not in ("xmp", "XML:com.adobe.xmp")}
                for key in ("dpi", "progressive", "interlace", "loop", "duration"):
                    if key in info:
                        out.setdefault("text", {})[key] = str(info[key])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        b.problems.append(f"image too large to decode safely (decompression bomb?): "
                          f"{clean_text(exc, 200)}")
        return out
    except Exception as exc:  # Pillow raises many types on hostile headers
        b.problems.append(f"the image header could not be read ({type(exc).__name__}: "
                          f"{clean_text(exc, 200)})")
        return out
    size = out.get("size")
    b.group("File", {
        "format": out.get("format", ""),
        "mode": out.get("mode", ""),
        "stored size": f"{size[0]} x {size[1]}" if size else "",
        "frames": str(out.get("frames", 1)) if out.get("frames", 1) != 1 else "",
    })
    if out.get("text"):
        b.group(f"{out.get('format') or 'Image'} info", out["text"])
    if out.get("icc"):
        b.group("ICC", {"description": out["icc"], "size": f"{out['icc_size']} bytes"})
    return out


def _icc_description(icc: bytes) -> str:
    try:
        from PIL import ImageCms

        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return clean_text(ImageCms.getProfileDescription(profile), 200)
    except Exception:  # a damaged profile still counts as present
        return "(unreadable profile)"


def _iptc(img: Any) -> dict[str, str]:
    from PIL import IptcImagePlugin

    try:
        info = IptcImagePlugin.getiptcinfo(img)
    except Exception:
        return {}
    out: dict[str, str] = {}
    for (record, dataset), value in (info or {}).items():
        name = _IPTC_NAMES.get((record, dataset), f"{record}:{dataset}")
        values = value if isinstance(value, list) else [value]
        texts = [_iptc_text(v) for v in values[:200]]
        out[name] = clean_text("; ".join(t for t in texts if t))
    return out


def _iptc_text(value: object) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")
    return str(value)


def _jpeg_group(jinfo: jpeg_tables.JpegInfo, b: _Builder) -> None:
    values: dict[str, str] = {}
    if jinfo.process:
        values["process"] = jinfo.process
    if jinfo.subsampling:
        values["subsampling"] = jinfo.subsampling
    estimate = jpeg_tables.estimate_quality(jinfo.tables)
    if estimate is not None:
        values["estimated quality"] = estimate.describe()
        b.add("jpeg_quality", estimate.describe(), "JPEG quantization tables")
    for tid, table in sorted(jinfo.tables.items()):
        values[f"quantization table {tid}"] = " ".join(str(v) for v in table)
    values["segments"] = "; ".join(jinfo.segments[:60])
    b.group("JPEG", values)
    comments = {f"comment {i + 1}" if i else "comment": c.decode("utf-8", "replace")
                for i, c in enumerate(jinfo.comments[:10])}
    b.group("JPEG comment", comments)
    b.problems.extend(f"JPEG structure: {p}" for p in jinfo.problems)


def _image_fields(ex: ExifData, xd: xmp.XmpData, iptc: dict[str, str],
                  img_info: dict[str, Any], jinfo: jpeg_tables.JpegInfo | None,
                  b: _Builder) -> None:
    # Capture time: EXIF first, then XMP, then IPTC.
    for tag, offset_tag in _EXIF_DATES:
        text = ex.printable(tag)
        parsed = parse_date(text or "", ex.printable(f"EXIF {offset_tag}"))
        if parsed is not None:
            _set_capture(b, parsed, tag)
            break
    if b.capture is None:
        for name in ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate"):
            parsed = parse_date(xd.values.get(name, ""))
            if parsed is not None:
                _set_capture(b, parsed, f"XMP {name}")
                break
    if b.capture is None and iptc.get("DateCreated"):
        parsed = parse_date(iptc["DateCreated"] + iptc.get("TimeCreated", ""))
        if parsed is not None:
            _set_capture(b, parsed, "IPTC DateCreated")
    text_info = img_info.get("text") or {}
    if b.capture is None and text_info.get("Creation Time"):
        parsed = parse_date(text_info["Creation Time"])
        if parsed is not None:
            _set_capture(b, parsed, "PNG Creation Time")
    if b.capture is not None and not b.capture.zone_known:
        zone = _zone_from_gps(b.capture, ex)
        if zone:
            b.add("time_zone", f"{zone} (inferred from the GPS clock)",
                  "capture time vs GPS GPSDateStamp/GPSTimeStamp")

    for name, tag, xmp_names in (
        ("make", "Image Make", ("tiff:Make",)),
        ("model", "Image Model", ("tiff:Model",)),
        ("software", "Image Software", ("xmp:CreatorTool", "tiff:Software")),
    ):
        value = ex.printable(tag)
        if value:
            b.add(name, value, tag)
            continue
        hit = xd.get(*xmp_names)
        if hit:
            b.add(name, hit[1], f"XMP {hit[0]}")
    if not any(f.name == "software" for f in b.fields):
        if iptc.get("OriginatingProgram"):
            b.add("software", iptc["OriginatingProgram"], "IPTC OriginatingProgram")
        elif text_info.get("Software"):
            b.add("software", clean_text(text_info["Software"]), "PNG Software")
    lens = ex.printable("EXIF LensModel") or xd.values.get("aux:Lens")
    b.add("lens", lens, "EXIF LensModel" if ex.printable("EXIF LensModel") else "XMP aux:Lens")

    orientation_value = exif.orientation(ex)
    if orientation_value is not None:
        b.add("orientation", exif.ORIENTATION_NAMES[orientation_value], "Image Orientation")
    elif ex.printable("Image Orientation"):
        b.add("orientation", ex.printable("Image Orientation"), "Image Orientation")

    gps = exif.gps_decimal(ex)
    if gps:
        _add_gps(b, gps[0], gps[1], "GPS GPSLatitude/GPSLongitude", exif.gps_altitude(ex))
    else:
        lat = _xmp_coordinate(xd.values.get("exif:GPSLatitude", ""))
        lon = _xmp_coordinate(xd.values.get("exif:GPSLongitude", ""))
        if lat is not None and lon is not None and (lat, lon) != (0.0, 0.0):
            _add_gps(b, lat, lon, "XMP exif:GPSLatitude/GPSLongitude")

    size = img_info.get("size")
    source = "image header (as displayed)"
    if not size and jinfo is not None and jinfo.width and jinfo.height:
        size, source = (jinfo.width, jinfo.height), "JPEG frame header (as displayed)"
    if size:
        w, h = size
        # HEIF decoders already apply the container's rotation (irot); EXIF says it again.
        if img_info.get("format") not in ("HEIF", "AVIF") and \
                (orientation_value or img_info.get("orientation") or 1) in (5, 6, 7, 8):
            w, h = h, w
        b.add("dimensions", f"{w} x {h}", source)
    fmt = img_info.get("format")
    if fmt:
        details = [fmt]
        if jinfo is not None and jinfo.process:
            details.append(jinfo.process)
        if jinfo is not None and jinfo.subsampling:
            details.append(jinfo.subsampling)
        if img_info.get("frames", 1) > 1:
            details.append(f"{img_info['frames']} frames")
        b.add("format", ", ".join(details), "file content")
    if img_info.get("icc"):
        b.add("icc_profile", img_info["icc"], "ICC profile")


def _xmp_coordinate(text: str) -> float | None:
    """XMP GPS: '51,30.123N' (degrees, decimal minutes) or '51,30,7N'."""
    m = re.fullmatch(r"\s*(\d+),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*", text or "")
    if not m:
        return None
    value = float(m.group(1)) + float(m.group(2)) / 60 + float(m.group(3) or 0) / 3600
    return -value if m.group(4) in "SW" else value


def _zone_from_gps(capture: ParsedDate, ex: ExifData) -> str | None:
    gps = parse_date(exif.gps_datetime(ex) or "")
    if gps is None or not gps.has_time:
        return None
    diff = capture.when.replace(tzinfo=UTC) - gps.as_utc()
    quarter = round(diff.total_seconds() / 900)
    if abs(diff.total_seconds() - quarter * 900) > 300 or abs(quarter) > 14 * 4:
        return None
    minutes = quarter * 15
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _image_timeline(ex: ExifData, xd: xmp.XmpData, iptc: dict[str, str],
                    img_info: dict[str, Any], b: _Builder) -> None:
    t = b.timeline
    for tag, offset_tag in _EXIF_DATES:
        t.add(tag, ex.printable(tag), ex.printable(f"EXIF {offset_tag}"))
    t.add("GPS GPSDateStamp/GPSTimeStamp (UTC)", exif.gps_datetime(ex))
    for name in _XMP_DATES:
        t.add(f"XMP {name}", xd.values.get(name))
    for key, value in xd.values.items():
        if key.startswith("xmpMM:History") and key.endswith("stEvt:when"):
            t.add(f"XMP {key}", value)
    if iptc.get("DateCreated"):
        t.add("IPTC DateCreated/TimeCreated", iptc["DateCreated"] + iptc.get("TimeCreated", ""))
    if iptc.get("DigitalCreationDate"):
        t.add("IPTC DigitalCreationDate/Time",
              iptc["DigitalCreationDate"] + iptc.get("DigitalCreationTime", ""))
    text_info = img_info.get("text") or {}
    for key in ("Creation Time", "date:create", "date:modify", "date:timestamp"):
        if text_info.get(key):
            t.add(f"{img_info.get('format') or 'image'} {key}", str(text_info[key]))


def _modified_after_capture(ex: ExifData, b: _Builder) -> None:
    original = parse_date(ex.printable("EXIF DateTimeOriginal") or "")
    modified = parse_date(ex.printable("Image DateTime") or "")
    if original and modified and not original.zone_known and not modified.zone_known and \
            modified.when - original.when > timedelta(hours=1):
        b.flag(flags.modified_after_capture(original.iso(), modified.iso()))


# ---------------------------------------------------------------- EXIF thumbnail


def exif_thumbnail(path: Path) -> bytes | None:
    """The preview image embedded in the EXIF (JPEG bytes, or a TIFF), or None."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None
    return exif.read_exif(data).thumbnail


def exif_thumbnail_image(path: Path) -> Image.Image | None:
    """The EXIF preview decoded and turned as the main image's orientation says, or None."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None
    ex = exif.read_exif(data)
    return _decode_thumbnail(ex.thumbnail, exif.orientation(ex))


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _decode_thumbnail(thumb: bytes | None, orientation: int | None) -> Image.Image | None:
    if not thumb:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(thumb)) as img:
                if img.width * img.height > 4_000_000:
                    return None
                img.load()
                rgb = img.convert("RGB")
    except Exception:  # a damaged preview is simply not compared
        return None
    if orientation in _TRANSPOSE:
        rgb = rgb.transpose(_TRANSPOSE[orientation])
    return rgb


def _trim_black_bars(img: Image.Image) -> Image.Image:
    """Cameras letterbox previews of 3:2 pictures into 4:3 with black bars; cut them off."""
    import numpy as np

    gray = np.asarray(img.convert("L"), dtype=np.uint8)
    rows = np.where(gray.max(axis=1) > 24)[0]
    cols = np.where(gray.max(axis=0) > 24)[0]
    if rows.size == 0 or cols.size == 0:
        return img
    box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
    if box[2] - box[0] < img.width * 0.5 or box[3] - box[1] < img.height * 0.5:
        return img
    return img.crop(box)


def _thumbnail_check(path: Path, data: bytes, ex: ExifData, img_info: dict[str, Any],
                     b: _Builder) -> None:
    """Decode the picture (small) and compare it with the EXIF preview."""
    main = _decode_main(data, b)
    thumb = _decode_thumbnail(ex.thumbnail, exif.orientation(ex))
    if ex.thumbnail:
        described = f"{len(ex.thumbnail)} bytes"
        if thumb is not None:
            described = f"{thumb.width} x {thumb.height} (turned upright), {described}"
        b.group("Thumbnail", {"embedded preview": described})
    if main is None or thumb is None:
        return
    from verifier.matching.hashing import hamming, phash

    # Letterbox bars cut off, so a 4:3 preview of a 3:2 picture is not penalised.
    t_img, m_img = _trim_black_bars(thumb), _trim_black_bars(main)
    main_hash = phash(m_img)
    distance = hamming(phash(t_img), main_hash)
    b.group("Thumbnail", {"pHash distance to the picture": str(distance)})
    if distance <= flags.THUMBNAIL_MAX_DISTANCE:
        return
    # A preview that matches once turned or mirrored: the picture was rotated after capture
    # (by software that left the preview alone), not changed in content.
    turned = min((hamming(phash(t_img.transpose(t)), main_hash), t.name)
                 for t in Image.Transpose)
    if turned[0] <= flags.THUMBNAIL_MAX_DISTANCE:
        b.group("Thumbnail", {"matches once turned": f"{turned[1].lower().replace('_', ' ')} "
                                                     f"(distance {turned[0]})"})
        b.flag(flags.thumbnail_turned(distance, turned[0]))
        return
    b.flag(flags.thumbnail_mismatch(distance))


def _decode_main(data: bytes, b: _Builder) -> Image.Image | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format == "JPEG":
                    img.draft("RGB", (THUMBNAIL_DECODE_SIDE, THUMBNAIL_DECODE_SIDE))
                img.load()
                upright = ImageOps.exif_transpose(img) or img
                rgb = upright.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        b.problems.append("image too large to decode safely (decompression bomb?)")
        return None
    except Exception as exc:  # truncated or corrupt pixel data: the metadata still stands
        b.problems.append(f"the picture itself could not be decoded ({type(exc).__name__}: "
                          f"{clean_text(exc, 200)})")
        return None
    rgb.thumbnail((THUMBNAIL_DECODE_SIDE, THUMBNAIL_DECODE_SIDE))
    return rgb


# ---------------------------------------------------------------- video


_VIDEO_MAKE = ("com.apple.quicktime.make", "make", "com.android.manufacturer", "manufacturer")
_VIDEO_MODEL = ("com.apple.quicktime.model", "model", "com.android.model")
_VIDEO_SOFTWARE = ("com.apple.quicktime.software", "software", "com.android.version",
                   "writing_application", "encoder", "encoded_by", "encoding_tool")
_VIDEO_LOCATION = ("com.apple.quicktime.location.ISO6709", "location", "location-eng",
                   "com.android.location")
_VIDEO_DATES = ("com.apple.quicktime.creationdate", "creation_time", "date_recorded",
                "date", "date_released", "date_encoded", "date_tagged", "creationdate",
                "modification_time", "com.apple.quicktime.content.identifier")
_ZERO_DATES = ("1904-01-01", "1970-01-01", "1900-01-01")


def _video_metadata(path: Path, sniffed: Sniffed, b: _Builder) -> None:
    matroska = (avmeta.matroska_info(path)
                if sniffed.mime in ("video/x-matroska", "video/webm") else {})
    b.group("Matroska", matroska)
    try:
        vd = avmeta.read_video(path)
    except UserError as exc:
        if not matroska:
            raise
        # FFmpeg refuses the file, but its segment info is readable: a partial report.
        b.problems.append(exc.reason)
        b.add("software", matroska.get("WritingApp"), "Matroska WritingApp")
        if matroska.get("DateUTC"):
            parsed = parse_date(matroska["DateUTC"])
            if parsed is not None:
                _set_capture(b, parsed, "Matroska DateUTC")
                b.timeline.add("Matroska DateUTC", matroska["DateUTC"])
        _check_software(b)
        return
    b.problems.extend(vd.problems)
    b.add("software", matroska.get("WritingApp"), "Matroska WritingApp")
    container: dict[str, str] = {"format": vd.format_long_name}
    if vd.duration is not None:
        container["duration"] = f"{vd.duration:.3f} s"
    if vd.bit_rate:
        container["bit_rate"] = str(vd.bit_rate)
    b.group("Container", container | vd.container_tags)
    for info in vd.streams:
        values = {k.removeprefix("tag:"): v for k, v in info.items()
                  if k.startswith("tag:")}
        values |= {k: v for k, v in info.items() if not k.startswith("tag:")}
        b.group(f"Stream {info['index']} ({info['type']})", values)

    xd = xmp.parse(_video_xmp(path))
    b.problems.extend(xd.problems)
    b.group("XMP", xd.values)

    # Capture time: QuickTime creationdate keeps the local zone; creation_time is UTC.
    for key in _VIDEO_DATES[:5]:
        hit = vd.tag(key)
        if hit:
            parsed = _video_date(hit[1])
            if parsed is not None:
                _set_capture(b, parsed, f"container {hit[0]}")
                break
    if b.capture is None:
        stream_hit = vd.stream_tag("creation_time")
        if stream_hit:
            parsed = _video_date(stream_hit[1])
            if parsed is not None:
                _set_capture(b, parsed, f"stream {stream_hit[0]} creation_time")
    if b.capture is None:
        for name in ("xmp:CreateDate", "xmpDM:shotDate", "photoshop:DateCreated"):
            parsed = parse_date(xd.values.get(name, ""))
            if parsed is not None:
                _set_capture(b, parsed, f"XMP {name}")
                break

    for name, keys, xmp_names in (("make", _VIDEO_MAKE, ("tiff:Make",)),
                                  ("model", _VIDEO_MODEL, ("tiff:Model",)),
                                  ("software", _VIDEO_SOFTWARE, ("xmp:CreatorTool",))):
        hit = vd.tag(*keys)
        if hit:
            value = hit[1]
            if hit[0] == "com.android.version":
                value = f"Android {value}"
            b.add(name, value, f"container {hit[0]}")
            continue
        xhit = xd.get(*xmp_names)
        if xhit:
            b.add(name, xhit[1], f"XMP {xhit[0]}")

    location = vd.tag(*_VIDEO_LOCATION)
    if location:
        parsed_loc = parse_iso6709(location[1])
        if parsed_loc:
            _add_gps(b, parsed_loc[0], parsed_loc[1], f"container {location[0]}",
                     _iso6709_altitude(location[1]))

    if vd.width and vd.height:
        # Video "dimensions" are the coded size (as ExifTool's ImageWidth/ImageHeight and
        # ffprobe report it); a quarter-turn display matrix adds the size as displayed.
        b.add("dimensions", f"{vd.width} x {vd.height}", "video stream (as coded)")
        if vd.rotation in (90, 270):
            b.add("displayed_dimensions", f"{vd.height} x {vd.width}",
                  f"video stream turned {vd.rotation}° ({vd.rotation_source})")
    if vd.duration is not None:
        b.add("duration", f"{vd.duration:.3f} s", "container")
    if vd.frame_rate:
        b.add("frame_rate", f"{vd.frame_rate:.3f}", "video stream")
    if vd.codec:
        b.add("codec", vd.codec, "video stream")
    if vd.profile:
        b.add("profile", vd.profile, "video stream")
    if vd.rotation:
        b.add("rotation", str(vd.rotation), vd.rotation_source)
    b.add("format", vd.format_long_name, "container")
    if vd.bit_rate:
        b.add("bit_rate", f"{vd.bit_rate / 1000:.0f} kb/s", "container")
    audio = [s for s in vd.streams if s.get("type") == "audio"]
    if audio:
        b.add("audio", "; ".join(_audio_summary(s) for s in audio), "audio streams")
    else:
        b.add("audio", "none", "streams")
    encoder = vd.tag("encoder") or next(
        ((f"stream {i} encoder", s["tag:encoder"]) for i, s in enumerate(vd.streams)
         if s.get("tag:encoder")), None)
    if encoder:
        b.add("encoder", encoder[1], encoder[0] if encoder[0].startswith("stream")
              else "container encoder")

    _video_timeline(vd, xd, b)

    for where, value in _encoder_values(vd):
        if flags.REENCODERS.search(value):
            b.flag(flags.reencoded(where, value))
            break
    if b.capture is None and not any(f.name in ("make", "model") for f in b.fields):
        b.flag(flags.stripped("video"))
    _check_software(b)


def _audio_summary(info: dict[str, str]) -> str:
    parts = [info.get("codec", "unknown")]
    if info.get("profile"):
        parts[0] += f" {info['profile']}"
    if info.get("sample_rate"):
        parts.append(f"{info['sample_rate']} Hz")
    if info.get("channels"):
        parts.append(f"{info['channels']} ch")
    return ", ".join(parts)


def _encoder_values(vd: avmeta.VideoData) -> list[tuple[str, str]]:
    out = []
    for key, value in vd.container_tags.items():
        if key.lower() in ("encoder", "encoded_by", "writing_application", "encoding_tool",
                           "software", "muxing_application", "compatible_brands"):
            if key.lower() == "compatible_brands":
                continue
            out.append((f"container {key}", value))
    for i, s in enumerate(vd.streams):
        for key in ("tag:encoder", "tag:ENCODER", "tag:handler_name"):
            if s.get(key) and key != "tag:handler_name":
                out.append((f"stream {i} {key.removeprefix('tag:')}", s[key]))
    return out


def _video_date(text: str) -> ParsedDate | None:
    if text.strip().startswith(_ZERO_DATES):
        return None
    return parse_date(text)


def _iso6709_altitude(text: str) -> float | None:
    m = re.match(r"^\s*[+-][\d.]+[+-][\d.]+([+-]\d+(?:\.\d+)?)", text)
    return float(m.group(1)) if m else None


def _video_xmp(path: Path) -> bytes | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(VIDEO_XMP_WINDOW)
            packet = xmp.find_packet(head)
            if packet is not None:
                return packet
            size = path.stat().st_size
            if size > VIDEO_XMP_WINDOW:
                fh.seek(max(VIDEO_XMP_WINDOW, size - VIDEO_XMP_WINDOW))
                return xmp.find_packet(fh.read(VIDEO_XMP_WINDOW))
    except OSError:
        return None
    return None


def _video_timeline(vd: avmeta.VideoData, xd: xmp.XmpData, b: _Builder) -> None:
    t = b.timeline
    for key, value in vd.container_tags.items():
        lowered = key.lower()
        if (lowered in _VIDEO_DATES or "date" in lowered or lowered.endswith("_time")) and \
                not value.strip().startswith(_ZERO_DATES):
            t.add(f"container {key}", value)
    for i, s in enumerate(vd.streams):
        for key, value in s.items():
            if key in ("tag:creation_time", "tag:DATE", "tag:date") and \
                    not value.strip().startswith(_ZERO_DATES):
                t.add(f"stream {i} {key.removeprefix('tag:')}", value)
    for name in _XMP_DATES:
        t.add(f"XMP {name}", xd.values.get(name))

