"""Find where a picture or a video appeared before.

Images: PDQ of the query's 8 orientations (and of the picture inside any border or letterbox)
against every corpus frame (exact Hamming, FAISS); pHash where PDQ's quality is too low; a cheap
shortlist (nearest by pHash, and by votes of local features) for crops and screenshots that no
global hash survives; every candidate checked by local features and RANSAC, which also says where
the copy sits in the source (crop box, scale, rotation, mirror).

Videos: the same per sampled query frame; each source video's frame pairs vote for a line
source = speed * query + offset, which gives "query 00:00-00:19 = source 01:23-01:42, 1.0x".
"""

from __future__ import annotations

import logging
import math
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import cv2
import numpy as np

from verifier.errors import UserError
from verifier.matching.align import Segment, align, format_speed, format_time
from verifier.matching.hashing import (
    CHASH,
    DHASH,
    PHASH,
    WORK_SIDE,
    colour_hash,
    dhash,
    hamming,
    hash_copy,
    phash,
    work_image,
)
from verifier.matching.index import int64_codes
from verifier.matching.overlay import alignment_dict
from verifier.matching.pdq import (
    DEFAULT_PDQ_THRESHOLD,
    DIHEDRAL,
    MIN_PDQ_QUALITY,
    MIRROR_INDEX,
    PDQ,
    Orientation,
    pdq_dihedral,
    pdq_hash,
    undo_orientation,
)
from verifier.matching.pdq import distance as pdq_distance
from verifier.matching.preprocess import (
    border_box,
    crop_to,
    overlay_mask,
    picture_box,
    scale_box,
)
from verifier.matching.verify import (
    MIN_CONTENT_AGREEMENT,
    PICTURE_INDEX_LEVELS,
    PICTURE_INDEX_SCALE,
    PICTURE_INDEX_SIDE,
    VERIFY_SIDE,
    Geometry,
    LocalFeatures,
    content_agreement,
    extract_features,
    verify,
    verify_features,
)
from verifier.models import Match, MediaKind
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

if TYPE_CHECKING:
    from verifier.corpus import Corpus, ItemInfo

log = logging.getLogger(__name__)

DEFAULT_PHASH_THRESHOLD = 10
DEFAULT_TOP = 10
QUERY_VIDEO_STEP = 0.5
# Feature votes a frame needs to be shortlisted for a crop check, and how many of the query's
# strongest features vote.
MIN_FEATURE_VOTES = 6
VIDEO_VOTE_NEIGHBOURS = 8
VIDEO_VOTE_FRAMES = 24
VIDEO_VOTE_FEATURES = 250
VOTE_FEATURES = 700
# Of those, how many come from a copy made as the corpus makes a picture's stored features: in a
# crop, a fine texture (trees on a hillside) shows at a scale the query's own pyramid reaches at
# its smallest level only, with few features there, while this copy meets the stored ones at
# their own scales (a 30% crop of an alpine valley: 0-2 votes against 11-21).
VOTE_FEATURES_AS_STORED = 250
_MAX_VERIFY = 12
_SURE_INLIERS = 60  # a geometry this well supported is not second-guessed
_MAX_QUERY_SAMPLES = 1200


@dataclass(frozen=True)
class MatchOptions:
    top: int = DEFAULT_TOP
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD
    min_quality: int = MIN_PDQ_QUALITY
    phash_threshold: int = DEFAULT_PHASH_THRESHOLD
    verify: bool = True  # geometric verification of candidates
    shortlist: int = 5  # nearest items by pHash (any distance) checked for crops
    feature_shortlist: int = 5  # items with most local-feature votes checked for crops
    video_step: float = QUERY_VIDEO_STEP


@dataclass
class MatchResult:
    matches: list[Match]
    notes: list[str] = field(default_factory=list)
    query_kind: MediaKind = MediaKind.IMAGE
    duration: float | None = None


# ---------------------------------------------------------------- decoding


def decode_query_image(path: Path, side: int = VERIFY_SIDE) -> np.ndarray:
    """Upright RGB with its longest side at most `side` (JPEG draft decoding)."""
    from PIL import Image, ImageOps

    from verifier.media import imageio  # noqa: F401  (registers the HEIF opener)

    try:
        with Image.open(path) as raw:
            if raw.format == "JPEG":
                raw.draft("RGB", (side, side))
            raw.load()
            upright = ImageOps.exif_transpose(raw) or raw
            if "A" in upright.getbands() or upright.mode == "P":
                rgba = upright.convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                upright = Image.alpha_composite(white, rgba)
            rgb = np.asarray(upright.convert("RGB"))
    except FileNotFoundError:
        raise UserError(path, "no such file") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise UserError(path, f"not a readable image ({str(exc)[:200]})") from None
    return work_image(rgb, side)


def video_frame_at(path: Path, seconds: float) -> np.ndarray | None:
    """Upright luma of the frame shown at `seconds` from the stream's start, or None."""
    from verifier.corpus.worker import _luma
    from verifier.media.frame_seek import frame_at_time

    def upright_luma(frame: Any) -> np.ndarray:
        luma = _luma(frame)
        rotation = round((getattr(frame, "rotation", 0) or 0) / 90) % 4
        return np.ascontiguousarray(np.rot90(luma, rotation) if rotation else luma)

    return frame_at_time(path, seconds, upright_luma)


# ---------------------------------------------------------------- the query picture


