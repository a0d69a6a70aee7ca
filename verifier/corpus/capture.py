"""A JPEG's capture time from what the ingest decoder already holds (Pillow's EXIF, the XMP packet,
the IPTC record), by the rules metadata.extract() follows: EXIF DateTimeOriginal, then
DateTimeDigitized, then DateTime (each with its offset tag), then XMP, then IPTC. extract() parses
everything else too (about 25 ms a photo, up to 150 ms); this costs well under a millisecond.
When Pillow could not read an EXIF block the file has, the answer is UNSURE and the caller asks
extract()."""

from __future__ import annotations

import struct
from typing import Any, Final

from verifier.media import xmp
from verifier.media.exif import clean_text
from verifier.media.timeline import ParsedDate, parse_date

UNSURE: Final = "?"  # not a value: ask metadata.extract()

_EXIF_IFD = 0x8769
# (date tag, its offset tag) in extract()'s order: DateTimeOriginal, DateTimeDigitized, DateTime.
_EXIF_DATES = ((0x9003, 0x9011), (0x9004, 0x9012), (0x0132, 0x9010))
_DATE_TAGS = frozenset(t for pair in _EXIF_DATES for t in pair)
_ODD = object()
_XMP_DATES = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate")
_IPTC_DATE, _IPTC_TIME = (2, 55), (2, 60)


def as_value(parsed: ParsedDate) -> str:
    """The capture_time value metadata.extract() reports for a parsed date."""
    return parsed.iso() if parsed.zone_known else f"{parsed.iso()} (zone unknown)"


def jpeg_capture_time(img: Any, data: bytes) -> str | None:
    """capture_time as metadata.extract() would report it for this JPEG (Pillow image `img`
    opened on the file's bytes `data`), None when it has none, or UNSURE."""
    try:
        return _capture_time(img, data)
    except Exception:  # a reader's bug on hostile bytes: let extract() decide
        return UNSURE


def _capture_time(img: Any, data: bytes) -> str | None:
    exif_value = _exif(img, data)
    if exif_value is not None:
        return exif_value
    packet = img.info.get("xmp") or xmp.find_packet(data)
    if packet and _may_hold_date(packet):
        values = xmp.parse(packet).values
        for name in _XMP_DATES:
            parsed = parse_date(values.get(name, ""))
            if parsed is not None:
                return as_value(parsed)
    if b"Photoshop 3.0" in data:
        return _iptc(img)
    return None


def _may_hold_date(packet: bytes | str) -> bool:
    """False when an 8-bit packet names none of the date properties: parsing it (several
    milliseconds for an editor's packet) would find nothing. UTF-16 packets are parsed."""
    if isinstance(packet, str):
        packet = packet.encode("utf-8", "replace")
    if b"\x00" in packet[:64]:
        return True
    return any(name.split(":")[1].encode() in packet for name in _XMP_DATES)


def _exif(img: Any, data: bytes) -> str | None:
    block = img.info.get("exif")
    if not isinstance(block, bytes) or not block.startswith(b"Exif\x00\x00"):
        # No EXIF segment Pillow saw: if the bytes hold one elsewhere, exifread may read it.
        return UNSURE if b"Exif\x00" in data[:131072] else None
    tags = read_date_tags(block[6:])
    if tags is None:
        return UNSURE
    for tag, offset_tag in _EXIF_DATES:
        text, offset = tags.get(tag), tags.get(offset_tag)
        if text is None:
            continue
        if not isinstance(text, str) or not isinstance(offset, str | None):
            return UNSURE  # not ASCII: extract() reads it its own way
        parsed = parse_date(_clean(text), _clean(offset) if offset else None)
        if parsed is not None:
            return as_value(parsed)
    return None


def read_date_tags(tiff: bytes) -> dict[int, object] | None:
    """The date tags of a TIFF/EXIF block (IFD0's DateTime, the EXIF IFD's dates and offsets),
    read as exifread reads ASCII (cut at the first NUL); _ODD for a value of another type. None
    when the block is malformed. Pillow's getexif() would parse every tag of both IFDs (about
    2 ms a photo, maker notes included) to give the same five values."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return None
    out: dict[int, object] = {}
    ifd0 = _read_ifd(tiff, order, struct.unpack_from(order + "I", tiff, 4)[0], out)
    if ifd0 is None:
        return None
    pointer = ifd0.get(_EXIF_IFD)
    if pointer is not None and _read_ifd(tiff, order, pointer, out) is None:
        return None
    return out


def _read_ifd(tiff: bytes, order: str, at: int, out: dict[int, object]) -> dict[int, int] | None:
    """Adds the wanted ASCII tags of the IFD at `at` to `out`; returns {tag: value} of its
    pointer tags, or None when the IFD lies outside the block."""
    if at < 8 or at + 2 > len(tiff):
        return None
    count = struct.unpack_from(order + "H", tiff, at)[0]
    if at + 2 + 12 * count > len(tiff):
        return None
    pointers: dict[int, int] = {}
    for n in range(count):
        entry = at + 2 + 12 * n
        tag, kind, length, value = struct.unpack_from(order + "HHII", tiff, entry)
        if tag == _EXIF_IFD and kind in (4, 13) and length == 1:
            pointers[tag] = value
        elif tag in _DATE_TAGS and tag not in out:
            if kind != 2:
                out[tag] = _ODD
                continue
            start = entry + 8 if length <= 4 else value
            raw = tiff[start:start + length]
            try:
                out[tag] = raw.split(b"\x00", 1)[0].decode("utf-8")
            except UnicodeDecodeError:
                out[tag] = _ODD
    return pointers


def _clean(text: str) -> str:
    """clean_text(text) (as exifread's values are printed), without its per-character pass for
    the usual short printable value."""
    return text.strip() if len(text) < 200 and text.isprintable() else clean_text(text)


def _iptc(img: Any) -> str | None:
    from PIL import IptcImagePlugin

    try:
        info = IptcImagePlugin.getiptcinfo(img) or {}
    except Exception:
        return UNSURE
    day = _iptc_text(info.get(_IPTC_DATE))
    if not day:
        return None
    parsed = parse_date(day + _iptc_text(info.get(_IPTC_TIME)))
    return as_value(parsed) if parsed is not None else None


def _iptc_text(value: object) -> str:
    values = value if isinstance(value, list) else [value] if value is not None else []
    texts = []
    for v in values[:200]:
        if isinstance(v, bytes):
            try:
                texts.append(v.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(v.decode("latin-1"))
        else:
            texts.append(str(v))
    return clean_text("; ".join(t for t in texts if t))
