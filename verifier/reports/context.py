"""Everything a report shows, gathered once from the case into plain data for every format."""

from __future__ import annotations

import base64
import io
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
from verifier.models import MediaKind

THUMB_SIDE = 360


def build_context(case: CaseStore) -> dict[str, Any]:
    article = case.article()
    media = case.media()
    claims = []
    for claim in case.claims():
        assert claim.id is not None
        history = case.verdict_history(claim.id)
        claims.append({
            "id": claim.id, "text": claim.text, "kinds": list(claim.kinds),
            "cues": list(claim.cues), "media_id": claim.media_id,
            "verdict": asdict(history[-1]) if history else None,
            "history": [asdict(v) for v in history],
        })
    media_out = []
    for item in media:
        assert item.id is not None
        report = case.metadata(item.id)
        keyframes = case.keyframes(item.id)
        media_out.append({
            "id": item.id, "name": item.original_name, "sha256": item.sha256, "md5": item.md5,
            "size": item.size, "kind": item.kind.value, "mime": item.mime,
            "source_url": item.source_url, "added_at": item.added_at,
            "thumbnail": _thumb_data_uri(Path(item.path)) if item.kind is MediaKind.IMAGE
            else (_thumb_data_uri(Path(keyframes[0].path)) if keyframes else None),
            "metadata": asdict(report) if report else None,
            "shots": [asdict(s) for s in case.shots(item.id)],
            "keyframes": [
                {**asdict(k), "timestamp": format_timestamp(k.time),
                 "thumbnail": _thumb_data_uri(Path(k.path), 200)} for k in keyframes
            ],
            "matches": [asdict(m) for m in case.matches(item.id)],
        })
    trail = case.audit_trail()
    return {
        "app": {"name": APP_NAME, "version": __version__},
        "case": {"id": case.case_id, "name": case.name, "created_at": case.meta("created_at")},
        "generated_at": now_iso(),
        "analyst": case.actor,
        "article": asdict(article) if article else None,
        "claims": claims,
        "media": media_out,
        "audit": [asdict(e) for e in trail],
        "audit_head": trail[-1].hash if trail else "",
        "audit_intact": case.verify_audit(),
    }


def _thumb_data_uri(path: Path, side: int = THUMB_SIDE) -> str | None:
    try:
        img = decode_image(path, max_side=side)
    except UserError:
        return None
    buf = io.BytesIO()
    img.thumbnail((side, side), Image.Resampling.LANCZOS)
    img.save(buf, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
