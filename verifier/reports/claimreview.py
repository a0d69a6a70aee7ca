"""schema.org ClaimReview (and MediaReview for claims about a media item) as JSON-LD, the shape
Google Fact Check Tools and Meedan Check read. Only claims with a finding are exported: the
automatic "Unverified" placeholder is not a review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from verifier.models import Rating

# ratingValue on a 1 (false) to 5 (true) scale, as fact-check publishers use it.
RATING_VALUES: dict[str, int] = {
    Rating.FABRICATED.value: 1,
    Rating.MANIPULATED.value: 1,
    Rating.STAGED.value: 2,
    Rating.EDITED.value: 2,
    Rating.OUT_OF_CONTEXT.value: 2,
    Rating.SATIRE.value: 3,
    Rating.INCONCLUSIVE.value: 3,
    Rating.VERIFIED_AUTHENTIC.value: 5,
}
# MediaReview's mediaAuthenticityCategory for the same ratings.
MEDIA_CATEGORIES: dict[str, str] = {
    Rating.VERIFIED_AUTHENTIC.value: "OriginalMediaContent",
    Rating.OUT_OF_CONTEXT.value: "DecontextualizedContent",
    Rating.EDITED.value: "EditedOrCroppedContent",
    Rating.MANIPULATED.value: "TransformedContent",
    Rating.FABRICATED.value: "TransformedContent",
    Rating.STAGED.value: "StagedContent",
    Rating.SATIRE.value: "SatireOrParodyContent",
}


def claim_reviews(context: dict[str, Any]) -> list[dict[str, Any]]:
    article = context.get("article") or {}
    media = {m["id"]: m for m in context["media"]}
    out: list[dict[str, Any]] = []
    for claim in context["claims"]:
        verdict = claim.get("verdict")
        if not verdict or verdict["rating"] == Rating.UNVERIFIED.value:
            continue
        url = f"urn:uuid:{context['case']['id']}#claim-{claim['id']}"
        appearance: dict[str, Any] = {"@type": "CreativeWork",
                                      "headline": article.get("title") or ""}
        article_url = _public_url(article.get("url")) or _public_url(article.get("source"))
        if article_url:
            appearance["url"] = article_url
        if article.get("published"):
            appearance["datePublished"] = article["published"]
        item: dict[str, Any] = {"@type": "Claim", "appearance": [appearance],
                                "firstAppearance": appearance}
        linked = media.get(claim.get("media_id"))
        earliest = linked.get("earliest_known") if linked else None
        if earliest:
            first: dict[str, Any] = {"@type": "CreativeWork",
                                     "datePublished": earliest["earliest_date"]}
            first_url = _public_url(earliest.get("source_url"))
            if first_url:
                first["url"] = first_url
            else:  # a local archive file: its name, never the analyst's path
                first["name"] = Path(earliest["corpus_path"]).name
            item["firstAppearance"] = first
        review: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": url,
            "claimReviewed": claim["text"],
            "datePublished": verdict["created_at"][:10],
            "author": {"@type": "Person", "name": verdict["analyst"]},
            "reviewRating": {
                "@type": "Rating",
                "ratingValue": RATING_VALUES.get(verdict["rating"], 3),
                "bestRating": 5,
                "worstRating": 1,
                "alternateName": verdict["rating"],
                "ratingExplanation": verdict["rationale"],
            },
            "itemReviewed": item,
        }
        out.append(review)
        if linked and verdict["rating"] in MEDIA_CATEGORIES:
            out.append(_media_review(linked, verdict, url))
    return out


def _public_url(value: object) -> str | None:
    """Only web addresses leave the desk; local paths would expose the analyst's machine."""
    text = str(value or "")
    return text if text.startswith(("http://", "https://")) else None


def _media_review(m: dict[str, Any], verdict: dict[str, Any], url: str) -> dict[str, Any]:
    kind = "VideoObject" if m["kind"] == "video" else "ImageObject"
    media_item: dict[str, Any] = {"@type": kind, "name": m["name"], "sha256": m["sha256"]}
    if m.get("source_url"):
        media_item["contentUrl"] = m["source_url"]
    return {
        "@context": "https://schema.org",
        "@type": "MediaReview",
        "url": url + "-media",
        "datePublished": verdict["created_at"][:10],
        "author": {"@type": "Person", "name": verdict["analyst"]},
        "mediaAuthenticityCategory": MEDIA_CATEGORIES[verdict["rating"]],
        "itemReviewed": {"@type": "MediaReviewItem", "appearance": [media_item]},
    }


def render_claimreview(context: dict[str, Any]) -> str:
    return json.dumps(claim_reviews(context), indent=2, ensure_ascii=False)
