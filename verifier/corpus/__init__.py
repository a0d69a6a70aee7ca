"""The local corpus of known media: resumable, parallel ingest of images and videos (hashes,
local features, a timeline per video, provenance), and the indexes that find where a picture or
frame appeared before."""

from verifier.corpus.store import (
    DEFAULT_SAMPLE_SECONDS,
    HASH_DECODE_SIDE,
    Corpus,
    IngestReport,
    ItemInfo,
    Provenance,
    RemoveReport,
    VerifyReport,
    default_corpus_path,
)

__all__ = [
    "DEFAULT_SAMPLE_SECONDS",
    "HASH_DECODE_SIDE",
    "Corpus",
    "IngestReport",
    "ItemInfo",
    "Provenance",
    "RemoveReport",
    "VerifyReport",
    "default_corpus_path",
]
