"""Find the hedged, attributed and checkable sentences of an article.

The rule set (each rule adds a kind and records the words that triggered it):
- unverifiable: "cannot be verified", "could not be independently confirmed", "unverified",
  "authenticity ... not confirmed" (tolerant of misspellings such as "authenticy");
- hedge: allegedly, purportedly, reportedly, apparently, supposedly, "appears to", "is said to";
- attribution: "according to X", "X said/says/told/claimed";
- media: video, clip, footage, photo, image, picture, broadcast, recording;
- time: "this week", "last month", "yesterday", weekdays, month names, years;
- place: a capitalised name after "in", "near", "at", "outside", "from" ("near Baghdad
  airport", "in Iraq"), months and weekdays excepted.
A sentence becomes a claim when it has an unverifiable, hedge, attribution, time or place cue;
the media kind marks the claims a loaded clip or photo can speak to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.models import Claim

UNVERIFIABLE = "unverifiable"
HEDGE = "hedge"
ATTRIBUTION = "attribution"
MEDIA = "media"
TIME = "time"
PLACE = "place"
_NOT_PLACES = (r"(?!(?:January|February|March|April|May|June|July|August|September|October|"
               r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
               r"The|This|That|These|Those|A|An|His|Her|Their|Its|Our|My|Your)\b)")

_I = re.IGNORECASE
_VERIFY = r"(?:independently\s+)?(?:verif\w*|confirm\w*|authenticat\w*|corroborat\w*)"
RULES: list[tuple[str, re.Pattern[str]]] = [
    (UNVERIFIABLE, re.compile(
        r"\b(?:can\s*not|cannot|can't|could\s+not|couldn't|has\s+not|have\s+not|had\s+not|"
        r"was\s+not|were\s+not|is\s+not|are\s+not|not)\s+(?:yet\s+)?(?:been\s+|be\s+)?"
        + _VERIFY, _I)),
    (UNVERIFIABLE, re.compile(r"\b(?:unverified|unconfirmed|unverifiable)\b", _I)),
    (UNVERIFIABLE, re.compile(r"\bauthent\w*\b[^.]{0,80}?\bnot\b[^.]{0,30}?" + _VERIFY, _I)),
    (UNVERIFIABLE, re.compile(r"\bunable\s+to\s+(?:independently\s+)?(?:verify|confirm)\b", _I)),
    (HEDGE, re.compile(
        r"\b(?:allegedly|alleged|purportedly|purported|reportedly|apparently|supposedly|"
        r"ostensibly|rumou?red)\b", _I)),
    (HEDGE, re.compile(r"\b(?:appears?|appeared|seems?|seemed)\s+to\b", _I)),
    (HEDGE, re.compile(r"\b(?:is|are|was|were)\s+(?:said|believed|thought|claimed)\s+to\b", _I)),
    (ATTRIBUTION, re.compile(r"\baccording\s+to\s+[^,.;:\n]{2,60}", _I)),
    (ATTRIBUTION, re.compile(
        r"\b(?:said|says|told|claimed|claims|stated|announced|alleged|reported)\b", _I)),
    (MEDIA, re.compile(
        r"\b(?:videos?|clips?|footage|photos?|photographs?|images?|pictures?|broadcast\w*|"
        r"recordings?|livestream\w*|screenshots?)\b", _I)),
    (TIME, re.compile(
        r"\b(?:this|last|next|past|previous)\s+(?:week|month|year|weekend|night|"
        r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
        r"\b(?:yesterday|today|tonight|recently)\b|"
        r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
        r"\b(?:jan(?:uary)?|feb(?:ruary)?|march|april|may|june|july|aug(?:ust)?|"
        r"sep(?:tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?\s+\d{1,2}(?:st|nd|rd|th)?\b|"
        r"\b(?:early|late|mid|in)\s+(?:january|february|march|april|may|june|july|august|"
        r"september|october|november|december)\b|"
        r"\b(?:19|20)\d{2}\b", _I)),
]
MIN_WORDS = 5
# Place names are capitalised, so this rule alone is case-sensitive.
RULES.append((PLACE, re.compile(
    r"\b(?:in|near|at|outside|from|across)\s+(?:the\s+)?" + _NOT_PLACES
    + r"[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|al-\w+|of\s+[A-Z][\w'’-]+))*")))
CLAIM_KINDS = {UNVERIFIABLE, HEDGE, ATTRIBUTION, TIME, PLACE}

_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "st", "jr", "sr",
                  "vs", "etc", "no", "u.s", "u.k", "u.n", "e.g", "i.e", "inc", "ltd", "co"}
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with character offsets into text; a line break always ends one, because
    articles pasted from the web often lose the full stop at a paragraph's end."""
    out: list[Sentence] = []
    for para in re.finditer(r"[^\n]+", text):
        p_start, chunk = para.start(), para.group()
        pos = 0
        for m in _BOUNDARY.finditer(chunk):
            before = chunk[pos : m.start()].split()
            last_word = before[-1].lower().rstrip(".") if before else ""
            follows = chunk[m.end() : m.end() + 1]
            if last_word in _ABBREVIATIONS or (follows and follows.islower()):
                continue
            _emit(out, text, p_start + pos, p_start + m.end())
            pos = m.end()
        _emit(out, text, p_start + pos, p_start + len(chunk))
    return out


def _emit(out: list[Sentence], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append(Sentence(start, end, text[start:end]))


def classify(sentence: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Kinds (in rule order, unique) and the cue words found in one sentence."""
    kinds: list[str] = []
    cues: list[str] = []
    for kind, pattern in RULES:
        for m in pattern.finditer(sentence):
            cue = m.group().strip()
            if kind not in kinds:
                kinds.append(kind)
            if cue not in cues:
                cues.append(cue)
    return tuple(kinds), tuple(cues)


def find_claims(text: str) -> list[Claim]:
    claims = []
    for sentence in split_sentences(text):
        if len(sentence.text.split()) < MIN_WORDS:
            continue  # datelines and captions such as "19 February, 2020"
        kinds, cues = classify(sentence.text)
        if CLAIM_KINDS.intersection(kinds):
            claims.append(Claim(sentence.text, sentence.start, sentence.end, kinds, cues))
    return claims