@dataclass
class _Variant:
    """One version of the query picture: as given, with borders cut away, or the picture cut
    out of a page."""

    name: str  # "as given", "borders removed" or _PICTURE_IN_PAGE
    work: np.ndarray  # RGB, longest side WORK_SIDE
    gray: np.ndarray  # luma, longest side VERIFY_SIDE
    box: tuple[int, int, int, int] | None  # the cut, in the query's VERIFY_SIDE pixels
    pdq: list[bytes] = field(default_factory=list)  # DIHEDRAL order
    quality: int = 0
    phash: list[int] = field(default_factory=list)  # DIHEDRAL order
    _features: dict[bool, LocalFeatures] = field(default_factory=dict)

    def features(self, mirrored: bool) -> LocalFeatures:
        if mirrored not in self._features:
            img = self.gray[:, ::-1] if mirrored else self.gray
            self._features[mirrored] = verify_features(np.ascontiguousarray(img))
        return self._features[mirrored]

    def vote_descriptors(self) -> np.ndarray:
        """The strongest of the query's own features, and of a copy made as the corpus makes a
        picture's stored features (VOTE_FEATURES_AS_STORED)."""
        as_stored = extract_features(work_image(self.gray, PICTURE_INDEX_SIDE),
                                     VOTE_FEATURES_AS_STORED * 2, keep=VOTE_FEATURES_AS_STORED,
                                     levels=PICTURE_INDEX_LEVELS, scale=PICTURE_INDEX_SCALE)
        own = self.features(False).descriptors[:VOTE_FEATURES - len(as_stored)]
        return np.vstack([own, as_stored.descriptors])


def _variant(name: str, rgb: np.ndarray, box: tuple[int, int, int, int] | None,
             gray_input: bool = False) -> _Variant:
    work = work_image(rgb, WORK_SIDE)
    gray = rgb if gray_input else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    v = _Variant(name, work, work_image(gray, VERIFY_SIDE), box)
    v.pdq, v.quality = pdq_dihedral(work)
    v.phash = [phash(hash_copy(undo_orientation(work, o))) for o in DIHEDRAL]
    return v


_PICTURE_IN_PAGE = "picture in a page"


