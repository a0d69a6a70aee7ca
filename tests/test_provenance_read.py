"""Content Credentials read back from files signed here with c2pa-python.

The certificate chain (a root CA and an ES256 signer) is made in the test with `cryptography`:
c2pa-python's wheel ships no test certificate. No trust list knows that root, so the signer reads
as untrusted unless the test names the root as a trust anchor. Signing passes no time-stamp
authority, so nothing touches the network.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.c2pa_chain import make_chain
from tests.conftest import shared_file
from verifier.media.metadata import extract
from verifier.provenance import (
    NO_CREDENTIALS,
    CredentialState,
    credentials_from_dict,
    read_credentials,
)
from verifier.provenance import reader as reader_module

c2pa = pytest.importorskip("c2pa")
x509 = pytest.importorskip("cryptography.x509")

PHOTO = "exif-samples/jpg/Canon_40D.jpg"
VIDEO = "metadata-extractor-images/mp4/with-gps.mp4"
MKV = "PySceneDetect/tests/resources/issue-236-split-copy.mkv"
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
SIGNER_CN = "Test Newsroom Signer"
SIGNER_ORG = "Test Newsroom"


@dataclass(frozen=True)
class Chain:
    cert_chain: bytes  # signer then root, PEM
    key: bytes  # signer's private key, PEM
    root_path: Path  # the root alone, as a trust-anchor file


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    cert_chain, key, root = make_chain(SIGNER_CN, SIGNER_ORG)
    root_path = tmp_path_factory.mktemp("c2pa-root") / "root.pem"
    root_path.write_bytes(root)
    return Chain(cert_chain, key, root_path)


def sign(chain: Chain, src: Path, dst: Path, mime: str, actions: list[dict[str, Any]], *,
         generator: str = "Test Camera App", title: str = "",
         ingredient: tuple[Path, str] | None = None,
         assertions: list[dict[str, Any]] | None = None) -> Path:
    """Sign src into dst with the given actions (and optionally a parent ingredient)."""
    manifest: dict[str, Any] = {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": title or dst.name,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}},
                       *(assertions or [])],
    }
    context = c2pa.Context.from_dict({
        "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
        "builder": {"thumbnail": {"enabled": False}},
    })
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(
        c2pa.C2paSigningAlg.ES256, chain.cert_chain, chain.key, None))  # no TSA: offline
    builder = c2pa.Builder(manifest, context=context)
    if ingredient is not None:
        path, label = ingredient
        with path.open("rb") as fh:
            builder.add_ingredient({"title": path.name, "relationship": "parentOf",
                                    "label": label}, mime, fh)
    with src.open("rb") as source, dst.open("w+b") as out:
        builder.sign(signer, mime, source, out)
    builder.close()
    signer.close()
    return dst


def created_and_edited(source_type: str = "digitalCapture") -> list[dict[str, Any]]:
    return [
        {"action": "c2pa.created", "digitalSourceType": IPTC + source_type,
         "softwareAgent": {"name": "Test Camera App", "version": "1.0"}},
        {"action": "c2pa.edited", "softwareAgent": {"name": "Test Photo Editor"}},
    ]


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.jpg"
    shutil.copyfile(shared_file(PHOTO), path)
    return path


@pytest.fixture
def signed_photo(chain: Chain, photo: Path, tmp_path: Path) -> Path:
    return sign(chain, photo, tmp_path / "signed.jpg", "image/jpeg", created_and_edited())


@pytest.fixture
def fresh_library(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Forget the cached library load so a test can make it fail."""
    monkeypatch.setattr(reader_module, "_module", None)
    monkeypatch.setattr(reader_module, "_load_error", None)
    yield


# ---------------------------------------------------------------- what a signed file says


