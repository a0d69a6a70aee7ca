"""Fetching media from a URL: a local HTTP server on 127.0.0.1 plays slow, silent, huge, lying
and redirecting servers. Every failure is a UserError naming the URL within a few seconds; a
success keeps the final URL and the response headers, and they reach the metadata timeline."""

from __future__ import annotations

import contextlib
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.helpers import free_port, run_cli
from verifier.errors import UserError
from verifier.media import intake
from verifier.media.metadata import extract

Handler = Callable[[BaseHTTPRequestHandler], None]
LAST_MODIFIED = "Wed, 19 Feb 2020 10:00:00 GMT"


def _jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "TestMake"
    exif[0x0132] = "2020:02:18 09:30:00"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


JPEG = _jpeg_bytes()


@contextlib.contextmanager
def serve(routes: dict[str, Handler]) -> Iterator[str]:
    """http://127.0.0.1:PORT answering each path with its handler (404 otherwise)."""

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            handler = routes.get(self.path.split("?")[0])
            if handler is None:
                self.send_error(404)
                return
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                handler(self)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _send(body: bytes, content_type: str = "image/jpeg",
          extra: dict[str, str] | None = None) -> Handler:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Last-Modified", LAST_MODIFIED)
        for key, value in (extra or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)
    return handler


def _sleep_then_send(seconds: float) -> Handler:
    def handler(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        _send(JPEG)(h)
    return handler


def _trickle(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "image/jpeg")
    h.send_header("Content-Length", str(len(JPEG)))
    h.end_headers()
    for byte in JPEG:  # one byte every 0.2 s: never idle long enough for the read timeout
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        time.sleep(0.2)


def _chunked_forever(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "image/jpeg")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"\xff" * 65536
    for _ in range(200):  # 13 MB without a Content-Length
        h.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    h.wfile.write(b"0\r\n\r\n")


def _redirect(to: str) -> Handler:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", to)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return handler


def _timed(fn: Callable[[], Any], limit: float = 5.0) -> Any:
    start = time.monotonic()
    try:
        return fn()
    finally:
        assert time.monotonic() - start < limit, f"took {time.monotonic() - start:.1f} s"


# ---------------------------------------------------------------- success


def test_fetch_keeps_final_url_headers_and_bytes(tmp_path: Path) -> None:
    routes = {"/photo.jpg": _send(JPEG, extra={"X-Origin": "test"})}
    with serve(routes) as base:
        routes["/old"] = _redirect(f"{base}/photo.jpg")
        download = intake.fetch_url(f"{base}/old?x=1", tmp_path)
    assert download.path.read_bytes() == JPEG
    assert download.url == f"{base}/old?x=1"
    assert download.final_url == f"{base}/photo.jpg"
    assert download.redirects == (f"{base}/old?x=1",)
    assert download.status == 200 and download.size == len(JPEG)
    assert download.content_type == "image/jpeg"
    assert download.last_modified == LAST_MODIFIED
    assert download.headers["X-Origin"] == "test"
    evidence = download.evidence()
    assert evidence["final_url"] == download.final_url
    assert json.dumps(evidence)  # storable as it is


def test_headers_reach_the_timeline_and_raw_groups(tmp_path: Path) -> None:
    with serve({"/photo.jpg": _send(JPEG)}) as base:
        download = intake.fetch_url(f"{base}/photo.jpg", tmp_path)
    report = extract(download.path, http_headers=download.headers,
                     source_url=download.final_url)
    assert report.raw["HTTP"]["Last-Modified"] == LAST_MODIFIED
    assert report.raw["HTTP"]["URL"] == download.final_url
    entry = next(e for e in report.timeline if e.source == "HTTP Last-Modified")
    assert entry.time == "2020-02-19T10:00:00Z" and entry.zone_known
    # Sorted: the EXIF date (18 Feb, zone unknown) comes before the server's date.
    sources = [e.source for e in report.timeline]
    assert sources.index("Image DateTime") < sources.index("HTTP Last-Modified")


def test_load_returns_item_and_download(tmp_path: Path) -> None:
    with serve({"/a/b/photo%20one.jpg": _send(JPEG)}) as base:
        loaded = intake.load(f"{base}/a/b/photo%20one.jpg", tmp_path)
    assert loaded.download is not None
    assert loaded.item.source_url == loaded.download.final_url
    assert loaded.item.size == len(JPEG) and loaded.item.mime == "image/jpeg"
    assert Path(loaded.item.path).name == "photo_one.jpg"  # a safe local name


def test_server_lying_about_content_type_is_flagged(tmp_path: Path) -> None:
    with serve({"/x": _send(JPEG, content_type="image/png")}) as base:
        download = intake.fetch_url(f"{base}/x", tmp_path)
    report = extract(download.path, http_headers=download.headers)
    assert "content-type-mismatch" in [f.code for f in report.flags]


def test_capture_after_last_modified_is_flagged(tmp_path: Path) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(JPEG)  # EXIF says 2020-02-18
    report = extract(photo, http_headers={"Last-Modified": "Mon, 01 Jan 2018 00:00:00 GMT"})
    flag = next(f for f in report.flags if f.code == "capture-after-modified")
    assert "Last-Modified" in flag.title + flag.explanation
    fine = extract(photo, http_headers={"Last-Modified": LAST_MODIFIED})
    assert "capture-after-modified" not in [f.code for f in fine.flags]


def test_cli_metadata_of_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    with serve({"/photo.jpg": _send(JPEG)}) as base:
        result = run_cli(capsys, "metadata", f"{base}/photo.jpg", "--json")
    assert result.rc == 0, result.err
    payload = json.loads(result.out)
    assert payload["file"] == f"{base}/photo.jpg"
    assert payload["download"]["last_modified"] == LAST_MODIFIED
    assert any(e["source"] == "HTTP Last-Modified" for e in payload["timeline"])


# ---------------------------------------------------------------- failures


def _error(fn: Callable[[], Any]) -> UserError:
    with pytest.raises(UserError) as info:
        _timed(fn)
    return info.value


def test_nothing_listening(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/photo.jpg"
    err = _error(lambda: intake.fetch_url(url, tmp_path, connect_timeout=1))
    assert err.subject == url and "could not be reached" in err.reason


def test_server_that_never_answers(tmp_path: Path) -> None:
    with serve({"/slow.jpg": _sleep_then_send(10)}) as base:
        err = _error(lambda: intake.fetch_url(f"{base}/slow.jpg", tmp_path, read_timeout=0.5))
    assert "stopped sending" in err.reason and err.subject.endswith("/slow.jpg")


def test_server_that_trickles_is_cut_off(tmp_path: Path) -> None:
    with serve({"/t.jpg": _trickle}) as base:
        err = _error(lambda: intake.fetch_url(f"{base}/t.jpg", tmp_path, read_timeout=2,
                                              total_timeout=1.5))
    assert "longer than 1.5 s" in err.reason
    assert not any(tmp_path.iterdir()), "a partial download was left behind"


def test_declared_size_over_the_cap(tmp_path: Path) -> None:
    with serve({"/big.jpg": _send(JPEG)}) as base:
        err = _error(lambda: intake.fetch_url(f"{base}/big.jpg", tmp_path, max_bytes=100))
    assert "too large" in err.reason and str(len(JPEG)) in err.reason


def test_undeclared_size_over_the_cap(tmp_path: Path) -> None:
    with serve({"/stream": _chunked_forever}) as base:
        err = _error(lambda: intake.fetch_url(f"{base}/stream", tmp_path, max_bytes=1_000_000))
    assert "too large" in err.reason
    assert not any(tmp_path.iterdir())


def test_http_error_status(tmp_path: Path) -> None:
    with serve({}) as base:
        err = _error(lambda: intake.fetch_url(f"{base}/missing.jpg", tmp_path))
    assert "HTTP 404" in err.reason


def test_html_page_instead_of_media(tmp_path: Path) -> None:
    page = b"<!doctype html><html><body>Not the photo</body></html>"
    with serve({"/photo.jpg": _send(page, content_type="text/html")}) as base:
        url = f"{base}/photo.jpg"
        err = _error(lambda: intake.load(url, tmp_path))
    assert err.subject == url
    assert "not a supported image or video" in err.reason and "text/html" in err.reason


@pytest.mark.parametrize("url", ["ftp://example.org/a.jpg", "file:///etc/passwd", "http://"])
def test_only_http_urls(url: str, tmp_path: Path) -> None:
    err = _error(lambda: intake.fetch_url(url, tmp_path))
    assert "only http(s)" in err.reason


def test_cli_slow_url_fails_cleanly(capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "READ_TIMEOUT_S", 0.5)
    monkeypatch.setattr(intake.fetch_url, "__kwdefaults__",
                        {**(intake.fetch_url.__kwdefaults__ or {}), "read_timeout": 0.5})
    with serve({"/slow.jpg": _sleep_then_send(10)}) as base:
        result = _timed(lambda: run_cli(capsys, "metadata", f"{base}/slow.jpg"))
    assert result.rc == 2 and "Traceback" not in result.err
    assert f"{base}/slow.jpg" in result.err and "stopped sending" in result.err
