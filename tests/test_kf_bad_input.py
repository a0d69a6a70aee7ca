"""Keyframes on bad input: each case is a clear UserError or a partial result saying why.

The damaged files are built in tmp_path from a real video (remuxed by PyAV with its index at the
end or at the front, then cut in half) or made with PyAV (audio only, no frames); decoding
errors and broken timestamps are injected around the real decoder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

import verifier.media.video as video_mod
from tests.conftest import shared_file
from tests.helpers import run_cli
from verifier.errors import UserError
from verifier.media.keyframes import extract_keyframes

GOLDENEYE = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
ROTATED = "PySceneDetect/tests/resources/issue-134-rotate.mp4"


def remux(src: Path, dst: Path, *, faststart: bool) -> Path:
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(src)) as inp, av.open(str(dst), "w", options=options) as out:
        ist = inp.streams.video[0]
        ost = out.add_stream_from_template(ist)
        for pkt in inp.demux(ist):
            if pkt.dts is None:
                continue
            pkt.stream = ost
            out.mux(pkt)
    data = dst.read_bytes()
    assert (data.find(b"moov") < data.find(b"mdat")) == faststart
    return dst


def cut_in_half(path: Path) -> Path:
    data = path.read_bytes()
    out = path.with_name("half-" + path.name)
    out.write_bytes(data[: len(data) // 2])
    return out


def test_truncated_mp4_without_its_index_is_refused(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    half = cut_in_half(remux(shared_file(ROTATED), tmp_path / "end.mp4", faststart=False))
    with pytest.raises(UserError, match=r"truncated.*moov"):
        extract_keyframes(half, tmp_path / "out")
    result = run_cli(capsys, "keyframes", half, "--out", tmp_path / "cli")
    assert result.rc == 2
    assert "truncated" in result.err and str(half.name) in result.err


def test_truncated_mp4_with_index_first_gives_a_partial_result(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    half = cut_in_half(remux(shared_file(ROTATED), tmp_path / "front.mp4", faststart=True))
    result = extract_keyframes(half, tmp_path / "out")
    assert result.partial
    assert any("ends early" in p for p in result.problems), result.problems
    assert 0 < result.frames < 240
    assert result.keyframes and all(Path(k.path).is_file() for k in result.keyframes)
    decoded_length = result.duration  # seconds of video that decoded, not a timing
    assert result.shots[-1].end <= decoded_length < 10.0
    # The first cut (frame 90, 3.754 s) is inside the half that survived.
    assert any(abs(s.start - 3.754) < 0.1 for s in result.shots)
    cli = run_cli(capsys, "keyframes", half, "--out", tmp_path / "cli", "--json")
    assert cli.rc == 0, cli.err
    payload = json.loads(cli.out)
    assert payload["partial"] is True and payload["problems"]


class _Proxy:
    """A real PyAV container whose decode() is changed by `mangle`."""

    def __init__(self, inner: Any, mangle: Any) -> None:
        self._inner, self._mangle = inner, mangle

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> _Proxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self._inner.close()

    def decode(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return self._mangle(self._inner.decode(*args, **kwargs))


def _patch_decode(monkeypatch: pytest.MonkeyPatch, mangle: Any) -> None:
    real_open = av.open

    def fake_open(*args: Any, **kwargs: Any) -> Any:
        return _Proxy(real_open(*args, **kwargs), mangle)

    monkeypatch.setattr(video_mod.av, "open", fake_open)


def test_stream_that_errors_halfway_keeps_what_decoded(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    video = shared_file(ROTATED)

    def fail_after_120(frames: Iterator[Any]) -> Iterator[Any]:
        for n, f in enumerate(frames):
            if n == 120:
                raise av.error.InvalidDataError(1094995529, "Invalid data found")
            yield f

    _patch_decode(monkeypatch, fail_after_120)
    result = extract_keyframes(video, tmp_path)
    assert result.partial and result.frames == 120
    assert any("decoding failed after frame 120" in p for p in result.problems)
    assert result.keyframes
    assert result.shots[-1].end == pytest.approx(120 / (24000 / 1001), abs=0.01)


def test_error_before_any_frame_is_a_user_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def fail_at_once(frames: Iterator[Any]) -> Iterator[Any]:
        raise av.error.InvalidDataError(1094995529, "Invalid data found")
        yield from frames

    _patch_decode(monkeypatch, fail_at_once)
    with pytest.raises(UserError, match="not a readable video"):
        extract_keyframes(shared_file(ROTATED), tmp_path)


def test_broken_timestamps_fall_back_to_the_frame_rate(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def all_zero(frames: Iterator[Any]) -> Iterator[Any]:
        for f in frames:
            f.pts = 0
            yield f

    _patch_decode(monkeypatch, all_zero)
    result = extract_keyframes(shared_file(ROTATED), tmp_path)
    fps = 24000 / 1001
    assert any("timestamps" in p and "estimated" in p for p in result.problems)
    for k in result.keyframes:
        assert k.time == pytest.approx(k.frame / fps, abs=0.002)
    # The cuts are still where they are (frames 90 and 210).
    assert [s.start_frame for s in result.shots] == [0, 90, 210]


def test_variable_frame_rate_uses_presentation_times(tmp_path: Path) -> None:
    video = shared_file(GOLDENEYE)
    with av.open(str(video)) as c:
        times = [float(f.time) for f in c.decode(video=0)]
    result = extract_keyframes(video, tmp_path)
    assert result.problems == () and not result.partial
    for k in result.keyframes:
        assert k.time == pytest.approx(times[k.frame], abs=0.001)
    # 160 frames over 10 s: index / average rate would put the cuts elsewhere.
    starts = [s.start for s in result.shots[1:]]
    assert starts == pytest.approx([3.754, 8.759], abs=0.01)
    assert [s.start_frame for s in result.shots[1:]] == [60, 140]


def test_audio_only_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=44100)
        stream.layout = "mono"
        for k in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                               layout="mono")
            frame.sample_rate, frame.pts = 44100, k * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(UserError, match=r"no video stream.*audio"):
        extract_keyframes(path, tmp_path / "out")
    result = run_cli(capsys, "keyframes", path, "--out", tmp_path / "cli")
    assert result.rc == 2 and result.err.strip()


def test_video_stream_without_frames_is_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        out.start_encoding()  # header and index written, not a single frame
    assert path.is_file() and path.stat().st_size > 0
    with pytest.raises(UserError, match="no video"):
        extract_keyframes(path, tmp_path / "out")
    result = run_cli(capsys, "keyframes", path, "--out", tmp_path / "cli")
    assert result.rc == 2 and "no video" in result.err


def test_rotated_phone_video_keyframes_and_thumbnails_are_upright(tmp_path: Path) -> None:
    from PIL import Image

    result = extract_keyframes(shared_file(ROTATED), tmp_path)
    assert result.keyframes
    for k in result.keyframes:
        with Image.open(k.path) as png, Image.open(k.thumbnail) as jpg:
            assert png.size == (544, 1280)  # stored 1280x544 with rotation -90
            assert jpg.format == "JPEG" and jpg.size[1] > jpg.size[0]
