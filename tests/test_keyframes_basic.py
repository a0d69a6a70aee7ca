"""`verifier keyframes` on real videos with known cuts.

Truths: PySceneDetect's golden cut list for goldeneye-vfr-drop3.mp4 (frames 90 and 210 of the
23.976 fps original), PyAV's reading of the stream (sizes, key packets, display rotation) and
Pillow decoding the PNGs written."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image

from tests.conftest import MEDIA, shared_file
from tests.helpers import isolated_user_dirs, run_cli, run_cli_redirected

GOLDENEYE = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
GOLDEN_CUTS = ("PySceneDetect/tests/resources/goldens/"
               "goldeneye-vfr-drop3.mp4.ContentDetector.default.json")
ROTATED = "PySceneDetect/tests/resources/issue-134-rotate.mp4"
FPS = 24000 / 1001
TOLERANCE_S = 0.5


def _keyframes(out: Path, video: Path, *extra: str) -> dict[str, Any]:
    result = run_cli_redirected("keyframes", video, "--out", out, "--json", *extra)
    assert result.rc == 0, result.err
    return json.loads(result.out)


@pytest.fixture(scope="module")
def goldeneye(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    video = MEDIA / GOLDENEYE
    if not video.exists():
        pytest.skip(f"real media not available: {video}")
    work = tmp_path_factory.mktemp("kf")
    with isolated_user_dirs(work):
        return _keyframes(work / "frames", video)


def _expected_cut_times() -> list[float]:
    golden = MEDIA / GOLDEN_CUTS
    # Without the golden file, the cuts documented in ../shared/media/INDEX.md.
    frames = json.loads(golden.read_text())["cuts"] if golden.exists() else [90, 210]
    return [f / FPS for f in frames]


def test_cut_times_from_the_golden_list() -> None:
    times = _expected_cut_times()
    assert [round(t, 3) for t in times] == [3.754, 8.759]


def test_shot_starts_near_the_known_cuts(goldeneye: dict[str, Any]) -> None:
    starts = [s["start"] for s in goldeneye["shots"]]
    for cut in _expected_cut_times():
        assert any(abs(s - cut) <= TOLERANCE_S for s in starts), (cut, starts)
    assert starts[0] == 0.0
    # No invented cuts: every start after the first is one of the known cuts.
    for s in starts[1:]:
        assert any(abs(s - cut) <= TOLERANCE_S for cut in _expected_cut_times()), starts


def test_shots_tile_the_video(goldeneye: dict[str, Any]) -> None:
    with av.open(str(shared_file(GOLDENEYE))) as c:
        container_length = c.duration
        assert container_length is not None
        video_length = container_length / 1_000_000
    shots = goldeneye["shots"]
    assert [s["index"] for s in shots] == list(range(len(shots)))
    for a, b in itertools.pairwise(shots):
        assert a["end"] == b["start"]
    assert abs(shots[-1]["end"] - video_length) < 0.05
    reported_length = goldeneye["duration"]
    assert abs(reported_length - video_length) < 0.05


def test_every_keyframe_png_exists_and_decodes(goldeneye: dict[str, Any]) -> None:
    with av.open(str(shared_file(GOLDENEYE))) as c:
        ctx = c.streams.video[0].codec_context
        size = (ctx.width, ctx.height)
    keyframes = goldeneye["keyframes"]
    assert keyframes
    for k in keyframes:
        path = Path(k["path"])
        assert path.is_file(), path
        with Image.open(path) as img:
            assert img.format == "PNG"
            img.load()
            assert img.size == size
        assert len(k["phash"]) == 16 and int(k["phash"], 16) >= 0


def test_each_shot_has_a_keyframe_inside_it(goldeneye: dict[str, Any]) -> None:
    shots = {s["index"]: s for s in goldeneye["shots"]}
    covered = set()
    for k in goldeneye["keyframes"]:
        shot = shots[k["shot"]]
        assert shot["start"] <= k["time"] <= shot["end"], (k, shot)
        assert k["frame"] in shot["keyframes"]
        covered.add(k["shot"])
    assert covered == set(shots)


def test_fast_mode_returns_stream_keyframes(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    video = shared_file(GOLDENEYE)
    result = run_cli(capsys, "keyframes", video, "--out", tmp_path / "fast", "--fast", "--json")
    assert result.rc == 0, result.err
    keyframes = json.loads(result.out)["keyframes"]
    assert len(keyframes) >= 1
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        start = stream.start_time or 0
        key_times = [float((p.pts - start) * stream.time_base) for p in c.demux(stream)
                     if p.is_keyframe and p.pts is not None]
    assert key_times
    for k in keyframes:
        assert Path(k["path"]).is_file()
        with Image.open(k["path"]) as img:
            img.load()
        # Only the stream's own I-frames are decoded in fast mode.
        assert min(abs(k["time"] - t) for t in key_times) < 1e-3, (k["time"], key_times)


def test_text_output_lists_timestamps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = shared_file(GOLDENEYE)
    result = run_cli(capsys, "keyframes", video, "--out", tmp_path / "k", "--fast")
    assert result.rc == 0, result.err
    lines = result.out.strip().splitlines()
    assert lines and all(line.startswith("00:00:") for line in lines)
    assert all(Path(line.split()[-1]).is_file() for line in lines)


def test_rotated_video_keyframe_is_upright(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    video = shared_file(ROTATED)
    with av.open(str(video)) as c:
        frame = next(c.decode(video=0))
        rotation = int(frame.rotation or 0)
        coded = (frame.width, frame.height)
    result = run_cli(capsys, "keyframes", video, "--out", tmp_path / "rot", "--json")
    assert result.rc == 0, result.err
    keyframes = json.loads(result.out)["keyframes"]
    assert keyframes
    for k in keyframes:
        with Image.open(k["path"]) as img:
            size = img.size
        if rotation % 180 == 90:  # -90 and 90 alike
            assert coded[0] > coded[1]  # stored landscape ...
            assert size == (coded[1], coded[0])  # ... shown portrait
            assert size[1] > size[0]
        else:
            assert size == coded
