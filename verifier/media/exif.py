"""EXIF through exifread, bounded: the parser reads from memory through a reader with an operation
budget and a deadline, so looping or enormous IFDs end with a partial result, never a hang."""

from __future__ import annotations

import io
import logging
import re
import struct
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import exifread

log = logging.getLogger(__name__)

# Text values are cut to this length: hostile files carry megabytes of junk in them.
MAX_TEXT = 2000
# MakerNote values are summarised: long binary arrays say nothing to a fact-checker.
MAX_MAKERNOTE_TEXT = 200
EXIF_DEADLINE_S = 1.5
EXIF_MAX_OPERATIONS = 1_000_000

ORIENTATION_NAMES = {
    1: "Horizontal (normal)",
    2: "Mirrored horizontal",
    3: "Rotated 180",
    4: "Mirrored vertical",
    5: "Mirrored horizontal then rotated 90 CCW",
    6: "Rotated 90 CW",
    7: "Mirrored horizontal then rotated 90 CW",
    8: "Rotated 90 CCW",
}


class BudgetExceeded(Exception):
    """The parser spent its whole budget: the EXIF is looping or absurdly large."""


class _BudgetedReader(io.RawIOBase):
    """A read-only in-memory file that refuses to serve a parser past its budget."""

    def __init__(self, data: bytes, max_operations: int, deadline: float) -> None:
        super().__init__()
        self._buf = io.BytesIO(data)
        self._left = max_operations
        self._deadline = deadline

    def _spend(self) -> None:
        self._left -= 1
        if self._left <= 0:
            raise BudgetExceeded("too many reads (looping or oversized EXIF)")
        if (self._left & 0x3FF) == 0 and time.monotonic() > self._deadline:
            raise BudgetExceeded("took too long (looping or oversized EXIF)")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        self._spend()
        return self._buf.read(-1 if size is None else size)

    def readinto(self, buffer: Any) -> int:
        self._spend()
        return self._buf.readinto(buffer)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._spend()
        return self._buf.seek(max(offset, 0) if whence == 0 else offset, whence)

    def tell(self) -> int:
        return self._buf.tell()


@dataclass
class ExifData:
    """exifread's tags (objects, for numeric values) and their printable groups."""

    tags: dict[str, Any] = field(default_factory=dict)
    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    thumbnail: bytes | None = None
    problems: list[str] = field(default_factory=list)
    xmp_packet: bytes | None = None  # TIFF tag 700 (XMP inside the EXIF)

    def printable(self, key: str) -> str | None:
        tag = self.tags.get(key)
        if tag is None:
            return None
        text = clean_text(getattr(tag, "printable", tag))
        return text or None

    def first_value(self, key: str) -> Any:
        tag = self.tags.get(key)
        values = getattr(tag, "values", None)
        if isinstance(values, list | tuple) and values:
            return values[0]
        return None


