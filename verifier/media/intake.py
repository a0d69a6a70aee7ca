"""Bring a file or URL into the workbench: sniff its type by content, hash it, check it decodes."""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import re
import socket
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import unquote, urlparse

from verifier import __version__
from verifier.errors import UserError
from verifier.models import MediaItem, MediaKind

if TYPE_CHECKING:
    # Imported where a URL is fetched: the ingest workers' server imports this module to sniff
    # files and would pay 50 ms for requests at every start.
    import requests

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
# ISO base media (ftyp) brands. A brand not listed here is looked up among the compatible brands;
# an unknown MP4-family file is still treated as video, but known non-video brands are refused.
_FTYP_BRANDS: dict[bytes, tuple[MediaKind, str]] = {
    b"heic": (MediaKind.IMAGE, "image/heic"),
    b"heix": (MediaKind.IMAGE, "image/heic"),
    b"heim": (MediaKind.IMAGE, "image/heic"),
    b"heis": (MediaKind.IMAGE, "image/heic"),
    b"hevc": (MediaKind.IMAGE, "image/heic"),
    b"hevx": (MediaKind.IMAGE, "image/heic"),
    b"mif1": (MediaKind.IMAGE, "image/heif"),
    b"msf1": (MediaKind.IMAGE, "image/heif"),
    b"avif": (MediaKind.IMAGE, "image/avif"),
    b"avis": (MediaKind.IMAGE, "image/avif"),
    b"qt  ": (MediaKind.VIDEO, "video/quicktime"),
    b"M4V ": (MediaKind.VIDEO, "video/x-m4v"),
    b"M4VH": (MediaKind.VIDEO, "video/x-m4v"),
    b"M4VP": (MediaKind.VIDEO, "video/x-m4v"),
    b"3gp4": (MediaKind.VIDEO, "video/3gpp"),
    b"3gp5": (MediaKind.VIDEO, "video/3gpp"),
    b"3gp6": (MediaKind.VIDEO, "video/3gpp"),
    b"3gp7": (MediaKind.VIDEO, "video/3gpp"),
    b"3gs7": (MediaKind.VIDEO, "video/3gpp"),
    b"3ge6": (MediaKind.VIDEO, "video/3gpp"),
    b"3ge7": (MediaKind.VIDEO, "video/3gpp"),
    b"3gg6": (MediaKind.VIDEO, "video/3gpp"),
    b"3g2a": (MediaKind.VIDEO, "video/3gpp2"),
    b"3g2b": (MediaKind.VIDEO, "video/3gpp2"),
    b"3g2c": (MediaKind.VIDEO, "video/3gpp2"),
    b"isom": (MediaKind.VIDEO, "video/mp4"),
    b"iso2": (MediaKind.VIDEO, "video/mp4"),
    b"mp41": (MediaKind.VIDEO, "video/mp4"),
    b"mp42": (MediaKind.VIDEO, "video/mp4"),
    b"avc1": (MediaKind.VIDEO, "video/mp4"),
}
# Brands of files that are not images or videos this workbench reads (audio, raw stills, JPEG 2000).
_FTYP_NOT_MEDIA = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B ", b"crx ", b"jp2 ", b"jpx ",
                   b"jpm ", b"mjp2", b"mj2s"}

# What each extension may hold. An extension not listed says nothing, so it never disagrees.
_EXTENSION_MIMES: dict[str, set[str]] = {
    ".jpg": {"image/jpeg"}, ".jpeg": {"image/jpeg"}, ".jpe": {"image/jpeg"},
    ".jfif": {"image/jpeg"}, ".png": {"image/png"}, ".apng": {"image/png"},
    ".gif": {"image/gif"}, ".webp": {"image/webp"}, ".bmp": {"image/bmp"},
    ".dib": {"image/bmp"}, ".tif": {"image/tiff"}, ".tiff": {"image/tiff"},
    ".heic": {"image/heic", "image/heif"}, ".heif": {"image/heic", "image/heif"},
    ".hif": {"image/heic", "image/heif"}, ".avif": {"image/avif"},
    # TIFF-based camera raw files
    **{ext: {"image/tiff"} for ext in (".dng", ".cr2", ".nef", ".nrw", ".arw", ".srf", ".sr2",
                                       ".pef", ".srw", ".3fr", ".erf", ".kdc", ".dcr", ".mef",
                                       ".mos", ".iiq", ".fff", ".rwl")},
    ".mp4": {"video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp", "video/3gpp2"},
    ".m4v": {"video/mp4", "video/quicktime", "video/x-m4v"},
    ".mov": {"video/mp4", "video/quicktime", "video/x-m4v"},
    ".qt": {"video/mp4", "video/quicktime"},
    ".3gp": {"video/3gpp", "video/3gpp2", "video/mp4"},
    ".3gpp": {"video/3gpp", "video/3gpp2", "video/mp4"},
    ".3g2": {"video/3gpp", "video/3gpp2", "video/mp4"},
    ".mkv": {"video/x-matroska", "video/webm"}, ".mk3d": {"video/x-matroska", "video/webm"},
    ".webm": {"video/x-matroska", "video/webm"},
    ".avi": {"video/x-msvideo"},
    ".ts": {"video/mp2t"}, ".mts": {"video/mp2t"}, ".m2ts": {"video/mp2t"},
    ".m2t": {"video/mp2t"},
}
# Extensions of things that are plainly not the media they contain (text, documents).
_OTHER_EXTENSIONS = {".txt", ".html", ".htm", ".pdf", ".doc", ".docx", ".svg", ".xml", ".json",
                     ".zip", ".exe", ".js", ".mp3", ".wav", ".ogg", ".m4a", ".aac", ".flac"}

MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
TOTAL_TIMEOUT_S = 600.0
_HEAD_BYTES = 512


@dataclass(frozen=True)
class Sniffed:
    kind: MediaKind
    mime: str
    extension_agrees: bool


def sniff(path: Path) -> Sniffed:
    """Identify an image or video by its first bytes, never by its name."""
    return sniff_head(path, _read_head(path))


def sniff_head(path: Path, head: bytes) -> Sniffed:
    """sniff() for a file whose first bytes (_HEAD_BYTES of them, or all it has) are at hand."""
    if not head:
        raise UserError(path, "the file is empty (0 bytes)")
    kind_mime = sniff_bytes(head[:_HEAD_BYTES])
    if kind_mime is None:
        raise UserError(path, "not a supported image or video (unrecognised content)")
    kind, mime = kind_mime
    return Sniffed(kind, mime, extension_agrees(path.name, mime))


def sniff_bytes(head: bytes) -> tuple[MediaKind, str] | None:
    """(kind, MIME type) of content from its first bytes (512 are enough), or None."""
    return _match_signature(head)


def extension_agrees(name: str, mime: str) -> bool:
    """False when the file name's extension promises other content than the sniffed MIME type."""
    ext = Path(name).suffix.lower()
    if not ext:
        return True
    if ext in _EXTENSION_MIMES:
        return mime in _EXTENSION_MIMES[ext]
    if ext in _OTHER_EXTENSIONS:
        return False
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed is None or _same_family(guessed, mime)


NOT_REGULAR = "not a regular file (a named pipe, socket or device)"


