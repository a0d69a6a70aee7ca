"""The built app (dist/verifier/verifier from `make package`) run as a user runs it: its own
executable, no virtualenv on the path, not from the source tree, Qt offscreen, fresh user
folders. Skipped when the app is not built, unless VERIFIER_FROZEN_APP names it (then a missing
app fails): `make package-test` sets it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tomllib
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.packaging

EXE_NAME = "verifier.exe" if sys.platform == "win32" else "verifier"
DEFAULT_APP = REPO / "dist" / "verifier" / EXE_NAME
DEMO_TIMEOUT = 600  # seconds before a hung demo build fails the test (not a speed check)


def _version() -> str:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


@pytest.fixture(scope="module")
def app() -> Path:
    named = os.environ.get("VERIFIER_FROZEN_APP")
    if named:
        path = Path(named) if Path(named).is_absolute() else REPO / named
        if not path.is_file():
            pytest.fail(f"VERIFIER_FROZEN_APP={named}: no such executable (run make package)")
        return path
    if not DEFAULT_APP.is_file():
        pytest.skip(f"the app is not built ({DEFAULT_APP}); make package-test builds and tests it")
    return DEFAULT_APP


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("frozen-home")


@pytest.fixture(scope="module")
def env(home: Path) -> dict[str, str]:
    """The user's environment without our Python: no virtualenv, PYTHONPATH or PYTHONHOME, and
    user folders of its own (settings, corpus, demo, log)."""
    venv_bin = str(Path(sys.executable).parent)
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    clean["PATH"] = os.pathsep.join(p for p in clean.get("PATH", "").split(os.pathsep)
                                    if p and p != venv_bin)
    clean["HOME"] = str(home)
    for name in ("DATA", "CONFIG", "STATE", "CACHE"):
        clean[f"XDG_{name}_HOME"] = str(home / name.lower())
    clean["QT_QPA_PLATFORM"] = "offscreen"
    return clean


def run(app: Path, env: dict[str, str], cwd: Path, args: Sequence[object],
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(app), *map(str, args)], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def demo(app: Path, env: dict[str, str], home: Path) -> dict[str, Any]:
    result = run(app, env, home, ["demo", "--json", "--out", home / "demo"],
                 timeout=DEMO_TIMEOUT)
    assert result.returncode == 0, result.stderr
    paths: dict[str, Any] = json.loads(result.stdout)
    return paths


def test_version(app: Path, env: dict[str, str], home: Path) -> None:
    result = run(app, env, home, ["--version"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"verifier {_version()}"


def test_bundle_carries_its_data_and_leaves_out_unused_qt(app: Path) -> None:
    inside = app.parent / "_internal"
    for needed in ("verifier/reports/fonts/DejaVuSans.ttf",
                   "verifier/reports/fonts/DejaVuSans-Bold.ttf",
                   "verifier/reports/templates/report.html.j2",
                   "verifier/reports/schema/case-report-1.0.schema.json",
                   "resources/demo/article.txt", "resources/icons/verifier.svg",
                   "trafilatura/settings.cfg"):
        assert (inside / needed).is_file(), needed
    if sys.platform.startswith("linux"):
        platforms = {p.name for p in (inside / "PySide6/Qt/plugins/platforms").iterdir()}
        assert {"libqxcb.so", "libqoffscreen.so", "libqwayland.so"} <= platforms
    names = {p.name for p in inside.rglob("*")}
    for unused in ("QtQml.abi3.so", "QtQuick.abi3.so", "QtNetwork.abi3.so", "libQt6Qml.so.6",
                   "libQt6Quick.so.6", "libQt6WebEngineCore.so.6", "libgtk-3.so.0", "pytest",
                   "_pytest", "PyInstaller"):
        assert unused not in names, unused


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_headless_demo_writes_a_valid_report(demo: dict[str, Any], app: Path,
                                             env: dict[str, str], home: Path) -> None:
    from verifier import APP_NAME
    from verifier.models import Rating

    report = Path(demo["report"])
    assert report.is_file()
    parser = _Parser()
    parser.feed(report.read_text(encoding="utf-8"))
    parser.close()
    text = " ".join(parser.text)
    assert {"html", "body", "table", "img"} <= set(parser.tags)
    assert f"{APP_NAME} {_version()}" in text
    assert Rating.OUT_OF_CONTEXT.value in text  # the demo's verdict
    # The demo corpus was ingested by worker processes of the frozen executable.
    stats = run(app, env, home, ["corpus", "stats", "--json", "--corpus", demo["corpus"]])
    assert stats.returncode == 0, stats.stderr
    archive = [p for p in (Path(demo["case"]).parent / "archive").iterdir() if p.is_file()]
    assert json.loads(stats.stdout)["items"] == len(archive)


def test_frozen_app_reads_content_credentials(demo: dict[str, Any], app: Path,
                                              env: dict[str, str], home: Path) -> None:
    """The C2PA library is loaded with ctypes from the bundle (not found by import analysis)."""
    import importlib.util

    if importlib.util.find_spec("c2pa") is None:
        pytest.skip("c2pa-python is not installed, so the build could not include it")
    libs = list((app.parent / "_internal" / "c2pa" / "libs").glob("*c2pa_c*"))
    assert libs, "the C2PA native library is missing from the bundle"
    photo = next(p for p in (Path(demo["case"]).parent / "archive").iterdir()
                 if p.suffix == ".jpg")
    result = run(app, env, home, ["metadata", photo, "--json"])
    assert result.returncode == 0, result.stderr
    credentials = json.loads(result.stdout)["credentials"]
    assert not credentials["error"], credentials["error"]
    assert "c2pa" in credentials["library"]


@pytest.mark.shared
def test_frozen_app_on_real_media(app: Path, env: dict[str, str], home: Path) -> None:
    """A real HEIC photo (pillow-heif) and a real H.264 video (PyAV) ingested into a corpus by
    the frozen executable; the photo's metadata as the source tree reads it; the photo found."""
    from tests.conftest import shared_file
    from tests.helpers import run_cli_redirected

    heic = shared_file("exif-samples/heic/IMG_5195.HEIC")
    video = shared_file("PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4")
    folder = home / "real-corpus"
    folder.mkdir()
    for source in (heic, video):
        (folder / source.name).write_bytes(source.read_bytes())
    corpus = home / "real.sqlite"
    added = run(app, env, home, ["corpus", "add", folder, "--corpus", corpus, "--json"],
                timeout=DEMO_TIMEOUT)
    assert added.returncode == 0, added.stderr
    report = json.loads(added.stdout)
    assert report["added"] == 2 and not report["skipped"], report
    assert report["stats"]["videos"] == 1
    frozen = run(app, env, home, ["metadata", heic, "--json"])
    assert frozen.returncode == 0, frozen.stderr
    here = run_cli_redirected("metadata", heic, "--json")
    assert here.rc == 0, here.err
    assert json.loads(frozen.stdout)["fields"] == json.loads(here.out)["fields"]
    found = run(app, env, home, ["match", heic, "--corpus", corpus, "--json"])
    assert found.returncode == 0, found.stderr
    matches = json.loads(found.stdout)["matches"]
    assert matches and Path(matches[0]["corpus_path"]).name == heic.name


