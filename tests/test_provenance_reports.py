"""Content Credentials through the whole path: `verifier metadata --json`, `verifier check` into a
case (stored and loaded back), and the HTML, PDF and JSON reports, with hostile manifest text
kept as text. The file is a real JPEG signed in the test with a generative-AI source type and a
manifest title holding markup, then tampered with, so every finding shows at once."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_file
from tests.helpers import isolated_user_dirs, parse_html, run_cli, run_cli_redirected
from tests.test_provenance_read import IPTC, PHOTO, SIGNER_CN, Chain, sign
from tests.test_provenance_read import chain as chain  # the module-scoped fixture
from verifier.case import CaseStore
from verifier.provenance import NO_CREDENTIALS, CredentialState

pytest.importorskip("c2pa")

SCRIPT = "<script>alert(1)</script>"
TITLE = f"Harbour {SCRIPT} photo"
AGENT = '"><img src=x onerror=alert(1)>'
TEXT = ("Officials said the photo was taken in the harbour last week.\n"
        "The image cannot be independently verified.\n")


@dataclass
class Built:
    signed: Path
    tampered: Path
    case: Path
    reports: dict[str, Path]


def _cli(*argv: object) -> str:
    result = run_cli_redirected(*argv)
    assert result.rc == 0, (argv, result.rc, result.err)
    return result.out


@pytest.fixture(scope="module")
def built(chain: Chain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    base = tmp_path_factory.mktemp("provenance-reports")
    photo = base / "photo.jpg"
    shutil.copyfile(shared_file(PHOTO), photo)
    signed = sign(chain, photo, base / "signed.jpg", "image/jpeg",
                  [{"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia",
                    "softwareAgent": {"name": AGENT}},
                   {"action": "c2pa.edited", "softwareAgent": {"name": "Test Photo Editor"}}],
                  title=TITLE)
    data = bytearray(signed.read_bytes())
    data[-200] ^= 0xFF
    tampered = base / "tampered.jpg"
    tampered.write_bytes(bytes(data))
    article = base / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    case = base / "case.vcase"
    with isolated_user_dirs(base / "xdg"):
        _cli("check", tampered, "--article", article, "--report", base / "check.html",
             "--case", case)
        reports = {}
        for fmt in ("html", "pdf", "json"):
            out = base / f"report.{fmt}"
            _cli("report", case, "--format", fmt, "--out", out)
            reports[fmt] = out
    yield Built(signed, tampered, case, reports)


def test_metadata_json_has_a_credentials_key_beside_the_old_ones(
        built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "metadata", built.signed, "--json")
    assert result.rc == 0, result.err
    doc = json.loads(result.out)
    for key in ("file", "sha256", "fields", "flags", "raw", "complete", "timeline"):
        assert key in doc
    creds = doc["credentials"]
    assert creds["present"] is True
    assert creds["state"] == "untrusted"
    (active,) = [m for m in creds["manifests"] if m["active"]]
    assert active["signer"] == SIGNER_CN
    assert [a["action"] for a in active["actions"]] == ["c2pa.created", "c2pa.edited"]
    assert doc["flags"][0]["code"] == "ai-generated"
    assert any(f["name"] == "c2pa" for f in doc["fields"])


def test_metadata_text_has_a_credentials_section(
        built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "metadata", built.tampered)
    assert result.rc == 0, result.err
    assert "Content Credentials:" in result.out
    assert "assertion.dataHash.mismatch" in result.out
    unsigned = run_cli(capsys, "metadata", shared_file(PHOTO))
    assert f"Content Credentials: {NO_CREDENTIALS}" in unsigned.out


def test_the_case_keeps_the_credentials(built: Built) -> None:
    with CaseStore.open(built.case) as store:
        (media,) = store.media()
        assert media.id is not None
        report = store.metadata(media.id)
    assert report is not None and report.credentials is not None
    creds = report.credentials
    assert creds.state is CredentialState.INVALID
    assert creds.ai_generated
    assert creds.active is not None and creds.active.signer == SIGNER_CN
    assert {"credentials-invalid", "ai-generated"} <= {f.code for f in report.flags}


def test_html_report_shows_credentials_as_text(built: Built) -> None:
    html = built.reports["html"].read_text(encoding="utf-8")
    tree = parse_html(html)
    assert tree.by_tag("script") == []
    assert SCRIPT not in html and "<img src=x" not in html
    assert "Content Credentials" in html
    cred = tree.by_class("cred-invalid")
    assert cred and "fail validation" in cred[0].text()
    assert tree.by_class("flag-ai-generated")
    text = tree.text()
    assert SCRIPT in text  # the title is shown, as text
    assert SIGNER_CN in text
    assert "assertion.dataHash.mismatch" in text


def test_pdf_report_has_the_credentials_block(built: Built) -> None:
    from pypdf import PdfReader

    text = " ".join(" ".join((p.extract_text() or "").split())
                    for p in PdfReader(built.reports["pdf"]).pages)
    assert "Content Credentials" in text
    assert SIGNER_CN in text
    assert "Declared made with generative AI" in text
    assert "assertion.dataHash.mismatch" in "".join(text.split())


def test_json_report_validates_with_credentials(built: Built) -> None:
    import jsonschema

    from verifier.reports.json_export import load_schema

    doc: dict[str, Any] = json.loads(built.reports["json"].read_text(encoding="utf-8"))
    schema = load_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls(schema).validate(doc)
    creds = doc["media"][0]["metadata"]["credentials"]
    assert creds["state"] == "invalid"
    assert creds["ai_sources"]
    broken = json.loads(json.dumps(doc))
    broken["media"][0]["metadata"]["credentials"]["state"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        cls(schema).validate(broken)


@pytest.mark.gui
def test_metadata_tab_has_a_short_credentials_section(built: Built, qtbot: Any,
                                                      tmp_path: Path) -> None:
    from verifier.gui.inspector import MetadataPanel
    from verifier.gui.snapshot import CaseSnapshot

    with CaseStore.open(built.case) as store:
        snapshot = CaseSnapshot.load(store)
    panel = MetadataPanel()
    qtbot.addWidget(panel)
    panel.show_media(snapshot, snapshot.media[0])
    assert not panel.credentials.isHidden()
    text = panel.credentials.text()
    assert "Content Credentials" in text and "fail validation" in text
    assert SIGNER_CN in text
    assert "<img src=x" not in text and "&lt;img src=x" in text  # the agent, escaped
    assert "assertion.dataHash.mismatch" in panel.credentials.toolTip()
    assert "Declared made with generative AI" in panel.flags.text()

    panel.show_media(None, None)
    assert panel.credentials.isHidden()
