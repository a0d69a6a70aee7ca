"""Forensic lenses on video: duplicate and dropped frames over the stream (constructed videos
with known repeats and a timestamp gap; real videos), and the image lenses on a frame."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_file
from tests.helpers import run_cli
from verifier.errors import UserError
from verifier.forensics import analyse, load
from verifier.forensics.frames import frames

COUNTER = "PySceneDetect/tests/resources/counter.mp4"


def _video(path: Path, count: int, repeats: set[int], jump_before: set[int],
           source: np.ndarray) -> None:
    """Lossless H.264: frame i shows `source` shifted by i*3 px, except frames in `repeats`,
    which show the frame before them again; before frames in `jump_before` the timestamps
    skip 3 frame times (frames dropped)."""
    import av

    h, w = source.shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"qp": "0"}
        stream.codec_context.time_base = Fraction(1, 25)
        pts, picture = 0, source
        for i in range(count):
            if i not in repeats:
                picture = np.roll(source, 3 * i, axis=1)
            if i in jump_before:
                pts += 3
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 25)
            pts += 1
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@pytest.fixture(scope="module")
def constructed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from PIL import Image

    photo = shared_file("metadata-extractor-images/jpg/Apple iPhone 4.jpg")
    source = np.asarray(Image.open(photo).convert("RGB").resize((320, 240)))
    path = tmp_path_factory.mktemp("frames") / "repeats.mp4"
    _video(path, 75, repeats={20, 21, 44}, jump_before={60}, source=source)
    return path


def test_repeated_frames_are_found(constructed: Path) -> None:
    result = frames(constructed)
    runs = result.details["duplicate_runs"]
    assert [(r["first_frame"], r["last_frame"]) for r in runs] == [(20, 21), (44, 44)]
    assert runs[0]["repeats_frame"] == 19
    assert result.numbers["duplicate_frames"] == 3
    assert result.numbers["frames"] == 75


def test_dropped_frames_show_as_a_timestamp_gap(constructed: Path) -> None:
    result = frames(constructed)
    assert result.details["gaps"] == [{"after_frame": 59, "time": pytest.approx(59 / 25),
                                       "gap_seconds": pytest.approx(4 / 25),
                                       "missing_frames": 3}]
    chart = result.map("frame_differences")
    assert chart.overlay is False and chart.image.ndim == 3


def test_frames_lens_on_real_videos() -> None:
    counter = frames(shared_file(COUNTER))
    assert counter.numbers["frames"] > 0 and not counter.numbers["partial"]
    # A film transfer with dropped frames: PySceneDetect names it for them.
    drop = frames(shared_file("PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"))
    assert drop.numbers["gaps"] > 0
    assert all(g["missing_frames"] >= 1 for g in drop.details["gaps"])


def test_image_lenses_on_a_video_frame(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_video = shared_file("PySceneDetect/tests/resources/testvideo.mp4")
    late = load(long_video, 20.0)  # seeks: no need to decode the 19 s before
    assert late.is_video_frame and late.time == pytest.approx(20.0, abs=0.05)
    with pytest.raises(UserError, match="no frame at"):
        load(long_video, 10_000.0)
    video = shared_file(COUNTER)
    src = load(video, 1.0)
    result = run_cli(capsys, "forensics", video, "--time", "1", "--lens", "ela", "--lens",
                     "jpeg", "--lens", "thumbnail", "--lens", "frames",
                     "--ghost-qualities", "80", "--out", tmp_path, "--json")
    assert result.rc == 0, result.err
    doc = json.loads(result.out)
    lenses = [r["lens"] for r in doc["results"]]
    assert lenses == ["ela", "jpeg", "thumbnail", "frames"]
    ela = doc["results"][0]
    assert "@ 1.0" in ela["source"]
    assert ela["maps"][0]["width"] == src.size[0]
    assert all(Path(m["path"]).is_file() for m in ela["maps"])
    assert any("Not a JPEG" in f for f in doc["results"][1]["findings"])
    assert doc["results"][3]["numbers"]["frames"] == frames(video).numbers["frames"]


def test_a_case_keyframe_png_is_just_an_image(tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "keyframe.png"
    Image.fromarray(np.full((360, 640, 3), 128, dtype=np.uint8)).save(png)
    results = analyse(png, ("ela", "noise", "gradient", "pca"))
    assert [r.lens for r in results] == ["ela", "noise", "gradient", "pca"]
    for r in results:
        assert r.image_size == (640, 360)
        # Overlay maps cover the picture: full size, or smaller block maps of the same shape.
        for m in r.maps:
            h, w = m.image.shape[:2]
            assert h <= 360 and w <= 640 and abs(w / h - 640 / 360) < 0.2


def test_slow_lenses_report_progress_and_stop_when_cancelled(constructed: Path) -> None:
    from verifier.errors import Cancelled
    from verifier.progress import CancelToken

    class Counting:
        def __init__(self, cancel_after: int | None = None,
                     token: CancelToken | None = None) -> None:
            self.steps, self.phases = 0, []
            self.cancel_after, self.token = cancel_after, token

        def start(self, total: int | None, message: str) -> None:
            self.phases.append((total, message))

        def advance(self, step: int = 1) -> None:
            self.steps += step
            if self.token and self.cancel_after and self.steps >= self.cancel_after:
                self.token.cancel()

        def message(self, text: str) -> None:
            pass

    seen = Counting()
    frames(constructed, progress=seen)
    assert seen.phases == [(75, "frame check")] and seen.steps == 75
    token = CancelToken()
    stopping = Counting(cancel_after=30, token=token)
    with pytest.raises(Cancelled):
        frames(constructed, progress=stopping, cancel=token)
    assert stopping.steps < 75
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        analyse(shared_file(COUNTER), ("jpeg",), cancel=token)
