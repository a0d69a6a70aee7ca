"""Self-contained HTML report: Jinja2 with autoescaping, images embedded, no external requests."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from verifier.matching.wording import distances_text, found_by

_env = Environment(
    loader=PackageLoader("verifier.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _safe_data_uri(value: str | None) -> str:
    # Only our own base64 JPEG thumbnails may go into src attributes.
    if value and value.startswith("data:image/jpeg;base64,"):
        return value
    return ""


_env.filters["data_uri"] = _safe_data_uri
_env.globals["found_by"] = found_by
_env.globals["distances_text"] = distances_text


def render_html(context: dict[str, Any]) -> str:
    return _env.get_template("report.html.j2").render(**context)