def require_file(path: Path) -> os.stat_result:
    """The stat of `path` when it is a regular file (or a link to one), else a UserError:
    missing, a folder, or a named pipe, socket or device, which are never opened (a pipe would
    wait for a writer)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise read_error(path, exc) from None
    if S_ISDIR(st.st_mode):
        raise UserError(path, "is a folder, not a file")
    if not S_ISREG(st.st_mode):
        raise UserError(path, NOT_REGULAR)
    return st


def _read_head(path: Path) -> bytes:
    require_file(path)
    try:
        with path.open("rb") as fh:
            return fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise read_error(path, exc) from None


def read_error(path: Path, exc: OSError) -> UserError:
    """What a failed open or read of `path` tells the user."""
    if isinstance(exc, FileNotFoundError):
        return UserError(path, "no such file")
    if isinstance(exc, IsADirectoryError):
        return UserError(path, "is a folder, not a file")
    return UserError(path, f"cannot be read ({exc.strerror or exc})")


def _match_signature(head: bytes) -> tuple[MediaKind, str] | None:
    for offset, magic, kind, mime in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if mime == "video/x-matroska" and b"webm" in head[:64]:
                return MediaKind.VIDEO, "video/webm"
            return kind, mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaKind.IMAGE, "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return MediaKind.VIDEO, "video/x-msvideo"
    if head[4:8] == b"ftyp":
        return _match_ftyp(head)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return MediaKind.VIDEO, "video/quicktime"
    # MPEG transport stream (AVCHD .mts is the 192-byte variant with a 4-byte time code).
    if len(head) >= 377 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return MediaKind.VIDEO, "video/mp2t"
    if len(head) >= 389 and head[4] == 0x47 and head[196] == 0x47 and head[388] == 0x47:
        return MediaKind.VIDEO, "video/mp2t"
    return None


def _match_ftyp(head: bytes) -> tuple[MediaKind, str] | None:
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    end = min(max(box_size, 16), len(head))
    compatible = [head[i : i + 4] for i in range(16, end - 3, 4)]
    if major in (b"mif1", b"msf1"):  # generic HEIF: a compatible brand says which codec
        specific = next((_FTYP_BRANDS[c] for c in compatible
                         if c in _FTYP_BRANDS and c not in (b"mif1", b"msf1")
                         and _FTYP_BRANDS[c][0] is MediaKind.IMAGE), None)
        return specific or _FTYP_BRANDS[major]
    if major in _FTYP_BRANDS:
        return _FTYP_BRANDS[major]
    if major in _FTYP_NOT_MEDIA:
        return None
    # An image brand among the compatible ones wins (HEIF files often carry major brand mif1).
    for brand in compatible:
        if brand in _FTYP_BRANDS and _FTYP_BRANDS[brand][0] is MediaKind.IMAGE:
            return _FTYP_BRANDS[brand]
    for brand in compatible:
        if brand in _FTYP_BRANDS:
            return _FTYP_BRANDS[brand]
    if any(brand in _FTYP_NOT_MEDIA for brand in compatible):
        return None
    return MediaKind.VIDEO, "video/mp4"


def _same_family(guessed: str, sniffed: str) -> bool:
    aliases = {
        "video/mp4": {"video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp", "audio/mp4"},
        "video/quicktime": {"video/mp4", "video/quicktime", "video/x-m4v"},
        "video/x-m4v": {"video/mp4", "video/quicktime", "video/x-m4v"},
        "video/3gpp": {"video/3gpp", "video/mp4", "video/3gpp2", "audio/3gpp", "audio/3gpp2"},
        "video/3gpp2": {"video/3gpp", "video/3gpp2", "video/mp4", "audio/3gpp", "audio/3gpp2"},
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


def _connection_reason(exc: BaseException) -> str:
    """Plain words for requests' nested connection errors."""
    text = str(exc).lower()
    for needle, reason in (("refused", "connection refused"),
                           ("name or service not known", "no such host"),
                           ("nodename nor servname", "no such host"),
                           ("temporary failure in name resolution", "the name could not be "
                                                                     "looked up"),
                           ("network is unreachable", "network unreachable"),
                           ("no route to host", "no route to the host"),
                           ("timed out", "timed out"),
                           ("reset by peer", "connection reset")):
        if needle in text:
            return reason
    return _short(exc)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Download:
    """A fetched URL and the evidence of how it was fetched."""

    path: Path
    url: str
    final_url: str
    headers: dict[str, str]
    fetched_at: str
    status: int = 200
    redirects: tuple[str, ...] = ()  # every URL visited before final_url
    size: int = 0

    @property
    def content_type(self) -> str | None:
        return _header(self.headers, "Content-Type")

    @property
    def last_modified(self) -> str | None:
        return _header(self.headers, "Last-Modified")

    def evidence(self) -> dict[str, Any]:
        """What to keep in the case: where the bytes came from and what the server said."""
        return {
            "url": self.url,
            "final_url": self.final_url,
            "redirects": list(self.redirects),
            "status": self.status,
            "fetched_at": self.fetched_at,
            "size": self.size,
            "content_type": self.content_type,
            "last_modified": self.last_modified,
            "headers": dict(self.headers),
        }


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _safe_name(url_path: str) -> str:
    name = Path(unquote(url_path)).name
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:120]
    return name or "download"


