"""What a verdict can rest on: the structured reasons behind "cannot be verified", suggested from
what the analysis of the case found, and the evidence a verdict may point at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from verifier.models import EvidenceItem

if TYPE_CHECKING:
    from verifier.case import CaseStore

# code -> plain sentence shown to the analyst and in reports
REASONS: dict[str, str] = {
    "no-earlier-appearance": "No earlier appearance was found in the corpus.",
    "earlier-appearance": "The media appeared earlier than the claim says (corpus match).",
    "metadata-stripped": "The file carries no capture metadata (typical of re-shared copies).",
    "no-provenance-credentials": "The file carries no Content Credentials (C2PA).",
    "dates-conflict": "The dates in the metadata conflict with each other or with the claim.",
    "edited-with-software": "The metadata names editing software.",
    "re-encoded": "The video was re-encoded after recording.",
    "not-searched": "The media has not been searched against a corpus yet.",
}
_FLAG_REASONS = {
    "metadata-stripped": "metadata-stripped",
    "editing-software": "edited-with-software",
    "re-encoded": "re-encoded",
    "capture-after-file-time": "dates-conflict",
    "capture-after-claim": "dates-conflict",
    "dates-conflict": "dates-conflict",
}


@dataclass(frozen=True)
class Suggestion:
    reasons: tuple[str, ...]
    evidence: tuple[EvidenceItem, ...]


def parse_reason(code: str) -> str:
    code = code.strip().lower()
    if code not in REASONS:
        raise ValueError(f"unknown reason {code!r}; choose from: {', '.join(REASONS)}")
    return code


def suggest(case: CaseStore, media_id: int) -> Suggestion:
    """Reasons and evidence the analysis of one media item supports, for the analyst to accept
    or drop; nothing is recorded until they do."""
    reasons: list[str] = []
    evidence: list[EvidenceItem] = []
    report = case.metadata(media_id)
    if report is not None:
        for flag in report.flags:
            reason = _FLAG_REASONS.get(flag.code)
            if reason and reason not in reasons:
                reasons.append(reason)
            evidence.append(EvidenceItem("metadata", flag.code, flag.title))
        if report.value("c2pa") is None and "no-provenance-credentials" not in reasons:
            reasons.append("no-provenance-credentials")
    matches = case.matches(media_id)
    if matches:
        reasons.append("earlier-appearance")
        dated = sorted((m for m in matches if m.earliest_date), key=lambda m: m.earliest_date or "")
        for m in (dated or matches)[:3]:
            when = f", earliest {m.earliest_date}" if m.earliest_date else ""
            evidence.append(EvidenceItem("match", m.corpus_path,
                                         f"distance {m.distance}{when}"))
    elif case.match_search_recorded(media_id):
        reasons.append("no-earlier-appearance")
    else:
        reasons.append("not-searched")
    return Suggestion(tuple(reasons), tuple(evidence))
