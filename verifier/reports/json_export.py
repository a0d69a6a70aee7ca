"""The whole case as versioned JSON, for CMSs and pipelines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).parent / "schema" / "case-report-1.0.schema.json"


def load_schema() -> dict[str, Any]:
    """The JSON Schema every export follows (shipped with the package)."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def render_json(context: dict[str, Any]) -> str:
    doc = {"schema_version": SCHEMA_VERSION, **_strip_thumbnails(context)}
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def _strip_thumbnails(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_thumbnails(v) for k, v in value.items()
                if not k.endswith("thumbnail")}
    if isinstance(value, list):
        return [_strip_thumbnails(v) for v in value]
    return value