def test_signed_photo_reads_back_signer_generator_and_actions(signed_photo: Path) -> None:
    creds = read_credentials(signed_photo, "image/jpeg")
    assert creds.present
    assert creds.state is CredentialState.UNTRUSTED  # the test root is on no trust list
    active = creds.active
    assert active is not None and active.label == creds.active_manifest
    assert active.signer == SIGNER_CN
    assert active.issuer == SIGNER_ORG
    assert active.claim_generator.startswith("Test Camera App 1.0")
    assert active.signing_time == ""  # signed without a time-stamp authority
    assert [a.action for a in active.actions] == ["c2pa.created", "c2pa.edited"]
    assert [a.label for a in active.actions] == ["Created", "Edited"]
    assert active.actions[0].software_agent == "Test Camera App 1.0"
    assert active.actions[0].source_type_label == "Captured by a camera or recorder"
    assert active.actions[1].software_agent == "Test Photo Editor"
    assert active.ingredients == ()
    assert not creds.ai_generated
    assert [v.code for v in creds.validation] == ["signingCredential.untrusted"]
    assert "not on a trust list" in creds.validation[0].explanation
    assert SIGNER_CN in creds.summary and "intact" in creds.summary
    assert "trust" in creds.note


def test_a_trust_anchor_makes_the_signer_trusted(signed_photo: Path, chain: Chain) -> None:
    creds = read_credentials(signed_photo, "image/jpeg", trust_anchors=chain.root_path)
    assert creds.state is CredentialState.TRUSTED
    assert creds.validation == ()
    assert "signer trusted" in creds.summary


