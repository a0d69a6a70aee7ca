"""Read a file's Content Credentials (C2PA manifests) with c2pa-python, offline.

The binding and its native library are imported on first use only, so start-up stays fast and a
missing or broken library gives a Credentials record that says so instead of an exception.
Nothing is fetched: remote manifests and OCSP revocation checks are off. No C2PA trust list is
built in; VERIFIER_C2PA_TRUST_ANCHORS may name a PEM file of trust anchors to check signers
against.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from verifier.media.exif import clean_text
from verifier.provenance import vocabulary as vocab
from verifier.provenance.records import (
    NO_CREDENTIALS,
    CredentialAction,
    CredentialIngredient,
    CredentialManifest,
    Credentials,
    CredentialState,
    ValidationIssue,
)

log = logging.getLogger(__name__)

TRUST_ANCHORS_ENV = "VERIFIER_C2PA_TRUST_ANCHORS"
# Manifests are hostile input: cap what is kept of them.
MAX_TEXT = 300
MAX_MANIFESTS = 50
MAX_ITEMS = 200

NOTE_ABSENT = (
    "The file carries no Content Credentials. Most cameras, phones and editors do not add them "
    "and most platforms remove them on upload, so their absence is not a sign of fakery.")
NOTE_INTACT = (
    "The content and its manifest are as they were when signed. Credentials record what the "
    "signer's software declared about the file; they do not prove that what it shows is true.")
NOTE_UNTRUSTED = (
    " The signer's certificate does not chain to a trust anchor known here (no C2PA trust list "
    f"is built in; {TRUST_ANCHORS_ENV} may name one), so the signer is who the certificate "
    "says, unconfirmed.")
NOTE_INVALID = (
    "Something no longer matches what was signed: the file or its manifest changed after "
    "signing, or the signature or certificate is bad. Editing or re-saving a signed file "
    "without re-signing also does this; do not rely on what these credentials say.")
NOTE_UNREADABLE = (
    "The file holds a Content Credentials manifest that cannot be read; it may be damaged or "
    "truncated. Nothing it says can be relied on, and this alone does not prove manipulation.")

# c2pa-python searches the current folder (and ./libs, ./artifacts) for its native library
# before its own package folder: a library dropped beside the analysed files would be loaded.
_NATIVE_NAMES = {"linux": "libc2pa_c.so", "darwin": "libc2pa_c.dylib", "win32": "c2pa_c.dll"}

_lock = threading.Lock()
_module: ModuleType | None = None
_load_error: str | None = None


def load_library() -> tuple[ModuleType | None, str | None]:
    """The c2pa module, or None with the reason it could not be loaded (cached)."""
    global _module, _load_error
    with _lock:
        if _module is not None or _load_error is not None:
            return _module, _load_error
        hijack = _foreign_native_library()
        if hijack is not None:
            _load_error = (f"a C2PA library in the current folder ({hijack}) would be loaded "
                           "instead of the installed one; run from another folder")
            return None, _load_error
        try:
            import c2pa
        except Exception as exc:  # ImportError, OSError or RuntimeError from the native loader
            _load_error = f"the c2pa-python library could not be loaded ({clean_text(exc, 200)})"
            log.warning("%s", _load_error)
            return None, _load_error
        _module = c2pa
        return _module, None


def _foreign_native_library() -> Path | None:
    name = _NATIVE_NAMES.get(sys.platform)
    if name is None or os.environ.get("C2PA_LIBRARY_NAME"):
        return None
    cwd = Path.cwd()
    for folder in (cwd, cwd / "artifacts", cwd / "libs"):
        for candidate in (folder / name, *(p / name for p in _subfolders(folder))):
            if candidate.is_file():
                return candidate
    return None


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir() and "-" in p.name][:50]
    except OSError:
        return []


def library_version() -> str:
    c2pa, _ = load_library()
    if c2pa is None:
        return ""
    try:
        return f"c2pa-python {c2pa.__version__}, c2pa-rs {c2pa.sdk_version()}"
    except Exception:  # the version is a courtesy; never fail a read for it
        return f"c2pa-python {getattr(c2pa, '__version__', '?')}"


def read_credentials(path: Path, mime: str = "",
                     trust_anchors: Path | None = None) -> Credentials:
    """The Content Credentials of one file. Never raises for what the file holds: absence,
    damage, an unsupported type or a missing library each give a record that says so.

    mime: the type sniffed from the content (the library reconciles it with the bytes).
    trust_anchors: a PEM file of root certificates to trust (else $VERIFIER_C2PA_TRUST_ANCHORS).
    """
    c2pa, error = load_library()
    if c2pa is None:
        return Credentials(False, CredentialState.UNAVAILABLE,
                           "Content Credentials not checked",
                           f"Content Credentials were not checked: {error}.", error=error or "")
    version = library_version()
    supported = _supported(c2pa)
    if mime and supported and mime not in supported:
        return Credentials(False, CredentialState.UNSUPPORTED,
                           f"{NO_CREDENTIALS} read (C2PA is not read from {mime} files)",
                           f"Content Credentials are not read from {mime} files. "
                           + NOTE_ABSENT.split(". ", 1)[1], library=version)
    anchors = trust_anchors or _env_anchors()
    try:
        context = c2pa.Context.from_dict(_settings(anchors))
        with path.open("rb") as fh:
            reader = c2pa.Reader(mime or None, fh, context=context)
            try:
                store = json.loads(reader.json())
                embedded = _safe(reader.is_embedded, True)
                remote = _safe(reader.get_remote_url, None) or ""
            finally:
                reader.close()
    except OSError as exc:
        return _unreadable(f"the file cannot be read ({exc.strerror or exc})", version)
    except c2pa.C2paError.ManifestNotFound:
        return Credentials(False, CredentialState.NONE, NO_CREDENTIALS, NOTE_ABSENT,
                           library=version)
    except c2pa.C2paError.NotSupported as exc:
        return Credentials(False, CredentialState.UNSUPPORTED,
                           f"{NO_CREDENTIALS} read (C2PA is not read from this file type)",
                           f"Content Credentials are not read from this file type "
                           f"({clean_text(exc, 200)}).", library=version)
    except c2pa.C2paError.RemoteManifest as exc:
        return Credentials(True, CredentialState.UNREADABLE,
                           "Content Credentials stored elsewhere (not fetched)",
                           "The file points to Content Credentials kept at a web address; they "
                           "are not fetched, so they were not checked.", embedded=False,
                           error=clean_text(exc, MAX_TEXT), library=version)
    except (c2pa.C2paError, ValueError, TypeError, KeyError) as exc:
        # c2pa-rs reports a damaged manifest store as Verify, Decoding, Json, ... errors.
        return _unreadable(clean_text(exc, MAX_TEXT) or type(exc).__name__, version)
    return parse_store(store, embedded=bool(embedded), remote_url=str(remote),
                       trusted_by=anchors, library=version)


def _settings(anchors: Path | None) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "verify": {"verify_after_reading": True, "verify_trust": True,
                   "remote_manifest_fetch": False, "ocsp_fetch": False},
    }
    if anchors is not None:
        try:
            settings["trust"] = {"trust_anchors": anchors.read_text("utf-8")}
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("trust anchors %s cannot be read: %s", anchors, exc)
    return settings


def _env_anchors() -> Path | None:
    value = os.environ.get(TRUST_ANCHORS_ENV, "").strip()
    return Path(value) if value else None


def _supported(c2pa: ModuleType) -> frozenset[str]:
    try:
        return frozenset(c2pa.Reader.get_supported_mime_types())
    except Exception:  # an older binding without the query: let the reader decide
        return frozenset()


def _safe(call: Any, default: Any) -> Any:
    try:
        return call()
    except Exception:
        return default


def _unreadable(error: str, version: str) -> Credentials:
    return Credentials(True, CredentialState.UNREADABLE,
                       "Content Credentials present but unreadable",
                       f"{NOTE_UNREADABLE} ({error})", error=error, library=version)


# ---------------------------------------------------------------- the manifest store as records


def parse_store(store: Mapping[str, Any], *, embedded: bool = True, remote_url: str = "",
                trusted_by: Path | None = None, library: str = "") -> Credentials:
    """Records from the manifest store JSON that c2pa.Reader.json() gives."""
    active_label = _text(store.get("active_manifest"))
    raw_manifests = store.get("manifests")
    manifests: list[CredentialManifest] = []
    if isinstance(raw_manifests, Mapping):
        for label, m in list(raw_manifests.items())[:MAX_MANIFESTS]:
            if isinstance(m, Mapping):
                manifests.append(_manifest(_text(label), m, _text(label) == active_label))
    manifests.sort(key=lambda m: not m.active)  # the active manifest first
    issues = _validation(store)
    failing = [i for i in issues if i.code not in (vocab.UNTRUSTED_CODE, "timeStamp.untrusted")]
    state_word = _text(store.get("validation_state")).lower()
    if failing or state_word == "invalid":
        state = CredentialState.INVALID
    elif state_word == "trusted":
        state = CredentialState.TRUSTED
    elif any(i.code == vocab.UNTRUSTED_CODE for i in issues):
        state = CredentialState.UNTRUSTED
    else:
        state = CredentialState.VALID

    ai_sources: list[str] = []
    for m in manifests:
        for a in m.actions:
            if a.digital_source_type and vocab.is_ai_source(a.digital_source_type):
                words = a.source_type_label if m.active else \
                    f"{a.source_type_label} (in an ingredient's credentials)"
                if words not in ai_sources:
                    ai_sources.append(words)

    active = next((m for m in manifests if m.active), None)
    who = _signer_words(active)
    if state is CredentialState.INVALID:
        first = failing[0].explanation.rstrip(".") if failing else "the manifest failed validation"
        summary = f"Content Credentials{who} fail validation: {first[:1].lower()}{first[1:]}"
        note = NOTE_INVALID
    elif state is CredentialState.TRUSTED:
        summary = f"Content Credentials{who}: intact, signer trusted"
        where = f" ({trusted_by.name})" if trusted_by else ""
        note = (f"{NOTE_INTACT} The signer's certificate chains to a configured trust "
                f"anchor{where}.")
    elif state is CredentialState.UNTRUSTED:
        summary = f"Content Credentials{who}: intact, signer not on a known trust list"
        note = NOTE_INTACT + NOTE_UNTRUSTED
    else:
        summary = f"Content Credentials{who}: intact"
        note = NOTE_INTACT
    if ai_sources:
        summary += "; declared made with generative AI"
        note += (" The credentials declare generative AI: " + "; ".join(ai_sources) + ".")
    return Credentials(True, state, summary, note, active_label, tuple(manifests),
                       tuple(issues), tuple(ai_sources), embedded,
                       clean_text(remote_url, MAX_TEXT), "", library)


def _signer_words(m: CredentialManifest | None) -> str:
    if m is None:
        return ""
    name = m.signer or m.issuer
    if not name:
        return ""
    if m.issuer and m.issuer != name:
        name += f" (issued by {m.issuer})"
    return f" signed by {name}"


def _manifest(label: str, m: Mapping[str, Any], active: bool) -> CredentialManifest:
    sig = m.get("signature_info") if isinstance(m.get("signature_info"), Mapping) else {}
    assert isinstance(sig, Mapping)
    assertions = [a for a in _items(m.get("assertions")) if isinstance(a, Mapping)]
    labels = tuple(_text(a.get("label")) for a in assertions)
    actions: list[CredentialAction] = []
    authors: list[str] = []
    ai_assertions: list[str] = []
    for a in assertions:
        a_label = _text(a.get("label"))
        data = a.get("data")
        if a_label.startswith("c2pa.actions") and isinstance(data, Mapping):
            actions.extend(_action(x) for x in _items(data.get("actions"))
                           if isinstance(x, Mapping))
        elif a_label.startswith("stds.schema-org.CreativeWork") and isinstance(data, Mapping):
            authors.extend(_text(p.get("name")) for p in _items(data.get("author"))
                           if isinstance(p, Mapping) and p.get("name"))
        ai = _ai_assertion(a_label, data)
        if ai:
            ai_assertions.extend(ai)
    return CredentialManifest(
        label=label, active=active, title=_text(m.get("title")),
        claim_generator=_generator(m), signer=_text(sig.get("common_name")),
        issuer=_text(sig.get("issuer")), signing_time=_text(sig.get("time")),
        algorithm=_text(sig.get("alg")), cert_serial=_text(sig.get("cert_serial_number")),
        actions=tuple(actions[:MAX_ITEMS]),
        ingredients=tuple(_ingredient(i) for i in _items(m.get("ingredients"))
                          if isinstance(i, Mapping)),
        assertions=labels, ai_assertions=tuple(ai_assertions[:MAX_ITEMS]),
        authors=tuple(a for a in authors if a)[:MAX_ITEMS])


def _generator(m: Mapping[str, Any]) -> str:
    info = [g for g in _items(m.get("claim_generator_info")) if isinstance(g, Mapping)]
    if info:
        parts = []
        for g in info:
            words = " ".join(_text(g.get(k)) for k in ("name", "version") if g.get(k))
            if words:
                parts.append(words)
        if parts:
            return clean_text("; ".join(parts), MAX_TEXT)
    return _text(m.get("claim_generator"))


def _action(a: Mapping[str, Any]) -> CredentialAction:
    name = _text(a.get("action")) or "c2pa.unknown"
    agent = a.get("softwareAgent")
    if isinstance(agent, Mapping):  # claim v2: {"name", "version"}
        agent = " ".join(_text(agent.get(k)) for k in ("name", "version") if agent.get(k))
    params = a.get("parameters") if isinstance(a.get("parameters"), Mapping) else {}
    assert isinstance(params, Mapping)
    source = _text(a.get("digitalSourceType"))
    description = _text(a.get("description") or params.get("description") or a.get("reason"))
    return CredentialAction(name, vocab.action_label(name), _text(agent), source,
                            vocab.source_type_label(source) if source else "",
                            _text(a.get("when")), description)


def _ingredient(i: Mapping[str, Any]) -> CredentialIngredient:
    failures: list[str] = []
    for status in _items(i.get("validation_status")):
        if isinstance(status, Mapping) and status.get("code"):
            failures.append(_text(status.get("code")))
    results = i.get("validation_results")
    if isinstance(results, Mapping):
        active = results.get("activeManifest")
        if isinstance(active, Mapping):
            failures.extend(_text(f.get("code")) for f in _items(active.get("failure"))
                            if isinstance(f, Mapping) and f.get("code"))
    data = i.get("data") if isinstance(i.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    digest = _text(i.get("hash") or data.get("hash"))
    return CredentialIngredient(
        title=_text(i.get("title")) or "(untitled)", format=_text(i.get("format")),
        relationship=_text(i.get("relationship")), hash=digest,
        instance_id=_text(i.get("instance_id")), manifest=_text(i.get("active_manifest")),
        failures=tuple(dict.fromkeys(failures)))


def _ai_assertion(label: str, data: Any) -> list[str]:
    """AI-related assertions in words. Training-and-mining entries are permissions about using
    the content to train models, not a statement that AI made it."""
    out: list[str] = []
    if "training-mining" in label and isinstance(data, Mapping):
        entries = data.get("entries")
        if isinstance(entries, Mapping):
            for key, value in list(entries.items())[:20]:
                use = _text(value.get("use")) if isinstance(value, Mapping) else _text(value)
                out.append(f"AI training permission {_text(key)}: {use or 'unstated'}")
        return out
    leaf = label.split(".", 1)[-1] if "." in label else label
    if leaf.startswith(("ai_", "ai-", "ai.")) or ".ai_" in label or ".ai-" in label:
        out.append(f"AI-related statement {label}")
    return out


def _validation(store: Mapping[str, Any]) -> list[ValidationIssue]:
    """Failures of the active manifest and of its ingredients' manifests."""
    issues: list[ValidationIssue] = []
    results = store.get("validation_results")
    if isinstance(results, Mapping):
        active = results.get("activeManifest")
        if isinstance(active, Mapping):
            issues.extend(_issue(f) for f in _items(active.get("failure"))
                          if isinstance(f, Mapping))
        for delta in _items(results.get("ingredientDeltas")):
            if not isinstance(delta, Mapping):
                continue
            where = _text(delta.get("ingredientAssertionURI"))
            deltas = delta.get("validationDeltas")
            if isinstance(deltas, Mapping):
                issues.extend(_issue(f, where) for f in _items(deltas.get("failure"))
                              if isinstance(f, Mapping))
    else:  # older stores: one flat list of failures
        issues.extend(_issue(f) for f in _items(store.get("validation_status"))
                      if isinstance(f, Mapping))
    unique: dict[tuple[str, str, str], ValidationIssue] = {}
    for issue in issues:
        unique.setdefault((issue.code, issue.where, issue.ingredient), issue)
    return list(unique.values())[:MAX_ITEMS]


def _issue(f: Mapping[str, Any], ingredient: str = "") -> ValidationIssue:
    code = _text(f.get("code")) or "general.error"
    return ValidationIssue(code, vocab.explain(code), _text(f.get("explanation")),
                           _text(f.get("url")), ingredient)


def _items(value: Any) -> Iterable[Any]:
    if isinstance(value, list | tuple):
        return value[:MAX_ITEMS]
    if isinstance(value, Mapping):
        return [value]
    return []


def _text(value: Any) -> str:
    if value is None:
        return ""
    return clean_text(value, MAX_TEXT)
