"""Container and stream metadata of a video through PyAV (FFmpeg): format, duration, bit rate,
codecs, profile, resolution, frame rate, rotation, audio, encoder, dates, device keys, location."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.errors import UserError
from verifier.media.exif import clean_text

log = logging.getLogger(__name__)

# FFmpeg probes at most this much before giving up on hostile input.
_OPEN_OPTIONS = {"probesize": str(20 * 1024 * 1024), "analyzeduration": str(20_000_000)}
_MAX_PACKETS_FOR_ROTATION = 400


@dataclass
class VideoData:
    format_name: str = ""
    format_long_name: str = ""
    duration: float | None = None
    start_time: float | None = None
    bit_rate: int | None = None
    container_tags: dict[str, str] = field(default_factory=dict)
    streams: list[dict[str, str]] = field(default_factory=list)  # one dict per stream
    video_index: int | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    codec: str | None = None
    profile: str | None = None
    rotation: int = 0  # clockwise degrees a viewer turns the picture (as ExifTool reports)
    rotation_source: str = ""
    problems: list[str] = field(default_factory=list)

    def stream_tag(self, key: str) -> tuple[int, str] | None:
        for i, info in enumerate(self.streams):
            if info.get(f"tag:{key}"):
                return i, info[f"tag:{key}"]
        return None

    def tag(self, *keys: str) -> tuple[str, str] | None:
        """The first container tag among keys (case-insensitive), as (key, value)."""
        lowered = {k.lower(): (k, v) for k, v in self.container_tags.items()}
        for key in keys:
            hit = lowered.get(key.lower())
            if hit and hit[1].strip():
                return hit
        return None


def read_video(path: Path) -> VideoData:
    import av

    out = VideoData()
    try:
        with av.open(str(path), options=_OPEN_OPTIONS) as container:
            out.format_name = container.format.name or ""
            out.format_long_name = container.format.long_name or out.format_name
            if container.duration and container.duration > 0:
                out.duration = container.duration / 1_000_000
            out.bit_rate = int(container.bit_rate) if container.bit_rate else None
            out.container_tags = {clean_text(k, 200): clean_text(v)
                                  for k, v in container.metadata.items()}
            for stream in container.streams:
                out.streams.append(_stream_info(stream))
            video = container.streams.video[0] if container.streams.video else None
            if video is None:
                raise UserError(path, "has no video stream")
            out.video_index = video.index
            ctx: Any = video.codec_context
            if ctx is not None:
                out.width, out.height = int(ctx.width or 0) or None, int(ctx.height or 0) or None
                out.codec = ctx.name
                out.profile = _profile(ctx)
            rate = video.average_rate or video.guessed_rate
            if rate:
                out.frame_rate = float(rate)
            if out.duration is not None and container.start_time and \
                    out.format_name.startswith("mov") and container.start_time > 0:
                # An MP4 edit list that delays the first frame: the clip plays from 0.
                out.start_time = container.start_time / 1_000_000
                out.duration += out.start_time
            if out.duration is None and video.duration and video.time_base:
                out.duration = float(video.duration * video.time_base)
            if out.duration is None and video.frames and rate:
                out.duration = video.frames / float(rate)  # AVI: frame count in the header
            _read_rotation(container, video, out)
    except UserError:
        raise
    except (av.error.FFmpegError, ValueError, OSError, MemoryError) as exc:
        raise UserError(path, f"not a readable video ({clean_text(exc, 200)})") from None
    return out


def _profile(ctx: Any) -> str | None:
    try:
        profile = ctx.profile
    except (AttributeError, ValueError):
        return None
    return clean_text(profile, 100) if profile else None


def _stream_info(stream: Any) -> dict[str, str]:
    info: dict[str, str] = {"index": str(stream.index), "type": str(stream.type)}
    ctx: Any = stream.codec_context
    if ctx is not None:
        info["codec"] = clean_text(ctx.name or "unknown", 100)
        long_name = getattr(getattr(ctx, "codec", None), "long_name", None)
        if long_name:
            info["codec_long_name"] = clean_text(long_name, 200)
        profile = _profile(ctx)
        if profile:
            info["profile"] = profile
        if getattr(ctx, "bit_rate", None):
            info["bit_rate"] = str(ctx.bit_rate)
    if stream.type == "video" and ctx is not None:
        info["width"], info["height"] = str(ctx.width), str(ctx.height)
        if getattr(ctx, "pix_fmt", None):
            info["pixel_format"] = str(ctx.pix_fmt)
        rate = stream.average_rate or stream.guessed_rate
        if rate:
            info["frame_rate"] = f"{float(rate):.3f}"
    elif stream.type == "audio" and ctx is not None:
        info["sample_rate"] = str(getattr(ctx, "sample_rate", "") or "")
        layout = getattr(ctx, "layout", None)
        if layout is not None:
            info["channels"] = str(len(getattr(layout, "channels", ()) or ()) or "")
            info["layout"] = clean_text(getattr(layout, "name", ""), 50)
    if stream.frames:
        info["frames"] = str(stream.frames)
    if stream.duration and stream.time_base:
        info["duration"] = f"{float(stream.duration * stream.time_base):.3f}"
    for key, value in stream.metadata.items():
        info[f"tag:{clean_text(key, 200)}"] = clean_text(value)
    return {k: v for k, v in info.items() if v != ""}


def _read_rotation(container: Any, video: Any, out: VideoData) -> None:
    """The display matrix, as FFmpeg applies it to the first decoded frame (PyAV >= 14)."""
    try:
        for packets, packet in enumerate(container.demux(video), 1):
            for frame in packet.decode():
                rotation = getattr(frame, "rotation", None)
                if rotation is not None:
                    out.rotation = (-round(float(rotation))) % 360
                    out.rotation_source = "display matrix"
                return
            if packets >= _MAX_PACKETS_FOR_ROTATION:
                break
    except Exception as exc:  # a broken stream still has container metadata worth reading
        out.problems.append(f"the first video frame could not be decoded "
                            f"({clean_text(exc, 200)})")
    rotate = video.metadata.get("rotate")
    if rotate and re.fullmatch(r"-?\d+", rotate.strip()):
        out.rotation = int(rotate) % 360
        out.rotation_source = "stream rotate tag"


_ISO6709 = re.compile(r"^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")


def parse_iso6709(text: str) -> tuple[float, float] | None:
    """'+33.3128+044.3615/' or '+32.0929+034.8620+028.516/' -> (lat, lon) in decimal degrees.

    The degrees-minutes(-seconds) forms (+DDMM.M+DDDMM.M, +DDMMSS+DDDMMSS) are read too.
    """
    m = _ISO6709.match(text or "")
    if not m:
        return None
    lat = _iso6709_part(m.group(1), 2)
    lon = _iso6709_part(m.group(2), 3)
    if lat is None or lon is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def _iso6709_part(text: str, degree_digits: int) -> float | None:
    sign = -1.0 if text[0] == "-" else 1.0
    body = text[1:]
    whole, _, frac = body.partition(".")
    try:
        if len(whole) <= degree_digits:
            return sign * float(body)
        if len(whole) == degree_digits + 2:  # DDMM.M
            return sign * (float(whole[:degree_digits]) + float(whole[degree_digits:] +
                                                                 ("." + frac if frac else "")) / 60)
        if len(whole) == degree_digits + 4:  # DDMMSS.S
            return sign * (float(whole[:degree_digits]) + float(whole[degree_digits:-2]) / 60 +
                           float(whole[-2:] + ("." + frac if frac else "")) / 3600)
    except ValueError:
        return None
    return None


# ---------------------------------------------------------------- Matroska segment info

_EBML_HEADER, _SEGMENT, _INFO, _CLUSTER = 0x1A45DFA3, 0x18538067, 0x1549A966, 0x1F43B675
_INFO_STRINGS = {0x4D80: "MuxingApp", 0x5741: "WritingApp", 0x7BA9: "Title"}
_DATE_UTC = 0x4461
_MKV_SCAN = 4 * 1024 * 1024


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int] | None:
    if pos >= len(data):
        return None
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    if length > 8 or pos + length > len(data):
        return None
    value = first if keep_marker else first & (0xFF >> length)
    for b in data[pos + 1 : pos + length]:
        value = (value << 8) | b
    return value, pos + length


def matroska_info(path: Path) -> dict[str, str]:
    """MuxingApp, WritingApp, Title and DateUTC of a Matroska/WebM file's segment info, which
    FFmpeg reports only in part (its 'encoder' is the MuxingApp)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(_MKV_SCAN)
    except OSError:
        return {}
    out: dict[str, str] = {}
    pos, end = 0, len(data)
    steps = 0
    while pos < end and steps < 10_000:
        steps += 1
        hid = _vint(data, pos, keep_marker=True)
        if hid is None:
            break
        size = _vint(data, hid[1], keep_marker=False)
        if size is None:
            break
        element, body = hid[0], size[1]
        length = size[0]
        if element == _SEGMENT:  # descend (its size may be "unknown")
            pos = body
            continue
        if element == _CLUSTER:
            break
        if element == _INFO:
            info_end = min(end, body + length)
            _read_info(data, body, info_end, out)
            break
        pos = body + length
    return out


def _read_info(data: bytes, pos: int, end: int, out: dict[str, str]) -> None:
    from datetime import UTC, datetime, timedelta

    while pos < end:
        hid = _vint(data, pos, keep_marker=True)
        size = _vint(data, hid[1], keep_marker=False) if hid else None
        if hid is None or size is None:
            return
        value = data[size[1] : size[1] + size[0]]
        if hid[0] in _INFO_STRINGS:
            out[_INFO_STRINGS[hid[0]]] = clean_text(value.rstrip(b"\x00"), 500)
        elif hid[0] == _DATE_UTC and len(value) == 8:
            nanoseconds = int.from_bytes(value, "big", signed=True)
            when = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(microseconds=nanoseconds // 1000)
            out["DateUTC"] = when.isoformat(timespec="seconds").replace("+00:00", "Z")
        pos = size[1] + size[0]
