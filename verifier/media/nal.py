"""Which coded pictures of an H.264 or HEVC stream other pictures predict from.

A picture nothing refers to (most B-frames of x264, x265 and camera encoders) can be left
undecoded without changing any other picture by a single bit: FFmpeg's `skip_frame = "NONREF"`.
Whether that pays depends on how many there are, which the NAL unit headers of the first
packets tell without decoding anything.
"""

from __future__ import annotations

from pathlib import Path

import av

# HEVC: VCL NAL types below 16 with an even number are sub-layer non-reference pictures
# (TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N, RSV_VCL_N10/12/14).
_HEVC_VCL_LIMIT = 32


def _nal_units(data: bytes, length_size: int | None) -> list[bytes]:
    """The NAL units of one access unit: length-prefixed (MP4/MOV/MKV) or Annex B."""
    units: list[bytes] = []
    if length_size:
        i = 0
        while i + length_size <= len(data):
            n = int.from_bytes(data[i:i + length_size], "big")
            i += length_size
            if n <= 0 or i + n > len(data):
                break
            units.append(data[i:i + n])
            i += n
        return units
    return [part for part in data.split(b"\x00\x00\x01")[1:] if part]


def _length_size(codec: str, extradata: bytes) -> int | None:
    if codec == "h264" and extradata[:1] == b"\x01" and len(extradata) > 4:
        return (extradata[4] & 3) + 1
    if codec == "hevc" and extradata[:1] == b"\x01" and len(extradata) > 21:
        return (extradata[21] & 3) + 1
    return None


def picture_is_reference(codec: str, data: bytes, length_size: int | None) -> bool | None:
    """Whether the picture in one packet is a reference picture (None: no picture found)."""
    for unit in _nal_units(data, length_size):
        head = unit[0]
        if codec == "h264":
            if head & 0x1F in (1, 5):  # coded slice, IDR slice
                return (head >> 5) & 3 != 0
        elif codec == "hevc":
            kind = (head >> 1) & 0x3F
            if kind < _HEVC_VCL_LIMIT:
                return not (kind < 16 and kind % 2 == 0)
    return None


def skippable_share(path: Path, packets: int = 300) -> float:
    """Share of the first `packets` pictures of the first video stream that can be left
    undecoded with every other frame's pixels and stream position still exact; 0.0 when none.

    Only H.264 and HEVC, only progressive streams whose packets all carry a presentation time:
    interlaced video may be coded as separate fields, two packets to a frame, and counting
    packets would then number the frames wrongly.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return 0.0
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec not in ("h264", "hevc"):
                return 0.0
            size = _length_size(codec, bytes(stream.codec_context.extradata or b""))
            nonref = seen = 0
            for packet in container.demux(stream):
                if not packet.size:
                    continue
                if packet.pts is None:
                    return 0.0
                is_ref = picture_is_reference(codec, bytes(packet), size)
                if is_ref is None:
                    continue
                seen += 1
                nonref += not is_ref
                if seen >= packets:
                    break
            if not nonref:
                return 0.0
            container.seek(0, stream=stream)
            first = next(container.decode(stream), None)
            if first is None or first.interlaced_frame:
                return 0.0
    except (av.error.FFmpegError, ValueError, OSError):
        return 0.0
    return nonref / seen
