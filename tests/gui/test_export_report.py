"""File ▸ Export report… (issue 7): a format, a preview before saving, the export in a worker,
and the report's SHA-256 in the status bar and in the audit trail."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from tests.gui.case_builder import BuiltCase
from tests.gui.conftest import ShownBox
from verifier.case import CaseStore
from verifier.gui.main_window import MainWindow
from verifier.gui.report_dialog import FORMATS, ExportDialog, pdf_pages
from verifier.services import record_verdict

pytestmark = [pytest.mark.gui, pytest.mark.shared]

JOB_TIMEOUT = 60_000
# What each format's preview shows (the PDF is previewed through the HTML with its content).
PREVIEW_HAS = {"html": "Verification report", "pdf": "Verification report",
               "json": '"schema_version"', "claimreview": '"ClaimReview"'}


def test_each_format_is_previewed_then_exported_with_its_sha256_recorded(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase, tmp_path: Path,
        message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    with CaseStore.open(built_case.case_path) as case:  # a finding, for ClaimReview
        claim = next(c for c in case.claims() if c.media_id == built_case.video_id)
        assert claim.id is not None
        record_verdict(case, claim.id, "Authentic but out of context",
                       "Archived broadcast from 2017.", "high")
    window.reload()
    dialog = window.make_export_dialog()
    assert isinstance(dialog, ExportDialog)
    dialog.show()
    for fmt, (_label, suffix, _what) in FORMATS.items():
        dialog.format_buttons[fmt].click()
        assert dialog.fmt == fmt
        assert dialog.path.text().endswith(suffix)
        qtbot.waitUntil(lambda: dialog.preview_ready, timeout=JOB_TIMEOUT)
        assert PREVIEW_HAS[fmt] in dialog.preview_text()
        assert dialog.browser.refused == []  # nothing but the report's own pictures is loaded
        if fmt == "pdf":
            assert dialog.preview is not None and dialog.preview.data.startswith(b"%PDF")
            assert f"{pdf_pages(dialog.preview.data)} page" in dialog.info.text()
        if fmt == "html":
            dialog.view_source.setChecked(True)
            assert dialog.preview_text().lstrip().lower().startswith("<!doctype html")
            dialog.view_rendered.setChecked(True)

        out = tmp_path / f"report{suffix}"
        dialog.path.set_text(str(out))
        assert dialog.out_path() == out
        with qtbot.waitSignal(window.job_done, timeout=JOB_TIMEOUT):
            assert window.export_report(dialog.out_path(), dialog.fmt) is not None
        digest = hashlib.sha256(out.read_bytes()).hexdigest()
        with CaseStore.open(built_case.case_path) as case:
            event = case.audit_trail()[-1]
        assert event.action == "report.exported"
        assert event.detail == {"format": fmt, "path": str(out), "sha256": digest}
        assert digest in window.statusBar().currentMessage()
        assert window.last_report == (out, digest)
        if fmt in ("json", "claimreview"):
            json.loads(out.read_text(encoding="utf-8"))
    dialog.close()
    assert message_boxes == []


def test_the_dialog_asks_before_replacing_and_fixes_the_suffix(
        qtbot: QtBot, window: MainWindow, built_case: BuiltCase, tmp_path: Path,
        message_boxes: list[ShownBox]) -> None:
    assert window.open_case(built_case.case_path)
    dialog = window.make_export_dialog("json")
    assert dialog is not None
    dialog.path.set_text(str(tmp_path / "summary"))
    assert dialog.out_path() == tmp_path / "summary.json"
    dialog.format_buttons["claimreview"].click()
    assert dialog.out_path() == tmp_path / "summary.jsonld"
    qtbot.waitUntil(lambda: dialog.preview_ready, timeout=JOB_TIMEOUT)
    assert "nothing to publish" in dialog.info.text()  # no finding yet: said, not hidden
    existing = tmp_path / "summary.jsonld"
    existing.write_text("{}")
    dialog.buttons.accepted.emit()  # Export: the conftest answers Yes to "Replace it?"
    assert dialog.result() == QDialog.DialogCode.Accepted
    dialog.deleteLater()
