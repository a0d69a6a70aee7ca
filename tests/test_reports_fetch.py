"""A media item fetched from a URL: the report says where from, when, and what the server said."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, shared_file
from tests.helpers import run_cli, serve_directory

PHOTO = "exif-samples/jpg/Canon_40D.jpg"


def test_report_names_the_url_status_and_fetch_time(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    photo = shared_file(PHOTO)
    with serve_directory(photo.parent) as base:
        url = f"{base}/{photo.name}"
        result = run_cli(capsys, "check", url, "--article", ARTICLE,
                         "--report", tmp_path / "r.json", "--json")
    assert result.rc == 0, result.err
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    download = report["media"][0]["download"]
    assert download["final_url"] == url
    assert download["status"] == 200
    assert download["content_type"] == "image/jpeg"
    assert download["fetched_at"]
    html_run = run_cli(capsys, "report", tmp_path / "r.vcase", "--format", "html",
                       "--out", tmp_path / "r.html")
    assert html_run.rc == 0, html_run.err
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "HTTP 200" in html and download["fetched_at"] in html
