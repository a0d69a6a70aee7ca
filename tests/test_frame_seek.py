"""Frame-accurate seeking for the window's player, against a straight PyAV decode of real
videos (variable frame rate with dropped frames, and a rotated one)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest import shared_file
from verifier.errors import UserError
from verifier.media.frame_seek import FrameSeeker, write_png
from verifier.media.video import frame_rgb

pytestmark = pytest.mark.shared

VFR = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
ROTATED = "PySceneDetect/tests/resources/issue-134-rotate.mp4"


def straight(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as container:
        out = [(float(f.time), frame_rgb(f)) for f in container.decode(video=0)]
    out.sort(key=lambda tf: tf[0])
    return [(t - out[0][0], rgb) for t, rgb in out]


def test_every_frame_asked_for_in_any_order_is_the_decoded_one() -> None:
    path = shared_file(VFR)
    frames = straight(path)
    seeker = FrameSeeker(path)
    try:
        assert seeker.times.count == len(frames)
        assert seeker.times.times == pytest.approx([t for t, _ in frames], abs=1e-6)
        # forward steps, jumps back past a key frame, the last frame, a step back
        for n in (0, 1, 2, 120, 119, 40, 41, len(frames) - 1, len(frames) - 2, 7):
            got = seeker.frame(n)
            assert got.index == n and got.time == pytest.approx(frames[n][0])
            assert np.array_equal(got.rgb, frames[n][1]), n
        # the frame on screen at a time half-way between two frames is the earlier one
        half = (frames[60][0] + frames[61][0]) / 2
        assert seeker.times.index_at(half) == 60
        assert seeker.times.index_at(-1.0) == 0
        assert seeker.times.index_at(1e6) == len(frames) - 1
    finally:
        seeker.close()


def test_rotation_is_applied_full_size_and_reduced(tmp_path: Path) -> None:
    path = shared_file(ROTATED)
    seeker = FrameSeeker(path)
    try:
        with av.open(str(path)) as container:
            first = next(container.decode(video=0))
            coded = (first.height, first.width)
            assert first.rotation  # the file says to turn it
            expected = frame_rgb(first)
        got = seeker.frame(0)
        assert got.rgb.shape[:2] == coded[::-1]  # turned a quarter
        assert np.array_equal(got.rgb, expected)
        small = seeker.frame(0, max_side=320)
        assert max(small.rgb.shape[:2]) == 320
        assert (small.rgb.shape[0] > small.rgb.shape[1]) == (got.rgb.shape[0] > got.rgb.shape[1])
        out = write_png(got.rgb, tmp_path / "frame.png")
        with av.open(str(out)) as png:
            assert np.array_equal(next(png.decode(video=0)).to_ndarray(format="rgb24"),
                                  got.rgb)
    finally:
        seeker.close()


def test_a_file_that_is_not_a_video_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    with pytest.raises(UserError) as err:
        FrameSeeker(bad)
    assert "notes.mp4" in str(err.value)


def test_a_time_rounded_to_the_millisecond_finds_its_frame() -> None:
    path = shared_file(VFR)
    seeker = FrameSeeker(path)
    try:
        times = seeker.times
        for n in (1, 40, 41, 100, times.count - 1):
            assert times.nearest(round(times.times[n], 3)) == n
            assert times.nearest(round(times.times[n], 3) + 0.004) == n
    finally:
        seeker.close()