def clean_text(value: object, limit: int = MAX_TEXT) -> str:
    """Printable text: control characters become U+FFFD, NULs and padding go, length is capped."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in text)
    text = text.strip().strip("\x00").strip()
    return text if len(text) <= limit else text[:limit] + "…"


def read_exif(data: bytes, *, deadline_s: float = EXIF_DEADLINE_S,
              max_operations: int = EXIF_MAX_OPERATIONS) -> ExifData:
    """Every tag exifread finds, with the EXIF thumbnail; hostile input gives a partial result
    with the reason in problems."""
    out = ExifData()
    reader = _BudgetedReader(data, max_operations, time.monotonic() + deadline_s)
    exif_logger = logging.getLogger("exifread")
    previous = exif_logger.level
    exif_logger.setLevel(logging.CRITICAL)  # exifread warns loudly on every odd tag
    tags: dict[str, Any] = {}
    try:
        _process(reader, tags)
    except BudgetExceeded as exc:
        out.problems.append(f"EXIF could not be fully read: it {exc}")
    except RecursionError:
        out.problems.append("EXIF could not be fully read: its IFDs point into each other")
    except Exception as exc:  # exifread raises many types on hostile input
        log.info("exifread failed: %s", exc)
        out.problems.append(f"EXIF could not be fully read ({type(exc).__name__}: "
                            f"{clean_text(exc, 200)})")
    finally:
        exif_logger.setLevel(previous)
    thumb = tags.pop("JPEGThumbnail", None)
    tiff_thumb = tags.pop("TIFFThumbnail", None)
    if isinstance(thumb, bytes) and thumb.startswith(b"\xff\xd8"):
        out.thumbnail = thumb
    elif isinstance(tiff_thumb, bytes):
        out.thumbnail = tiff_thumb
    out.tags = tags
    out.groups = _groups(tags, out)
    return out


def _process(fh: Any, tags: dict[str, Any]) -> None:
    """exifread.process_file, step by step, so the tags read before a failure are kept."""
    try:
        from exifread.core.exceptions import ExifNotFound, InvalidExif
        from exifread.core.exif_header import ExifHeader
        from exifread.core.find_exif import determine_type, get_endian_str
    except ImportError:  # another exifread layout: the whole-file call, all or nothing
        tags.update(exifread.process_file(fh, details=True, extract_thumbnail=True))
        return
    fh.seek(0)
    try:
        offset, endian_bytes, fake_exif = determine_type(fh)
    except (ExifNotFound, InvalidExif):
        return
    endian_str, _ = get_endian_str(endian_bytes)
    hdr = ExifHeader(fh, endian_str, offset, fake_exif, False, False, True, True)
    hdr.tags = tags  # filled in place: what was read survives an exception
    thumb_ifd = 0
    for ctr, ifd in enumerate(hdr.list_ifd()):
        name = "Image" if ctr == 0 else "Thumbnail" if ctr == 1 else f"IFD {ctr}"
        if ctr == 1:
            thumb_ifd = ifd
        hdr.dump_ifd(ifd=ifd, ifd_name=name)
    exif_off = tags.get("Image ExifOffset")
    if exif_off and exif_off.values:
        hdr.dump_ifd(ifd=exif_off.values[0], ifd_name="EXIF")
    sub_ifds = tags.get("Image SubIFDs")
    if sub_ifds:
        for i, sub_offset in enumerate(list(sub_ifds.values)[:16]):
            hdr.dump_ifd(ifd=sub_offset, ifd_name=f"EXIF SubIFD{i}")
    if "EXIF MakerNote" in tags and "Image Make" in tags:
        try:
            hdr.decode_maker_note()
        except (ValueError, IndexError, KeyError, TypeError, struct.error) as exc:
            log.info("MakerNote not decoded: %s", exc)
    if thumb_ifd:
        try:
            hdr.extract_tiff_thumbnail(thumb_ifd)
            hdr.extract_jpeg_thumbnail()
        except (ValueError, IndexError, KeyError, TypeError, struct.error) as exc:
            log.info("thumbnail not extracted: %s", exc)


def _group_of(key: str) -> tuple[str, str]:
    m = re.match(r"(IFD \d+) (.+)", key)
    if m:
        return m.group(1), m.group(2)
    m = re.match(r"EXIF (SubIFD\d+) (.+)", key)
    if m:
        return m.group(1), m.group(2)
    group, _, name = key.partition(" ")
    return (group, name) if name else ("Other", key)


def _groups(tags: dict[str, Any], out: ExifData) -> dict[str, dict[str, str]]:
    groups: dict[str, dict[str, str]] = {}
    for key, tag in tags.items():
        group, name = _group_of(key)
        if key == "Image ApplicationNotes":
            packet = _tag_bytes(tag)
            out.xmp_packet = packet
            groups.setdefault(group, {})[name] = f"(XMP packet, {len(packet)} bytes; see XMP)"
            continue
        if key == "EXIF MakerNote":
            size = getattr(tag, "field_length", 0) or len(getattr(tag, "values", []) or [])
            decoded = sum(1 for k in tags if k.startswith("MakerNote "))
            groups.setdefault(group, {})[name] = (
                f"({size} bytes of maker data; {decoded} tags decoded under MakerNote)")
            continue
        limit = MAX_MAKERNOTE_TEXT if group == "MakerNote" else MAX_TEXT
        text = clean_text(getattr(tag, "printable", tag), limit)
        if group == "MakerNote" and _looks_binary(tag):
            count = len(getattr(tag, "values", []) or [])
            text = f"({count} values)"
        groups.setdefault(group, {})[name] = text
    return groups


def _looks_binary(tag: Any) -> bool:
    values = getattr(tag, "values", None)
    return isinstance(values, list | bytes) and len(values) > 32


def _tag_bytes(tag: Any) -> bytes:
    values = getattr(tag, "values", b"")
    if isinstance(values, bytes):
        return values
    if isinstance(values, str):
        return values.encode("utf-8", "replace")
    try:
        return bytes(int(v) & 0xFF for v in values)
    except (TypeError, ValueError):
        return b""


# ---------------------------------------------------------------- values


def ratio(value: Any) -> float:
    if hasattr(value, "num") and hasattr(value, "den"):
        return float(Fraction(int(value.num), int(value.den)))
    if isinstance(value, tuple):  # exifread gives floats as 1-tuples
        return float(value[0])
    return float(value)


def gps_decimal(exif: ExifData) -> tuple[float, float] | None:
    """(lat, lon) in decimal degrees, or None when absent, zero or out of range."""
    tags = exif.tags
    try:
        lat_t, lon_t = tags.get("GPS GPSLatitude"), tags.get("GPS GPSLongitude")
        if lat_t is None or lon_t is None:
            return None

        def dms(tag: Any) -> float:
            parts = [ratio(v) for v in list(tag.values)[:3]]
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
        if lat != lat or lon != lon:  # NaN
            return None
        return lat, lon
    except (ZeroDivisionError, ValueError, TypeError, AttributeError, IndexError,
            OverflowError):
        return None


def gps_altitude(exif: ExifData) -> float | None:
    try:
        value = exif.first_value("GPS GPSAltitude")
        if value is None:
            return None
        alt = ratio(value)
        ref = exif.first_value("GPS GPSAltitudeRef")
        return -alt if ref == 1 else alt
    except (ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None


def gps_datetime(exif: ExifData) -> str | None:
    """GPSDateStamp + GPSTimeStamp as an ISO UTC time (GPS time is UTC by definition)."""
    date = exif.printable("GPS GPSDate")
    stamp = exif.tags.get("GPS GPSTimeStamp")
    if not date:
        return None
    m = re.match(r"(\d{4})[:-](\d\d)[:-](\d\d)", date)
    if not m:
        return None
    if stamp is None:
        return "{}-{}-{}".format(*m.groups())
    try:
        h, mi, s = (ratio(v) for v in list(stamp.values)[:3])
        whole = int(s)
        if not (0 <= h < 24 and 0 <= mi < 60 and 0 <= s < 61):
            return None
        return "{}-{}-{}T".format(*m.groups()) + f"{int(h):02d}:{int(mi):02d}:{whole:02d}Z"
    except (ZeroDivisionError, ValueError, TypeError, OverflowError):
        return None


def orientation(exif: ExifData) -> int | None:
    value = exif.first_value("Image Orientation")
    return value if isinstance(value, int) and 1 <= value <= 8 else None
