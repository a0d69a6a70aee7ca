"""User settings shared by the CLI and the GUI: a small JSON file in the user config dir."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from platformdirs import user_config_dir

log = logging.getLogger(__name__)


# The pHash distance (of 64 bits) under which two pictures match where PDQ cannot decide; the
# default of verifier.matching.hashing.DEFAULT_MAX_DISTANCE, repeated so settings stay light.
DEFAULT_PHASH_MAX_DISTANCE = 10
PHASH_MAX_DISTANCE_RANGE = (0, 32)


@dataclass(frozen=True)
class Settings:
    analyst: str = ""  # the name written into every audit event and verdict
    corpus: str = ""  # default corpus file; empty means the one in the user data dir
    phash_max_distance: int = DEFAULT_PHASH_MAX_DISTANCE  # the window's matching threshold


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
    if not isinstance(data, dict):
        log.warning("settings file %s ignored: not a JSON object", path)
        return Settings()
    defaults = Settings()
    values: dict[str, object] = {}
    for f in fields(Settings):
        if f.name not in data:
            continue
        kind = type(getattr(defaults, f.name))
        try:
            values[f.name] = kind(data[f.name])  # str or int, as the field's default
        except (TypeError, ValueError):
            log.warning("settings file %s: %s ignored (not %s)", path, f.name, kind.__name__)
    low, high = PHASH_MAX_DISTANCE_RANGE
    distance = values.get("phash_max_distance")
    if isinstance(distance, int) and not low <= distance <= high:
        log.warning("settings file %s: phash_max_distance %d outside %d-%d", path, distance,
                    low, high)
        values.pop("phash_max_distance")
    return Settings(**values)  # type: ignore[arg-type]


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
