"""Records shared by every stage. Plain frozen dataclasses: no I/O, no Qt."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from verifier.provenance.records import Credentials


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"


class Rating(StrEnum):
    """Verdict ratings in plain words; reports map them to ClaimReview/MediaReview terms."""

    UNVERIFIED = "Unverified"
    VERIFIED_AUTHENTIC = "Verified authentic"
    OUT_OF_CONTEXT = "Authentic but out of context"  # real media, wrong date, place or event
    EDITED = "Edited or cropped"
    MANIPULATED = "Manipulated"
    STAGED = "Staged"
    FABRICATED = "Fabricated"
    SATIRE = "Satire"
    INCONCLUSIVE = "Inconclusive"

    @classmethod
    def parse(cls, text: str) -> Rating:
        wanted = text.strip().lower().replace("_", " ").replace("-", " ")
        for rating in cls:
            if rating.value.lower() == wanted or rating.name.lower().replace("_", " ") == wanted:
                return rating
        choices = ", ".join(r.value for r in cls)
        raise ValueError(f"unknown rating {text!r}; choose one of: {choices}")


@dataclass(frozen=True)
class MediaItem:
    path: str  # where the analysed bytes live (the case's evidence copy once attached)
    sha256: str
    md5: str
    size: int
    kind: MediaKind
    mime: str
    original_name: str
    source_url: str | None = None
    added_at: str = ""
    id: int | None = None


@dataclass(frozen=True)
class MetadataField:
    name: str
    value: str
    source: str  # which tag or container key the value came from


@dataclass(frozen=True)
class RedFlag:
    code: str
    title: str
    explanation: str  # one sentence a non-expert understands


@dataclass(frozen=True)
class TimelineEntry:
    """One date a source gives for a media item (EXIF, XMP, IPTC, container, HTTP, file system)."""

    time: str  # ISO 8601; with its UTC offset when the source gives one
    source: str  # e.g. "EXIF DateTimeOriginal", "HTTP Last-Modified", "file modified"
    value: str = ""  # the date as the source wrote it
    zone_known: bool = True  # False: local time of an unknown zone (sorted as if UTC)


@dataclass(frozen=True)
class MetadataReport:
    fields: tuple[MetadataField, ...]
    flags: tuple[RedFlag, ...]
    raw: dict[str, dict[str, str]]  # group -> tag -> value, as the parser gave them
    complete: bool = True
    problems: tuple[str, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()  # every date any source gives, sorted
    # Content Credentials (C2PA); None for reports stored before they were read.
    credentials: Credentials | None = None

    def value(self, name: str) -> str | None:
        for f in self.fields:
            if f.name == name:
                return f.value
        return None


@dataclass(frozen=True)
class Keyframe:
    time: float  # seconds from the start of the video
    frame: int
    shot: int
    sharpness: float
    path: str  # lossless PNG of the frame
    phash: str = ""  # 16 hex digits
    id: int | None = None
    # Added by keyframe extraction (stored in the case since schema 4).
    thumbnail: str = ""  # JPEG thumbnail beside the PNG
    kind: str = "shot"  # "shot" (the shot's own), "content" (inside a long shot), "preview" (fast)
    merged: tuple[int, ...] = ()  # frames of later near-duplicate keyframes merged into this one
    pdq: str = ""  # 64 hex digits, from the same working copy the corpus hashes
    pdq_quality: int | None = None


@dataclass(frozen=True)
class Shot:
    index: int
    start: float
    end: float
    # Added by shot detection (stored in the case since schema 4).
    transition: str = ""  # how the shot begins: "start", "cut", "dissolve" or "fade"
    start_frame: int | None = None
    end_frame: int | None = None  # last frame of the shot


@dataclass(frozen=True)
class Match:
    corpus_path: str
    corpus_sha256: str
    distance: int
    hash_kind: str
    query_time: float | None = None  # seconds into the query video, None for an image
    source_time: float | None = None  # seconds into the corpus video, None for an image
    earliest_date: str | None = None
    corpus_kind: MediaKind = MediaKind.IMAGE
    # Added with PDQ and geometric verification; all optional so older rows still load.
    score: float | None = None  # 0-1, how sure the match is (>= 0.5: reported as a match)
    confirmed: bool = False  # local features agree on one geometry (RANSAC homography)
    transform: dict[str, Any] | None = None  # mirror, rotation, crop box, scale, speed, ...
    query_start: float | None = None  # aligned interval of a video query, seconds
    query_end: float | None = None
    source_start: float | None = None  # the same interval in the corpus video
    source_end: float | None = None
    locations: tuple[str, ...] = ()  # every path the corpus knows these bytes under
    distances: dict[str, int] | None = None  # per hash: pdq, phash, dhash, colorhash
    source_url: str | None = None  # from the provenance that gave the earliest date
    note: str | None = None  # e.g. "low PDQ quality: matched by pHash"
    # Where the query sits in the source, from geometric verification: "homography" (3x3, query
    # fractions -> source fractions), "region" (the query's outline on the source, fractions)
    # and, for videos, the frame pair it was found on ("query_time", "source_time").
    alignment: dict[str, Any] | None = None


@dataclass(frozen=True)
class Article:
    source: str  # file path, URL or "pasted"
    title: str
    text: str
    raw_sha256: str
    author: str | None = None
    published: str | None = None
    url: str | None = None
    fetched_at: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Claim:
    text: str
    start: int  # character offsets into Article.text
    end: int
    kinds: tuple[str, ...]
    cues: tuple[str, ...]
    media_id: int | None = None
    id: int | None = None
    origin: str = "rules"  # "rules" when found by the claim rules, "analyst" when added by hand


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of evidence a verdict rests on, pointing at something in the case or outside."""

    kind: str  # match | metadata | keyframe | forensic | url | note
    ref: str  # e.g. a corpus path, a flag code, "media 2 @ 00:00:03.080", a URL
    note: str = ""


