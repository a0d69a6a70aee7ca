"""Content Credentials (C2PA) as plain frozen records: what a file's manifests say, who signed
them and whether they still hold. No I/O and no c2pa import here, so verifier.models can hold
them and a stored case can be loaded without the native library."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

NO_CREDENTIALS = "No Content Credentials"


class CredentialState(StrEnum):
    """What reading the credentials found, from best to worst."""

    TRUSTED = "trusted"  # intact, and the signer chains to a trust anchor configured here
    VALID = "valid"  # intact; trust was not checked
    UNTRUSTED = "untrusted"  # intact, but the signer is on no trust list known here
    INVALID = "invalid"  # a check failed: changed after signing, bad signature, ...
    UNREADABLE = "unreadable"  # there is a manifest, but it cannot be parsed
    NONE = "none"  # the file carries no Content Credentials
    UNSUPPORTED = "unsupported"  # C2PA is not read from this file type
    UNAVAILABLE = "unavailable"  # the c2pa library could not be loaded


@dataclass(frozen=True)
class CredentialAction:
    """One action of a c2pa.actions assertion (what was done to the content)."""

    action: str  # e.g. c2pa.created, c2pa.edited, c2pa.cropped
    label: str  # the same in plain words
    software_agent: str = ""  # the tool that did it, as the manifest names it
    digital_source_type: str = ""  # IPTC digital source type URI, when given
    source_type_label: str = ""  # that type in plain words
    when: str = ""
    description: str = ""  # the action's own description or reason, when given


@dataclass(frozen=True)
class CredentialIngredient:
    """Something the content was made from (a parent file, a placed component, an input)."""

    title: str
    format: str = ""
    relationship: str = ""  # parentOf, componentOf, inputTo
    hash: str = ""
    instance_id: str = ""
    manifest: str = ""  # label of the ingredient's own manifest in the store, when it had one
    failures: tuple[str, ...] = ()  # validation codes that failed for this ingredient


@dataclass(frozen=True)
class ValidationIssue:
    code: str  # C2PA validation status code, e.g. assertion.dataHash.mismatch
    explanation: str  # what it means, in plain words
    detail: str = ""  # the library's own wording
    where: str = ""  # the manifest part it concerns (JUMBF URI)
    ingredient: str = ""  # set when the issue belongs to an ingredient's manifest


@dataclass(frozen=True)
class CredentialManifest:
    label: str
    active: bool = False  # the manifest that speaks for the file as it is now
    title: str = ""
    claim_generator: str = ""  # the software that wrote the manifest
    signer: str = ""  # certificate common name
    issuer: str = ""  # certificate issuer (organisation)
    signing_time: str = ""  # from a trusted time stamp; empty when the signature has none
    algorithm: str = ""
    cert_serial: str = ""
    actions: tuple[CredentialAction, ...] = ()
    ingredients: tuple[CredentialIngredient, ...] = ()
    assertions: tuple[str, ...] = ()  # every assertion label
    ai_assertions: tuple[str, ...] = ()  # AI-related assertions, summarised
    authors: tuple[str, ...] = ()  # from a schema.org CreativeWork assertion


@dataclass(frozen=True)
class Credentials:
    present: bool
    state: CredentialState
    summary: str  # one line: "No Content Credentials", "Signed by ..., intact", ...
    note: str  # what the result means and what it does not prove
    active_manifest: str = ""
    manifests: tuple[CredentialManifest, ...] = ()
    validation: tuple[ValidationIssue, ...] = ()  # failures only
    ai_sources: tuple[str, ...] = ()  # generative-AI source types found, in plain words
    embedded: bool = True  # False: the manifest lives elsewhere (remote_url)
    remote_url: str = ""
    error: str = ""  # why the manifest could not be read or the library loaded
    library: str = ""  # c2pa-python and native SDK versions that read it

    @property
    def ai_generated(self) -> bool:
        return bool(self.ai_sources)

    @property
    def active(self) -> CredentialManifest | None:
        return next((m for m in self.manifests if m.active), None)

    def manifest(self, label: str) -> CredentialManifest | None:
        return next((m for m in self.manifests if m.label == label), None)


def credentials_from_dict(d: dict[str, Any] | None) -> Credentials | None:
    """Credentials from their asdict() form (a stored case), tolerant of missing keys."""
    if not d:
        return None
    manifests = tuple(
        CredentialManifest(**(_known(CredentialManifest, m) | {
            "actions": tuple(CredentialAction(**_known(CredentialAction, a))
                             for a in m.get("actions", [])),
            "ingredients": tuple(CredentialIngredient(**(_known(CredentialIngredient, i) | {
                "failures": tuple(i.get("failures", []))})) for i in m.get("ingredients", [])),
            "assertions": tuple(m.get("assertions", [])),
            "ai_assertions": tuple(m.get("ai_assertions", [])),
            "authors": tuple(m.get("authors", [])),
        })) for m in d.get("manifests", []))
    try:
        state = CredentialState(d.get("state", "none"))
    except ValueError:
        state = CredentialState.UNREADABLE
    return Credentials(**(_known(Credentials, d) | {
        "state": state,
        "manifests": manifests,
        "validation": tuple(ValidationIssue(**_known(ValidationIssue, v))
                            for v in d.get("validation", [])),
        "ai_sources": tuple(d.get("ai_sources", [])),
    }))


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The keys of data that cls has as fields (a newer or older version may write others)."""
    names = cls.__dataclass_fields__.keys()  # type: ignore[attr-defined]
    return {k: v for k, v in data.items() if k in names}