def fetch_url(
    url: str,
    dest_dir: Path | None = None,
    *,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    session: requests.Session | None = None,
    connect_timeout: float = CONNECT_TIMEOUT_S,
    read_timeout: float = READ_TIMEOUT_S,
    total_timeout: float = TOTAL_TIMEOUT_S,
) -> Download:
    """Download a URL the user gave, with timeouts, a size cap and TLS verification.

    connect_timeout and read_timeout bound each network wait; total_timeout bounds the whole
    download (a server that trickles bytes is cut off). The final URL after redirects and every
    response header are kept as evidence.
    """
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UserError(url, "only http(s) URLs can be fetched")
    dest_dir = dest_dir or Path(tempfile.mkdtemp(prefix="verifier-fetch-"))
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / _safe_name(parsed.path)
    import requests

    http = session or requests.Session()
    timed_out = threading.Event()
    resp: requests.Response | None = None

    def cut_off() -> None:
        timed_out.set()
        if resp is not None:
            _abort(resp)

    watchdog = threading.Timer(total_timeout, cut_off)
    watchdog.daemon = True
    try:
        watchdog.start()
        resp = http.get(url, stream=True, timeout=(connect_timeout, read_timeout), verify=True,
                        headers={"User-Agent": f"verifier/{__version__}"})
        with resp:
            if resp.status_code >= 400:
                raise UserError(url, f"the server answered HTTP {resp.status_code} "
                                     f"{resp.reason or ''}".rstrip())
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise UserError(url, f"too large ({int(declared)} bytes; the limit is "
                                     f"{max_bytes} bytes)")
            received = 0
            with target.open("wb") as out:
                # A server that trickles bytes keeps each read waiting for a full chunk: at
                # the time limit the watchdog shuts the socket, which ends the read at once.
                # (iter_content, not raw reads: callers' sessions may wrap it for progress.)
                for chunk in resp.iter_content(1 << 16):
                    if timed_out.is_set():
                        break
                    received += len(chunk)
                    if received > max_bytes:
                        raise UserError(url, f"too large (more than the limit of {max_bytes} "
                                             "bytes)")
                    out.write(chunk)
            if timed_out.is_set():
                raise UserError(url, f"the download took longer than {total_timeout:g} s")
            if declared.isdigit() and received < int(declared) and \
                    "gzip" not in resp.headers.get("Content-Encoding", ""):
                raise UserError(url, f"the download stopped after {received} of {declared} "
                                     "bytes")
            return Download(target, url, resp.url, dict(resp.headers), now_iso(),
                            status=resp.status_code,
                            redirects=tuple(r.url for r in resp.history), size=received)
    except BaseException as exc:
        target.unlink(missing_ok=True)
        if isinstance(exc, UserError) or not isinstance(exc, Exception):
            raise  # UserError, and cancellation or Ctrl-C, as they are
        return _fetch_error(url, exc, timed_out.is_set(), connect_timeout, read_timeout,
                            total_timeout)
    finally:
        watchdog.cancel()


def _fetch_error(url: str, exc: Exception, timed_out: bool, connect_timeout: float,
                 read_timeout: float, total_timeout: float) -> NoReturn:
    """The UserError for a failed download, naming the URL and what went wrong."""
    import requests
    import urllib3

    if isinstance(exc, requests.exceptions.SSLError):
        raise UserError(url, "the TLS certificate could not be verified") from None
    if timed_out:
        raise UserError(url, f"the download took longer than {total_timeout:g} s") from None
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        raise UserError(url, f"the server did not accept a connection within "
                             f"{connect_timeout:g} s") from None
    if isinstance(exc, requests.exceptions.Timeout | urllib3.exceptions.ReadTimeoutError):
        raise UserError(url, f"the server stopped sending for more than {read_timeout:g} s"
                        ) from None
    if isinstance(exc, requests.exceptions.ConnectionError):
        raise UserError(url, f"the server could not be reached ({_connection_reason(exc)})"
                        ) from None
    if isinstance(exc, requests.exceptions.RequestException | urllib3.exceptions.HTTPError |
                  OSError | AttributeError | ValueError):
        raise UserError(url, f"could not be fetched ({_short(exc)})") from None
    raise exc


def _abort(resp: requests.Response) -> None:
    """Shut the socket under a response another thread is reading from, so its read ends."""
    raw = resp.raw
    conn = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    # The connection's socket, or (once http.client has let go of it, as it does when the
    # server will close the connection) the socket under the response's file object.
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    candidates = (getattr(conn, "sock", None),
                  getattr(getattr(fp, "raw", None), "_sock", None))
    for sock in candidates:
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True)
class Loaded:
    """A media item ready for the case, and the download evidence when it came from a URL."""

    item: MediaItem
    download: Download | None = None


def load(source: str | Path, dest_dir: Path | None = None, **fetch_options: Any) -> Loaded:
    """A local path or an http(s) URL, sniffed, hashed and checked to decode.

    Errors name the URL (not the temporary file) when the media came from the network.
    """
    text = str(source)
    if not text.startswith(("http://", "https://")):
        return Loaded(inspect(Path(text)))
    download = fetch_url(text, dest_dir, **fetch_options)
    try:
        item = inspect(download.path, source_url=download.final_url)
    except UserError as exc:
        declared = download.content_type
        said = f" (the server called it {declared})" if declared else ""
        raise UserError(text, exc.reason + said) from None
    return Loaded(item, download)
