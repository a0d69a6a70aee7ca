"""Colours of claim kinds and verdict ratings, shared by the article view, the navigator and the
tables."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

from verifier.claims import ATTRIBUTION, HEDGE, TIME, UNVERIFIABLE
from verifier.models import Claim, Rating

OTHER = "other"

# Background of a claim in the article, by its most telling kind (first match wins).
KIND_ORDER = (UNVERIFIABLE, HEDGE, ATTRIBUTION, TIME)
KIND_COLORS: dict[str, str] = {
    UNVERIFIABLE: "#f9c6c3",  # red-ish
    HEDGE: "#ffd9a6",  # orange
    ATTRIBUTION: "#c9ddff",  # blue
    TIME: "#c9ecc4",  # green
    OTHER: "#fff1a8",  # yellow
}
KIND_LABELS: dict[str, str] = {
    UNVERIFIABLE: "Cannot be verified",
    HEDGE: "Hedge",
    ATTRIBUTION: "Attribution",
    TIME: "Time",
    OTHER: "Other",
}

# Badge colour by rating name; the Rating enum may grow, so unknown names fall back on words in
# the name, then on grey.
GREY, BLUE, GREEN, OLIVE, AMBER, ORANGE, RED = (
    "#6b7280", "#2563eb", "#15803d", "#4d7c0f", "#a16207", "#c2410c", "#b91c1c")
RATING_COLORS: dict[str, str] = {
    "UNVERIFIED": GREY,
    "INCONCLUSIVE": "#475569",
    "IN_PROGRESS": BLUE,
    "VERIFIED_AUTHENTIC": GREEN,
    "TRUE": GREEN,
    "MOSTLY_TRUE": OLIVE,
    "OUT_OF_CONTEXT": AMBER,
    "MISSING_CONTEXT": AMBER,
    "SATIRE": "#7c3aed",
    "EDITED": ORANGE,
    "MISLEADING": ORANGE,
    "STAGED": "#be123c",
    "MANIPULATED": RED,
    "FABRICATED": RED,
    "FALSE": RED,
}
_RATING_WORDS = (("FALSE", RED), ("FAKE", RED), ("FABRICAT", RED), ("MANIPULAT", RED),
                 ("CONTEXT", AMBER), ("MISLEAD", ORANGE), ("EDIT", ORANGE),
                 ("AUTHENTIC", GREEN), ("TRUE", GREEN), ("PROGRESS", BLUE))
NO_VERDICT = "No verdict"
NO_VERDICT_COLOR = "#9ca3af"
FLAG_COLOR = "#b42318"
FLAG_BACKGROUND = "#fef3f2"


def claim_kind(claim: Claim) -> str:
    for kind in KIND_ORDER:
        if kind in claim.kinds:
            return kind
    return OTHER


def claim_color(claim: Claim) -> str:
    return KIND_COLORS[claim_kind(claim)]


def rating_hex(rating: Rating | None) -> str:
    if rating is None:
        return NO_VERDICT_COLOR
    if rating.name in RATING_COLORS:
        return RATING_COLORS[rating.name]
    return next((color for word, color in _RATING_WORDS if word in rating.name), GREY)


def rating_color(rating: Rating | None) -> QColor:
    return QColor(rating_hex(rating))


# ------------------------------------------------------------------ text that follows the palette
# Read when a widget or an HTML fragment is made, so light and dark palettes both read well
# (the fixed colours above are backgrounds that carry their own dark or white text).
MUTED_LIGHT, MUTED_DARK = "#596170", "#a3aab5"  # 4.5:1 or more on window and base
ERROR_LIGHT, ERROR_DARK = "#b42318", "#ff8f85"
WARNING_LIGHT, WARNING_DARK = "#9a4508", "#f6b15c"


def palette_is_dark() -> bool:
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.5


def muted_hex() -> str:
    """Secondary text (hints, captions) on the window or a view's base."""
    return MUTED_DARK if palette_is_dark() else MUTED_LIGHT


def error_hex() -> str:
    return ERROR_DARK if palette_is_dark() else ERROR_LIGHT


def warning_hex() -> str:
    return WARNING_DARK if palette_is_dark() else WARNING_LIGHT


def set_muted(widget: QWidget) -> None:
    """Draw a label's text in the palette's placeholder colour: grey in light mode, light grey
    in dark mode, and it follows a palette change without a style sheet."""
    widget.setForegroundRole(QPalette.ColorRole.PlaceholderText)
