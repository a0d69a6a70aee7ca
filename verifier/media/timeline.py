"""Every date any source gives for a media item, parsed and sorted, each with where it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from verifier.models import TimelineEntry

MIN_YEAR, MAX_YEAR = 1900, 2100

_ISO = re.compile(
    r"^\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})"  # date
    r"(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,](\d+))?)?"  # time, fraction
    r"\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?\s*$",  # zone
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:[T\s]?(\d{2})(\d{2})(\d{2})?)?"
                      r"\s*([+-]\d{4}|Z)?\s*$")
_ASCTIME = re.compile(r"^\s*\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


@dataclass(frozen=True)
class ParsedDate:
    when: datetime  # aware when zone_known, else naive
    zone_known: bool
    has_time: bool = True

    def iso(self) -> str:
        if not self.has_time:
            return self.when.date().isoformat()
        text = self.when.isoformat(timespec="seconds")
        return text.replace("+00:00", "Z") if self.zone_known else text

    def as_utc(self) -> datetime:
        """For sorting and comparison: naive local times are taken as UTC."""
        return self.when.astimezone(UTC) if self.zone_known else self.when.replace(tzinfo=UTC)


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    t = text.upper()
    if t in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if t[0] == "-" else 1
    digits = t[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_date(text: str, offset: str | None = None) -> ParsedDate | None:
    """EXIF, ISO 8601, IPTC compact, RFC 1123 (HTTP, PNG) or asctime (AVI) dates; None when the
    text is empty, zeroed or not a plausible date. offset (e.g. EXIF OffsetTime) applies when the
    text itself has no zone."""
    text = (text or "").strip().strip("\x00").strip()
    if not text or set(text) <= set("0: -T"):
        return None
    parsed = _parse(text)
    if parsed is None:
        return None
    if not parsed.zone_known and offset:
        zone = _zone(offset.strip()) if re.fullmatch(r"\s*[+-]\d{2}:?\d{2}\s*", offset) else None
        if zone is not None:
            parsed = ParsedDate(parsed.when.replace(tzinfo=zone), True, parsed.has_time)
    if not MIN_YEAR <= parsed.when.year <= MAX_YEAR:
        return None
    return parsed


def _parse(text: str) -> ParsedDate | None:
    for pattern in (_ISO, _COMPACT):
        m = pattern.match(text)
        if m:
            groups = m.groups()
            y, mo, d, h, mi, s = groups[:6]
            zone_text = groups[-1]  # _ISO also captures a fraction of a second, unused here
            try:
                zone = _zone(zone_text)
                when = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0),
                                int(s or 0), tzinfo=zone)
            except ValueError:
                return None
            return ParsedDate(when, zone is not None, h is not None)
    m = _ASCTIME.match(text)
    if m:
        mon, d, h, mi, s, y = m.groups()
        month = _MONTHS.get(mon.lower())
        if month is None:
            return None
        try:
            return ParsedDate(datetime(int(y), month, int(d), int(h), int(mi), int(s)), False)
        except ValueError:
            return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return ParsedDate(when, when.tzinfo is not None)


class TimelineBuilder:
    def __init__(self) -> None:
        self._items: list[tuple[datetime, int, TimelineEntry]] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, source: str, text: str | None, offset: str | None = None) -> ParsedDate | None:
        if not text:
            return None
        parsed = parse_date(text, offset)
        if parsed is None:
            return None
        self.add_parsed(source, parsed, text)
        return parsed

    def add_parsed(self, source: str, parsed: ParsedDate, value: str) -> None:
        key = (source, parsed.iso())
        if key in self._seen:
            return
        self._seen.add(key)
        entry = TimelineEntry(parsed.iso(), source, value.strip()[:200], parsed.zone_known)
        self._items.append((parsed.as_utc(), len(self._items), entry))

    def add_datetime(self, source: str, when: datetime) -> None:
        aware = when if when.tzinfo else when.replace(tzinfo=UTC)
        self.add_parsed(source, ParsedDate(aware, True), aware.isoformat(timespec="seconds"))

    def entries(self) -> tuple[TimelineEntry, ...]:
        return tuple(e for _, _, e in sorted(self._items, key=lambda t: (t[0], t[1])))


def sort_key(entry: TimelineEntry) -> datetime | None:
    parsed = parse_date(entry.time)
    return parsed.as_utc() if parsed else None
