"""Brute-force Hamming search over 64-bit hashes with numpy: exact, and fast enough for a
newsroom corpus of a few hundred thousand frames."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class HammingIndex:
    def __init__(self, codes: Sequence[int]) -> None:
        self._codes = np.array([c & 0xFFFFFFFFFFFFFFFF for c in codes], dtype=np.uint64)

    def __len__(self) -> int:
        return int(self._codes.size)

    def distances(self, query: int) -> np.ndarray:
        xor = np.bitwise_xor(self._codes, np.uint64(query & 0xFFFFFFFFFFFFFFFF))
        return np.bitwise_count(xor).astype(np.int32)

    def search(self, query: int, max_distance: int) -> list[tuple[int, int]]:
        """(row, distance) pairs within max_distance, nearest first."""
        if not len(self):
            return []
        dist = self.distances(query)
        rows = np.nonzero(dist <= max_distance)[0]
        order = rows[np.argsort(dist[rows], kind="stable")]
        return [(int(r), int(dist[r])) for r in order]
