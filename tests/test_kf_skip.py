"""Leaving non-reference pictures undecoded: which streams allow it, that every frame still
decoded is the exact frame at its true number, and that shots and keyframes stay where a
decode of every frame puts them. Real videos from ../shared/media; truths from plain PyAV."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.conftest import shared_file
from verifier.cli import main
from verifier.media.keyframes import KeyframeParams, extract_keyframes
from verifier.media.nal import picture_is_reference, skippable_share
from verifier.media.video import VideoReader, frame_rgb

TESTVIDEO = "PySceneDetect/tests/resources/testvideo.mp4"  # x264 with B-frames
GOLDENEYE = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"  # variable frame rate
COUNTER = "PySceneDetect/tests/resources/counter.mp4"  # two colour cuts, 1 s apart
PHONE = "metadata-extractor-images/mov/with-gps.mov"  # every picture a reference
INTERLACED = "metadata-extractor-images/mts/Sony ILCE-7M3 (A7M3).mts"  # fields, 2 packets/frame
MPEG4 = "metadata-extractor-images/mp4/sample_mpeg4.mp4"  # MPEG-4 Part 2


def _plain(path: Path) -> dict[int, tuple[float, int]]:
    """Frame number -> (time, checksum of all three planes) from a plain PyAV decode."""
    out = {}
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            out[i] = (float(f.time), zlib.crc32(f.to_ndarray(format="yuv420p").tobytes()))
    return out


def test_nal_headers_tell_reference_pictures() -> None:
    # H.264 Annex B: nal_ref_idc in bits 5-6, slice types 1 and 5.
    sps_then_b = b"\x00\x00\x01\x67\x42" + b"\x00\x00\x01\x01\x88"
    assert picture_is_reference("h264", sps_then_b, None) is False
    assert picture_is_reference("h264", b"\x00\x00\x01\x41\x9a", None) is True
    assert picture_is_reference("h264", b"\x00\x00\x01\x65\x88", None) is True
    # Length-prefixed (MP4), four-byte lengths.
    assert picture_is_reference("h264", b"\x00\x00\x00\x02\x01\x9e", 4) is False
    # HEVC: type in bits 1-6 of the first byte; TRAIL_N (0) and RASL_N (8) are non-reference.
    assert picture_is_reference("hevc", b"\x00\x00\x01\x00\x01\xaf", None) is False
    assert picture_is_reference("hevc", b"\x00\x00\x01\x10\x01\xaf", None) is False  # RASL_N
    assert picture_is_reference("hevc", b"\x00\x00\x01\x02\x01\xaf", None) is True  # TRAIL_R
    assert picture_is_reference("hevc", b"\x00\x00\x01\x26\x01\xaf", None) is True  # IDR
    assert picture_is_reference("h264", b"\x00\x00\x01\x67\x42", None) is None  # no slice


@pytest.mark.parametrize(("rel", "skippable"), [
    (TESTVIDEO, True), (GOLDENEYE, True), (PHONE, False), (INTERLACED, False), (MPEG4, False)])
def test_which_streams_can_skip(rel: str, skippable: bool) -> None:
    share = skippable_share(shared_file(rel))
    assert (share > 0.2) is skippable
    assert 0.0 <= share < 1.0


@pytest.mark.parametrize("rel", [TESTVIDEO, GOLDENEYE])
def test_skipping_reader_gives_exact_frames_at_their_numbers(rel: str) -> None:
    video = shared_file(rel)
    truth = _plain(video)
    reader = VideoReader(video, skip_nonref=True, prefetch=4)
    seen = []
    for d in reader:
        frame = d.frame
        seen.append(d.index)
        time, checksum = truth[d.index]
        assert d.time == pytest.approx(time - truth[0][0], abs=1e-3)
        assert zlib.crc32(frame.to_ndarray(format="yuv420p").tobytes()) == checksum
    assert seen == sorted(set(seen))
    assert reader.decoded == len(seen) < 0.8 * len(truth)
    assert reader.frames == len(truth)
    assert not reader.partial and not reader.problems


def test_shots_and_keyframes_with_and_without_skipping(tmp_path: Path) -> None:
    video = shared_file(TESTVIDEO)
    every = extract_keyframes(video, tmp_path / "every",
                              params=KeyframeParams(skip_unreferenced=False))
    skip = extract_keyframes(video, tmp_path / "skip")
    assert every.notes == () and every.frames == every.frames_in_video == 720
    assert skip.frames < 0.6 * skip.frames_in_video and skip.frames_in_video == 720
    assert any("not decoded" in n for n in skip.notes)
    assert [s.transition for s in skip.shots] == [s.transition for s in every.shots]
    for a, b in zip(skip.shots, every.shots, strict=True):
        assert a.start_frame is not None and b.start_frame is not None
        assert abs(a.start_frame - b.start_frame) <= 4
        assert a.end_frame is not None and a.end_frame >= a.start_frame
    assert len(skip.keyframes) == len(every.keyframes)
    # Every saved keyframe is the exact picture of the frame number it carries.
    with av.open(str(video)) as c:
        wanted = {k.frame for k in skip.keyframes}
        pictures = {i: frame_rgb(f) for i, f in enumerate(c.decode(video=0)) if i in wanted}
    for k in skip.keyframes:
        assert np.array_equal(np.asarray(Image.open(k.path).convert("RGB")), pictures[k.frame])
        assert every.fps and k.time == pytest.approx(k.frame / every.fps, abs=0.02)


def test_close_cuts_in_still_pictures_both_found_when_skipping(tmp_path: Path) -> None:
    # counter.mp4 turns red at frame 10 and green at frame 20; with half its pictures skipped,
    # the first cut must not count as motion around the second.
    result = extract_keyframes(shared_file(COUNTER), tmp_path)
    assert result.frames < result.frames_in_video
    assert [s.start_frame for s in result.shots] == [0, 10, 20]


def test_cli_every_frame_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = str(shared_file(GOLDENEYE))
    assert main(["keyframes", video, "--out", str(tmp_path / "a"), "--json"]) == 0
    fast = json.loads(capsys.readouterr().out)
    assert main(["keyframes", video, "--out", str(tmp_path / "b"), "--every-frame",
                 "--json"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["frames_decoded"] == full["frames_in_video"] == 160 and full["notes"] == []
    assert fast["frames_in_video"] == 160 and fast["frames_decoded"] < 120
    assert fast["notes"] and "not decoded" in fast["notes"][0]
    assert [s["start"] for s in fast["shots"]] == pytest.approx(
        [s["start"] for s in full["shots"]], abs=0.2)


def test_hevc_skips_non_reference_pictures_exactly(tmp_path: Path) -> None:
    # No HEVC file in ../shared/media: real footage (the GoldenEye clip) encoded here with
    # x265 and B-frames, whose non-reference pictures carry the HEVC _N NAL types.
    video = tmp_path / "hevc.mp4"
    with av.open(str(shared_file(GOLDENEYE))) as src, av.open(str(video), "w") as out:
        stream = out.add_stream("libx265", rate=24)
        stream.width, stream.height, stream.pix_fmt = 640, 272, "yuv420p"
        stream.options = {"crf": "28", "preset": "ultrafast",
                          "x265-params": "log-level=error:bframes=3:b-pyramid=1"}
        for i, frame in enumerate(src.decode(video=0)):
            if i >= 96:
                break
            out.mux(stream.encode(frame.reformat(640, 272, "yuv420p")))
        out.mux(stream.encode(None))
    assert skippable_share(video) > 0.2
    truth = _plain(video)
    reader = VideoReader(video, skip_nonref=True)
    seen = 0
    for d in reader:
        assert zlib.crc32(d.frame.to_ndarray(format="yuv420p").tobytes()) == truth[d.index][1]
        seen += 1
    assert seen == reader.decoded < 0.8 * len(truth) and reader.frames == len(truth) == 96
