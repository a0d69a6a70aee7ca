"""Video to video: a trimmed, re-encoded, half-size segment aligns to its source interval;
image to video: a still gives the frame's time."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from tests.conftest import shared_file
from verifier.corpus import Corpus
from verifier.matching.align import align
from verifier.matching.preprocess import overlay_mask
from verifier.matching.search import Matcher

SOURCE = "PySceneDetect/tests/resources/goldeneye-vfr-drop3.mp4"
DISTRACTOR = "PySceneDetect/tests/resources/testvideo.mp4"
SHORT_CLIP = "metadata-extractor-images/mp4/Issue 515 (java).mp4"


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
             mirror: bool = False, crop: float = 1.0, speed: float = 1.0,
             overlay: bool = False) -> None:
    """Re-encode [start, end) of src at `scale`, keeping each frame's time (minus start, divided
    by `speed`); `crop` keeps that share of the width and height around the centre; `overlay`
    puts a channel's logo and a caption on every frame. Frame by frame: a long source never sits
    in memory whole."""
    base = Fraction(1, 1000)
    with av.open(str(src)) as source, av.open(str(out), "w") as container:
        stream_in = source.streams.video[0]
        stream_in.thread_type = "AUTO"
        first = float(stream_in.start_time * stream_in.time_base) if stream_in.start_time else 0.0
        stream = None
        for frame_in in source.decode(stream_in):
            t = float(frame_in.time or 0.0) - first
            if not start <= t < end:
                continue
            arr = frame_in.to_ndarray(format="rgb24")
            h, w = arr.shape[:2]
            dy, dx = int(h * (1 - crop) / 2), int(w * (1 - crop) / 2)
            arr = arr[dy:h - dy, dx:w - dx]
            if stream is None:
                w2 = int(arr.shape[1] * scale) // 2 * 2
                h2 = int(arr.shape[0] * scale) // 2 * 2
                stream = container.add_stream("libx264", rate=24)
                stream.width, stream.height, stream.pix_fmt = w2, h2, "yuv420p"
                stream.codec_context.time_base = base
                stream.options = {"crf": "32", "preset": "ultrafast"}
            img = np.asarray(Image.fromarray(arr).resize((stream.width, stream.height)))
            if mirror:
                img = np.ascontiguousarray(img[:, ::-1])
            if overlay:
                img = _overlaid(img)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = round((t - start) / speed * 1000), base
            for packet in stream.encode(frame):
                container.mux(packet)
        assert stream is not None, f"nothing of {src} in [{start}, {end})"
        for packet in stream.encode():
            container.mux(packet)


def _overlaid(rgb: np.ndarray) -> np.ndarray:
    """A news channel's re-broadcast: a logo box top left, an outlined caption across the lower
    third."""
    img = np.ascontiguousarray(rgb).copy()
    h, w = img.shape[:2]
    scale = w / 900
    box = img[h // 30:h // 30 + h // 10, w // 30:w // 30 + int(w * 0.22)]
    box[:] = (box * 0.25 + np.array([200, 20, 20]) * 0.75).astype(np.uint8)
    cv2.putText(img, "NEWS 24", (w // 20, h // 10), cv2.FONT_HERSHEY_SIMPLEX, h / 400,
                (255, 255, 255), max(1, h // 150))
    for colour, thick in (((0, 0, 0), 6), ((255, 255, 255), 2)):
        cv2.putText(img, "BREAKING: flood in the city centre", (int(w * 0.04), int(h * 0.82)),
                    cv2.FONT_HERSHEY_DUPLEX, scale, colour, max(1, int(thick * scale)),
                    cv2.LINE_AA)
    return img


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


def test_cropped_copy_of_static_shots_aligns_in_real_time(corpus: Corpus,
                                                          tmp_path: Path) -> None:
    """A cropped copy matches by local features only; in a static shot every sample of the
    source holds the same descriptors, and the alignment must still say 1.0x from the start
    (the nearest descriptors alone all named the shot's first samples: 0.89x)."""
    query = tmp_path / "cropped.mp4"
    _segment(shared_file(DISTRACTOR), query, 0.0, 25.0, scale=0.5, crop=0.8)
    result = Matcher(corpus).match_file(query)
    top = result.matches[0]
    assert Path(top.corpus_path).name == Path(DISTRACTOR).name
    assert top.transform is not None and top.transform["speed"] == 1.0
    assert top.source_start is not None and top.query_start is not None
    assert abs(top.source_start - top.query_start) <= 1.0
    assert top.query_end is not None and top.query_end - top.query_start >= 15


def test_short_clip_sped_up_aligns_at_its_speed(tmp_path: Path) -> None:
    """A clip of 3.6 s sped up 1.5x: sampled once a second, the source gave the 2.4-s copy two
    frames to align on and it came out real-time; a short clip is now sampled at least 16 times."""
    clip = shared_file(SHORT_CLIP)
    with Corpus(tmp_path / "c.sqlite") as corpus:
        corpus.add([clip, shared_file(DISTRACTOR)], workers=1)
        rows = corpus.conn.execute("SELECT count(*) FROM frames f JOIN items i"
                                   " ON i.id = f.item_id WHERE i.duration < 5").fetchone()[0]
        assert rows >= 14
        query = tmp_path / "faster.mp4"
        _segment(clip, query, 0.0, 10.0, scale=0.5, speed=1.5)
        top = Matcher(corpus).match_file(query).matches[0]
    assert Path(top.corpus_path).name == Path(SHORT_CLIP).name
    assert top.transform is not None and top.transform["speed"] == 1.5
    assert top.source_start is not None and top.query_start is not None
    assert abs(top.source_start - 1.5 * top.query_start) <= 0.5


def test_copy_with_logo_and_caption_aligns(corpus: Corpus, tmp_path: Path) -> None:
    """The caption covers what little a dark clip shows: a frame or two still match by hash,
    too few to align, and the local features must be taken around what stays put on every
    frame (the caption's corners voted for nothing)."""
    query = tmp_path / "news.mp4"
    _segment(shared_file(SOURCE), query, 0.0, 11.0, scale=1.0, overlay=True)
    result = Matcher(corpus).match_file(query)
    assert result.matches, result.notes
    top = result.matches[0]
    assert Path(top.corpus_path).name == Path(SOURCE).name
    assert top.transform is not None and top.transform["speed"] == 1.0
    assert top.source_start is not None and top.query_start is not None
    assert abs(top.source_start - top.query_start) <= 1.0
    # Found by local features: its PDQ distances are measured on the frames (the vote counts
    # were once reported as PDQ 0), and the caption keeps them off zero.
    assert top.hash_kind == "orb" and result.notes
    assert top.distances is not None and top.distances["pdq"] > 0
    assert top.distances["pdq_median"] > 0 and top.score < 1.0


def _samples(path: Path, every: int = 24) -> list[np.ndarray]:
    grey = []
    with av.open(str(path)) as container:
        for n, frame in enumerate(container.decode(video=0)):
            if n % every == 0:
                grey.append(frame.to_ndarray(format="gray"))
    return grey


def test_overlay_mask_covers_the_caption_and_logo_not_the_picture() -> None:
    frames = _samples(shared_file(DISTRACTOR))
    covered = [cv2.cvtColor(_overlaid(cv2.cvtColor(f, cv2.COLOR_GRAY2RGB)), cv2.COLOR_RGB2GRAY)
               for f in frames]
    mask = overlay_mask(covered)
    assert mask is not None and mask.shape == covered[0].shape
    h, w = mask.shape
    # Every pixel of the logo's and the caption's letters is left out.
    letters = np.zeros_like(mask, dtype=bool)
    letters[h // 30:h // 30 + h // 10, w // 30:w // 30 + int(w * 0.22)] = True
    letters[int(h * 0.74):int(h * 0.86)] = True
    letters &= np.all([f >= 250 for f in covered], axis=0)
    assert letters.sum() > 1000 and (mask[letters] == 0).all()
    assert (mask == 255).mean() > 0.8  # the picture itself keeps its features
    # The same clip without the overlay: much less to hide.
    plain = overlay_mask(frames)
    assert plain is None or (plain == 0).mean() < (mask == 0).mean() / 2


def test_overlay_mask_gives_up_on_a_still_shot() -> None:
    frame = _samples(shared_file(DISTRACTOR))[3]
    assert overlay_mask([frame] * 8) is None
    assert overlay_mask([frame] * 2) is None  # too few samples to tell


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


def test_short_sped_up_clip_takes_the_line_through_its_pairs() -> None:
    """Two seconds at 2x: every speed from 1.4x to 2.6x puts the four pairs within the
    tolerance of one line; the one through them is 2x (the slowest of them was taken)."""
    pairs = [(0.0, 0.0, 0.88), (0.5, 1.0, 0.94), (1.0, 2.0, 0.69), (1.5, 3.0, 0.75)]
    segment = align(pairs)[0]
    assert segment.speed == 2.0
    assert abs(segment.offset) <= 0.1


def test_short_real_time_clip_stays_real_time() -> None:
    pairs = [(0.0, 0.0, 0.8), (1.0, 1.0, 0.9), (2.0, 2.1, 0.7), (3.0, 2.9, 0.8)]
    assert align(pairs)[0].speed == 1.0
