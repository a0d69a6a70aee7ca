"""Everything the window shows of a case, read in one go from a CaseStore (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.case import CaseStore
from verifier.models import (
    Article,
    AuditEvent,
    Claim,
    ForensicRecord,
    Keyframe,
    Match,
    MediaItem,
    MetadataReport,
    Shot,
    Verdict,
)


@dataclass(frozen=True)
class CaseSnapshot:
    path: Path
    name: str
    case_id: str
    created_at: str
    article: Article | None
    claims: list[Claim]
    history: dict[int, list[Verdict]]  # claim id -> verdicts, oldest first
    media: list[MediaItem]
    metadata: dict[int, MetadataReport | None] = field(default_factory=dict)
    keyframes: dict[int, list[Keyframe]] = field(default_factory=dict)
    shots: dict[int, list[Shot]] = field(default_factory=dict)
    matches: dict[int, list[Match]] = field(default_factory=dict)
    match_params: dict[int, dict[str, Any]] = field(default_factory=dict)  # None: never searched
    audit: list[AuditEvent] = field(default_factory=list)
    audit_intact: bool = True
    forensics: dict[int, list[ForensicRecord]] = field(default_factory=dict)  # kept lens results

    @classmethod
    def load(cls, case: CaseStore) -> CaseSnapshot:
        claims = case.claims()
        media = case.media()
        audit = case.audit_trail()
        match_params: dict[int, dict[str, Any]] = {}
        for event in audit:
            if event.action == "matches.found" and "media_id" in event.detail:
                match_params[int(event.detail["media_id"])] = dict(event.detail.get("params")
                                                                   or {})
        ids = [m.id for m in media if m.id is not None]
        return cls(
            path=case.path,
            name=case.name,
            case_id=case.case_id,
            created_at=case.meta("created_at"),
            article=case.article(),
            claims=claims,
            history={c.id: case.verdict_history(c.id) for c in claims if c.id is not None},
            media=media,
            metadata={i: case.metadata(i) for i in ids},
            keyframes={i: case.keyframes(i) for i in ids},
            shots={i: case.shots(i) for i in ids},
            matches={i: case.matches(i) for i in ids},
            match_params=match_params,
            audit=audit,
            audit_intact=case.verify_audit(),
            forensics={i: case.forensic_results(i) for i in ids},
        )

    def claim(self, claim_id: int | None) -> Claim | None:
        return next((c for c in self.claims if c.id == claim_id), None)

    def media_item(self, media_id: int | None) -> MediaItem | None:
        return next((m for m in self.media if m.id == media_id), None)

    def media_events(self, media_id: int | None, action: str) -> list[AuditEvent]:
        """The audit events of one action about one media item, oldest first."""
        return [e for e in self.audit if e.action == action
                and e.detail.get("media_id") == media_id]

    def current_verdict(self, claim_id: int | None) -> Verdict | None:
        if claim_id is None:
            return None
        history = self.history.get(claim_id) or []
        return history[-1] if history else None
