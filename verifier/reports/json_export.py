"""The whole case as versioned JSON, for CMSs and pipelines."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_VERSION = "1.0"


def render_json(context: dict[str, Any]) -> str:
    doc = {"schema_version": SCHEMA_VERSION, **_strip_thumbnails(context)}
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def _strip_thumbnails(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_thumbnails(v) for k, v in value.items() if k != "thumbnail"}
    if isinstance(value, list):
        return [_strip_thumbnails(v) for v in value]
    return value
