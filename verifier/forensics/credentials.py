"""The `c2pa` lens: Content Credentials as read by verifier.provenance, in the lens result
shape so the CLI lists them beside the other lenses. Not a forensic test: it reports what the
file's signed manifests say; their absence is normal and never a sign of fakery."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from verifier.forensics.result import LensResult

NAME = "c2pa"


def available() -> bool:
    try:
        import verifier.provenance  # noqa: F401
    except ImportError:
        return False
    return True


def credentials_lens(path: Path, mime: str = "") -> LensResult:
    from verifier.provenance import read_credentials

    creds = read_credentials(Path(path), mime)
    findings = [creds.summary]
    active = creds.active
    if active is not None:
        if active.claim_generator:
            findings.append(f"Written by {active.claim_generator}.")
        findings += [f"Action: {a.label}" + (f" ({a.software_agent})" if a.software_agent else "")
                     for a in active.actions]
    findings += [f"AI source: {s}" for s in creds.ai_sources]
    findings += [f"Validation: {v.explanation}" for v in creds.validation]
    return LensResult(
        NAME, {}, (),
        {"present": creds.present, "state": creds.state.value,
         "ai_generated": creds.ai_generated, "manifests": len(creds.manifests)},
        tuple(findings), creds.note, details=asdict(creds), source=str(path))
