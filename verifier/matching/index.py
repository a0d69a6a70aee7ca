"""Hamming search over binary codes (FAISS): exact, and approximate beyond a few million codes.

Up to `approximate_after` codes a search scans them all (IndexBinaryFlat: 1.2 ms per query code
over a million 256-bit codes on one core). Past it, the first search builds an inverted file
(IndexBinaryIVF) whose list heads are codes sampled evenly from the index (no k-means: training
would cost minutes at this size, and near-duplicate recall was the same within a per cent), and
scans the lists of the nearest eighth of them: about eight times less work per query, at the
cost of occasionally missing a near-duplicate whose nearest list head is not among those.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

# Codes searched exactly before the index turns approximate ("a few million");
# VERIFIER_APPROXIMATE_AFTER overrides it (0: never).
APPROXIMATE_AFTER = 4_000_000
IVF_LISTS = 1024
IVF_PROBED_SHARE = 8  # lists scanned per query: one in this many


class BinaryIndex:
    """Exact Hamming search over binary codes (64 or 256 bits) with FAISS IndexBinaryFlat.

    Codes are appended incrementally; rows are numbered in the order they were added. A single
    query runs on one OpenMP thread: on two cores FAISS's threads cost more than they give
    (4 ms against 140 ms for one query over a million codes, see FINDINGS.md).
    """

    def __init__(self, bits: int, *, approximate_after: int | None = None) -> None:
        """approximate_after: codes searched exactly before the index turns approximate
        (default: APPROXIMATE_AFTER or the environment's VERIFIER_APPROXIMATE_AFTER; 0 never)."""
        import faiss

        if bits % 8:
            raise ValueError("binary codes must be a whole number of bytes")
        self.bits = bits
        self.nbytes = bits // 8
        self._faiss = faiss
        self._index: Any = faiss.IndexBinaryFlat(bits)
        self._heads: Any = None  # the inverted file's list heads, once it is built
        self.approximate_after = (_approximate_after() if approximate_after is None
                                  else approximate_after)

    @property
    def exact(self) -> bool:
        """True while every search scans every code."""
        return self._heads is None

    def describe(self) -> str:
        if self.exact:
            return "exact (FAISS IndexBinaryFlat)"
        ivf = self._index
        return (f"approximate (FAISS IndexBinaryIVF: {ivf.nlist} lists, {ivf.nprobe} scanned "
                f"per query)")

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def memory_bytes(self) -> int:
        # An inverted file also keeps an 8-byte id per code and a direct map (row -> list).
        return len(self) * (self.nbytes + (0 if self.exact else 16))

    def add(self, codes: np.ndarray) -> None:
        codes = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, self.nbytes)
        if codes.shape[0]:
            self._index.add(codes)

    def reconstruct(self, row: int) -> bytes:
        return bytes(self._index.reconstruct(int(row)))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(distances, rows), each (n_queries, k'), nearest first; k' = min(k, len). Rows an
        approximate search did not reach come back as -1 (distance the largest possible)."""
        if self.exact and 0 < self.approximate_after < len(self):
            self._build_inverted_file()
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, self.nbytes)
        k = min(k, len(self))
        if k <= 0 or not queries.shape[0]:
            empty = np.zeros((queries.shape[0], 0), dtype=np.int64)
            return empty.astype(np.int32), empty
        faiss = self._faiss
        previous = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(_threads())
        try:
            parts = _split(queries, len(self))
            if len(parts) == 1:
                distances, rows = self._index.search(queries, k)
            else:
                # A long scan (local-feature votes: seconds) is shared out by queries among
                # Python threads, one OpenMP thread each (FAISS lets go of the GIL): no OpenMP
                # team spinning when the other core is busy, which made its threads slower.
                found = list(_scan_pool().map(lambda part: self._search_here(part, k), parts))
                distances = np.vstack([d for d, _ in found])
                rows = np.vstack([r for _, r in found])
        finally:
            faiss.omp_set_num_threads(previous)
        return distances.astype(np.int32), rows.astype(np.int64)

    def _search_here(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """A search on this thread with the usual OpenMP team (each thread has its own
        setting: a pool thread would otherwise start a team of every core)."""
        self._faiss.omp_set_num_threads(_threads())
        distances, rows = self._index.search(queries, k)
        return distances, rows

    def _build_inverted_file(self) -> None:
        """Replace the flat index by an inverted file over the same codes, rows unchanged."""
        faiss = self._faiss
        n = len(self)
        codes = faiss.vector_to_array(self._index.xb).reshape(n, self.nbytes)
        nlist = min(IVF_LISTS, n)
        heads = faiss.IndexBinaryFlat(self.bits)
        heads.add(np.ascontiguousarray(codes[:: max(1, n // nlist)][:nlist]))
        ivf = faiss.IndexBinaryIVF(heads, self.bits, nlist)
        ivf.is_trained = True  # the heads are the lists' centres as they are
        ivf.nprobe = max(1, nlist // IVF_PROBED_SHARE)
        for start in range(0, n, 1_000_000):  # ids follow the order added: rows stay rows
            ivf.add(np.ascontiguousarray(codes[start:start + 1_000_000]))
        ivf.make_direct_map()  # reconstruct(row)
        self._index, self._heads = ivf, heads  # the heads must outlive the inverted file


# A batch of queries is split among threads when it makes this many code comparisons (about
# 0.1 s on one core), in parts of at least _MIN_PART queries.
_SPLIT_WORK = 100_000_000
_MIN_PART = 16
_pool: ThreadPoolExecutor | None = None


def _scan_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _split(queries: np.ndarray, codes: int) -> list[np.ndarray]:
    """The query batch in one part per thread when the scan is long enough to share out."""
    n = queries.shape[0]
    parts = min(_scan_threads(), n // _MIN_PART)
    if parts < 2 or n * codes < _SPLIT_WORK:
        return [queries]
    return np.array_split(queries, parts)


def _scan_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_scan_threads(), thread_name_prefix="scan")
    return _pool


def search_kind(codes: int) -> str:
    """How a search over an index of this many codes is made (as BinaryIndex.describe says)."""
    after = _approximate_after()
    if after == 0 or codes <= after:
        return "exact (FAISS IndexBinaryFlat)"
    nlist = min(IVF_LISTS, codes)
    return (f"approximate (FAISS IndexBinaryIVF: {nlist} lists, "
            f"{max(1, nlist // IVF_PROBED_SHARE)} scanned per query)")


def _approximate_after() -> int:
    try:
        return max(0, int(os.environ.get("VERIFIER_APPROXIMATE_AFTER", APPROXIMATE_AFTER)))
    except ValueError:
        return APPROXIMATE_AFTER


def _threads() -> int:
    """OpenMP threads for a search: 1 unless VERIFIER_FAISS_THREADS says otherwise. On the
    2-core machines a second thread made a 1,500-query batch 30x slower (33 ms -> 1.1 s) when
    the other core was busy, and a single query 35x slower (FINDINGS.md)."""
    try:
        return max(1, int(os.environ.get("VERIFIER_FAISS_THREADS", "1")))
    except ValueError:
        return 1


def int64_codes(values: Sequence[int] | np.ndarray) -> np.ndarray:
    """64-bit hashes (as Python ints, signed or not) as (n, 8) big-endian bytes for BinaryIndex."""
    arr = np.asarray([v & 0xFFFFFFFFFFFFFFFF for v in values], dtype=np.uint64)
    return arr.astype(">u8").view(np.uint8).reshape(-1, 8)
