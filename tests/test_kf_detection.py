"""Shot detection and keyframe choice on small videos built here with known transitions.

The pictures are smooth random textures (unrelated to each other, as two shots are), encoded
with libx264 by PyAV at 320x180, 25 frames/s; every truth is the frame index where the script
put the transition."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from verifier.errors import Cancelled
from verifier.media.keyframes import KeyframeParams, extract_keyframes, format_timestamp
from verifier.media.shots import Features, ShotDetector, ShotParams
from verifier.progress import CancelToken

W, H, FPS = 320, 180, 25


def texture(seed: int, w: int = W, h: int = H) -> np.ndarray:
    """A smooth, detailed RGB picture; different seeds give unrelated pictures."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (max(2, h // 30), max(2, w // 30), 3), dtype=np.uint8)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = rng.integers(0, 60, (h, w, 1), dtype=np.uint8)
    return np.clip(img.astype(np.int16) + fine - 30, 0, 255).astype(np.uint8)


def write_video(path: Path, frames: Iterable[np.ndarray], fps: int = FPS,
                options: dict[str, str] | None = None) -> Path:
    with av.open(str(path), "w", options=options or {}) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"crf": "20", "preset": "ultrafast", "g": "50"}
        for arr in frames:
            out.mux(stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")))
        out.mux(stream.encode(None))
    return path


def still(img: np.ndarray, n: int) -> list[np.ndarray]:
    """n frames of a picture drifting slowly (a steady shot, not a frozen one)."""
    return [np.roll(img, k // 10, axis=1) for k in range(n)]


def dissolve(a: np.ndarray, b: np.ndarray, n: int) -> list[np.ndarray]:
    return [((1 - (k + 0.5) / n) * a + (k + 0.5) / n * b).astype(np.uint8) for k in range(n)]


def fade(a: np.ndarray, b: np.ndarray, n: int) -> list[np.ndarray]:
    half, rest = n // 2, n - n // 2
    out = [(a * (1 - (k + 1) / half)).astype(np.uint8) for k in range(half)]
    return out + [(b * ((k + 1) / rest)).astype(np.uint8) for k in range(rest)]


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float]]:
    """A: 2 s with a 2-frame white flash; hard cut to B; 1 s dissolve to C; 1 s fade through
    black to D; hard cut back to A's picture (a near-duplicate keyframe)."""
    a, b, c, d = (texture(s) for s in (1, 2, 3, 4))
    frames: list[np.ndarray] = still(a, 50)
    frames[25] = frames[26] = np.full_like(a, 255)
    cuts = []
    cuts.append(len(frames) / FPS)
    frames += still(b, 50)
    cuts.append((len(frames) + 12.5) / FPS)
    frames += dissolve(frames[-1], c, 25) + still(c, 50)
    cuts.append((len(frames) + 12.5) / FPS)
    frames += fade(frames[-1], d, 25) + still(d, 50)
    cuts.append(len(frames) / FPS)
    frames += still(a, 50)
    path = write_video(tmp_path_factory.mktemp("kf") / "edited.mp4", frames)
    return path, cuts


def test_cuts_dissolves_and_fades_found_and_flash_ignored(
        edited: tuple[Path, list[float]], tmp_path: Path) -> None:
    path, cuts = edited
    result = extract_keyframes(path, tmp_path)
    starts = [s.start for s in result.shots[1:]]
    assert len(starts) == len(cuts), (starts, cuts)
    for found, true in zip(starts, cuts, strict=True):
        assert abs(found - true) <= 0.25, (starts, cuts)
    assert [s.transition for s in result.shots] == ["start", "cut", "dissolve", "fade", "cut"]
    assert not result.partial and result.problems == ()


def test_shots_tile_the_video_and_carry_frames(edited: tuple[Path, list[float]],
                                               tmp_path: Path) -> None:
    result = extract_keyframes(edited[0], tmp_path)
    shots = result.shots
    assert shots[0].start == 0.0 and shots[0].start_frame == 0
    for s, t in itertools.pairwise(shots):
        assert s.end == t.start
        assert s.end_frame is not None and t.start_frame == s.end_frame + 1
    video_length = result.duration
    assert abs(shots[-1].end - video_length) < 1e-6
    assert result.frames == 300


def test_keyframes_sharp_away_from_boundaries_and_saved(edited: tuple[Path, list[float]],
                                                       tmp_path: Path) -> None:
    result = extract_keyframes(edited[0], tmp_path)
    shots = {s.index: s for s in result.shots}
    for k in result.keyframes:
        shot = shots[k.shot]
        assert shot.start_frame is not None and shot.end_frame is not None
        assert shot.start_frame <= k.frame <= shot.end_frame
        assert k.frame not in (25, 26)  # never the white flash
        assert k.sharpness > 0
        assert Path(k.path).is_file() and Path(k.thumbnail).is_file()
        assert Path(k.path).suffix == ".png" and Path(k.thumbnail).suffix == ".jpg"
        assert len(k.phash) == 16
        assert format_timestamp(k.time).startswith("00:00:")
    # Exactly the files of the keyframes kept, nothing else.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [Path(k.path).name for k in result.keyframes]
        + [Path(k.thumbnail).name for k in result.keyframes])


