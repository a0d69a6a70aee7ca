"""The first-run screen: shown once, offers the demo case and the corpus manager, and says where
the user's data lives."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from verifier import __version__
from verifier.gui import first_run, window_actions
from verifier.gui.first_run import FIRST_RUN_KEY, first_run_pending, show_first_run
from verifier.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def fresh(window: MainWindow) -> MainWindow:
    QSettings().remove(FIRST_RUN_KEY)
    return window


def test_shown_once_and_remembered(fresh: MainWindow, qtbot: QtBot) -> None:
    assert first_run_pending()
    dialog = show_first_run(fresh)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert QSettings().value(FIRST_RUN_KEY) == __version__
    assert not first_run_pending()
    assert show_first_run(fresh) is None
    dialog.close()


def test_names_the_user_data_folders(fresh: MainWindow, tmp_path: Path) -> None:
    dialog = show_first_run(fresh)
    assert dialog is not None
    where = dialog.where_label.text()
    locations = first_run.data_locations()
    # conftest points XDG_DATA_HOME at a temporary folder; the screen shows that one.
    assert str(locations.data_dir) in where
    assert str(locations.default_corpus) in where
    assert str(locations.settings_file) in where
    assert locations.default_corpus.parent == locations.data_dir
    dialog.close()


def test_demo_button_opens_the_demo(fresh: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(fresh, "open_demo", lambda: calls.append("demo"))
    dialog = show_first_run(fresh)
    assert dialog is not None
    dialog.demo_button.click()
    assert calls == ["demo"]
    assert not dialog.isVisible()


def test_corpus_button_opens_the_corpus_manager(fresh: MainWindow,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[MainWindow] = []
    monkeypatch.setattr(window_actions, "open_corpus_manager",
                        lambda window, **_kw: opened.append(window))
    dialog = show_first_run(fresh)
    assert dialog is not None
    assert "verifier corpus add" in dialog.findChildren(type(dialog.where_label))[0].text()
    dialog.corpus_button.click()
    assert opened == [fresh]


def test_start_empty_closes_without_opening_anything(fresh: MainWindow) -> None:
    dialog = show_first_run(fresh)
    assert dialog is not None
    dialog.close_button.click()
    assert not dialog.isVisible()
    assert fresh.store is None


def test_about_names_the_version_and_the_data_folder(qapp: object) -> None:
    import tomllib

    from tests.conftest import REPO

    with (REPO / "pyproject.toml").open("rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    text = first_run.about_html()
    assert f"Version {version}" in text
    assert str(first_run.data_locations().data_dir) in text
