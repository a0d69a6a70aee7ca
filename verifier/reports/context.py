"""Everything a report shows, gathered once from the case into plain data for every format.

Thumbnails are JPEG data URIs made here; the formats decide whether to embed them (HTML, PDF)
or drop them (JSON)."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PIL import Image

from verifier import APP_NAME, __version__
from verifier.case import CaseStore
from verifier.errors import UserError
from verifier.media.imageio import decode_image
from verifier.media.intake import now_iso
from verifier.media.keyframes import format_timestamp
from verifier.models import Match, MediaKind, Verdict
from verifier.verdicts import REASONS

log = logging.getLogger(__name__)

THUMB_SIDE = 360
SMALL_THUMB_SIDE = 200
# Audit actions whose parameters describe a processing step, in the order they run.
_STEP_ACTIONS = {
    "article.imported": "Article import",
    "claims.found": "Claim rules",
    "media.added": "Media intake",
    "metadata.extracted": "Metadata",
    "keyframes.extracted": "Keyframes",
    "matches.found": "Corpus matching",
    "forensics.saved": "Forensic lens",
}
MAP_THUMB_SIDE = 320


def build_context(case: CaseStore) -> dict[str, Any]:
    article = case.article()
    trail = case.audit_trail()
    claims = [_claim(case, c) for c in case.claims()]
    media = [_media(case, item) for item in case.media()]
    return {
        "app": {"name": APP_NAME, "version": __version__},
        "case": {"id": case.case_id, "name": case.name, "created_at": case.meta("created_at")},
        "generated_at": now_iso(),
        "analyst": case.actor,
        "article": asdict(article) if article else None,
        "claims": claims,
        "media": media,
        "method": _method(case, trail),
        "audit": [asdict(e) for e in trail],
        "audit_head": trail[-1].hash if trail else "",
        "audit_intact": case.verify_audit(),
        "integrity_problems": case.verify(),
    }


def _claim(case: CaseStore, claim: Any) -> dict[str, Any]:
    history = case.verdict_history(claim.id)
    return {
        "id": claim.id, "text": claim.text, "start": claim.start, "end": claim.end,
        "kinds": list(claim.kinds), "cues": list(claim.cues), "media_id": claim.media_id,
        "origin": claim.origin,
        "verdict": _verdict(history[-1]) if history else None,
        "history": [_verdict(v) for v in history],
    }


def _verdict(v: Verdict) -> dict[str, Any]:
    return asdict(v) | {
        "rating": v.rating.value,
        "confidence_label": v.confidence_label,
        "reasons_text": [REASONS.get(r, r) for r in v.reasons],
    }


def _media(case: CaseStore, item: Any) -> dict[str, Any]:
    report = case.metadata(item.id)
    keyframes = case.keyframes(item.id)
    matches = case.matches(item.id)
    if item.kind is MediaKind.IMAGE:
        thumb = thumb_data_uri(Path(item.path))
    else:
        thumb = thumb_data_uri(Path(keyframes[0].path)) if keyframes else None
    earliest = min((m for m in matches if m.earliest_date), key=lambda m: m.earliest_date or "",
                   default=None)
    return {
        "id": item.id, "name": item.original_name, "sha256": item.sha256, "md5": item.md5,
        "size": item.size, "kind": item.kind.value, "mime": item.mime,
        "source_url": item.source_url, "added_at": item.added_at,
        "download": _download_summary(case.download_evidence(item.id)),
        "thumbnail": thumb,
        "metadata": asdict(report) if report else None,
        "shots": [asdict(s) for s in case.shots(item.id)],
        "keyframes": [
            asdict(k) | {"timestamp": format_timestamp(k.time),
                         "thumbnail": thumb_data_uri(Path(k.path), SMALL_THUMB_SIDE)}
            for k in keyframes
        ],
        "matches": [_match(m) | {"query_thumbnail": _query_thumb(m, keyframes, thumb)}
                    for m in matches],
        "match_search": case.match_params(item.id),
        "earliest_known": _match(earliest, with_thumbnail=False) if earliest else None,
        "forensics": [_forensic(r) for r in case.forensic_results(item.id)],
    }


def _forensic(r: Any) -> dict[str, Any]:
    """A saved lens result with its maps as small embedded pictures (HTML, PDF)."""
    return {
        "id": r.id, "ref": r.evidence_ref, "lens": r.lens, "source": r.source, "time": r.time,
        "parameters": r.parameters, "numbers": r.numbers, "findings": list(r.findings),
        "note": r.note, "regions": list(r.regions), "analyst": r.analyst,
        "created_at": r.created_at,
        "maps": [{"name": m.name, "caption": m.caption, "sha256": m.sha256,
                  "file": Path(m.path).name, "overlay": m.overlay,
                  "thumbnail": thumb_data_uri(Path(m.path), MAP_THUMB_SIDE)}
                 for m in r.maps],
    }


def _download_summary(download: dict[str, Any] | None) -> dict[str, Any] | None:
    """The fetch facts a reader needs; the full headers stay in the audit trail."""
    if not download:
        return None
    keys = ("url", "final_url", "redirects", "status", "fetched_at", "content_type",
            "last_modified")
    return {k: download.get(k) for k in keys}


def _query_thumb(m: Match, keyframes: list[Any], fallback: str | None) -> str | None:
    """For a video, the keyframe nearest the matched time, so the pair shows the same moment."""
    at = m.query_start if m.query_start is not None else m.query_time
    if at is None or not keyframes:
        return fallback
    nearest = min(keyframes, key=lambda k: abs(k.time - at))
    return thumb_data_uri(Path(nearest.path), SMALL_THUMB_SIDE) or fallback


def _match(m: Match, with_thumbnail: bool = True) -> dict[str, Any]:
    out = asdict(m) | {"corpus_kind": m.corpus_kind.value, "locations": list(m.locations)}
    for key in ("query_time", "source_time", "query_start", "query_end", "source_start",
                "source_end"):
        value = out.get(key)
        out[key + "_stamp"] = format_timestamp(value) if isinstance(value, int | float) else None
    if with_thumbnail:
        out["thumbnail"] = _corpus_thumbnail(m)
    return out


def _corpus_thumbnail(m: Match) -> str | None:
    """The corpus original beside the query: the image, or the video frame at the match time."""
    path = Path(m.corpus_path)
    if not path.is_file():
        return None
    if m.corpus_kind is MediaKind.IMAGE:
        return thumb_data_uri(path, SMALL_THUMB_SIDE)
    at = m.source_start if m.source_start is not None else (m.source_time or 0.0)
    try:
        return _video_frame_uri(path, at)
    except Exception as exc:  # a thumbnail is a nicety; the match row stands without it
        log.info("no frame from %s at %.3f s: %s", path, at, exc)
        return None


def _video_frame_uri(path: Path, at: float) -> str | None:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.time_base:
            container.seek(int(at / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.time is not None and frame.time + 1e-3 < at:
                continue
            img = frame.to_image()
            k = round((frame.rotation or 0) / 90) % 4
            if k:
                img = img.rotate(90 * k, expand=True)
            return _to_data_uri(img, SMALL_THUMB_SIDE)
    return None


def _method(case: CaseStore, trail: list[Any]) -> dict[str, Any]:
    steps = []
    for ev in trail:
        if ev.action in _STEP_ACTIONS:
            detail = {k: v for k, v in ev.detail.items() if k not in ("previous",)}
            steps.append({"step": _STEP_ACTIONS[ev.action], "action": ev.action, "at": ev.at,
                          "actor": ev.actor, "parameters": detail})
    corpus = None
    searches = [s for s in steps if s["action"] == "matches.found"]
    if searches:
        params = searches[-1]["parameters"].get("params", {}) or {}
        corpus_path = str(params.get("corpus", ""))
        corpus = {
            "path": corpus_path,
            "name": Path(corpus_path).name if corpus_path else "",
            "items": params.get("corpus_items"),
            "snapshot": params.get("snapshot") or _snapshot_id(params),
        }
    analysts = sorted({ev.actor for ev in trail})
    return {
        "app_version": __version__,
        "case_created": case.meta("created_at"),
        "case_app_version": case.meta("app_version"),
        "analysts": analysts,
        "first_event": trail[0].at if trail else None,
        "last_event": trail[-1].at if trail else None,
        "steps": steps,
        "corpus": corpus,
    }


def _snapshot_id(params: dict[str, Any]) -> str:
    """Identifies the corpus state a search ran against, when the matcher gave none."""
    basis = f"{params.get('corpus')}|{params.get('corpus_items')}|{params.get('hashes')}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def thumb_data_uri(path: Path, side: int = THUMB_SIDE) -> str | None:
    try:
        img = decode_image(path, max_side=side)
    except UserError:
        return None
    return _to_data_uri(img, side)


def _to_data_uri(img: Image.Image, side: int) -> str:
    img = img.convert("RGB")
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def data_uri_bytes(uri: str | None) -> bytes | None:
    """The JPEG bytes of one of our data URIs, for formats that embed images themselves."""
    prefix = "data:image/jpeg;base64,"
    if not uri or not uri.startswith(prefix):
        return None
    return base64.b64decode(uri[len(prefix):])
