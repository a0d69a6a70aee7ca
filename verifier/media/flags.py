"""Red flags: each a rule over the extracted metadata with one plain sentence saying what it means
and what it does not prove."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta

from verifier.media.timeline import ParsedDate, parse_date
from verifier.models import RedFlag

EDITORS = re.compile(
    r"photoshop|lightroom|\bgimp\b|affinity|pixelmator|snapseed|picsart|paint\.net|capture one|"
    r"darktable|luminar|facetune|\bcanva\b|photopea|aftershot|acdsee|paintshop|paint shop|"
    r"premiere|final cut|davinci|resolve|imovie|capcut|inshot|kinemaster|after effects|"
    r"photoscape|fotor|meitu|\bvsco\b|krita|corel|airbrush|faceapp|befunky|pixlr|"
    r"photodirector|powerdirector|vegas pro|filmora|movavi|camtasia|shotcut|openshot|lumafusion|"
    r"adobe express|picmonkey|picasa|rawtherapee|photo ?shop|photos? editor|"
    r"imageready|adobe firefly|midjourney|dall.?e|stable diffusion",
    re.IGNORECASE,
)
# Encoders of conversion tools and platforms: a camera never writes these.
REENCODERS = re.compile(
    r"\blavf|\blavc|ffmpeg|handbrake|x264|x265|libvpx|libaom|whatsapp|telegram|tiktok|"
    r"bytedance|instagram|facebook|youtube|google|snapchat|twitter|vimeo|"
    r"premiere|final cut|davinci|capcut|inshot|kinemaster|imovie|adobe media encoder|"
    r"quicktime \d|compressor|shutter encoder|vlc",
    re.IGNORECASE,
)

THUMBNAIL_MAX_DISTANCE = 12
CLAIMED_PLACE_MAX_KM = 50.0
# A local time of unknown zone may be up to 14 hours off UTC.
_ZONE_SLACK = timedelta(hours=14)
# Capture times this long before the claimed date suggest old footage recirculated.
LONG_BEFORE_CLAIM = timedelta(days=30)


def stripped(kind: str) -> RedFlag:
    if kind == "image":
        return RedFlag(
            "metadata-stripped", "No camera metadata",
            "The file carries no camera details (no capture time, make or model); social "
            "platforms remove them on upload, so this is typical of a re-shared copy, not proof "
            "of manipulation.")
    return RedFlag(
        "metadata-stripped", "No recording metadata",
        "The container has no creation time or device; platforms strip these on upload, so "
        "this is typical of a re-shared copy, not proof of manipulation.")


def editing_software(where: str, value: str) -> RedFlag:
    return RedFlag(
        "editing-software", "Edited with software",
        f"The metadata names editing software ({value}, in {where}); the file was saved by an "
        "editor after capture, which may or may not have changed its content.")


def extension_mismatch(suffix: str, mime: str) -> RedFlag:
    return RedFlag(
        "extension-mismatch", "Extension and content disagree",
        f"The file is named {suffix or '(no extension)'} but its content is {mime}; files are "
        "sometimes renamed to hide where they came from.")


def content_type_mismatch(declared: str, mime: str) -> RedFlag:
    return RedFlag(
        "content-type-mismatch", "Server and content disagree",
        f"The web server called the file {declared} but its content is {mime}; the server may "
        "convert or mislabel files, so the copy may not be the one originally published.")


def reencoded(where: str, value: str) -> RedFlag:
    return RedFlag(
        "re-encoded", "Re-encoded video",
        f"The encoder string ({value}, in {where}) is that of a conversion tool or platform, not "
        "a camera: this copy was re-encoded after recording, as platforms and editors do.")


def modified_after_capture(capture: str, modified: str) -> RedFlag:
    return RedFlag(
        "modified-after-capture", "Saved again after capture",
        f"The EXIF says the file was last changed at {modified}, well after it was taken at "
        f"{capture}; software that rotates, edits or re-saves a photo updates that date.")


def capture_after(capture: ParsedDate, other: ParsedDate, other_name: str) -> RedFlag:
    return RedFlag(
        "capture-after-modified", f"Taken after the {other_name}",
        f"The capture time ({capture.iso()}) is later than the {other_name} "
        f"({other.iso()}); a camera clock may be wrong, but a file cannot be taken after it "
        "existed, so one of the dates was set or changed by hand or by software.")


def capture_after_claim(capture: ParsedDate, claim: ParsedDate) -> RedFlag:
    return RedFlag(
        "capture-after-claim", "Taken after the claimed date",
        f"The capture time ({capture.iso()}) is after the date in the claim ({claim.iso()}); "
        "either the camera clock is wrong or this is not footage from that date.")


def capture_long_before_claim(capture: ParsedDate, claim: ParsedDate) -> RedFlag:
    days = (claim.as_utc() - capture.as_utc()).days
    return RedFlag(
        "capture-before-claim", "Taken long before the claimed date",
        f"The capture time ({capture.iso()}) is {days} days before the date in the claim "
        f"({claim.iso()}); old footage is often re-shared as new, though camera clocks can be "
        "wrong.")


def thumbnail_mismatch(distance: int) -> RedFlag:
    return RedFlag(
        "thumbnail-mismatch", "Preview differs from the picture",
        f"The small preview the camera embedded differs from the main picture (pHash distance "
        f"{distance} of 64, over {THUMBNAIL_MAX_DISTANCE}); editors that keep the old preview "
        "leave this trace, so the picture may have been altered or cropped after capture.")


def thumbnail_turned(distance: int, turned: int) -> RedFlag:
    return RedFlag(
        "thumbnail-turned", "Preview turned differently from the picture",
        f"The embedded preview shows the same scene turned or mirrored (pHash distance {turned} "
        f"once turned, {distance} as stored); the picture was rotated by software after capture, "
        "which changes the file but not what it shows.")


def gps_far(km: float, place: tuple[float, float]) -> RedFlag:
    return RedFlag(
        "gps-far-from-claim", "Recorded far from the claimed place",
        f"The GPS position in the file is {km:,.0f} km from the claimed place "
        f"({place[0]:.4f}, {place[1]:.4f}); GPS tags can be wrong or edited, but they do not "
        "support the claim.")


def credentials_invalid(summary: str, codes: list[str]) -> RedFlag:
    listed = ", ".join(codes[:6]) or "the manifest failed validation"
    return RedFlag(
        "credentials-invalid", "Content Credentials fail validation",
        f"{summary} (codes: {listed}). The file or its manifest changed after signing, or the "
        "signature is bad; re-saving a signed file without re-signing also does this, so it "
        "shows the credentials no longer vouch for this file, not how it was changed.")


def credentials_unreadable(error: str) -> RedFlag:
    return RedFlag(
        "credentials-unreadable", "Content Credentials damaged",
        f"The file holds a Content Credentials manifest that cannot be read ({error}); it may "
        "be truncated or damaged in transit, so nothing it says can be relied on. Damage alone "
        "does not prove manipulation.")


def ai_generated(sources: list[str], signer: str) -> RedFlag:
    by = f" The credentials are signed by {signer}." if signer else ""
    return RedFlag(
        "ai-generated", "Declared made with generative AI",
        f"The file's Content Credentials declare generative AI: {'; '.join(sources)}.{by} "
        "This is the signing software's own statement: it holds as far as the credentials "
        "validate, and its absence elsewhere never proves a picture is camera-made.")


# ---------------------------------------------------------------- helpers


def parse_claim_date(value: str | date | datetime | None) -> ParsedDate | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return ParsedDate(value, value.tzinfo is not None)
    if isinstance(value, date):
        return ParsedDate(datetime(value.year, value.month, value.day), False, has_time=False)
    return parse_date(str(value))


def parse_place(value: str | tuple[float, float] | None) -> tuple[float, float] | None:
    if value is None:
        return None
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([+-]?\d+(?:\.\d+)?)\s*[, ]\s*([+-]?\d+(?:\.\d+)?)\s*", value)
        if not m:
            raise ValueError(f"claimed place {value!r} is not 'lat, lon' in decimal degrees")
        lat, lon = float(m.group(1)), float(m.group(2))
    else:
        lat, lon = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"claimed place {lat}, {lon} is out of range")
    return lat, lon


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def latest_possible(p: ParsedDate) -> datetime:
    """The latest UTC instant a (possibly zone-less, possibly date-only) value can mean."""
    end = p.as_utc()
    if not p.has_time:
        end += timedelta(days=1)
    if not p.zone_known:
        end += _ZONE_SLACK
    return end


def earliest_possible(p: ParsedDate) -> datetime:
    start = p.as_utc()
    if not p.zone_known:
        start -= _ZONE_SLACK
    return start


def clearly_after(a: ParsedDate, b: ParsedDate, margin: timedelta = timedelta(minutes=2)) -> bool:
    """a is after b whatever their unknown zones (and the day of a date-only value) may be."""
    return earliest_possible(a) > latest_possible(b) + margin


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)
