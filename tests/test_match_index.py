"""The Hamming index: exact up to a size, then an inverted file over the same rows.

Truths: brute-force Hamming distances in numpy over the same codes, and the planted
near-duplicates' own rows; on real photos, the match an exact index gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import MEDIA
from verifier.corpus import Corpus
from verifier.matching.index import BinaryIndex, search_kind
from verifier.services import match_file

PHOTOS = [
    "exif-samples/jpg/Canon_40D.jpg",
    "exif-samples/jpg/Nikon_D70.jpg",
    "exif-samples/jpg/Pentax_K10D.jpg",
    "exif-samples/jpg/gps/DSCN0010.jpg",
    "exif-samples/jpg/gps/DSCN0021.jpg",
    "ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg",
]


def _codes(n: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 32), dtype=np.uint8)


def _flip(code: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    unpacked = np.unpackbits(code)
    unpacked[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(unpacked)


def _brute_force(codes: np.ndarray, query: np.ndarray) -> np.ndarray:
    return np.unpackbits(codes ^ query, axis=1).sum(axis=1)


def test_exact_index_gives_the_brute_force_nearest() -> None:
    codes = _codes(3000)
    index = BinaryIndex(256, approximate_after=0)
    index.add(codes)
    rng = np.random.default_rng(1)
    for row in rng.choice(len(codes), 20, replace=False):
        query = _flip(codes[row], 25, rng)
        distances, rows = index.search(query[None, :], 5)
        truth = _brute_force(codes, query)
        assert rows[0, 0] == row and distances[0, 0] == truth[row] == 25
        assert list(distances[0]) == sorted(truth)[:5]
    assert index.exact and "exact" in index.describe()


def test_past_its_size_the_index_turns_approximate_and_keeps_rows() -> None:
    codes = _codes(6000)
    index = BinaryIndex(256, approximate_after=4000)
    index.add(codes[:3000])
    index.add(codes[3000:])
    assert index.exact  # nothing is built before a search needs it
    rng = np.random.default_rng(2)
    planted = rng.choice(len(codes), 200, replace=False)
    queries = np.stack([_flip(codes[r], int(rng.integers(5, 32)), rng) for r in planted])
    distances, rows = index.search(queries, 10)
    assert not index.exact and "IndexBinaryIVF" in index.describe()
    found = [r in rows[i] for i, r in enumerate(planted)]
    # Random codes are the hardest case for an inverted file (no clusters); PDQ codes of
    # real pictures are easier. Most planted near-duplicates must still be found.
    assert sum(found) >= 0.95 * len(planted)
    for i, r in enumerate(planted):
        if found[i]:
            k = list(rows[i]).index(r)
            assert distances[i, k] == _brute_force(codes[r:r + 1], queries[i])[0]
    # Rows stay the order codes were added in, and codes added later are searchable.
    assert all(index.reconstruct(int(r)) == codes[r].tobytes() for r in planted[:20])
    extra = _codes(1, seed=99)
    index.add(extra)
    distances, rows = index.search(extra, 1)
    assert rows[0, 0] == len(codes) and distances[0, 0] == 0
    assert index.memory_bytes > len(index) * 32


def test_stats_say_how_a_corpus_is_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    assert search_kind(100).startswith("exact")
    monkeypatch.setenv("VERIFIER_APPROXIMATE_AFTER", "50")
    assert search_kind(100).startswith("approximate")
    assert search_kind(50).startswith("exact")
    monkeypatch.setenv("VERIFIER_APPROXIMATE_AFTER", "0")
    assert search_kind(10**9).startswith("exact")


def test_real_photos_match_the_same_through_an_approximate_index(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photos = [MEDIA / p for p in PHOTOS]
    if not all(p.exists() for p in photos):
        pytest.skip("real media not available")
    db = tmp_path / "corpus.sqlite"
    with Corpus(db) as corpus:
        corpus.add(photos, workers=1)
    query = tmp_path / "query.jpg"
    with Image.open(photos[-1]) as img:
        img.convert("RGB").resize((img.width // 2, img.height // 2)).save(query, quality=70)
    results = {}
    for after in ("0", "2"):  # never approximate; approximate past two codes
        monkeypatch.setenv("VERIFIER_APPROXIMATE_AFTER", after)
        with Corpus(db) as corpus:
            matches = match_file(query, corpus)
            assert corpus.stats()["search"].startswith("exact" if after == "0" else "approx")
        results[after] = [(Path(m.corpus_path).name, m.distance) for m in matches]
    assert results["0"] and results["0"][0][0] == photos[-1].name
    assert results["2"][0] == results["0"][0]


def test_distances_are_put_in_words_each_out_of_its_own_bits() -> None:
    from verifier.matching.wording import distances_text, found_by

    assert distances_text(6, {"pdq": 40, "pdq_median": 44, "phash": 6}) == \
        "PDQ 40 of 256 (median of the matched frames 44), pHash 6 of 64"
    assert distances_text(6, {"pdq": 40, "phash": 6}) == "PDQ 40 of 256, pHash 6 of 64"
    assert distances_text(3, None) == "pHash 3 of 64"
    assert distances_text(3, {"dhash": 5, "colorhash": 2, "pdq": None}) == \
        "pHash 3 of 64, dHash 5 of 64, colour hash 2 of 42"
    assert found_by("orb") == "local features" and found_by("pdq") == "PDQ"


def test_a_long_scan_shared_among_threads_gives_the_same_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import verifier.matching.index as index_module

    rng = np.random.default_rng(9)
    codes = rng.integers(0, 256, (5000, 32), dtype=np.uint8)
    queries = np.vstack([codes[::97], rng.integers(0, 256, (40, 32), dtype=np.uint8)])
    index = BinaryIndex(256, approximate_after=0)
    index.add(codes)
    whole = index.search(queries, 5)
    monkeypatch.setattr(index_module, "_SPLIT_WORK", 1)
    monkeypatch.setattr(index_module, "_scan_threads", lambda: 3)
    assert len(index_module._split(queries, len(index))) == 3
    shared = index.search(queries, 5)
    assert np.array_equal(whole[0], shared[0]) and np.array_equal(whole[1], shared[1])
    assert np.array_equal(shared[1][: len(codes[::97]), 0], np.arange(0, 5000, 97))


def test_feature_votes_keep_pictures_and_video_frames_apart() -> None:
    from verifier.corpus.frames import FeatureIndex

    rng = np.random.default_rng(5)
    picture = rng.integers(0, 256, (64, 32), dtype=np.uint8)
    frame = rng.integers(0, 256, (64, 32), dtype=np.uint8)
    index = FeatureIndex()
    index.append([(1, picture.tobytes(), False), (2, frame.tobytes(), True)])
    assert len(index) == 128
    both = np.vstack([picture[:20], frame[:10]])
    assert index.vote(both) == {1: 20, 2: 10}  # each descriptor's nearest, in either part
    assert index.vote(both, video_only=True) == {2: 10}
    # k nearest over both parts together: a picture descriptor's second nearest is no closer
    # than 50 bits elsewhere, so it votes once.
    assert index.vote(picture[:5], k=2) == {1: 5}
