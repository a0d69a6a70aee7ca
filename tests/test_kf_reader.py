"""The decoding side of keyframes: the reader that decodes ahead in its own thread, the sampled
detection grid and the halving shrink for sharpness, on real videos from ../shared/media.

Truths come from PyAV and OpenCV directly: frames decoded by a plain PyAV loop, the bilinear
grid the detector used before sampling, and one-step area averages."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Generator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from tests.conftest import shared_file
from verifier.errors import Cancelled
from verifier.media.keyframes import extract_keyframes
from verifier.media.video import (
    VideoReader,
    area_shrink,
    grid_yuv,
    luma_plane,
    sharpness_of,
    shrink,
)
from verifier.progress import CancelToken

GOLDENEYE = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"  # 1280x544 H.264
TESTVIDEO = "PySceneDetect/tests/resources/testvideo.mp4"  # 1280x720 H.264


def _frames(path: Path, every: int = 1, limit: int = 10**9) -> list[av.VideoFrame]:
    with av.open(str(path)) as c:
        return [f for i, f in zip(range(limit), c.decode(video=0), strict=False)
                if i % every == 0]


def _checksum(frame: av.VideoFrame) -> int:
    return zlib.crc32(np.ascontiguousarray(luma_plane(frame)).tobytes())


def test_prefetching_reader_gives_the_frames_of_a_plain_decode() -> None:
    video = shared_file(GOLDENEYE)
    with av.open(str(video)) as c:
        truth = [(_checksum(f), f.pts) for f in c.decode(video=0)]
    plain = [(d.index, d.time, _checksum(d.frame)) for d in VideoReader(video)]
    reader = VideoReader(video, prefetch=4, prepare=grid_yuv)
    ahead = []
    for d in reader:
        ahead.append((d.index, d.time, _checksum(d.frame)))
        # What the decoding thread prepared is the grid of this very frame.
        for got, want in zip(d.prepared, grid_yuv(d.frame), strict=True):
            assert got is not None and want is not None
            assert np.array_equal(got, want)
    assert ahead == plain
    assert [c for _, _, c in ahead] == [c for c, _ in truth]
    assert reader.frames == len(truth) and not reader.partial


def _decoding_threads() -> int:
    return sum(t.name == "video-decode" and t.is_alive() for t in threading.enumerate())


def test_stopping_early_ends_the_decoding_thread() -> None:
    decoding_threads = _decoding_threads
    before = decoding_threads()
    frames = iter(VideoReader(shared_file(GOLDENEYE), prefetch=4))
    assert isinstance(frames, Generator)
    first = [next(frames).index for _ in range(5)]
    assert first == [0, 1, 2, 3, 4]
    assert decoding_threads() == before + 1
    frames.close()  # as a caller that stops (cancel, error) does
    assert decoding_threads() == before


class _CancelAt:
    """Progress that cancels the job once `at` frames are counted."""

    def __init__(self, token: CancelToken, at: int) -> None:
        self.token, self.at, self.seen = token, at, 0

    def start(self, total: int | None, message: str) -> None:
        pass

    def advance(self, step: int = 1) -> None:
        self.seen += step
        if self.seen >= self.at:
            self.token.cancel()

    def message(self, text: str) -> None:
        pass


def test_cancelled_extraction_stops_its_decoding_thread_at_once(tmp_path: Path) -> None:
    before = _decoding_threads()
    token = CancelToken()
    with pytest.raises(Cancelled) as raised:
        extract_keyframes(shared_file(GOLDENEYE), tmp_path, progress=_CancelAt(token, 50),
                          cancel=token)
    # The traceback still holds the pass's frames; the thread must be gone all the same.
    assert raised.value is not None
    assert _decoding_threads() == before
    assert list(tmp_path.iterdir()) == []


def _bilinear_grid(plane: np.ndarray, width: int, height: int) -> np.ndarray:
    """The grid as the detector made it before: bilinear to 4x the grid, then area."""
    h, w = plane.shape
    k = w // width
    mid = cv2.resize(plane, ((w // k) * 4, (h // k) * 4), interpolation=cv2.INTER_LINEAR)
    small = cv2.resize(mid, (w // k, h // k), interpolation=cv2.INTER_AREA)
    if small.shape != (height, width):
        small = cv2.resize(small, (width, height), interpolation=cv2.INTER_AREA
                           if small.shape[1] > width else cv2.INTER_LINEAR)
    return small


def test_sampled_grid_is_the_bilinear_grid_on_720p() -> None:
    # 1280/256 and 720/144 are odd whole numbers: bilinear samples fall on pixel centres.
    for frame in _frames(shared_file(TESTVIDEO), every=60, limit=600):
        y = luma_plane(frame)
        assert y.shape == (720, 1280)
        assert np.array_equal(shrink(y, 64, 36), _bilinear_grid(y, 64, 36))


def test_sampled_grid_stays_close_to_the_bilinear_grid_elsewhere() -> None:
    for frame in _frames(shared_file(GOLDENEYE), every=40):
        y = luma_plane(frame)
        assert y.shape == (544, 1280)
        got = shrink(y, 64, 36).astype(np.float32)
        was = _bilinear_grid(y, 64, 36).astype(np.float32)
        assert float(np.abs(got - was).mean()) < 1.0
        assert float(np.abs(got - was).max()) < 40  # single samples on sharp edges


@pytest.mark.parametrize("rel", [GOLDENEYE, TESTVIDEO])
def test_halving_shrink_is_one_area_step_within_rounding(rel: str) -> None:
    for frame in _frames(shared_file(rel), every=50, limit=500):
        y = luma_plane(frame)
        h, w = y.shape
        k = w // 320
        one_step = cv2.resize(y[: (h // k) * k, : (w // k) * k], (w // k, h // k),
                              interpolation=cv2.INTER_AREA)
        halved = area_shrink(y, 320)
        assert halved.shape == one_step.shape
        assert int(np.abs(halved.astype(np.int16) - one_step).max()) <= 1
        before = float(cv2.Laplacian(one_step, cv2.CV_32F).var())
        assert sharpness_of(frame) == pytest.approx(before, rel=0.02)


def test_saved_keyframes_are_the_exact_decoded_frames(tmp_path: Path) -> None:
    video = shared_file(GOLDENEYE)
    result = extract_keyframes(video, tmp_path)
    assert result.keyframes
    wanted = {k.frame: k.path for k in result.keyframes}
    with av.open(str(video)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i in wanted:
                with Image.open(wanted.pop(i)) as img:
                    assert img.format == "PNG"
                    saved = np.asarray(img.convert("RGB"))
                assert np.array_equal(saved, frame.to_ndarray(format="rgb24")), i
    assert not wanted


@pytest.mark.parametrize("rel", [
    TESTVIDEO, GOLDENEYE,
    "metadata-extractor-images/mts/Sony ILCE-7M3 (A7M3).mts",  # interlaced: two fields a frame
    "metadata-extractor-images/avi/MVI_4823.AVI",  # Motion JPEG: every frame a key frame
])
def test_keyframes_only_decodes_the_i_frames_of_a_plain_decode(rel: str) -> None:
    # Two decoders share the I-frames, each given only its own key packets (and the packet
    # after each); together they give what one decoder given everything gives, in order.
    video = shared_file(rel)
    with av.open(str(video)) as c:
        s = c.streams.video[0]
        s.codec_context.skip_frame = "NONKEY"
        truth = [(f.pts, _checksum(f)) for f in c.decode(s)]
    got = [(d.frame.pts, _checksum(d.frame)) for d in VideoReader(video, keyframes_only=True,
                                                                  prefetch=4)]
    assert len(truth) >= 1 and got == truth


def test_keyframes_only_reader_stops_early_without_hanging() -> None:
    before = threading.active_count()
    frames = iter(VideoReader(shared_file(TESTVIDEO), keyframes_only=True, prefetch=2))
    next(frames)
    frames.close()  # what a cancelled preview does
    assert threading.active_count() == before
