"""Content Credentials as plain lines, for the command line and the window."""

from __future__ import annotations

from verifier.provenance.records import Credentials


def describe(creds: Credentials | None) -> list[str]:
    """The summary, what it means, then per manifest its signer, time, generator, actions and
    ingredients, then the checks that did not pass."""
    if creds is None:
        return ["Content Credentials: not read (analysed before they were supported)"]
    lines = [f"Content Credentials: {creds.summary}", f"  {creds.note}"]
    for m in creds.manifests:
        role = "active manifest" if m.active else "ingredient's manifest"
        lines.append(f"  {role} {m.label}: {m.title}".rstrip(": "))
        signer = m.signer or "(no name)"
        if m.issuer:
            signer += f", issued by {m.issuer}"
        lines.append(f"    signer: {signer}")
        lines.append(f"    signing time: {m.signing_time or 'no trusted time stamp'}")
        if m.claim_generator:
            lines.append(f"    claim generator: {m.claim_generator}")
        for a in m.actions:
            extra = [f"with {a.software_agent}" if a.software_agent else "",
                     a.source_type_label, a.when, a.description]
            detail = "; ".join(x for x in extra if x)
            lines.append(f"    action: {a.label} ({a.action})" + (f": {detail}" if detail else ""))
        for i in m.ingredients:
            own = f"; its own credentials {i.manifest}" if i.manifest else ""
            digest = f" {i.hash}" if i.hash else ""
            lines.append(f"    ingredient: {i.title} ({i.relationship or 'ingredient'}"
                         f"{', ' + i.format if i.format else ''}){digest}{own}")
        lines += [f"    AI: {x}" for x in m.ai_assertions]
    for v in creds.validation:
        where = " (an ingredient)" if v.ingredient else ""
        lines.append(f"  check not passed: {v.code}{where}: {v.explanation}")
    return lines