@pytest.mark.shared
def test_frozen_app_reads_an_html_article(app: Path, env: dict[str, str], home: Path,
                                          article_path: Path) -> None:
    """trafilatura (and its data files) in the bundle: the real article as a web page with
    navigation and a footer gives the same claims as the source tree finds."""
    import html

    from tests.helpers import run_cli_redirected

    paragraphs = [p for p in article_path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    page = home / "article.html"
    page.write_text("<html><head><title>Article</title></head><body><nav><a href='/'>Home</a>"
                    "<a href='/news'>News</a></nav><article>"
                    + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
                    + "</article><footer>Contact us</footer></body></html>", encoding="utf-8")
    frozen = run(app, env, home, ["claims", page, "--json"])
    assert frozen.returncode == 0, frozen.stderr
    here = run_cli_redirected("claims", page, "--json")
    assert here.rc == 0, here.err
    claims = json.loads(frozen.stdout)["claims"]
    assert claims
    assert claims == json.loads(here.out)["claims"]
    assert not any("Contact us" in c["text"] for c in claims)


@pytest.mark.shared
def test_frozen_forensic_lenses(app: Path, env: dict[str, str], home: Path) -> None:
    """Every image lens (OpenCV, PyWavelets, NumPy) runs in the bundle on a real photo and
    writes its maps, the same lenses as the source tree runs."""
    from tests.conftest import shared_file
    from tests.helpers import run_cli_redirected

    photo = shared_file("exif-samples/jpg/Canon_40D.jpg")
    frozen = run(app, env, home, ["forensics", photo, "--out", home / "maps", "--json"],
                 timeout=DEMO_TIMEOUT)
    assert frozen.returncode == 0, frozen.stderr
    here = run_cli_redirected("forensics", photo, "--out", home / "maps-here", "--json")
    assert here.rc == 0, here.err
    results = json.loads(frozen.stdout)["results"]
    assert [r["lens"] for r in results] == [r["lens"] for r in json.loads(here.out)["results"]]
    for result in results:
        assert result["maps"], result["lens"]
        for written in result["maps"]:
            data = Path(written["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == written["sha256"], written["path"]


def test_frozen_reports_in_every_format(demo: dict[str, Any], app: Path, env: dict[str, str],
                                        home: Path) -> None:
    import jsonschema
    from pypdf import PdfReader

    from verifier.reports.json_export import load_schema

    out = home / "reports"
    out.mkdir(exist_ok=True)
    for fmt, name in (("pdf", "r.pdf"), ("json", "r.json"), ("claimreview", "r.jsonld")):
        result = run(app, env, home, ["report", demo["case"], "--format", fmt,
                                      "--out", out / name])
        assert result.returncode == 0, (fmt, result.stderr)
    doc = json.loads((out / "r.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, load_schema())
    assert doc["app"]["version"] == _version()
    reviews = json.loads((out / "r.jsonld").read_text(encoding="utf-8"))
    assert reviews and all(r["isBasedOn"]["softwareVersion"] == _version() for r in reviews)
    pdf = PdfReader(out / "r.pdf")
    fonts = pdf.pages[0]["/Resources"]["/Font"]
    base_fonts = [str(fonts[k].get_object()["/BaseFont"]) for k in fonts]
    assert any("DejaVu" in f for f in base_fonts), base_fonts  # non-Latin text survives
    assert _version() in (pdf.pages[0].extract_text() or "")


def test_gui_starts_offscreen_with_the_first_run_screen(app: Path, env: dict[str, str],
                                                        home: Path) -> None:
    result = run(app, env, home, ["gui", "--quit-after", "3"])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # The first-run screen was shown and remembered (QSettings in the user's config folder).
    conf = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                     for p in (home / "config").rglob("*.conf"))
    assert f"shown_in={_version()}" in conf


def test_gui_opens_the_demo_case_offscreen(demo: dict[str, Any], app: Path, env: dict[str, str],
                                           home: Path) -> None:
    result = run(app, env, home, ["gui", demo["case"], "--quit-after", "5"])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_tarball_holds_the_app_the_desktop_file_and_the_icon(app: Path) -> None:
    arch = os.uname().machine if hasattr(os, "uname") else ""
    tarball = app.parents[1] / f"verifier-{_version()}-linux-{arch}.tar.gz"
    if not tarball.is_file():
        pytest.skip(f"no tarball at {tarball} (make package makes it)")
    top = tarball.name.removesuffix(".tar.gz")
    with tarfile.open(tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
        desktop_member = tar.extractfile(f"{top}/verifier.desktop")
        assert desktop_member is not None
        desktop = desktop_member.read().decode("utf-8")
    assert members[f"{top}/verifier/{EXE_NAME}"].mode & 0o111
    for name in ("verifier.png", "verifier.svg", "install-desktop-entry.sh", "README.txt",
                 "verifier/_internal/resources/demo/article.txt"):
        assert f"{top}/{name}" in members, name
    entry = dict(line.split("=", 1) for line in desktop.splitlines() if "=" in line)
    assert entry["Type"] == "Application"
    assert entry["Exec"].startswith("verifier gui")
    assert entry["Icon"] == "verifier"
