"""Content Credentials (C2PA): who signed a file's provenance manifests, what they say was done
to it (actions, ingredients, generative-AI source types) and whether they still hold.

The records (records.py) import nothing heavy; reader.py loads c2pa-python on first use.
"""

from __future__ import annotations

from pathlib import Path

from verifier.provenance.records import (
    NO_CREDENTIALS,
    CredentialAction,
    CredentialIngredient,
    CredentialManifest,
    Credentials,
    CredentialState,
    ValidationIssue,
    credentials_from_dict,
)

__all__ = [
    "NO_CREDENTIALS",
    "CredentialAction",
    "CredentialIngredient",
    "CredentialManifest",
    "CredentialState",
    "Credentials",
    "ValidationIssue",
    "credentials_from_dict",
    "read_credentials",
]


def read_credentials(path: Path, mime: str = "", trust_anchors: Path | None = None) -> Credentials:
    """See verifier.provenance.reader.read_credentials (imported here on first call)."""
    from verifier.provenance.reader import read_credentials as _read

    return _read(Path(path), mime, trust_anchors)
