"""Shared fixtures: headless Qt, real media from ../shared when it is there, small media made on
the fly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MEDIA = SHARED / "media"
ARTICLE = SHARED / "articles" / "soleimani-volleyball-2020-02-19.txt"


def shared_file(relative: str) -> Path:
    """A real file from ../shared/media, or skip the test with the reason."""
    path = MEDIA / relative
    if not path.exists():
        pytest.skip(f"real media not available: {path} (../shared is absent)")
    return path


@pytest.fixture
def article_path() -> Path:
    if not ARTICLE.exists():
        pytest.skip(f"real article not available: {ARTICLE}")
    return ARTICLE


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Never touch the developer's real corpus, demo case or settings.
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
