"""Provenance manifests that newsroom archives export: CSV or JSON rows naming a file (by path or
SHA-256) with where and when it was published. Their dates join the dates read from the files'
metadata, and the earliest of all becomes the item's earliest known date."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from verifier.errors import UserError

FIELDS = ("path", "sha256", "source_url", "publisher", "published_at", "notes")
_ALIASES = {
    "file": "path", "filename": "path", "location": "path",
    "sha-256": "sha256", "hash": "sha256", "checksum": "sha256",
    "url": "source_url", "source": "source_url", "link": "source_url",
    "published": "published_at", "date": "published_at", "publication_date": "published_at",
    "publisher_name": "publisher", "outlet": "publisher",
    "note": "notes", "comment": "notes", "description": "notes",
}
_SHA = re.compile(r"[0-9a-f]{64}")
_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ManifestEntry:
    line: int  # 1-based row (CSV line or JSON array position)
    path: Path | None  # resolved against the manifest's folder
    sha256: str | None
    source_url: str | None
    publisher: str | None
    published_at: str | None  # as written
    date: str | None  # YYYY-MM-DD parsed from published_at
    notes: str | None


@dataclass
class Manifest:
    source: Path
    entries: list[ManifestEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def for_item(self, sha256: str, paths: list[Path]) -> list[ManifestEntry]:
        resolved = {p.resolve() for p in paths}
        return [e for e in self.entries
                if (e.sha256 and e.sha256 == sha256) or (e.path and e.path in resolved)]


def parse_date(text: str) -> str | None:
    """YYYY-MM-DD of a date as archives write it (ISO 8601, EXIF, RFC 2822, D.M.Y), or None."""
    text = text.strip()
    if not text:
        return None
    candidates: list[date] = []
    iso = text.replace("Z", "+00:00")
    with suppress(ValueError):
        candidates.append(datetime.fromisoformat(iso).date())
    if not candidates:
        m = re.match(r"^(\d{4})[-/:.](\d{1,2})[-/:.](\d{1,2})\b", text)
        if m:
            candidates.append(_safe_date(int(m[1]), int(m[2]), int(m[3])))
        m = re.match(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})\b", text)
        if m:  # day first, as European archives write it
            candidates.append(_safe_date(int(m[3]), int(m[2]), int(m[1])))
        m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text)
        if m:
            candidates.append(_safe_date(int(m[1]), int(m[2] or 1), 1))
    if not candidates:
        with suppress(TypeError, ValueError, IndexError):
            candidates.append(parsedate_to_datetime(text).date())
    for d in candidates:
        if d is not None and 1826 <= d.year <= datetime.now().year + 1:
            return d.isoformat()
    return None


def _safe_date(year: int, month: int, day: int) -> Any:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _norm_key(key: str) -> str:
    k = key.strip().lower().replace(" ", "_")
    return _ALIASES.get(k, k)


def _rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" or stripped.startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(path, f"not a readable JSON manifest ({exc})") from None
        if isinstance(data, dict):
            data = data.get("items") or data.get("entries") or data.get("files")
        if not isinstance(data, list):
            raise UserError(path, "a JSON manifest is a list of objects (or {\"items\": [...]})")
        rows = []
        for i, obj in enumerate(data, 1):
            if not isinstance(obj, dict):
                raise UserError(path, f"entry {i} is not an object")
            rows.append((i, {_norm_key(str(k)): v for k, v in obj.items()}))
        return rows
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames:
        raise UserError(path, "an empty CSV manifest (no header line)")
    keys = {_norm_key(k) for k in reader.fieldnames if k}
    if not keys & {"path", "sha256"}:
        raise UserError(path, "a CSV manifest needs a 'path' or 'sha256' column "
                              f"(found: {', '.join(sorted(keys))})")
    return [(reader.line_num, {_norm_key(k): v for k, v in row.items() if k})
            for row in reader]


def load_manifest(path: Path) -> Manifest:
    """Parse a CSV or JSON manifest; rows it cannot use are listed in `warnings`."""
    from verifier.media.intake import require_file

    path = Path(path)
    try:
        if path.exists():  # a folder or a named pipe (which would wait for a writer) is refused
            size = require_file(path).st_size
            if size > _MAX_BYTES:
                raise UserError(path, f"manifest too large ({size} bytes)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UserError(path, "no such manifest") from None
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None
    text = raw.decode("utf-8-sig", errors="replace")
    manifest = Manifest(path)
    for line, row in _rows(path, text):
        def get(key: str, row: dict[str, Any] = row) -> str | None:
            value = row.get(key)
            if value is None:
                return None
            value = str(value).strip()
            return value or None

        sha = get("sha256")
        if sha is not None:
            sha = sha.lower()
            if not _SHA.fullmatch(sha):
                manifest.warnings.append(f"{path}: line {line}: not a SHA-256: {sha[:80]}")
                sha = None
        rel = get("path")
        file = None
        if rel:
            file = Path(rel).expanduser()
            file = (file if file.is_absolute() else path.parent / file).resolve()
        if sha is None and file is None:
            manifest.warnings.append(f"{path}: line {line}: no path and no sha256; ignored")
            continue
        published = get("published_at")
        parsed = parse_date(published) if published else None
        if published and parsed is None:
            manifest.warnings.append(f"{path}: line {line}: unreadable date {published[:80]!r}")
        manifest.entries.append(ManifestEntry(line, file, sha, get("source_url"),
                                              get("publisher"), published, parsed, get("notes")))
    return manifest
