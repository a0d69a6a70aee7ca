"""A match's hashes in words, the same in the window and the reports (the CLI's match lines keep
their own aligned columns): `distance` alone is the pHash one (of 64 bits), and `hash_kind` says
what found the match."""

from __future__ import annotations

from collections.abc import Mapping

HASH_BITS = {"pdq": 256, "phash": 64, "dhash": 64, "colorhash": 42}
_HASH_NAMES = {"pdq": "PDQ", "phash": "pHash", "dhash": "dHash", "colorhash": "colour hash"}


def found_by(hash_kind: str) -> str:
    """What found a match: a hash's name, or local features."""
    return "local features" if hash_kind == "orb" else _HASH_NAMES.get(hash_kind, hash_kind)


def distances_text(distance: int, distances: Mapping[str, int | None] | None) -> str:
    """Every hash distance a match carries, each out of its hash's bits: "PDQ 12 of 256,
    pHash 6 of 64"; a video match's PDQ also with its median over the frames it aligned
    (the best frame alone can flatter a match)."""
    known = {k: v for k, v in (distances or {}).items() if v is not None}
    known.setdefault("phash", distance)
    parts = []
    for k, bits in HASH_BITS.items():
        if k in known:
            median = f" (median of the matched frames {known['pdq_median']})" \
                if k == "pdq" and "pdq_median" in known else ""
            parts.append(f"{_HASH_NAMES[k]} {known[k]} of {bits}{median}")
    return ", ".join(parts)
