"""Forensic results as evidence: `verifier forensics FILE --case CASE --save` keeps results and
maps in the case with an audit event, a verdict cites them, the reports show them with their
maps and notes, and `case verify` notices an altered map."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import shared_file
from tests.helpers import checked_photo_case, copy_case, run_cli

PHOTO = "exif-samples/jpg/gps/DSCN0010.jpg"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import ARTICLE

    return checked_photo_case(tmp_path_factory, "forensics-case", shared_file(PHOTO), ARTICLE)


@pytest.fixture
def saved(template: Path, tmp_path: Path,
          capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, Any]]:
    case = copy_case(template, tmp_path)
    result = run_cli(capsys, "forensics", shared_file(PHOTO), "--lens", "ela", "--lens",
                     "thumbnail", "--case", case, "--save", "--out", tmp_path / "maps",
                     "--json")
    assert result.rc == 0, result.err
    return case, json.loads(result.out)


def test_saved_results_are_kept_with_maps_and_an_audit_event(
        saved: tuple[Path, dict[str, Any]]) -> None:
    from verifier.case import CaseStore

    case_path, payload = saved
    by_lens = {r["lens"]: r for r in payload["results"]}
    assert set(by_lens) == {"ela", "thumbnail"}
    for entry in payload["results"]:
        for m in entry["maps"]:
            assert Path(m["path"]).is_file() and len(m["sha256"]) == 64
    with CaseStore.open(case_path) as case:
        records = case.forensic_results()
        assert [r.lens for r in records] == ["ela", "thumbnail"]
        ela = records[0]
        assert ela.id == by_lens["ela"]["saved_id"]
        assert ela.findings == tuple(by_lens["ela"]["findings"])
        assert "photoshopped" in ela.note
        for m in ela.maps:
            path = Path(m.path)
            assert path.is_file() and path.stat().st_mode & 0o222 == 0  # read-only
            assert path.is_relative_to(case.evidence_dir)
        events = [e for e in case.audit_trail() if e.action == "forensics.saved"]
        assert [e.detail["lens"] for e in events] == ["ela", "thumbnail"]
        assert set(events[0].detail["maps"]) == {m.name for m in ela.maps}
        assert case.verify() == []


def test_verdict_cites_a_result_and_the_reports_show_it(
        saved: tuple[Path, dict[str, Any]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_reports_formats import _validator
    from verifier.case import CaseStore

    case_path, payload = saved
    ela = next(r for r in payload["results"] if r["lens"] == "ela")
    with CaseStore.open(case_path) as case:
        claim = next(c for c in case.claims() if c.media_id)
    verdict = run_cli(capsys, "verdict", case_path, "--claim", claim.id, "--rating",
                      "Inconclusive", "--rationale", "ELA alone settles nothing", "--link",
                      f"{ela['evidence_ref']}=error level looked at")
    assert verdict.rc == 0, verdict.err

    html_out = tmp_path / "report.html"
    assert run_cli(capsys, "report", case_path, "--format", "html", "--out", html_out).rc == 0
    html = html_out.read_text(encoding="utf-8")
    assert f'id="forensics-{ela["saved_id"]}"' in html
    assert "Forensic lenses" in html and "photoshopped" in html
    assert f"forensics {ela['saved_id']}" in html  # the verdict's evidence item
    for m in ela["maps"]:
        assert m["sha256"] in html
    assert html.count('alt="ela ') == len(ela["maps"])

    json_out = tmp_path / "report.json"
    assert run_cli(capsys, "report", case_path, "--format", "json", "--out", json_out).rc == 0
    doc = json.loads(json_out.read_text(encoding="utf-8"))
    _validator().validate(doc)
    forensics = doc["media"][0]["forensics"]
    assert [f["lens"] for f in forensics] == ["ela", "thumbnail"]
    assert "thumbnail" not in forensics[0]["maps"][0]  # no embedded pictures in JSON
    assert any(s["action"] == "forensics.saved" for s in doc["method"]["steps"])

    pdf_out = tmp_path / "report.pdf"
    assert run_cli(capsys, "report", case_path, "--format", "pdf", "--out", pdf_out).rc == 0
    from pypdf import PdfReader

    text = " ".join(page.extract_text() or "" for page in PdfReader(pdf_out).pages)
    assert "Forensic lens: ela" in text


def test_altered_map_is_reported_by_case_verify(
        saved: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    from verifier.case import CaseStore

    case_path, _payload = saved
    with CaseStore.open(case_path) as case:
        target = Path(case.forensic_results()[0].maps[0].path)
    target.chmod(0o644)
    target.write_bytes(target.read_bytes() + b"\0")
    result = run_cli(capsys, "case", "verify", case_path)
    assert result.rc == 1
    assert f"map ela ({target.parent.name}/{target.name}) changed" in result.out + result.err


def test_a_file_outside_the_case_is_refused(template: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    case = copy_case(template, tmp_path)
    other = shared_file("metadata-extractor-images/jpg/Apple iPhone 4.jpg")
    result = run_cli(capsys, "forensics", other, "--lens", "ela", "--case", case, "--save")
    assert result.rc == 2
    assert result.err_lines == [f"verifier: error: {other}: is not a media item or keyframe "
                                f"of the case {case.name}"]


def test_cli_needs_somewhere_to_put_results(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "forensics", shared_file(PHOTO), "--lens", "ela")
    assert result.rc == 2 and len(result.err_lines) == 1 and "--out DIR" in result.err


def test_lenses_on_a_case_media_item_and_saving_them(template: Path, tmp_path: Path) -> None:
    from verifier.case import CaseStore
    from verifier.services import forensic_evidence, forensics_of_media, save_forensics

    case_path = copy_case(template, tmp_path)
    with CaseStore.open(case_path) as case:
        item = case.media()[0]
        assert item.id is not None
        results = forensics_of_media(case, item.id, ("gradient",))
        assert [r.lens for r in results] == ["gradient"]
        (record,) = save_forensics(case, Path(item.path), results)
        assert record.media_id == item.id and record.source == item.original_name
        evidence = forensic_evidence(record)
        assert (evidence.kind, evidence.ref) == ("forensic", f"forensics {record.id}")
        assert case.forensic_result(record.id or 0).maps[0].sha256 == record.maps[0].sha256


def test_cli_bad_input_is_one_error_line(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    data = shared_file(PHOTO).read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[: len(data) // 3])
    for argv, expected in (
            ((cut, "--out", tmp_path), f"{cut}: not a readable image (the file is truncated"),
            ((tmp_path / "missing.jpg", "--out", tmp_path), "no such file"),
            ((shared_file(PHOTO), "--save"), "--save: needs --case CASE"),
            ((shared_file(PHOTO), "--lens", "frames", "--out", tmp_path),
             "is an image; the frames lens needs a video")):
        result = run_cli(capsys, "forensics", *argv)
        assert result.rc == 2, (argv, result.err)
        assert len(result.err_lines) == 1 and expected in result.err, result.err
    assert not list(tmp_path.glob("*.png"))  # nothing written for refused input


def test_a_saved_result_can_be_cited_by_its_number() -> None:
    from verifier.services import parse_evidence_item

    item = parse_evidence_item("forensic:7=ghost at the sign")
    assert (item.kind, item.ref, item.note) == ("forensic", "forensics 7", "ghost at the sign")
    assert parse_evidence_item("forensic:forensics 7").ref == "forensics 7"
    assert parse_evidence_item("forensic:ELA by hand").ref == "ELA by hand"
