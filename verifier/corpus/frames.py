"""The corpus's hashes in memory: every frame row (an image, or a video sample or keyframe) with
its PDQ code in a FAISS IndexBinaryFlat (exact Hamming), its pHash in a second one (the fallback
for flat pictures and for items hashed before PDQ), dHash and colour hash beside them; and the
local-feature index that shortlists crops. Loaded from SQLite once, then updated incrementally
as items are added or removed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from verifier.matching.index import BinaryIndex, int64_codes
from verifier.matching.pdq import PDQ_BYTES

# Local features held in memory at most (36 bytes each with their owner): ~290 MB. Beyond it,
# each frame keeps fewer of its strongest features (at least MIN_FEATURES_PER_FRAME).
FEATURE_BUDGET = 8_000_000
MIN_FEATURES_PER_FRAME = 16


@dataclass(frozen=True)
class FrameRow:
    frame_id: int
    item_id: int
    time: float | None
    keyframe: bool
    pdq: bytes | None
    quality: int | None
    phash: int
    dhash: int | None
    chash: int | None


class FrameIndex:
    """Parallel arrays over frame rows plus two FAISS binary indexes (row numbers = positions)."""

    def __init__(self) -> None:
        self.frame_id = np.zeros(0, np.int64)
        self.item_id = np.zeros(0, np.int64)
        self.time = np.zeros(0, np.float64)  # NaN for images
        self.keyframe = np.zeros(0, bool)
        self.quality = np.zeros(0, np.int16)  # -1: no PDQ (hashed before schema 2)
        self.phash = np.zeros(0, np.uint64)
        self.dhash = np.zeros(0, np.uint64)
        self.chash = np.zeros(0, np.int64)  # -1: none
        self.alive = np.zeros(0, bool)
        self.pdq = BinaryIndex(PDQ_BYTES * 8)
        self.phash_index = BinaryIndex(64)
        self._row_of_frame: dict[int, int] = {}
        self._pending: list[FrameRow] = []

    def __len__(self) -> int:
        self.flush()
        return int(self.frame_id.size)

    @property
    def live_rows(self) -> int:
        return int(self.alive.sum())

    @property
    def memory_bytes(self) -> int:
        arrays = (self.frame_id, self.item_id, self.time, self.keyframe, self.quality,
                  self.phash, self.dhash, self.chash, self.alive)
        return (sum(a.nbytes for a in arrays) + self.pdq.memory_bytes
                + self.phash_index.memory_bytes + len(self._row_of_frame) * 100)

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> FrameIndex:
        index = cls()
        cursor = conn.execute("SELECT id, item_id, time, keyframe, pdq, quality, phash, dhash,"
                              " chash FROM frames ORDER BY id")
        while batch := cursor.fetchmany(100_000):
            index.append(FrameRow(r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7], r[8])
                         for r in batch)
            index.flush()
        return index

    def append(self, rows: Iterable[FrameRow]) -> None:
        """Queue rows; they join the arrays and indexes in one go before the next read."""
        self._pending.extend(rows)

    def flush(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        start = int(self.frame_id.size)
        n = len(rows)
        mask = 0xFFFFFFFFFFFFFFFF
        self.frame_id = np.concatenate([self.frame_id, [r.frame_id for r in rows]])
        self.item_id = np.concatenate([self.item_id, [r.item_id for r in rows]])
        self.time = np.concatenate([self.time, [np.nan if r.time is None else r.time
                                                for r in rows]])
        self.keyframe = np.concatenate([self.keyframe, [r.keyframe for r in rows]])
        self.quality = np.concatenate([self.quality, np.array(
            [r.quality if r.pdq and r.quality is not None else -1 for r in rows], np.int16)])
        self.phash = np.concatenate([self.phash, np.array([r.phash & mask for r in rows],
                                                          np.uint64)])
        self.dhash = np.concatenate([self.dhash, np.array(
            [(r.dhash or 0) & mask for r in rows], np.uint64)])
        self.chash = np.concatenate([self.chash, np.array(
            [-1 if r.chash is None else r.chash for r in rows], np.int64)])
        self.alive = np.concatenate([self.alive, np.ones(n, bool)])
        zero = bytes(PDQ_BYTES)
        codes = np.frombuffer(b"".join(r.pdq if r.pdq and len(r.pdq) == PDQ_BYTES else zero
                                       for r in rows), dtype=np.uint8).reshape(n, PDQ_BYTES)
        self.pdq.add(codes)
        self.phash_index.add(int64_codes([r.phash for r in rows]))
        for i, r in enumerate(rows):
            self._row_of_frame[r.frame_id] = start + i

    def kill_items(self, item_ids: Sequence[int]) -> None:
        self.flush()
        if len(self) and item_ids:
            self.alive &= ~np.isin(self.item_id, np.asarray(list(item_ids), np.int64))

    def row_of_frame(self, frame_id: int) -> int | None:
        self.flush()
        return self._row_of_frame.get(frame_id)

    def pdq_code(self, row: int) -> bytes | None:
        if self.quality[row] < 0:
            return None
        return self.pdq.reconstruct(row)

    def rows_of_item(self, item_id: int) -> np.ndarray:
        return np.nonzero((self.item_id == item_id) & self.alive)[0]


class _Descriptors:
    """One FAISS binary index of descriptors and the frame each belongs to."""

    def __init__(self) -> None:
        # Always exact: votes need every descriptor within 50 bits, where an inverted file's
        # lists miss too many; the feature budget (8M) bounds the scan instead.
        self.index = BinaryIndex(256, approximate_after=0)
        self.owner = np.zeros(0, np.int64)  # frame_id per descriptor

    def add(self, blocks: list[np.ndarray], owners: list[np.ndarray]) -> None:
        if blocks:
            self.index.add(np.concatenate(blocks))
            self.owner = np.concatenate([self.owner, *owners])

    def search(self, descriptors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(distances, owning frame ids, -1 for none), k per descriptor."""
        if not len(self.index):
            shape = (descriptors.shape[0], k)
            return np.full(shape, np.iinfo(np.int32).max), np.full(shape, -1, np.int64)
        distances, rows = self.index.search(descriptors, k)
        return distances, np.where(rows >= 0, self.owner[np.clip(rows, 0, None)], -1)