def test_near_duplicate_keyframe_merged_into_the_earlier(edited: tuple[Path, list[float]],
                                                         tmp_path: Path) -> None:
    result = extract_keyframes(edited[0], tmp_path)
    last_shot = result.shots[-1].index
    assert [m.shot for m in result.merges] == [last_shot]
    merge = result.merges[0]
    assert merge.distance <= 6
    kept = next(k for k in result.keyframes if k.frame == merge.into)
    assert kept.shot == 0 and kept.merged == (merge.frame,)
    assert all(k.shot != last_shot for k in result.keyframes)


def test_min_shot_length_drops_a_second_cut_too_soon(tmp_path: Path) -> None:
    a, b, c = texture(11), texture(12), texture(13)
    frames = still(a, 40) + still(b, 5) + still(c, 40)  # B lasts 0.2 s
    path = write_video(tmp_path / "short.mp4", frames)
    result = extract_keyframes(path, tmp_path / "out")
    assert [round(s.start, 2) for s in result.shots[1:]] == [1.6]
    relaxed = extract_keyframes(path, tmp_path / "out2",
                                params=KeyframeParams(min_shot_seconds=0.1))
    assert [round(s.start, 2) for s in relaxed.shots[1:]] == [1.6, 1.8]


def test_camera_flash_brightening_is_not_a_cut(tmp_path: Path) -> None:
    a = texture(21)
    frames = still(a, 60)
    for k in (30, 31):
        frames[k] = np.clip(frames[k].astype(np.float32) * 1.8 + 40, 0, 255).astype(np.uint8)
    result = extract_keyframes(write_video(tmp_path / "flash.mp4", frames), tmp_path / "o")
    assert len(result.shots) == 1


def test_pan_gets_extra_keyframes_in_one_shot(tmp_path: Path) -> None:
    wide = texture(31, w=W * 4)
    n = 8 * FPS
    frames = [np.ascontiguousarray(wide[:, round(k * (3 * W) / (n - 1)):][:, :W])
              for k in range(n)]
    result = extract_keyframes(write_video(tmp_path / "pan.mp4", frames), tmp_path / "o")
    assert len(result.shots) == 1
    assert len(result.keyframes) >= 2
    assert {k.kind for k in result.keyframes} == {"shot", "content"}
    assert all(k.shot == 0 for k in result.keyframes)


def test_fast_mode_is_a_preview_not_a_shot_list(edited: tuple[Path, list[float]],
                                                tmp_path: Path) -> None:
    result = extract_keyframes(edited[0], tmp_path, fast=True)
    assert result.fast and result.shots == ()
    assert result.keyframes and all(k.kind == "preview" and k.shot == -1
                                    for k in result.keyframes)
    assert any("I-frames" in p for p in result.problems)
    assert all(Path(k.path).is_file() for k in result.keyframes)


class _CancelAfter:
    def __init__(self, token: CancelToken, after: int) -> None:
        self.token, self.after, self.seen, self.started = token, after, 0, 0

    def start(self, total: int | None, message: str) -> None:
        self.started += 1
        self.total = total

    def advance(self, step: int = 1) -> None:
        self.seen += step
        if self.seen >= self.after:
            self.token.cancel()

    def message(self, text: str) -> None:
        pass


def test_cancel_stops_and_leaves_no_files(edited: tuple[Path, list[float]],
                                          tmp_path: Path) -> None:
    token = CancelToken()
    progress = _CancelAfter(token, 200)
    with pytest.raises(Cancelled):
        extract_keyframes(edited[0], tmp_path, progress=progress, cancel=token)
    assert progress.started == 1 and progress.total == 300
    assert list(tmp_path.iterdir()) == []


def test_progress_counts_the_frames(edited: tuple[Path, list[float]], tmp_path: Path) -> None:
    progress = _CancelAfter(CancelToken(), 10**9)
    extract_keyframes(edited[0], tmp_path, progress=progress)
    assert progress.seen == 300


def test_detector_memory_is_a_fixed_window() -> None:
    """Streaming: the detector keeps a window of small frames whatever the length."""
    params = ShotParams()
    det = ShotDetector(30.0, params)
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (36, 64), dtype=np.uint8)
    u = np.full((18, 32), 128, np.uint8)
    sizes = set()
    for i in range(3000):
        y = base if (i // 300) % 2 == 0 else 255 - base  # a cut every 10 s
        det.push(Features(i, i / 30.0, y, u, u, params))
        sizes.add(len(det.buf))
        assert len(det.pending) <= 2
    assert max(sizes) == det.buf.maxlen and det.buf.maxlen is not None
    assert det.buf.maxlen < 300
    found = [b.frame for b in det.flush()]
    assert det.ready_before == 3000
    assert len(found) == 0  # all already handed out while streaming


def test_long_black_stretch_holds_one_frame_and_cuts_in_its_middle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import verifier.media.keyframes as kf

    made: list[bool] = []
    real = kf._Candidate

    def counting(*args: object, **kwargs: object) -> object:
        cand = real(*args, **kwargs)  # type: ignore[arg-type]
        made.append(cand.z is None)
        return cand

    monkeypatch.setattr(kf, "_Candidate", counting)
    black = np.zeros((H, W, 3), np.uint8)
    frames = still(texture(41), 50) + [black] * (20 * FPS) + still(texture(42), 50)
    result = extract_keyframes(write_video(tmp_path / "black.mp4", frames), tmp_path / "o")
    assert [s.transition for s in result.shots] == ["start", "fade"]
    assert abs(result.shots[1].start - (50 + 10 * FPS) / FPS) < 0.1  # middle of the black
    assert sum(made) == 1  # one blank frame kept as a stand-in, not 500
