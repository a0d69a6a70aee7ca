"""Evidence items as the window shows, drags and drops them: a keyframe of the filmstrip or a
row of the matches table dragged onto the verdict editor becomes an EvidenceItem."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict

from PySide6.QtCore import QByteArray, QMimeData

from verifier.media.timecode import format_timestamp
from verifier.models import EvidenceItem, ForensicRecord, Keyframe, Match, MediaItem

log = logging.getLogger(__name__)

EVIDENCE_MIME = "application/x-verifier-evidence+json"
EVIDENCE_KINDS = ("match", "metadata", "keyframe", "forensic", "url", "note")


def keyframe_ref(media_id: int | None, keyframe: Keyframe) -> str:
    """How a verdict names a keyframe: "media 2 @ 00:00:03.080"."""
    return f"media {media_id} @ {format_timestamp(keyframe.time)}"


def keyframe_evidence(item: MediaItem, keyframe: Keyframe, index: int,
                      total: int) -> EvidenceItem:
    return EvidenceItem("keyframe", keyframe_ref(item.id, keyframe),
                        f"keyframe {index + 1} of {total}, frame {keyframe.frame}, "
                        f"{item.original_name}")


def match_evidence(match: Match, query: str = "") -> EvidenceItem:
    """A corpus match; the ref is the corpus path, as verifier.verdicts.suggest names it."""
    parts = [f"distance {match.distance}"]
    if query:
        parts.insert(0, query)
    if match.source_time is not None:
        parts.append(f"at {format_timestamp(match.source_time)} into it")
    if match.earliest_date:
        parts.append(f"earliest {match.earliest_date}")
    return EvidenceItem("match", match.corpus_path, ", ".join(parts))


def forensic_evidence(record: ForensicRecord) -> EvidenceItem:
    """A forensic result kept in the case: "forensics N", noted with its lens, what it looked
    at and its first finding (the report prints the note beside the reference)."""
    finding = record.findings[0] if record.findings else "no finding"
    return EvidenceItem("forensic", record.evidence_ref,
                        f"{record.lens} lens on {record.source}: {finding}")


def evidence_mime(items: Sequence[EvidenceItem]) -> QMimeData:
    mime = QMimeData()
    payload = json.dumps([asdict(i) for i in items], ensure_ascii=False).encode("utf-8")
    mime.setData(EVIDENCE_MIME, QByteArray(payload))
    return mime


def evidence_from_mime(mime: QMimeData | None) -> list[EvidenceItem]:
    """The items a drag carries (none when it carries something else or is malformed)."""
    if mime is None or not mime.hasFormat(EVIDENCE_MIME):
        return []
    try:
        data = json.loads(bytes(mime.data(EVIDENCE_MIME).data()).decode("utf-8"))
        items = [EvidenceItem(str(d["kind"]), str(d["ref"]), str(d.get("note", "")))
                 for d in data]
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("dropped evidence ignored: %s", exc)
        return []
    return [i for i in items if i.kind in EVIDENCE_KINDS and i.ref.strip()]
