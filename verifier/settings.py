"""User settings shared by the CLI and the GUI: a small JSON file in the user config dir."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from platformdirs import user_config_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    analyst: str = ""  # the name written into every audit event and verdict
    corpus: str = ""  # default corpus file; empty means the one in the user data dir


def settings_path() -> Path:
    return Path(user_config_dir("verifier", appauthor=False)) / "settings.json"


def load_settings() -> Settings:
    path = settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s ignored: %s", path, exc)
        return Settings()
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: str(v) for k, v in data.items() if k in known})


def save_settings(settings: Settings) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(settings), indent=2), encoding="utf-8")
    tmp.replace(path)


def configured_corpus_path() -> Path:
    """The corpus named in the settings, else the default one in the user data dir."""
    from verifier.corpus import default_corpus_path

    chosen = load_settings().corpus.strip()
    return Path(chosen).expanduser() if chosen else default_corpus_path()