class FeatureIndex:
    """Local-feature descriptors of every indexed frame, pictures' and video frames' apart (a
    video query's copy is looked for among video frames only, a far smaller scan in an archive
    of photos); a query's descriptors vote for the frames they meet (the crop shortlist)."""

    def __init__(self) -> None:
        self.pictures = _Descriptors()
        self.video = _Descriptors()
        self.per_frame_cap: int | None = None

    def __len__(self) -> int:
        return len(self.pictures.index) + len(self.video.index)

    @property
    def memory_bytes(self) -> int:
        return sum(part.index.memory_bytes + part.owner.nbytes
                   for part in (self.pictures, self.video))

    @classmethod
    def load(cls, conn: sqlite3.Connection, budget: int = FEATURE_BUDGET) -> FeatureIndex:
        index = cls()
        total = conn.execute("SELECT coalesce(sum(length(descriptors)), 0) / 32,"
                             " count(*) FROM features").fetchone()
        if total[0] > budget and total[1]:
            index.per_frame_cap = max(MIN_FEATURES_PER_FRAME, budget // total[1])
        cursor = conn.execute("SELECT f.frame_id, f.descriptors, fr.time IS NOT NULL"
                              " FROM features f JOIN frames fr ON fr.id = f.frame_id"
                              " ORDER BY f.frame_id")
        while batch := cursor.fetchmany(20_000):
            index.append((r[0], r[1], bool(r[2])) for r in batch)
        return index

    def append(self, rows: Iterable[tuple[int, bytes, bool]]) -> None:
        """(frame_id, descriptors, from a video) per frame."""
        parts: dict[bool, tuple[list[np.ndarray], list[np.ndarray]]] = {False: ([], []),
                                                                          True: ([], [])}
        for frame_id, blob, video in rows:
            desc = np.frombuffer(blob, dtype=np.uint8).reshape(-1, 32)
            if self.per_frame_cap is not None:
                desc = desc[: self.per_frame_cap]  # stored strongest first
            parts[video][0].append(desc)
            parts[video][1].append(np.full(desc.shape[0], frame_id, np.int64))
        self.pictures.add(*parts[False])
        self.video.add(*parts[True])

    def vote(self, descriptors: np.ndarray, *, max_distance: int = 50, k: int = 2,
             video_only: bool = False) -> dict[int, int]:
        """frame_id -> number of query descriptors with one of their k nearest descriptors
        (within `max_distance`) in that frame."""
        if not len(self) or descriptors.shape[0] == 0:
            return {}
        distances, owners = self.video.search(descriptors, k)
        if not video_only and len(self.pictures.index):
            # The k nearest of both parts together, as one index would give them.
            d2, o2 = self.pictures.search(descriptors, k)
            distances, owners = np.hstack([d2, distances]), np.hstack([o2, owners])
            nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
            distances = np.take_along_axis(distances, nearest, axis=1)
            owners = np.take_along_axis(owners, nearest, axis=1)
        owners = np.where((distances <= max_distance) & (owners >= 0), owners, -1)
        votes: dict[int, int] = {}
        for row in owners:
            for frame_id in set(row[row >= 0].tolist()):
                votes[frame_id] = votes.get(frame_id, 0) + 1
        return votes