def _query_variants(rgb: np.ndarray) -> list[_Variant]:
    """The query as given; without its uniform borders; and the picture inside a page (a
    screenshot of an article: text all around, no border to cut), each when there is one."""
    variants = [_variant("as given", rgb, None)]
    gray_small = cv2.cvtColor(work_image(rgb, WORK_SIDE), cv2.COLOR_RGB2GRAY)
    h, w = rgb.shape[:2]
    box = border_box(gray_small)
    border: tuple[int, int, int, int] | None = None
    if box is not None:
        border = scale_box(box, (gray_small.shape[1], gray_small.shape[0]), (w, h))
        cropped = crop_to(rgb, border)
        if min(cropped.shape[:2]) >= 16:
            variants.append(_variant("borders removed", cropped, border))
    picture = picture_box(rgb)
    if picture is not None and (border is None or _overlap(picture, border) < 0.8):
        cropped = crop_to(rgb, picture)
        if min(cropped.shape[:2]) >= 32:
            variants.append(_variant(_PICTURE_IN_PAGE, cropped, picture))
    return variants


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over union of two boxes."""
    width = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


# ---------------------------------------------------------------- candidates


@dataclass
class _Candidate:
    item_id: int
    row: int  # frame row in the FrameIndex (best evidence)
    variant: int = 0  # index into the query variants
    orientation: int = 0  # DIHEDRAL index
    pdq: int | None = None  # best PDQ distance
    phash: int | None = None  # best pHash distance
    hash_hit: str | None = None  # "pdq" or "phash" when within the threshold
    votes: int = 0  # local-feature votes
    voter: int = 0  # the query variant whose features voted for it most
    verified_on_cut: bool = False  # the geometry was found on a variant cut out of the query
    found_by: set[str] = field(default_factory=set)


class Matcher:
    """Query a corpus. Keeps decoded source features between queries (an LRU cache)."""

    def __init__(self, corpus: Corpus, options: MatchOptions | None = None) -> None:
        self.corpus = corpus
        self.options = options or MatchOptions()
        # (item, time) -> the source's features and the grey picture they came from (None when
        # only the stored features could be had).
        self._source_cache: OrderedDict[tuple[int, float | None],
                                        tuple[LocalFeatures | None, np.ndarray | None]] = \
            OrderedDict()
        self._query_factor = 1.0

    # ------------------------------------------------------------ entry points

    def match_file(self, path: Path, *, progress: Progress = NULL_PROGRESS,
                   cancel: CancelToken = NEVER_CANCELLED) -> MatchResult:
        from verifier.media import intake

        path = Path(path)
        sniffed = intake.sniff(path)
        if sniffed.kind is MediaKind.IMAGE:
            from verifier.corpus.worker import image_size

            try:
                size: tuple[int, int] | None = image_size(path)
            except Exception:
                size = None
            return self.match_image(decode_query_image(path), original_size=size)
        return self.match_video(path, progress=progress, cancel=cancel)

    def match_image(self, rgb: np.ndarray,
                    original_size: tuple[int, int] | None = None) -> MatchResult:
        """Matches of one picture (RGB uint8), best first."""
        opts = self.options
        index = self.corpus.frame_index
        result = MatchResult([])
        if not index.live_rows:
            return result
        full = max(original_size) if original_size else max(rgb.shape[:2])
        rgb = work_image(rgb, VERIFY_SIDE)
        variants = _query_variants(rgb)
        self._query_factor = full / max(variants[0].gray.shape)
        quality = max(v.quality for v in variants)
        use_pdq = quality >= opts.min_quality
        if not use_pdq:
            result.notes.append(f"PDQ quality {quality} is below {opts.min_quality} (a flat or "
                                f"tiny picture): matched by pHash instead")
        candidates: dict[int, _Candidate] = {}
        self._pdq_candidates(variants, candidates, use_pdq)
        self._phash_candidates(variants, candidates, use_pdq)
        if opts.verify:
            self._feature_candidates(variants, candidates)
        matches = []
        ranked = sorted(candidates.values(), key=_candidate_rank)
        confirmed = 0
        for n, cand in enumerate(ranked):
            geometry = None
            verified = "not attempted"
            strong = cand.hash_hit is not None or cand.votes >= MIN_FEATURE_VOTES
            # Weak candidates (merely the nearest by pHash or PDQ) are checked only while
            # nothing is confirmed: they are the last resort for crops the votes missed.
            if opts.verify and n < _MAX_VERIFY and (strong or not confirmed):
                geometry, verified = self._verify_candidate(variants, cand, strong)
                confirmed += geometry is not None
            if cand.hash_hit is None and geometry is None:
                continue
            matches.append(self._image_match(variants, cand, geometry, verified,
                                             None if use_pdq else result.notes[0]))
        result.matches = sort_by_score(matches)[: opts.top]
        return result

    # ------------------------------------------------------------ image candidates

    def _pdq_candidates(self, variants: list[_Variant], out: dict[int, _Candidate],
                        use_pdq: bool) -> None:
        index = self.corpus.frame_index
        codes, origin = _flatten([v.pdq for v in variants])
        queries = np.frombuffer(b"".join(codes), dtype=np.uint8).reshape(len(codes), 32)
        k = min(len(index), max(64, self.options.top * 8))
        distances, rows = index.pdq.search(queries, k)
        threshold = self.options.pdq_threshold
        for q, (vi, oi) in enumerate(origin):
            for dist, row in zip(distances[q], rows[q], strict=True):
                if row < 0 or not index.alive[row] or index.quality[row] < 0:
                    continue
                if dist > max(threshold, 40) and len(out) >= self.options.shortlist:
                    break
                item_id = int(index.item_id[row])
                cand = out.get(item_id)
                if cand is None:
                    if dist > threshold and not use_pdq:
                        continue
                    cand = out[item_id] = _Candidate(item_id, int(row), vi, oi)
                if cand.pdq is None or dist < cand.pdq:
                    cand.pdq, cand.row, cand.variant, cand.orientation = int(dist), int(row), \
                        vi, oi
                if dist <= threshold and use_pdq and index.quality[row] >= \
                        self.options.min_quality:
                    cand.hash_hit = PDQ
                    cand.found_by.add(PDQ)
                elif dist > threshold:
                    cand.found_by.add("pdq-nearest")

    def _phash_candidates(self, variants: list[_Variant], out: dict[int, _Candidate],
                          use_pdq: bool) -> None:
        index = self.corpus.frame_index
        codes, origin = _flatten([v.phash for v in variants])
        k = min(len(index), max(32, self.options.shortlist * 8))
        distances, rows = index.phash_index.search(int64_codes(codes), k)
        nearest: dict[int, tuple[int, int, int, int]] = {}
        for q, (vi, oi) in enumerate(origin):
            for dist, row in zip(distances[q], rows[q], strict=True):
                if row < 0 or not index.alive[row]:
                    continue
                item_id = int(index.item_id[row])
                hit = dist <= self.options.phash_threshold and (
                    not use_pdq or index.quality[row] < 0
                    or index.quality[row] < self.options.min_quality)
                best = nearest.get(item_id)
                if best is None or dist < best[0]:
                    nearest[item_id] = (int(dist), int(row), vi, oi)
                if hit:
                    cand = out.setdefault(item_id, _Candidate(item_id, int(row), vi, oi))
                    if cand.hash_hit is None:
                        cand.hash_hit = PHASH
                        cand.row, cand.variant, cand.orientation = int(row), vi, oi
                    cand.found_by.add(PHASH)
        for item_id, (dist, _row, _vi, _oi) in nearest.items():
            if item_id in out:
                cand = out[item_id]
                cand.phash = dist if cand.phash is None else min(cand.phash, dist)
        shortlist = sorted(nearest.items(), key=lambda kv: kv[1][0])[: self.options.shortlist]
        for item_id, (dist, row, vi, oi) in shortlist:
            if item_id not in out:
                out[item_id] = _Candidate(item_id, row, vi, oi, phash=dist)
                out[item_id].found_by.add("phash-nearest")

    def _feature_candidates(self, variants: list[_Variant], out: dict[int, _Candidate]) -> None:
        """Items whose stored features the query's strongest features find most often. The copy
        with borders cut away votes too: in a screenshot, the caption and buttons find pictures
        with text in them, and their votes can push the real source under the floor."""
        features = self.corpus.feature_index
        if not len(features):
            return
        index = self.corpus.frame_index
        per_item: dict[int, tuple[int, int, int]] = {}  # item -> votes, row, variant
        for vi, variant in enumerate(variants):
            votes = features.vote(variant.vote_descriptors())
            if not votes:
                continue
            floor = max(MIN_FEATURE_VOTES, int(0.2 * max(votes.values())))
            for frame_id, count in votes.items():
                if count < floor:
                    continue
                row = index.row_of_frame(frame_id)
                if row is None or not index.alive[row]:
                    continue
                item_id = int(index.item_id[row])
                if item_id not in per_item or count > per_item[item_id][0]:
                    per_item[item_id] = (count, row, vi)
        best = sorted(per_item.items(), key=lambda kv: -kv[1][0])[: self.options.feature_shortlist]
        for item_id, (count, row, vi) in best:
            # Hashes are read from the query as given, except for the picture cut out of a
            # page: the page's own hashes say nothing of it.
            hashed = vi if variants[vi].name == _PICTURE_IN_PAGE else 0
            cand = out.get(item_id)
            if cand is None:
                cand = out[item_id] = _Candidate(item_id, row, hashed)
                cand.votes, cand.voter = count, vi
            else:
                cand.votes = max(cand.votes, count)
                if cand.hash_hit is None:  # a merely nearest hash: the votes say more
                    cand.row, cand.variant, cand.orientation, cand.voter = row, hashed, 0, vi
            cand.found_by.add("features")

    # ------------------------------------------------------------ verification

    def _true_scale(self, geometry: Geometry, source: LocalFeatures,
                    item: ItemInfo) -> Geometry:
        """Scale in original pixels (copy per source): both sides were matched at reduced
        size."""
        from dataclasses import replace

        if not item.width or not item.height:
            return geometry
        source_factor = max(item.width, item.height) / max(source.size)
        return replace(geometry, scale=geometry.scale * self._query_factor / source_factor)

    def source_features(self, item: ItemInfo, time: float | None,
                        frame_id: int | None) -> LocalFeatures | None:
        return self._source(item, time, frame_id)[0]

    def _source(self, item: ItemInfo, time: float | None,
                frame_id: int | None) -> tuple[LocalFeatures | None, np.ndarray | None]:
        key = (item.id, None if time is None else round(time, 3))
        if key in self._source_cache:
            self._source_cache.move_to_end(key)
            return self._source_cache[key]
        feats: LocalFeatures | None = None
        gray: np.ndarray | None = None
        path = next((Path(p) for p in item.locations if os.path.exists(p)), None)
        try:
            if path is not None and item.kind is MediaKind.IMAGE:
                rgb = decode_query_image(path, VERIFY_SIDE)
                gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            elif path is not None and time is not None:
                luma = video_frame_at(path, time)
                if luma is not None:
                    gray = work_image(luma, VERIFY_SIDE)
        except UserError:
            gray = None
        if gray is not None:
            feats = verify_features(gray)
        elif frame_id is not None:
            feats = self.corpus.stored_features(frame_id)
        self._source_cache[key] = (feats, gray)
        while len(self._source_cache) > 64:
            self._source_cache.popitem(last=False)
        return feats, gray

    def _verify_candidate(self, variants: list[_Variant], cand: _Candidate,
                          strong: bool = True) -> tuple[Geometry | None, str]:
        index = self.corpus.frame_index
        item = self.corpus.item(cand.item_id)
        t = float(index.time[cand.row])
        source, source_gray = self._source(item, None if math.isnan(t) else t,
                                           int(index.frame_id[cand.row]))
        if source is None or len(source) == 0:
            return None, "source unavailable"
        if item.kind is not MediaKind.IMAGE:
            # Pictures only: a video's indexed frame can be a second away from the query's, and
            # whatever moved in between disagrees.
            source_gray = None
        hinted_mirror = DIHEDRAL[cand.orientation].mirror
        if cand.hash_hit is not None:
            # A hash hit says which way round the copy is.
            order = [(cand.variant, hinted_mirror)]
            if cand.variant != 0:
                order.append((0, hinted_mirror))
        else:
            # Votes say little about the orientation; a merely nearest hash says little at all.
            order = [(0, False), (0, True)] + [(vi, False) for vi in range(1, len(variants))]
            if variants[cand.voter].name == _PICTURE_IN_PAGE:
                # The picture inside a page found it: the page as a whole rarely verifies.
                order.remove((cand.voter, False))
                order.insert(0, (cand.voter, False))
        best: Geometry | None = None
        for vi, mirrored in order:
            v = variants[vi]
            geometry = verify(v.features(mirrored), source, mirrored=mirrored)
            if geometry is None:
                continue
            if source_gray is not None:
                agreement = content_agreement(v.gray, source_gray, geometry.homography)
                if agreement is not None and agreement < MIN_CONTENT_AGREEMENT:
                    continue
            geometry = self._true_scale(geometry, source, item)
            if v.box is not None:
                h, w = variants[0].gray.shape
                geometry = _uncrop(geometry, v, (w, h))
            if best is None or geometry.inliers > best.inliers:
                best = geometry
                cand.verified_on_cut = v.box is not None
            if best.inliers >= _SURE_INLIERS:
                break
        return best, ("confirmed" if best is not None else "failed")

    # ------------------------------------------------------------ building matches

    def _image_match(self, variants: list[_Variant], cand: _Candidate,
                     geometry: Geometry | None, verified: str, note: str | None) -> Match:
        index = self.corpus.frame_index
        item = self.corpus.item(cand.item_id)
        v = variants[cand.variant]
        orient = DIHEDRAL[cand.orientation]
        distances = self._distances(v, cand)
        t = float(index.time[cand.row])
        transform = _transform(orient, v, geometry, verified,
                               cut=cand.verified_on_cut and geometry is not None)
        hash_kind, distance = _headline(cand, distances)
        score = _score(cand, geometry, distances)
        span = None if math.isnan(t) else self._frame_span(v, cand)
        match = self._make_match(item, distance, hash_kind, score, geometry is not None,
                                 transform, distances, note,
                                 source_time=None if math.isnan(t) else t)
        if geometry is not None:
            h, w = variants[0].gray.shape[:2]
            source = self.source_features(item, None if math.isnan(t) else t,
                                          int(index.frame_id[cand.row]))
            if source is not None:
                from dataclasses import replace

                match = replace(match, alignment=alignment_dict(
                    geometry, (w, h), source.size,
                    source_time=None if math.isnan(t) else t))
        if span is not None and span[1] > span[0]:
            from dataclasses import replace

            match = replace(match, source_start=round(span[0], 2), source_end=round(span[1], 2))
        return match

    def _frame_span(self, v: _Variant, cand: _Candidate) -> tuple[float, float] | None:
        """The stretch of a corpus video around the best frame whose samples look the same
        (a static shot): the picture is from somewhere in it."""
        index = self.corpus.frame_index
        rows = index.rows_of_item(cand.item_id)
        rows = rows[np.argsort(index.time[rows])]
        query = int.from_bytes(v.pdq[cand.orientation], "big")
        dist = []
        for r in rows:
            code = index.pdq_code(int(r))
            dist.append(999 if code is None or index.quality[r] < self.options.min_quality
                        else (query ^ int.from_bytes(code, "big")).bit_count())
        pos = int(np.nonzero(rows == cand.row)[0][0]) if cand.row in rows else None
        if pos is None or dist[pos] >= 999:
            return None
        limit = dist[pos] + 6
        lo = hi = pos
        while lo > 0 and dist[lo - 1] <= limit:
            lo -= 1
        while hi + 1 < len(rows) and dist[hi + 1] <= limit:
            hi += 1
        return float(index.time[rows[lo]]), float(index.time[rows[hi]])

    def _distances(self, v: _Variant, cand: _Candidate) -> dict[str, int]:
        index = self.corpus.frame_index
        row = cand.row
        out: dict[str, int] = {}
        code = index.pdq_code(row)
        if code is not None:
            q = int.from_bytes(v.pdq[cand.orientation], "big")
            out[PDQ] = (q ^ int.from_bytes(code, "big")).bit_count()
        out[PHASH] = hamming(v.phash[cand.orientation], int(index.phash[row]))
        oriented = undo_orientation(v.work, DIHEDRAL[cand.orientation])
        out[DHASH] = hamming(dhash(hash_copy(oriented)), int(index.dhash[row]))
        if index.chash[row] >= 0:
            out[CHASH] = hamming(colour_hash(v.work), int(index.chash[row]))
        return out

    def _make_match(self, item: ItemInfo, distance: int, hash_kind: str, score: float,
                    confirmed: bool, transform: dict[str, Any], distances: dict[str, int],
                    note: str | None, *, query_time: float | None = None,
                    source_time: float | None = None,
                    segment: Segment | None = None) -> Match:
        return Match(
            corpus_path=item.path, corpus_sha256=item.sha256, distance=distance,
            hash_kind=hash_kind, query_time=query_time, source_time=source_time,
            earliest_date=item.earliest_date, corpus_kind=item.kind, score=round(score, 3),
            confirmed=confirmed, transform=transform,
            query_start=None if segment is None else round(segment.query_start, 2),
            query_end=None if segment is None else round(segment.query_end, 2),
            source_start=None if segment is None else round(segment.source_start, 2),
            source_end=None if segment is None else round(segment.source_end, 2),
            locations=item.locations, distances=distances, source_url=item.source_url,
            note=note)

    # ------------------------------------------------------------ videos

    def match_video(self, path: Path, *, progress: Progress = NULL_PROGRESS,
                    cancel: CancelToken = NEVER_CANCELLED) -> MatchResult:
        from verifier.corpus.worker import timeline_step, video_timeline
        from verifier.media.video import probe

        opts = self.options
        info = probe(path)
        step = timeline_step(opts.video_step, info.duration)  # what video_timeline samples at
        if info.duration and info.duration / step > _MAX_QUERY_SAMPLES:
            step = info.duration / _MAX_QUERY_SAMPLES
        progress.start(None, f"Hashing the frames of {path.name}")
        frames, images, q_w, q_h, duration = video_timeline(
            path, step, features=False, colour=False, cancel=cancel.check, keep_images=True)
        result = MatchResult([], query_kind=MediaKind.VIDEO, duration=duration)
        if images:
            self._query_factor = max(q_w, q_h) / max(images[0].shape[:2])
        index = self.corpus.frame_index
        if not index.live_rows:
            return result
        progress.message(f"Matching {len(frames)} frames of {path.name} against the corpus")
        box = _video_border_box(images)
        # Query codes: each frame as given and mirrored, and inside its borders when it has any.
        codes: list[bytes] = []
        origin: list[tuple[int, bool, bool]] = []  # frame number, mirrored, borders removed
        qualities: list[int] = []
        for n, img in enumerate(images):
            versions = [(False, img)]
            if box is not None:
                versions.append((True, crop_to(img, box)))
            for cropped, version in versions:
                hashes, quality = pdq_dihedral(work_image(version, WORK_SIDE))
                if not cropped:
                    qualities.append(quality)
                if quality < opts.min_quality:
                    continue  # black, faded or flat frames match everything: they do not vote
                for mirrored in (False, True):
                    codes.append(hashes[MIRROR_INDEX if mirrored else 0])
                    origin.append((n, mirrored, cropped))
        cancel.check()
        # (query time, source time, weight, mirrored) per source video; stills seen in the video.
        pairs: dict[int, list[tuple[float, float, float, bool]]] = {}
        image_hits: dict[int, tuple[int, int, int, bool]] = {}
        threshold = opts.pdq_threshold
        if codes:
            queries = np.frombuffer(b"".join(codes), dtype=np.uint8).reshape(len(codes), 32)
            distances, rows = index.pdq.search(queries, min(len(index), 48))
            for q, (n, mirrored, _cropped) in enumerate(origin):
                tq = float(frames[n].time or 0.0)
                for dist, row in zip(distances[q], rows[q], strict=True):
                    if dist > threshold:
                        break
                    if row < 0 or not index.alive[row] or index.quality[row] < opts.min_quality:
                        continue
                    item_id = int(index.item_id[row])
                    ts = float(index.time[row])
                    if math.isnan(ts):  # a still image seen in the video
                        if item_id not in image_hits or dist < image_hits[item_id][0]:
                            image_hits[item_id] = (int(dist), n, int(row), mirrored)
                        continue
                    pairs.setdefault(item_id, []).append(
                        (tq, ts, 1.0 - dist / (threshold + 1), mirrored))
        matches = self._aligned_matches(pairs, frames, images, box, step, None, cancel)
        feature_note = None
        if not matches and not image_hits and opts.verify:
            # No hash pair lined up (none, or a few frames that an overlay left alone): local
            # features of a few frames (a cropped copy, a caption across a dark picture).
            pairs = {}
            feature_note = self._video_feature_pairs(frames, images, pairs, cancel)
            matches = self._aligned_matches(pairs, frames, images, box, step, feature_note,
                                            cancel)
        for item_id, (dist, n, row, mirrored) in image_hits.items():
            matches.append(self._still_in_video(item_id, dist, n, row, mirrored, frames,
                                                images))
        if feature_note:
            result.notes.append(feature_note)
        if qualities and max(qualities) < opts.min_quality:
            result.notes.append("every frame is too flat for PDQ (quality below "
                                f"{opts.min_quality}); nothing could be matched by hash")
        result.matches = sort_by_score(matches)[: opts.top]
        return result

    def _aligned_matches(self, pairs: dict[int, list[tuple[float, float, float, bool]]],
                         frames: list[Any], images: list[np.ndarray],
                         box: tuple[int, int, int, int] | None, step: float,
                         note: str | None, cancel: CancelToken) -> list[Match]:
        """A match per segment the pairs of each source video line up on."""
        matches: list[Match] = []
        for item_id, item_pairs in pairs.items():
            cancel.check()
            simple = [(tq, ts, w) for tq, ts, w, _m in item_pairs]
            for segment in align(simple, tolerance=max(1.0, step * 2), query_step=step):
                match = self._video_match(item_id, segment, frames, images, box, item_pairs,
                                          note)
                if match is not None:
                    matches.append(match)
        return matches

    def _video_feature_pairs(self, frames: list[Any], images: list[np.ndarray],
                             pairs: dict[int, list[tuple[float, float, float, bool]]],
                             cancel: CancelToken) -> str | None:
        """Pairs from the local features of a few frames, for a copy the hashes miss."""
        features = self.corpus.feature_index
        if not len(features):
            return None
        index = self.corpus.frame_index
        # Every stored descriptor is scanned for each of the query's (at the 8M budget, 700
        # take 3.4 s on 2 cores): a few frames, their strongest features.
        shots = [n for n, f in enumerate(frames) if f.keyframe][: VIDEO_VOTE_FRAMES // 2]
        spread = np.linspace(0, len(frames) - 1, VIDEO_VOTE_FRAMES - len(shots)).round()
        chosen = sorted(set(shots) | {int(n) for n in spread})
        # A caption or a logo on every frame holds the strongest corners, and they vote for
        # nothing: features are taken around it.
        mask = overlay_mask(images)
        for n in chosen:
            cancel.check()
            feats = extract_features(images[n], 500, keep=VIDEO_VOTE_FEATURES, mask=mask)
            # More neighbours than for a picture: in a static shot every sample holds the same
            # descriptors, and the two nearest would always name its first samples.
            votes = features.vote(feats.descriptors, k=VIDEO_VOTE_NEIGHBOURS, video_only=True)
            for frame_id, count in votes.items():
                if count < MIN_FEATURE_VOTES * 2:
                    continue
                row = index.row_of_frame(frame_id)
                if row is None or not index.alive[row] or math.isnan(index.time[row]):
                    continue
                pairs.setdefault(int(index.item_id[row]), []).append(
                    (float(frames[n].time or 0.0), float(index.time[row]), min(1.0, count / 40),
                     False))
        return "the frames' hashes did not line up with any source: aligned by local " \
            "features (a cropped copy, or overlays over much of the picture?)" \
            if pairs else None

    def _video_match(self, item_id: int, segment: Segment, frames: list[Any],
                     images: list[np.ndarray], box: tuple[int, int, int, int] | None,
                     item_pairs: list[tuple[float, float, float, bool]],
                     note: str | None) -> Match | None:
        index = self.corpus.frame_index
        item = self.corpus.item(item_id)
        tolerance = 1.0
        on_line = [p for p in item_pairs
                   if abs(p[1] - (segment.speed * p[0] + segment.offset)) <= tolerance
                   and segment.query_start - 1e-6 <= p[0] <= segment.query_end]
        on_line = on_line or item_pairs
        # Mirrored when the mirrored codes explain the line better (symmetric shots match both).
        mirrored_weight = sum(p[2] for p in on_line if p[3])
        mirrored = bool(mirrored_weight > sum(p[2] for p in on_line if not p[3]))
        chosen = [p for p in on_line if p[3] == mirrored] or on_line
        tq_best, ts_best, w_best, _m = max(chosen, key=lambda p: p[2])
        rows = index.rows_of_item(item_id)
        n, row = self._nearest(frames, rows, tq_best, ts_best)
        if note:
            # Aligned by feature votes: the weights count votes, and the hashes' own distances
            # are measured instead (the best frame's, and the median over the line's frames).
            distance = self._frame_pdq_distance(images[n], mirrored, row)
            typical = int(np.median([self._frame_pdq_distance(images[q], mirrored, r)
                                     for q, r in (self._nearest(frames, rows, p[0], p[1])
                                                  for p in chosen[:24])]))
        else:
            distance = max(0, round((1.0 - w_best) * (self.options.pdq_threshold + 1)))
            # Median distance over the frames on the line says more than the single best one.
            typical = max(0, round((1.0 - float(np.median([p[2] for p in chosen])))
                                   * (self.options.pdq_threshold + 1)))
        geometry = None
        verified = "not attempted"
        source: LocalFeatures | None = None
        if self.options.verify:
            source = self.source_features(item, float(index.time[row]),
                                          int(index.frame_id[row]))
            if source is not None and len(source):
                img = images[n][:, ::-1] if mirrored else images[n]
                geometry = verify(verify_features(np.ascontiguousarray(img)),
                                  source, mirrored=mirrored)
                if geometry is not None:
                    geometry = self._true_scale(geometry, source, item)
                verified = "confirmed" if geometry is not None else "failed"
            else:
                verified = "source unavailable"
        orient = DIHEDRAL[MIRROR_INDEX if mirrored else 0]
        transform: dict[str, Any] = {"orientation": orient.name, "mirror": orient.mirror,
                                     "rotation": 0, "speed": segment.speed,
                                     "speed_text": format_speed(segment.speed),
                                     "offset": round(segment.offset, 2),
                                     "borders_removed": box is not None,
                                     "frames_matched": segment.votes,
                                     "verification": verified,
                                     "summary": segment.describe(Path(item.path).name)}
        if geometry is not None:
            transform.update(_geometry_dict(geometry))
            transform["mirror"] = mirrored
        distances = {PDQ: distance, "pdq_median": typical,
                     PHASH: self._frame_phash_distance(images[n], mirrored, row)}
        hash_score = max(0.0, 1.0 - typical / 64)
        coverage = min(1.0, segment.votes / 6)
        score = 0.5 * hash_score * (0.5 + 0.5 * coverage)
        if geometry is not None:
            score = 0.5 + 0.25 * hash_score * (0.5 + 0.5 * coverage) + 0.25 * geometry.strength
        elif note:
            return None  # feature-only alignment that the geometry does not confirm
        match = self._make_match(item, distances[PHASH], "orb" if note else PDQ, score,
                                 geometry is not None, transform,
                                 distances, note, query_time=segment.query_start,
                                 source_time=segment.source_start, segment=segment)
        if geometry is not None and source is not None:
            from dataclasses import replace

            h, w = images[n].shape[:2]
            match = replace(match, alignment=alignment_dict(
                geometry, (w, h), source.size, query_time=float(frames[n].time or 0.0),
                source_time=float(index.time[row])))
        return match

    def _still_in_video(self, item_id: int, dist: int, n: int, row: int, mirrored: bool,
                        frames: list[Any], images: list[np.ndarray]) -> Match:
        item = self.corpus.item(item_id)
        tq = float(frames[n].time or 0.0)
        geometry = None
        verified = "not attempted"
        source: LocalFeatures | None = None
        if self.options.verify:
            source = self.source_features(item, None, int(self.corpus.frame_index.frame_id[row]))
            if source is not None and len(source):
                img = images[n][:, ::-1] if mirrored else images[n]
                geometry = verify(verify_features(np.ascontiguousarray(img)),
                                  source, mirrored=mirrored)
                if geometry is not None:
                    geometry = self._true_scale(geometry, source, item)
                verified = "confirmed" if geometry is not None else "failed"
        orient = DIHEDRAL[MIRROR_INDEX if mirrored else 0]
        transform: dict[str, Any] = {"orientation": orient.name, "mirror": orient.mirror,
                                     "rotation": 0, "verification": verified,
                                     "summary": f"the picture is shown at {format_time(tq)} "
                                                f"of the query"}
        if geometry is not None:
            transform.update(_geometry_dict(geometry))
        hash_score = max(0.0, 1.0 - dist / 64)
        score = (0.5 + 0.25 * hash_score + 0.25 * geometry.strength) if geometry \
            else 0.5 * hash_score
        distances = {PDQ: dist, PHASH: self._frame_phash_distance(images[n], mirrored, row)}
        match = self._make_match(item, distances[PHASH], PDQ, score, geometry is not None,
                                 transform, distances, None, query_time=tq)
        if geometry is not None and source is not None:
            from dataclasses import replace

            h, w = images[n].shape[:2]
            match = replace(match, alignment=alignment_dict(geometry, (w, h), source.size,
                                                            query_time=tq))
        return match

    def _nearest(self, frames: list[Any], rows: np.ndarray, query_time: float,
                 source_time: float) -> tuple[int, int]:
        """(query frame, source row) nearest a time pair."""
        n = min(range(len(frames)), key=lambda i: abs(float(frames[i].time or 0.0) - query_time))
        if not len(rows):
            return n, 0
        return n, int(rows[np.argmin(np.abs(self.corpus.frame_index.time[rows] - source_time))])

    def _frame_pdq_distance(self, image: np.ndarray, mirrored: bool, row: int) -> int:
        return pdq_distance(pdq_hash(_work_copy(image, mirrored))[0],
                            self.corpus.frame_index.pdq.reconstruct(row))

    def _frame_phash_distance(self, image: np.ndarray, mirrored: bool, row: int) -> int:
        return hamming(phash(hash_copy(_work_copy(image, mirrored))),
                       int(self.corpus.frame_index.phash[row]))


# ---------------------------------------------------------------- helpers


def _work_copy(image: np.ndarray, mirrored: bool) -> np.ndarray:
    return work_image(np.ascontiguousarray(image[:, ::-1] if mirrored else image), WORK_SIDE)


def _candidate_rank(c: _Candidate) -> tuple[int, int, int, int]:
    hit = 0 if c.hash_hit else 1
    voted = 0 if c.votes >= MIN_FEATURE_VOTES else 1
    return hit, voted, c.pdq if c.pdq is not None else 999, -c.votes


def _headline(cand: _Candidate, distances: dict[str, int]) -> tuple[str, int]:
    """(what found the match, its pHash distance). `distance` keeps the first version's
    meaning, the pHash Hamming distance (of 64), so it stays comparable with --max-distance;
    every hash's distance is in `distances`."""
    found = cand.hash_hit or "orb"
    return found, distances[PHASH]


