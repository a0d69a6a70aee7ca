"""The ClaimReview / MediaReview JSON-LD export (`verifier report --format claimreview`) against
a JSON Schema of the schema.org shape written here, on cases built from the real photo and
video, the real article and a corpus holding the originals."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import isolated_user_dirs, ratings_other_than_unverified
from tests.test_reports_formats import Built, Export, _cli, build_corpus, check_case, export
from verifier.case import CaseStore
from verifier.models import Rating

MEDIA_CATEGORIES = [  # schema.org MediaManipulationRatingEnumeration, all its members
    "DecontextualizedContent", "EditedOrCroppedContent", "OriginalMediaContent",
    "SatireOrParodyContent", "StagedContent", "TransformedContent",
]
ISO_DATE = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
ISO_DATE_OR_TIME = ISO_DATE[:-1] + r"(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"

_AUTHOR = {
    "type": "object",
    "required": ["@type", "name"],
    "properties": {"@type": {"enum": ["Person", "Organization"]},
                   "name": {"type": "string", "minLength": 1}},
}
_CREATIVE_WORK = {
    "type": "object",
    "required": ["@type"],
    "properties": {"@type": {"type": "string", "minLength": 1},
                   "url": {"type": "string"},
                   "headline": {"type": "string"},
                   "datePublished": {"type": "string", "pattern": ISO_DATE_OR_TIME}},
}
CLAIM_REVIEW_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["@context", "@type", "claimReviewed", "reviewRating", "itemReviewed", "author",
                 "datePublished", "url"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "ClaimReview"},
        "claimReviewed": {"type": "string", "minLength": 1},
        "reviewRating": {
            "type": "object",
            "required": ["@type", "ratingValue", "alternateName"],
            "properties": {
                "@type": {"const": "Rating"},
                "ratingValue": {"type": "number", "minimum": 1, "maximum": 5},
                "bestRating": {"type": "number"},
                "worstRating": {"type": "number"},
                "alternateName": {"type": "string", "minLength": 1},
                "ratingExplanation": {"type": "string"},
            },
        },
        "itemReviewed": {
            "type": "object",
            "required": ["@type", "appearance", "firstAppearance"],
            "properties": {
                "@type": {"const": "Claim"},
                "appearance": {"type": "array", "minItems": 1, "items": _CREATIVE_WORK},
                "firstAppearance": _CREATIVE_WORK,
            },
        },
        "author": _AUTHOR,
        "datePublished": {"type": "string", "pattern": ISO_DATE},
        "url": {"type": "string", "minLength": 1},
    },
}
MEDIA_REVIEW_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["@context", "@type", "mediaAuthenticityCategory", "itemReviewed", "author",
                 "datePublished", "url"],
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "MediaReview"},
        "mediaAuthenticityCategory": {"enum": MEDIA_CATEGORIES},
        "itemReviewed": {
            "type": "object",
            "required": ["@type", "appearance"],
            "properties": {
                "@type": {"const": "MediaReviewItem"},
                "appearance": {"type": "array", "minItems": 1, "items": {
                    "type": "object",
                    "required": ["@type"],
                    "properties": {"@type": {"enum": ["ImageObject", "VideoObject"]},
                                   "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
                }},
            },
        },
        "author": _AUTHOR,
        "datePublished": {"type": "string", "pattern": ISO_DATE},
        "url": {"type": "string", "minLength": 1},
    },
}


def _validate(obj: dict[str, Any]) -> None:
    import jsonschema

    schema = {"ClaimReview": CLAIM_REVIEW_SCHEMA,
              "MediaReview": MEDIA_REVIEW_SCHEMA}.get(obj.get("@type"))  # type: ignore[arg-type]
    assert schema is not None, f"unexpected @type {obj.get('@type')!r}"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in cls(schema).iter_errors(obj)]
    assert errors == [], errors


def _load(path: Path) -> list[dict[str, Any]]:
    items = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(items, list)
    for obj in items:
        _validate(obj)
    return items


def _claim_reviews(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i["@type"] == "ClaimReview"]


def _media_reviews(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i["@type"] == "MediaReview"]


@dataclass
class Reviewed:
    ex: Export
    items: list[dict[str, Any]]
    current: dict[int, tuple[str, str, str]]  # claim id -> (text, rating, analyst)
    created: dict[int, str]  # claim id -> when the current verdict was recorded


def _reviewed(ex: Export) -> Reviewed:
    current, created = {}, {}
    with CaseStore.open(ex.built.case) as store:
        for claim in store.claims():
            assert claim.id is not None
            verdict = store.current_verdict(claim.id)
            if verdict is not None:
                current[claim.id] = (claim.text, verdict.rating.value, verdict.analyst)
                created[claim.id] = verdict.created_at
    return Reviewed(ex, _load(ex.out), current, created)


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Reviewed]]:
    base = tmp_path_factory.mktemp("reports-claimreview")
    with isolated_user_dirs(base):
        corpus = build_corpus(base)
        cases = [check_case(base / "photo", "photo", corpus, Rating.OUT_OF_CONTEXT,
                            other_rating=Rating.INCONCLUSIVE),
                 check_case(base / "video", "video", corpus, Rating.STAGED)]
        yield {b.kind: _reviewed(export(b, "claimreview", base / "out")) for b in cases}


KINDS = ("photo", "video")


@pytest.mark.parametrize("kind", KINDS)
def test_every_object_follows_the_schema_org_shape(reviewed: dict[str, Reviewed],
                                                   kind: str) -> None:
    r = reviewed[kind]
    assert _claim_reviews(r.items), "the human verdict should give a ClaimReview"
    assert _media_reviews(r.items), "a media claim with a media rating gives a MediaReview"
    urls = [i["url"] for i in r.items]
    assert len(set(urls)) == len(urls), urls


@pytest.mark.parametrize("kind", KINDS)
def test_claims_reviewed_are_the_human_verdicts(reviewed: dict[str, Reviewed],
                                                kind: str) -> None:
    r = reviewed[kind]
    built: Built = r.ex.built
    human = {cid: v for cid, v in r.current.items() if v[1] != Rating.UNVERIFIED.value}
    automatic = [v[0] for v in r.current.values() if v[1] == Rating.UNVERIFIED.value]
    assert automatic, "the case should keep automatic 'Unverified' claims"
    reviews = _claim_reviews(r.items)
    assert sorted(c["claimReviewed"] for c in reviews) == sorted(v[0] for v in human.values())
    for text in automatic:
        assert all(c["claimReviewed"] != text for c in reviews), text
    for cid, (text, rating, analyst) in human.items():
        (review,) = [c for c in reviews if c["claimReviewed"] == text]
        assert review["reviewRating"]["alternateName"] == rating
        assert review["author"]["name"] == analyst
        assert review["datePublished"] == r.created[cid][:10]
    main = next(c for c in reviews if c["claimReviewed"] == built.claim_text)
    assert main["reviewRating"]["alternateName"] == built.rating
    assert main["reviewRating"].get("ratingExplanation", built.rationale) == built.rationale


@pytest.mark.parametrize("kind", KINDS)
def test_first_appearance_is_the_corpus_earliest_date(reviewed: dict[str, Reviewed],
                                                      kind: str) -> None:
    r = reviewed[kind]
    built = r.ex.built
    main = next(c for c in _claim_reviews(r.items) if c["claimReviewed"] == built.claim_text)
    first = main["itemReviewed"]["firstAppearance"]
    assert built.earliest is not None
    assert first["datePublished"] == built.earliest
    if built.earliest_url:  # the manifest said where the original was published
        assert first["url"] == built.earliest_url


def test_claim_without_media_first_appears_in_the_article(reviewed: dict[str, Reviewed]) -> None:
    r = reviewed["photo"]
    built = r.ex.built
    assert built.other_claim_id is not None
    text = r.current[built.other_claim_id][0]
    (review,) = [c for c in _claim_reviews(r.items) if c["claimReviewed"] == text]
    assert review["reviewRating"]["alternateName"] == built.other_rating
    item = review["itemReviewed"]
    with CaseStore.open(built.case) as store:
        article = store.article()
    assert article is not None
    assert item["firstAppearance"] == item["appearance"][0]
    assert item["appearance"][0].get("headline") == article.title


@pytest.mark.parametrize("kind", KINDS)
def test_media_review_names_the_media(reviewed: dict[str, Reviewed], kind: str) -> None:
    import hashlib

    r = reviewed[kind]
    built = r.ex.built
    (media_review,) = _media_reviews(r.items)
    (item,) = media_review["itemReviewed"]["appearance"]
    assert item["@type"] == ("ImageObject" if kind == "photo" else "VideoObject")
    assert item["sha256"] == hashlib.sha256(built.media.read_bytes()).hexdigest()
    expected = {Rating.OUT_OF_CONTEXT.value: "DecontextualizedContent",
                Rating.STAGED.value: "StagedContent"}[built.rating]
    assert media_review["mediaAuthenticityCategory"] == expected


# What schema.org's MediaManipulationRatingEnumeration members mean, for the ratings that have
# an obvious counterpart.
SCHEMA_ORG_MEANING = {
    Rating.VERIFIED_AUTHENTIC.value: "OriginalMediaContent",
    Rating.OUT_OF_CONTEXT.value: "DecontextualizedContent",
    Rating.EDITED.value: "EditedOrCroppedContent",
    Rating.MANIPULATED.value: "TransformedContent",
    Rating.STAGED.value: "StagedContent",
    Rating.SATIRE.value: "SatireOrParodyContent",
}
FALSE_RATINGS = (Rating.FABRICATED, Rating.MANIPULATED, Rating.STAGED, Rating.EDITED,
                 Rating.OUT_OF_CONTEXT)


def test_every_rating_exports_a_valid_review(reviewed: dict[str, Reviewed],
                                             tmp_path: Path) -> None:
    source = reviewed["photo"].ex.built
    folder = tmp_path / "copy"
    shutil.copytree(source.case.parent, folder)
    case = folder / source.case.name
    values: dict[str, float] = {}
    for rating in ratings_other_than_unverified():
        _cli("verdict", case, "--claim", source.claim_id, "--rating", rating,
             "--rationale", f"Re-rated {rating}.")
        out = tmp_path / f"{rating.replace(' ', '-')}.jsonld"
        _cli("report", case, "--format", "claimreview", "--out", out)
        items = _load(out)
        (review,) = [c for c in _claim_reviews(items)
                     if c["claimReviewed"] == source.claim_text]
        rr = review["reviewRating"]
        assert rr["alternateName"] == rating
        assert rr.get("worstRating", 1) <= rr["ratingValue"] <= rr.get("bestRating", 5)
        values[rating] = rr["ratingValue"]
        media_reviews = _media_reviews(items)
        assert len(media_reviews) <= 1
        if rating in SCHEMA_ORG_MEANING:
            assert [m["mediaAuthenticityCategory"] for m in media_reviews] == \
                [SCHEMA_ORG_MEANING[rating]], rating
    best = values[Rating.VERIFIED_AUTHENTIC.value]
    assert best == 5
    for rating in FALSE_RATINGS:
        assert values[rating.value] < best, (rating, values)


def test_appearance_urls_are_urls_not_local_paths(reviewed: dict[str, Reviewed]) -> None:
    from urllib.parse import urlsplit

    r = reviewed["photo"]
    assert r.ex.built.earliest_url is None  # the photo's date comes from EXIF, not a manifest
    for review in _claim_reviews(r.items):
        item = review["itemReviewed"]
        for work in [*item["appearance"], item["firstAppearance"]]:
            if "url" in work:
                assert urlsplit(work["url"]).scheme in {"http", "https"}, work["url"]
