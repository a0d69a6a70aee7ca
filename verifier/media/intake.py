"""Bring a file or URL into the workbench: sniff its type by content, hash it, check it decodes."""

from __future__ import annotations

import hashlib
import mimetypes
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import requests

from verifier.errors import UserError
from verifier.models import MediaItem, MediaKind

# Magic bytes -> (kind, mime). Order matters: longer and more specific signatures first.
_SIGNATURES: list[tuple[int, bytes, MediaKind, str]] = [
    (0, b"\xff\xd8\xff", MediaKind.IMAGE, "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", MediaKind.IMAGE, "image/png"),
    (0, b"GIF87a", MediaKind.IMAGE, "image/gif"),
    (0, b"GIF89a", MediaKind.IMAGE, "image/gif"),
    (0, b"II*\x00", MediaKind.IMAGE, "image/tiff"),
    (0, b"MM\x00*", MediaKind.IMAGE, "image/tiff"),
    (0, b"BM", MediaKind.IMAGE, "image/bmp"),
    (0, b"\x1a\x45\xdf\xa3", MediaKind.VIDEO, "video/x-matroska"),
]
_FTYP_BRANDS: dict[bytes, tuple[MediaKind, str]] = {
    b"heic": (MediaKind.IMAGE, "image/heic"),
    b"heix": (MediaKind.IMAGE, "image/heic"),
    b"mif1": (MediaKind.IMAGE, "image/heif"),
    b"msf1": (MediaKind.IMAGE, "image/heif"),
    b"avif": (MediaKind.IMAGE, "image/avif"),
    b"qt  ": (MediaKind.VIDEO, "video/quicktime"),
    b"M4V ": (MediaKind.VIDEO, "video/x-m4v"),
    b"3gp4": (MediaKind.VIDEO, "video/3gpp"),
    b"3gp5": (MediaKind.VIDEO, "video/3gpp"),
    b"3gp6": (MediaKind.VIDEO, "video/3gpp"),
    b"3g2a": (MediaKind.VIDEO, "video/3gpp2"),
}

MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 30


@dataclass(frozen=True)
class Sniffed:
    kind: MediaKind
    mime: str
    extension_agrees: bool


def sniff(path: Path) -> Sniffed:
    """Identify an image or video by its first bytes, never by its name."""
    head = _read_head(path)
    if not head:
        raise UserError(path, "the file is empty (0 bytes)")
    kind_mime = _match_signature(head)
    if kind_mime is None:
        raise UserError(path, "not a supported image or video (unrecognised content)")
    kind, mime = kind_mime
    guessed, _ = mimetypes.guess_type(path.name)
    agrees = guessed is None or _same_family(guessed, mime)
    return Sniffed(kind, mime, agrees)


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(64)
    except FileNotFoundError:
        raise UserError(path, "no such file") from None
    except IsADirectoryError:
        raise UserError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None


def _match_signature(head: bytes) -> tuple[MediaKind, str] | None:
    for offset, magic, kind, mime in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if mime == "video/x-matroska" and b"webm" in head:
                return MediaKind.VIDEO, "video/webm"
            return kind, mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind.IMAGE, "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return MediaKind.VIDEO, "video/x-msvideo"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _FTYP_BRANDS:
            return _FTYP_BRANDS[brand]
        return MediaKind.VIDEO, "video/mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return MediaKind.VIDEO, "video/quicktime"
    return None


def _same_family(guessed: str, sniffed: str) -> bool:
    aliases = {
        "video/mp4": {"video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp", "audio/mp4"},
        "video/quicktime": {"video/mp4", "video/quicktime", "video/x-m4v"},
        "video/x-m4v": {"video/mp4", "video/quicktime", "video/x-m4v"},
        "video/3gpp": {"video/3gpp", "video/mp4", "video/3gpp2"},
        "video/3gpp2": {"video/3gpp", "video/3gpp2", "video/mp4"},
        "video/x-matroska": {"video/x-matroska", "video/webm"},
        "video/webm": {"video/x-matroska", "video/webm"},
        "image/heic": {"image/heic", "image/heif"},
        "image/heif": {"image/heic", "image/heif"},
    }
    return guessed == sniffed or guessed in aliases.get(sniffed, set())


def hash_file(path: Path) -> tuple[str, str, int]:
    """SHA-256, MD5 and size of the bytes, read once in blocks."""
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                sha.update(block)
                md5.update(block)
                size += len(block)
    except OSError as exc:
        raise UserError(path, f"cannot be read ({exc.strerror or exc})") from None
    return sha.hexdigest(), md5.hexdigest(), size


def inspect(path: Path, source_url: str | None = None) -> MediaItem:
    """Sniff, hash and check that the file decodes; raises UserError naming the file otherwise."""
    path = Path(path)
    sniffed = sniff(path)
    if sniffed.kind is MediaKind.IMAGE:
        check_image_decodes(path)
    else:
        check_video_decodes(path)
    sha, md5, size = hash_file(path)
    return MediaItem(
        path=str(path),
        sha256=sha,
        md5=md5,
        size=size,
        kind=sniffed.kind,
        mime=sniffed.mime,
        original_name=path.name,
        source_url=source_url,
        added_at=now_iso(),
    )


def check_image_decodes(path: Path) -> None:
    from verifier.media.imageio import decode_image

    decode_image(path, max_side=1024)


def check_video_decodes(path: Path) -> None:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(path, "has no video stream")
            for _frame in container.decode(video=0):
                return
    except UserError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise UserError(path, f"not a readable video ({_short(exc)})") from None
    raise UserError(path, "not a readable video (no frame could be decoded)")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Download:
    path: Path
    url: str
    final_url: str
    headers: dict[str, str]
    fetched_at: str


def fetch_url(
    url: str,
    dest_dir: Path | None = None,
    *,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    session: requests.Session | None = None,
) -> Download:
    """Download a URL the user gave, with timeouts, a size cap and TLS verification."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UserError(url, "only http(s) URLs can be fetched")
    dest_dir = dest_dir or Path(tempfile.mkdtemp(prefix="verifier-fetch-"))
    name = Path(parsed.path).name or "download"
    target = dest_dir / name
    http = session or requests.Session()
    try:
        with http.get(
            url, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), verify=True
        ) as resp:
            if resp.status_code >= 400:
                raise UserError(url, f"the server answered HTTP {resp.status_code}")
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise UserError(url, f"too large ({int(declared)} bytes; limit {max_bytes})")
            received = 0
            with target.open("wb") as out:
                for chunk in resp.iter_content(1 << 16):
                    received += len(chunk)
                    if received > max_bytes:
                        raise UserError(url, f"too large (over the {max_bytes}-byte limit)")
                    out.write(chunk)
            return Download(target, url, resp.url, dict(resp.headers), now_iso())
    except requests.exceptions.SSLError:
        raise UserError(url, "the TLS certificate could not be verified") from None
    except requests.exceptions.Timeout:
        raise UserError(url, "the server did not answer in time") from None
    except requests.exceptions.RequestException as exc:
        raise UserError(url, f"could not be fetched ({_short(exc)})") from None