def _score(cand: _Candidate, geometry: Geometry | None, distances: dict[str, int]) -> float:
    if PDQ in distances and cand.hash_hit != PHASH:
        hash_score = max(0.0, 1.0 - distances[PDQ] / 64)
    else:
        hash_score = max(0.0, 1.0 - distances[PHASH] / 20)
    if geometry is not None:
        return 0.5 + 0.25 * hash_score + 0.25 * geometry.strength
    return 0.5 * hash_score if cand.hash_hit else 0.0


def _geometry_dict(g: Geometry) -> dict[str, Any]:
    out = g.as_dict()
    rotation = g.rotation
    nearest = round(rotation / 90) * 90 % 360
    if abs((rotation - nearest + 180) % 360 - 180) <= 2:
        out["rotation"] = nearest
    else:
        out["rotation"] = round((rotation + 180) % 360 - 180, 1)
    return out


def _transform(orient: Orientation, v: _Variant, geometry: Geometry | None,
               verified: str, *, cut: bool = False) -> dict[str, Any]:
    """`cut`: the geometry was found on a part cut out of the query (its borders removed, or
    the picture inside a page), whichever variant found the candidate."""
    out: dict[str, Any] = {"orientation": orient.name, "mirror": orient.mirror,
                           "rotation": orient.rotation,
                           "borders_removed": v.box is not None or cut,
                           "verification": verified}
    if geometry is not None:
        out.update(_geometry_dict(geometry))
        out["orientation"] = _orientation_name(bool(out["mirror"]), float(out["rotation"]))
    return out


