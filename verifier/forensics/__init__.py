"""Forensic lenses: ways of looking at a picture that can show where it was edited.

Each lens is a plain function (no Qt) taking a `ForensicInput` (see `source.load`: an image
file, a video frame at a time, or `source.from_array`) and its parameters, and returning a
`LensResult` (see `result`): the lens name, the parameters used, maps as uint8 numpy arrays
ready to lay over the picture, summary numbers, findings in plain sentences, and a note of what
the lens can and cannot show. `run_lens` and `analyse` are the entry points the CLI and the GUI
share; `write_maps` saves the maps as PNG; `render.overlay` lays a map over the picture with an
opacity and `render.draw_regions` outlines the regions found.

Lenses: ela, noise, jpeg (tables, known-table lookup, double compression, ghosts), clone,
gradient, pca, thumbnail (EXIF preview), and for videos frames (duplicates and gaps over the
whole stream). `magnifier.magnify` is the loupe helper.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from verifier.errors import UserError
from verifier.forensics.result import LensMap, LensResult, Region
from verifier.forensics.source import ForensicInput, from_array, load
from verifier.progress import NEVER_CANCELLED, NULL_PROGRESS, CancelToken, Progress

__all__ = ["IMAGE_LENSES", "LENSES", "ForensicInput", "LensMap", "LensResult", "Region",
           "SavedMap", "analyse", "from_array", "iter_lenses", "load", "map_png", "run_lens",
           "write_maps"]

IMAGE_LENSES = ("ela", "noise", "jpeg", "clone", "gradient", "pca", "thumbnail")
VIDEO_LENSES = ("frames",)
LENSES = IMAGE_LENSES + VIDEO_LENSES
SLOW_LENSES = frozenset({"jpeg", "clone", "frames"})  # the ones worth a progress bar


def run_lens(name: str, src: ForensicInput, params: dict[str, Any] | None = None, *,
             progress: Progress = NULL_PROGRESS,
             cancel: CancelToken = NEVER_CANCELLED) -> LensResult:
    """One image lens on a picture; params are the lens function's keyword arguments."""
    params = dict(params or {})
    cancel.check()
    if name == "ela":
        from verifier.forensics.ela import ela
        return ela(src, **params)
    if name == "noise":
        from verifier.forensics.noise import noise
        return noise(src, **params)
    if name == "jpeg":
        from verifier.forensics.jpeg import jpeg_lens
        return jpeg_lens(src, **params, progress=progress, cancel=cancel)
    if name == "clone":
        from verifier.forensics.clone import clone
        return clone(src, **params, progress=progress, cancel=cancel)
    if name == "gradient":
        from verifier.forensics.gradient import gradient
        return gradient(src, **params)
    if name == "pca":
        from verifier.forensics.pca import pca
        return pca(src, **params)
    if name == "thumbnail":
        from verifier.forensics.thumbnail import thumbnail
        return thumbnail(src)
    if name == "frames":
        raise UserError("--lens frames", "works on a whole video: use analyse() with the video")
    raise UserError("--lens", f"unknown lens {name!r}; choose from {', '.join(LENSES)}")


def analyse(path: Path, lenses: tuple[str, ...] | None = None, *, time: float | None = None,
            params: dict[str, dict[str, Any]] | None = None,
            progress: Progress = NULL_PROGRESS,
            cancel: CancelToken = NEVER_CANCELLED) -> list[LensResult]:
    """Run lenses on a file: an image, or a video (image lenses on the frame at `time`,
    default 0 s; `frames` over the whole stream). Default: every image lens, plus frames for
    a video. Bad input raises UserError before any lens runs."""
    return list(iter_lenses(path, lenses, time=time, params=params, progress=progress,
                            cancel=cancel))


def iter_lenses(path: Path, lenses: tuple[str, ...] | None = None, *,
                time: float | None = None, params: dict[str, dict[str, Any]] | None = None,
                progress: Progress = NULL_PROGRESS,
                cancel: CancelToken = NEVER_CANCELLED) -> Iterator[LensResult]:
    """analyse() one result at a time, so a caller can write and drop each result's maps
    (several full-size maps of a 12 Mpx photo add up)."""
    from verifier.media.intake import sniff
    from verifier.models import MediaKind

    path = Path(path)
    is_video = sniff(path).kind is MediaKind.VIDEO
    chosen = tuple(dict.fromkeys(lenses or (IMAGE_LENSES + (VIDEO_LENSES if is_video else ()))))
    for name in chosen:
        if name not in LENSES:
            raise UserError("--lens", f"unknown lens {name!r}; choose from {', '.join(LENSES)}")
    if "frames" in chosen and not is_video:
        raise UserError(path, "is an image; the frames lens needs a video")
    image_lenses = [n for n in chosen if n != "frames"]
    src = load(path, time) if image_lenses else None
    params = params or {}
    for name in chosen:
        cancel.check()
        if name == "frames":
            from verifier.forensics.frames import frames
            yield frames(path, **params.get(name, {}), progress=progress, cancel=cancel)
        else:
            assert src is not None
            yield run_lens(name, src, params.get(name), progress=progress, cancel=cancel)


@dataclass(frozen=True)
class SavedMap:
    name: str
    path: Path
    sha256: str
    caption: str
    overlay: bool

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "path": str(self.path), "sha256": self.sha256,
                "caption": self.caption, "overlay": self.overlay}


def map_png(m: LensMap) -> bytes:
    """A map as PNG bytes (fast compression: maps can be 12 Mpx)."""
    image = m.image if m.image.ndim == 2 else cv2.cvtColor(m.image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(image), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover - uint8 grey or RGB always encodes
        raise RuntimeError(f"PNG encoding of map {m.name} failed")
    return buf.tobytes()


def write_maps(result: LensResult, out_dir: Path, stem: str) -> list[SavedMap]:
    """Each map as OUT_DIR/STEM-MAP.png; returns what was written with its SHA-256."""
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    for m in result.maps:
        data = map_png(m)
        target = out_dir / f"{stem}-{m.name}.png"
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
        saved.append(SavedMap(m.name, target, hashlib.sha256(data).hexdigest(), m.caption,
                              m.overlay))
    return saved
