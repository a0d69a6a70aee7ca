"""Exact Hamming search over binary codes (FAISS)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np


class BinaryIndex:
    """Exact Hamming search over binary codes (64 or 256 bits) with FAISS IndexBinaryFlat.

    Codes are appended incrementally; rows are numbered in the order they were added. A single
    query runs on one OpenMP thread: on two cores FAISS's threads cost more than they give
    (4 ms against 140 ms for one query over a million codes, see FINDINGS.md).
    """

    def __init__(self, bits: int) -> None:
        import faiss

        if bits % 8:
            raise ValueError("binary codes must be a whole number of bytes")
        self.bits = bits
        self.nbytes = bits // 8
        self._faiss = faiss
        self._index = faiss.IndexBinaryFlat(bits)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def memory_bytes(self) -> int:
        return len(self) * self.nbytes

    def add(self, codes: np.ndarray) -> None:
        codes = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, self.nbytes)
        if codes.shape[0]:
            self._index.add(codes)

    def reconstruct(self, row: int) -> bytes:
        return bytes(self._index.reconstruct(int(row)))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(distances, rows), each (n_queries, k'), nearest first; k' = min(k, len)."""
        queries = np.ascontiguousarray(queries, dtype=np.uint8).reshape(-1, self.nbytes)
        k = min(k, len(self))
        if k <= 0 or not queries.shape[0]:
            empty = np.zeros((queries.shape[0], 0), dtype=np.int64)
            return empty.astype(np.int32), empty
        faiss = self._faiss
        previous = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(_threads())
        try:
            distances, rows = self._index.search(queries, k)
        finally:
            faiss.omp_set_num_threads(previous)
        return distances.astype(np.int32), rows.astype(np.int64)


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
