"""The application version comes from one place (pyproject.toml, read through the package
metadata) and every report format names it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, MEDIA, REPO
from tests.helpers import checked_photo_case, copy_case, isolated_user_dirs, run_cli_redirected
from verifier import APP_NAME, __version__
from verifier.case import CaseStore
from verifier.models import Rating

PHOTO = "exif-samples/jpg/Canon_40D.jpg"


def _pyproject_version() -> str:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


def test_version_comes_from_pyproject() -> None:
    assert __version__ == _pyproject_version()


def test_cli_prints_the_version() -> None:
    result = run_cli_redirected("--version")
    assert result.rc == 0
    assert result.out.strip() == f"verifier {_pyproject_version()}"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    template = checked_photo_case(tmp_path_factory, "version-template", MEDIA / PHOTO, ARTICLE)
    work = tmp_path_factory.mktemp("version-reports")
    case = copy_case(template, work)
    with CaseStore.open(case) as store:
        claim = store.claims()[0]
    out: dict[str, Path] = {}
    with isolated_user_dirs(work / "xdg"):
        # A finding, so the ClaimReview export has a review to write.
        verdict = run_cli_redirected("verdict", case, "--claim", claim.id, "--rating",
                                     Rating.INCONCLUSIVE.value, "--rationale", "not enough")
        assert verdict.rc == 0, verdict.err
        for fmt, suffix in (("html", "html"), ("pdf", "pdf"), ("json", "json"),
                            ("claimreview", "jsonld")):
            out[fmt] = work / f"report.{suffix}"
            result = run_cli_redirected("report", case, "--format", fmt, "--out", out[fmt])
            assert result.rc == 0, result.err
    return out


def test_html_report_names_the_version(reports: dict[str, Path]) -> None:
    text = reports["html"].read_text(encoding="utf-8")
    assert f"{APP_NAME} {_pyproject_version()}" in text


def test_pdf_report_names_the_version(reports: dict[str, Path]) -> None:
    from pypdf import PdfReader

    reader = PdfReader(reports["pdf"])
    first = reader.pages[0].extract_text() or ""
    assert _pyproject_version() in first
    assert _pyproject_version() in str(reader.metadata.creator if reader.metadata else "")


def test_json_report_names_the_version(reports: dict[str, Path]) -> None:
    doc = json.loads(reports["json"].read_text(encoding="utf-8"))
    assert doc["app"] == {"name": APP_NAME, "version": _pyproject_version()}
    assert doc["method"]["app_version"] == _pyproject_version()


def test_claimreview_names_the_version(reports: dict[str, Path]) -> None:
    items = json.loads(reports["claimreview"].read_text(encoding="utf-8"))
    assert items, "the verdict should give at least one ClaimReview"
    for item in items:
        tool = item["isBasedOn"]
        assert tool["@type"] == "SoftwareApplication"
        assert (tool["name"], tool["softwareVersion"]) == (APP_NAME, _pyproject_version())