CONFIDENCE_LEVELS = {"low": 0.25, "medium": 0.6, "high": 0.9}


def confidence_label(value: float) -> str:
    """Plain words for a 0-1 confidence: low below 0.4, high from 0.75."""
    if value < 0.4:
        return "low"
    return "medium" if value < 0.75 else "high"


@dataclass(frozen=True)
class Verdict:
    claim_id: int
    rating: Rating
    rationale: str
    confidence: float = 0.5
    evidence: tuple[str, ...] = ()  # free-text lines
    analyst: str = ""
    created_at: str = ""
    id: int | None = None
    evidence_items: tuple[EvidenceItem, ...] = ()
    reasons: tuple[str, ...] = ()  # codes from verifier.verdicts.REASONS

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.confidence)


@dataclass(frozen=True)
class AuditEvent:
    at: str
    actor: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""
    id: int | None = None


@dataclass(frozen=True)
class ForensicMap:
    """One map image of a saved forensic result, kept in the case's evidence folder."""

    name: str
    path: str  # absolute path of the PNG
    sha256: str
    caption: str
    overlay: bool = True  # False: a chart shown beside the picture, not over it


@dataclass(frozen=True)
class ForensicRecord:
    """A forensic lens result kept in a case (see verifier.forensics), which a verdict can cite
    as evidence: EvidenceItem("forensic", "forensics N")."""

    media_id: int
    lens: str
    source: str  # what was analysed: the media file, a keyframe, or "VIDEO @ 12.480 s"
    parameters: dict[str, Any]
    numbers: dict[str, Any]
    findings: tuple[str, ...]
    note: str
    maps: tuple[ForensicMap, ...] = ()
    regions: tuple[dict[str, Any], ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    time: float | None = None  # for a video frame
    analyst: str = ""
    created_at: str = ""
    id: int | None = None

    @property
    def evidence_ref(self) -> str:
        return f"forensics {self.id}"