def _orientation_name(mirror: bool, rotation: float) -> str:
    r = rotation % 360
    turned = "" if abs((r + 180) % 360 - 180) < 0.5 else (
        f"rotated {int(r)}" if float(r).is_integer() and int(r) % 90 == 0 else
        f"rotated {((r + 180) % 360 - 180):+.1f}°")
    if mirror:
        return "mirrored" + (f", {turned}" if turned else "")
    return turned or "original"


def _uncrop(geometry: Geometry, v: _Variant, full_size: tuple[int, int]) -> Geometry:
    """Geometry found on the borders-removed variant, restated for the whole query."""
    from dataclasses import replace

    assert v.box is not None
    left, top, right, bottom = v.box
    fw, fh = full_size
    x0, y0, x1, y1 = geometry.query_box
    cw, ch = right - left, bottom - top
    box = ((left + x0 * cw) / fw, (top + y0 * ch) / fh, (left + x1 * cw) / fw,
           (top + y1 * ch) / fh)
    shift = np.array([[1, 0, -left], [0, 1, -top], [0, 0, 1]], dtype=np.float64)
    return replace(geometry, query_box=box, homography=geometry.homography @ shift)


def _video_border_box(images: list[np.ndarray]) -> tuple[int, int, int, int] | None:
    """Letterbox or pillarbox bars present in most sampled frames."""
    if not images:
        return None
    picks = images[:: max(1, len(images) // 12)][:12]
    boxes = [border_box(work_image(img, WORK_SIDE)) for img in picks]
    found = [b for b in boxes if b is not None]
    if len(found) < max(1, len(picks) // 2):
        return None
    small = work_image(picks[0], WORK_SIDE)
    box = tuple(int(np.median([b[i] for b in found])) for i in range(4))
    h, w = images[0].shape[:2]
    return scale_box((box[0], box[1], box[2], box[3]), (small.shape[1], small.shape[0]), (w, h))


def _transformed(m: Match) -> bool:
    t = m.transform or {}
    return bool(t.get("mirror")) or bool(t.get("rotation"))


def sort_by_score(matches: list[Match]) -> list[Match]:
    return sorted(matches, key=lambda m: (-(m.score or 0.0), not m.confirmed, _transformed(m),
                                          m.distance,
                                          m.earliest_date or "9999", m.corpus_path,
                                          m.query_start or m.query_time or 0.0))


def earliest_known(matches: list[Match]) -> Match | None:
    """The confirmed-or-hash match with the earliest known date (None when none is dated)."""
    dated = [m for m in matches if m.earliest_date and (m.score or 0) >= 0.5]
    if not dated:
        dated = [m for m in matches if m.earliest_date]
    return min(dated, key=lambda m: (m.earliest_date or "", -(m.score or 0))) if dated else None


_Code = TypeVar("_Code", bytes, int)


def _flatten(per_variant: list[list[_Code]]) -> tuple[list[_Code], list[tuple[int, int]]]:
    """Every variant's codes in one list, with (variant, orientation) for each."""
    codes: list[_Code] = []
    origin: list[tuple[int, int]] = []
    for vi, variant_codes in enumerate(per_variant):
        for oi, code in enumerate(variant_codes):
            codes.append(code)
            origin.append((vi, oi))
    return codes, origin