def test_ingredient_with_its_own_manifest(chain: Chain, signed_photo: Path,
                                          tmp_path: Path) -> None:
    derived = sign(chain, signed_photo, tmp_path / "derived.jpg", "image/jpeg",
                   [{"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}},
                    {"action": "c2pa.cropped", "softwareAgent": {"name": "Cropper"}}],
                   generator="Test Desk Editor", ingredient=(signed_photo, "parent"))
    creds = read_credentials(derived, "image/jpeg")
    assert creds.present and len(creds.manifests) == 2
    active = creds.active
    assert active is not None
    assert active.claim_generator.startswith("Test Desk Editor")
    assert [a.action for a in active.actions] == ["c2pa.opened", "c2pa.cropped"]
    (ingredient,) = active.ingredients
    assert ingredient.title == "signed.jpg"
    assert ingredient.relationship == "parentOf"
    assert ingredient.format == "image/jpeg"
    parent = creds.manifest(ingredient.manifest)
    assert parent is not None and not parent.active
    assert parent.claim_generator.startswith("Test Camera App")
    assert [a.action for a in parent.actions] == ["c2pa.created", "c2pa.edited"]


def test_generative_ai_source_is_found_and_flagged_first(chain: Chain, photo: Path,
                                                         tmp_path: Path) -> None:
    made = sign(chain, photo, tmp_path / "made.jpg", "image/jpeg",
                [{"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia",
                  "softwareAgent": {"name": "Test Image Model"}}],
                assertions=[{"label": "c2pa.training-mining", "data": {"entries": {
                    "c2pa.ai_generative_training": {"use": "notAllowed"}}}}])
    creds = read_credentials(made, "image/jpeg")
    assert creds.ai_generated
    assert creds.ai_sources == ("Made by generative AI (a model trained on other media)",)
    assert "generative AI" in creds.summary
    active = creds.active
    assert active is not None
    assert active.ai_assertions == (
        "AI training permission c2pa.ai_generative_training: notAllowed",)
    report = extract(made)
    assert report.flags[0].code == "ai-generated"
    assert SIGNER_CN in report.flags[0].explanation


def test_composite_with_ai_elements_counts_as_ai(chain: Chain, photo: Path,
                                                 tmp_path: Path) -> None:
    made = sign(chain, photo, tmp_path / "comp.jpg", "image/jpeg",
                [{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"},
                 {"action": "c2pa.edited",
                  "digitalSourceType": IPTC + "compositeWithTrainedAlgorithmicMedia"}])
    creds = read_credentials(made, "image/jpeg")
    assert creds.ai_sources == ("A composite that includes generative-AI elements",)


# ---------------------------------------------------------------- absence, damage, tampering


def test_a_file_without_credentials_says_so_plainly(photo: Path) -> None:
    creds = read_credentials(photo, "image/jpeg")
    assert not creds.present
    assert creds.state is CredentialState.NONE
    assert creds.summary == NO_CREDENTIALS == "No Content Credentials"
    assert "not a sign of fakery" in creds.note
    report = extract(photo)
    assert report.credentials == creds
    assert report.value("c2pa") is None  # so a verdict may cite "no provenance credentials"
    assert not {f.code for f in report.flags} & {"credentials-invalid",
                                                   "credentials-unreadable", "ai-generated"}


def test_bytes_changed_after_signing_fail_validation(signed_photo: Path,
                                                     tmp_path: Path) -> None:
    data = bytearray(signed_photo.read_bytes())
    data[-200] ^= 0xFF  # inside the entropy-coded picture, after the manifest
    tampered = tmp_path / "tampered.jpg"
    tampered.write_bytes(bytes(data))
    creds = read_credentials(tampered, "image/jpeg")
    assert creds.present
    assert creds.state is CredentialState.INVALID
    codes = [v.code for v in creds.validation]
    assert "assertion.dataHash.mismatch" in codes
    mismatch = next(v for v in creds.validation if v.code == "assertion.dataHash.mismatch")
    assert "changed after signing" in mismatch.explanation
    assert "fail validation" in creds.summary
    report = extract(tampered)
    flag = next(f for f in report.flags if f.code == "credentials-invalid")
    assert "assertion.dataHash.mismatch" in flag.explanation
    assert report.value("c2pa") == creds.summary


def test_a_damaged_manifest_is_a_finding_not_a_crash(signed_photo: Path,
                                                     tmp_path: Path) -> None:
    data = bytearray(signed_photo.read_bytes())
    at = data.find(b"c2pa.actions")
    assert at > 0
    data[at:at + 64] = b"\x00" * 64
    damaged = tmp_path / "damaged.jpg"
    damaged.write_bytes(bytes(data))
    creds = read_credentials(damaged, "image/jpeg")
    assert creds.present
    assert creds.state in (CredentialState.UNREADABLE, CredentialState.INVALID)
    report = extract(damaged)
    codes = {f.code for f in report.flags}
    assert codes & {"credentials-unreadable", "credentials-invalid"}


def test_truncated_manifest_store_is_unreadable(signed_photo: Path, tmp_path: Path) -> None:
    data = signed_photo.read_bytes()
    at = data.find(b"jumb")
    assert at > 0
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[:at + 400])  # the manifest store ends midway
    creds = read_credentials(cut, "image/jpeg")
    assert creds.present
    assert creds.state is CredentialState.UNREADABLE
    assert creds.error
    assert "does not prove manipulation" in creds.note


# ---------------------------------------------------------------- video and other types


def test_signed_mp4_reads_back(chain: Chain, tmp_path: Path) -> None:
    src = tmp_path / "clip.mp4"
    shutil.copyfile(shared_file(VIDEO), src)
    signed = sign(chain, src, tmp_path / "signed.mp4", "video/mp4",
                  [{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"},
                   {"action": "c2pa.trimmed", "softwareAgent": {"name": "Test Video Editor"}}])
    creds = read_credentials(signed, "video/mp4")
    assert creds.state is CredentialState.UNTRUSTED
    active = creds.active
    assert active is not None and active.signer == SIGNER_CN
    assert [a.label for a in active.actions] == ["Created", "Trimmed"]
    assert "c2pa.hash.bmff.v3" in active.assertions  # bound to the video's boxes
    report = extract(signed)
    assert report.credentials is not None and report.credentials.present
    running_time = report.value("duration")  # the video's own metadata is still read
    assert running_time is not None

    unsigned = read_credentials(src, "video/mp4")
    assert unsigned.summary == NO_CREDENTIALS


def test_matroska_is_not_read_and_says_so() -> None:
    creds = read_credentials(shared_file(MKV), "video/x-matroska")
    assert not creds.present
    assert creds.state is CredentialState.UNSUPPORTED
    assert creds.summary.startswith(NO_CREDENTIALS)


# ---------------------------------------------------------------- hostile text, storage, library


def test_hostile_text_in_a_manifest_is_cleaned(chain: Chain, photo: Path,
                                               tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script>\x07\x1b[31m" + "A" * 5000
    signed = sign(chain, photo, tmp_path / "hostile.jpg", "image/jpeg",
                  [{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture",
                    "softwareAgent": {"name": hostile}, "description": hostile}],
                  generator=hostile, title=hostile)
    creds = read_credentials(signed, "image/jpeg")
    active = creds.active
    assert active is not None
    for text in (active.title, active.claim_generator, active.actions[0].software_agent,
                 active.actions[0].description):
        assert "\x07" not in text and "\x1b" not in text
        assert len(text) <= reader_module.MAX_TEXT + 1


def test_credentials_survive_a_json_round_trip(chain: Chain, signed_photo: Path,
                                               tmp_path: Path) -> None:
    derived = sign(chain, signed_photo, tmp_path / "derived.jpg", "image/jpeg",
                   [{"action": "c2pa.opened", "parameters": {"ingredientIds": ["p"]}}],
                   ingredient=(signed_photo, "p"))
    creds = read_credentials(derived, "image/jpeg")
    from dataclasses import asdict

    assert credentials_from_dict(json.loads(json.dumps(asdict(creds)))) == creds
    assert credentials_from_dict(None) is None


def test_missing_library_gives_a_clear_record(photo: Path, fresh_library: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_c2pa(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "c2pa":
            raise OSError("libc2pa_c.so: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_c2pa)
    creds = read_credentials(photo, "image/jpeg")
    assert creds.state is CredentialState.UNAVAILABLE
    assert not creds.present
    assert "libc2pa_c.so" in creds.error
    report = extract(photo)  # the rest of the metadata is still read
    assert report.value("make") == "Canon"
    assert report.credentials is not None
    assert report.credentials.state is CredentialState.UNAVAILABLE
    assert report.value("c2pa") == "Content Credentials not checked"  # not taken for "none"


def test_a_native_library_in_the_working_folder_is_not_loaded(
        photo: Path, tmp_path: Path, fresh_library: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / reader_module._NATIVE_NAMES.get(sys.platform, "libc2pa_c.so")).write_bytes(
        b"not a library")
    monkeypatch.chdir(planted)
    monkeypatch.delenv("C2PA_LIBRARY_NAME", raising=False)
    creds = read_credentials(photo, "image/jpeg")
    assert creds.state is CredentialState.UNAVAILABLE
    assert "current folder" in creds.error


def test_an_older_store_layout_and_a_time_stamp_are_read() -> None:
    """Claim v1 stores (a claim_generator string, softwareAgent as text, a flat
    validation_status list) and a time-stamped signature, which signing offline cannot make."""
    store = {
        "active_manifest": "urn:uuid:1",
        "manifests": {"urn:uuid:1": {
            "claim_generator": "Old Editor/5.1 c2pa-rs/0.20",
            "title": "old.jpg",
            "signature_info": {"issuer": "Old CA", "common_name": "Old Signer",
                               "time": "2024-03-01T10:00:00+00:00"},
            "assertions": [{"label": "c2pa.actions", "data": {"actions": [
                {"action": "c2pa.color_adjustments", "softwareAgent": "Old Editor 5.1",
                 "when": "2024-03-01T09:59:00Z"}]}}],
            "ingredients": [{"title": "raw.dng", "format": "image/x-adobe-dng",
                             "relationship": "parentOf", "hash": "abc123",
                             "validation_status": [{"code": "ingredient.manifest.missing"}]}],
        }},
        "validation_status": [{"code": "claimSignature.mismatch", "explanation": "bad"}],
    }
    creds = reader_module.parse_store(store)
    assert creds.state is CredentialState.INVALID
    active = creds.active
    assert active is not None
    assert active.claim_generator == "Old Editor/5.1 c2pa-rs/0.20"
    assert active.signing_time == "2024-03-01T10:00:00+00:00"
    assert active.actions[0].label == "Colour or tone adjusted"
    assert active.actions[0].software_agent == "Old Editor 5.1"
    assert active.ingredients[0].hash == "abc123"
    assert active.ingredients[0].failures == ("ingredient.manifest.missing",)
    assert creds.validation[0].code == "claimSignature.mismatch"
    assert "altered after it was signed" in creds.validation[0].explanation
