"""Plain words for the C2PA vocabulary: actions, IPTC digital source types and validation codes.

Sources: the C2PA 2.x specification (standard actions, validation status codes) and the IPTC
Digital Source Type vocabulary (http://cv.iptc.org/newscodes/digitalsourcetype/).
"""

from __future__ import annotations

ACTIONS = {
    "c2pa.created": "Created",
    "c2pa.opened": "Opened an existing file",
    "c2pa.edited": "Edited",
    "c2pa.edited.metadata": "Edited the metadata",
    "c2pa.cropped": "Cropped",
    "c2pa.resized": "Resized",
    "c2pa.orientation": "Rotated or flipped",
    "c2pa.color_adjustments": "Colour or tone adjusted",
    "c2pa.filtered": "Filter applied",
    "c2pa.enhanced": "Enhanced",
    "c2pa.drawing": "Drawn on",
    "c2pa.placed": "Another item placed into it",
    "c2pa.removed": "Something removed",
    "c2pa.deleted": "Something deleted",
    "c2pa.redacted": "Redacted",
    "c2pa.converted": "Converted to another format",
    "c2pa.transcoded": "Re-encoded",
    "c2pa.repackaged": "Repackaged (container changed, content not re-encoded)",
    "c2pa.trimmed": "Trimmed",
    "c2pa.dubbed": "Dubbed",
    "c2pa.translated": "Translated",
    "c2pa.watermarked": "Watermarked",
    "c2pa.published": "Published",
    "c2pa.unknown": "Unspecified change",
}

# IPTC digital source types, by the last part of their URI.
SOURCE_TYPES = {
    "digitalCapture": "Captured by a camera or recorder",
    "negativeFilm": "Scanned from a film negative",
    "positiveFilm": "Scanned from a film positive or slide",
    "print": "Scanned from a print",
    "minorHumanEdits": "Captured, with minor edits by a person",
    "humanEdits": "Edited by a person",
    "compositeCapture": "A composite of several captures",
    "algorithmicallyEnhanced": "Captured, then enhanced by an algorithm",
    "screenCapture": "A screenshot or screen recording",
    "virtualRecording": "Recorded in a virtual environment",
    "dataDrivenMedia": "Made from data (e.g. a chart or a visualisation)",
    "digitalArt": "Made by a person with digital tools",
    "digitalCreation": "Made by a person with digital tools",
    "composite": "A composite of several elements",
    "compositeSynthetic": "A composite that includes synthetic elements",
    "algorithmicMedia": "Made by an algorithm without a trained model",
    "trainedAlgorithmicMedia": "Made by generative AI (a model trained on other media)",
    "compositeWithTrainedAlgorithmicMedia": "A composite that includes generative-AI elements",
}
# The source types that say generative AI made all or part of the content.
AI_SOURCE_TYPES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})

UNTRUSTED_CODE = "signingCredential.untrusted"

VALIDATION = {
    "claimSignature.mismatch": "The signature does not match the claim: the manifest was altered "
                               "after it was signed.",
    "claimSignature.missing": "The manifest has no signature.",
    "claimSignature.outsideValidity": "It was signed while the signer's certificate was not "
                                      "valid (expired or not yet valid).",
    "signingCredential.untrusted": "The signer's certificate is not on a trust list this "
                                   "workbench knows; the signature itself may still be intact.",
    "signingCredential.invalid": "The signer's certificate is malformed or not allowed for "
                                 "signing Content Credentials.",
    "signingCredential.revoked": "The signer's certificate was revoked by its issuer.",
    "signingCredential.expired": "The signer's certificate had expired when it was used.",
    "timeStamp.mismatch": "The time stamp does not belong to this signature.",
    "timeStamp.malformed": "The time stamp is malformed.",
    "timeStamp.outsideValidity": "The time stamp falls outside its certificate's validity.",
    "timeStamp.untrusted": "The time stamp comes from an authority not on a trust list known "
                           "here.",
    "assertion.dataHash.mismatch": "The picture or sound bytes changed after signing: the file "
                                   "is not the one that was signed.",
    "assertion.bmffHash.mismatch": "The video or audio data changed after signing: the file is "
                                   "not the one that was signed.",
    "assertion.boxesHash.mismatch": "Parts of the file changed after signing.",
    "assertion.collectionHash.mismatch": "Files of the signed collection changed after signing.",
    "assertion.hashedURI.mismatch": "A statement inside the manifest was changed after signing.",
    "assertion.missing": "A statement the manifest refers to is missing.",
    "assertion.multipleHardBindings": "The manifest binds itself to the content more than once, "
                                      "which is not allowed.",
    "assertion.undeclared": "The manifest holds a statement its signed claim does not list.",
    "assertion.inaccessible": "A statement of the manifest cannot be reached.",
    "assertion.notRedacted": "A statement said to be redacted is still there.",
    "assertion.selfRedacted": "A manifest tried to redact its own statement.",
    "assertion.action.ingredientMismatch": "An action names an ingredient the manifest does not "
                                           "hold.",
    "assertion.action.malformed": "An action statement is malformed.",
    "assertion.cbor.invalid": "A statement is not well-formed data.",
    "assertion.json.invalid": "A statement is not well-formed data.",
    "claim.missing": "The manifest has no claim.",
    "claim.multiple": "The manifest has more than one claim.",
    "claim.hardBindings.missing": "The claim is not bound to the content, so nothing ties it to "
                                  "this file.",
    "claim.cbor.invalid": "The claim is not well-formed data.",
    "manifest.inaccessible": "A manifest it refers to cannot be reached.",
    "manifest.missing": "A manifest it refers to is missing.",
    "manifest.multipleParents": "The manifest names more than one parent, which is not allowed.",
    "manifest.compressed.invalid": "A compressed manifest cannot be read.",
    "ingredient.manifest.missing": "An ingredient's own Content Credentials are missing.",
    "ingredient.manifest.mismatch": "An ingredient's Content Credentials were changed after it "
                                    "was used.",
    "ingredient.hashedURI.mismatch": "An ingredient's Content Credentials were changed after it "
                                     "was used.",
    "ingredient.claimSignature.mismatch": "An ingredient's signature does not match its claim.",
    "algorithm.unsupported": "It was signed with an algorithm C2PA does not allow.",
    "algorithm.deprecated": "It was signed with an algorithm C2PA no longer recommends.",
    "general.error": "The manifest could not be checked.",
}


def action_label(action: str) -> str:
    if action in ACTIONS:
        return ACTIONS[action]
    leaf = action.rsplit(".", 1)[-1].replace("_", " ")
    return leaf[:1].upper() + leaf[1:] if leaf else "Unspecified change"


def source_type_key(uri: str) -> str:
    """The vocabulary term of a digital source type URI (or a bare term)."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def source_type_label(uri: str) -> str:
    key = source_type_key(uri)
    return SOURCE_TYPES.get(key, key)


def is_ai_source(uri: str) -> bool:
    return source_type_key(uri) in AI_SOURCE_TYPES


def explain(code: str) -> str:
    """A plain sentence for a validation code; unknown codes are read by their last part."""
    if code in VALIDATION:
        return VALIDATION[code]
    if code.endswith((".mismatch", ".invalid", ".malformed")):
        return f"A check failed ({code}): part of the Content Credentials or the content does " \
               "not match what was signed."
    return f"A check did not pass ({code})."
