"""Helpers shared by the core (non-GUI) test modules: driving the CLI in-process, hashing,
a small HTML tree builder that insists on balanced tags, a quiet local HTTP server and a
PyAV segment writer. No Qt here."""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
import socket
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from verifier.cli import main

# ---------------------------------------------------------------- the CLI


@dataclass
class CliResult:
    rc: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def _call_main(argv: Sequence[str]) -> int:
    """main() as the console script runs it: an uncaught exception becomes a traceback on
    stderr and exit status 1, argparse's SystemExit its own code."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except Exception:
        import sys

        traceback.print_exc(file=sys.stderr)
        return 1


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> CliResult:
    """Run `verifier ARGV...` in-process, capturing stdout and stderr with capsys."""
    capsys.readouterr()  # drop anything earlier
    rc = _call_main([str(a) for a in argv])
    captured = capsys.readouterr()
    return CliResult(rc, captured.out, captured.err)


def run_cli_redirected(*argv: object) -> CliResult:
    """The same for module-scoped fixtures, where capsys is not available."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = _call_main([str(a) for a in argv])
    return CliResult(rc, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def isolated_user_dirs(base: Path) -> Iterator[None]:
    """What conftest's autouse fixture does, for module-scoped fixtures (which run before it)."""
    with pytest.MonkeyPatch.context() as mp:
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            mp.setenv(var, str(base / var.lower()))
        yield


def assert_one_error_line(result: CliResult, subject: object) -> str:
    """Exit 2, exactly one line on stderr naming subject and giving a reason, no traceback."""
    assert "Traceback" not in result.err, result.err
    assert result.rc == 2, (result.rc, result.err)
    lines = result.err_lines
    assert len(lines) == 1, lines
    line = lines[0]
    assert str(subject) in line, (subject, line)
    reason = line.split(f"{subject}", 1)[1].lstrip(":").strip()
    assert len(reason) >= 5, f"no reason given after the subject: {line!r}"
    if Path(str(subject)).is_fifo():
        assert "not a regular file" in reason, line
    return line


# ---------------------------------------------------------------- files


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file below folder (empty if it does not exist)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): sha256_of(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


# ---------------------------------------------------------------- HTML

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                 "param", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text())
        return "".join(parts)

    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, pred: Callable[[Node], bool]) -> list[Node]:
        return [n for n in self.iter() if pred(n)]

    def by_tag(self, tag: str) -> list[Node]:
        return self.find_all(lambda n: n.tag == tag)

    def by_class(self, cls: str) -> list[Node]:
        return self.find_all(lambda n: cls in n.classes())


class _TreeBuilder(HTMLParser):
    """Builds a tree and fails on any end tag that does not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]
        self.problems: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID_ELEMENTS:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), parent=self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            return
        open_tag = self.stack[-1].tag
        if open_tag != tag:
            self.problems.append(f"</{tag}> closes <{open_tag}> at line {self.getpos()[0]}")
            # recover: pop to the matching element if there is one
            for i in range(len(self.stack) - 1, 0, -1):
                if self.stack[i].tag == tag:
                    del self.stack[i:]
                    break
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    """The document tree; asserts the markup is balanced (every element closed, in order)."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    unclosed = [n.tag for n in builder.stack[1:]]
    assert not builder.problems, builder.problems
    assert not unclosed, f"elements never closed: {unclosed}"
    assert builder.doctype.lower() == "doctype html", builder.doctype
    roots = [c for c in builder.root.children if isinstance(c, Node)]
    assert [r.tag for r in roots] == ["html"], [r.tag for r in roots]
    return builder.root


# ---------------------------------------------------------------- network


def free_port() -> int:
    """A port nothing listens on: bind, read the number, close."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_directory(folder: Path) -> Iterator[str]:
    """http://127.0.0.1:PORT serving folder from a thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------- video


def write_segment(src: Path, dst: Path, start: float, end: float, scale: float = 0.5) -> float:
    """Re-encode [start, end) seconds of src as H.264 at scale, keeping the source's frame
    timing (a VFR source stays VFR). Returns the source time of the first frame written."""
    import av

    tb = Fraction(1, 24000)
    first_pts: int | None = None
    first_time = 0.0
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream = inp.streams.video[0]
        width = int(stream.codec_context.width * scale) // 2 * 2
        height = int(stream.codec_context.height * scale) // 2 * 2
        enc = out.add_stream("libx264", rate=24)
        enc.width, enc.height, enc.pix_fmt = width, height, "yuv420p"
        enc.time_base = tb
        enc.codec_context.time_base = tb
        for frame in inp.decode(stream):
            t = float(frame.time)
            if t < start:
                continue
            if t >= end:
                break
            pts = round(t / tb)
            if first_pts is None:
                first_pts, first_time = pts, t
            small = frame.reformat(width=width, height=height, format="yuv420p")
            small.pts = pts - first_pts
            small.time_base = tb
            for packet in enc.encode(small):
                out.mux(packet)
        for packet in enc.encode():
            out.mux(packet)
    if first_pts is None:
        raise AssertionError(f"no frame of {src} in [{start}, {end})")
    return first_time


# ---------------------------------------------------------------- ratings


def ratings_other_than_unverified() -> list[str]:
    """Rating words the CLI accepts besides the automatic one (the scale is a product
    decision that may change, so tests take it from the enum rather than hard-coding it)."""
    from verifier.models import Rating

    return [r.value for r in Rating if r is not Rating.UNVERIFIED]


def checked_photo_case(factory: pytest.TempPathFactory, label: str, photo: Path,
                       article: Path) -> Path:
    """A case made by `verifier check` on a real photo and article, to copy per test (skips
    when ../shared is absent)."""
    for needed in (photo, article):
        if not needed.exists():
            pytest.skip(f"real media not available: {needed}")
    work = factory.mktemp(label)
    case = work / "case.vcase"
    with isolated_user_dirs(work / "xdg"):
        result = run_cli_redirected("check", photo, "--article", article, "--report",
                                    work / "report.html", "--case", case)
    assert result.rc == 0, result.err
    return case


def copy_case(template: Path, folder: Path) -> Path:
    """A private copy of a case file and its evidence folder, for a test to change."""
    from verifier.case import evidence_dir_for

    path = folder / template.name
    shutil.copy2(template, path)
    shutil.copytree(evidence_dir_for(template), evidence_dir_for(path))
    return path
