"""Video to video: a trimmed, re-encoded, half-size segment aligns to its source interval;
image to video: a still gives the frame's time."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.conftest import shared_file
from verifier.corpus import Corpus
from verifier.matching.align import align
from verifier.matching.search import Matcher

SOURCE = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
DISTRACTOR = "PySceneDetect/tests/resources/testvideo.mp4"


def _frames(path: Path) -> tuple[list[np.ndarray], list[float]]:
    frames, times = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            times.append(float(frame.time or 0.0) - start)
    return frames, times


def _segment(src: Path, out: Path, start: float, end: float, scale: float = 0.5,
             mirror: bool = False) -> None:
    """Re-encode [start, end) of src at `scale`, keeping each frame's time (minus start)."""
    frames, times = _frames(src)
    keep = [(f, t - start) for f, t in zip(frames, times, strict=True) if start <= t < end]
    h, w = keep[0][0].shape[:2]
    w2, h2 = int(w * scale) // 2 * 2, int(h * scale) // 2 * 2
    base = Fraction(1, 1000)
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = w2, h2, "yuv420p"
        stream.codec_context.time_base = base
        stream.options = {"crf": "32", "preset": "ultrafast"}
        for arr, t in keep:
            img = np.asarray(Image.fromarray(arr).resize((w2, h2)))
            if mirror:
                img = np.ascontiguousarray(img[:, ::-1])
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = round(t * 1000), base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    db = tmp_path_factory.mktemp("vcorpus") / "corpus.sqlite"
    with Corpus(db) as c:
        report = c.add([shared_file(SOURCE), shared_file(DISTRACTOR)], workers=1)
        assert report.added == 2
        yield c


def test_source_video_is_indexed_as_a_timeline(corpus: Corpus) -> None:
    stats = corpus.stats()
    assert stats["videos"] == 2
    # goldeneye: 10 s at one sample a second, plus the first frame of its shots
    assert stats["hashes"] >= 10 + 24
    assert stats["keyframes"] >= 4


def test_trimmed_reencoded_half_size_segment_aligns_to_its_source(corpus: Corpus,
                                                                  tmp_path: Path) -> None:
    query = tmp_path / "segment.mp4"
    _segment(shared_file(SOURCE), query, 2.5, 8.5)
    result = Matcher(corpus).match_file(query)
    top = result.matches[0]
    assert Path(top.corpus_path).name == Path(SOURCE).name
    assert top.query_start is not None and top.source_start is not None
    assert top.source_end is not None and top.query_end is not None
    assert abs(top.source_start - (2.5 + top.query_start)) <= 1.0
    assert top.query_start <= 1.0 and top.query_end >= 5.0
    assert abs((top.source_end - top.source_start) - (top.query_end - top.query_start)) <= 1.0
    assert top.transform is not None and top.transform["speed"] == 1.0
    assert "speed 1.0x" in top.transform["summary"]
    assert top.transform["mirror"] is False


def test_mirrored_segment_is_called_mirrored(corpus: Corpus, tmp_path: Path) -> None:
    query = tmp_path / "mirrored.mp4"
    _segment(shared_file(SOURCE), query, 1.0, 9.0, scale=0.75, mirror=True)
    top = Matcher(corpus).match_file(query).matches[0]
    assert Path(top.corpus_path).name == Path(SOURCE).name
    assert top.transform is not None and top.transform["mirror"] is True
    assert top.source_start is not None
    assert abs(top.source_start - (1.0 + (top.query_start or 0))) <= 1.0


def test_still_frame_gives_its_time_in_the_video(corpus: Corpus, tmp_path: Path) -> None:
    frames, times = _frames(shared_file(SOURCE))
    k = next(i for i, t in enumerate(times) if t >= 6.0)
    still = tmp_path / "still.jpg"
    Image.fromarray(frames[k]).resize((640, 272)).save(still, quality=80)
    top = Matcher(corpus).match_file(still).matches[0]
    assert Path(top.corpus_path).name == Path(SOURCE).name
    lo = top.source_start if top.source_start is not None else top.source_time
    hi = top.source_end if top.source_end is not None else top.source_time
    assert lo is not None and hi is not None
    assert lo - 1.0 <= times[k] <= hi + 1.0


@pytest.mark.parametrize("speed,offset", [(1.0, 83.0), (2.0, 10.0), (1.5, 0.0)])
def test_alignment_finds_speed_and_offset(speed: float, offset: float) -> None:
    rng = np.random.default_rng(3)
    pairs = []
    for tq in np.arange(0, 19, 0.5):
        true = speed * tq + offset
        for ts in range(int(true) - 1, int(true) + 3):  # samples a second apart near it
            d = abs(ts - true)
            if d <= 1.5:
                pairs.append((float(tq), float(ts), 1 - d / 2))
    pairs += [(float(rng.uniform(0, 19)), float(rng.uniform(0, 200)), 0.5) for _ in range(30)]
    segment = align(pairs)[0]
    assert segment.speed == speed
    assert abs(segment.source_start - (speed * segment.query_start + offset)) <= 0.6
    assert segment.query_end - segment.query_start >= 17
