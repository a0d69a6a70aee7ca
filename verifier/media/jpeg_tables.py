"""JPEG structure: quantization tables, the quality they imply, and the segments before the image.

The quality estimate compares the luminance table with the IJG (libjpeg) standard table scaled for
each quality 1..100; most software uses those tables, cameras and some apps use their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ITU-T T.81 Annex K tables, natural (row-major) order, as libjpeg scales them.
STD_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
)
STD_CHROMINANCE = (
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
)
# Position in natural order of the k-th coefficient stored in the file (zig-zag).
ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
)

_SOF_NAMES = {
    0xC0: "baseline", 0xC1: "extended sequential", 0xC2: "progressive", 0xC3: "lossless",
    0xC5: "differential sequential", 0xC6: "differential progressive",
    0xC7: "differential lossless", 0xC9: "arithmetic sequential", 0xCA: "arithmetic progressive",
    0xCB: "arithmetic lossless",
}
MAX_SEGMENTS = 500


@dataclass
class JpegInfo:
    tables: dict[int, tuple[int, ...]] = field(default_factory=dict)  # id -> 64 values, natural
    process: str | None = None
    width: int = 0  # from the frame header (0: defined later by a DNL marker, or absent)
    height: int = 0
    components: list[tuple[int, int, int, int]] = field(default_factory=list)  # id, h, v, table
    segments: list[str] = field(default_factory=list)  # "APP1 Exif (1234 bytes)", ...
    comments: list[bytes] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def subsampling(self) -> str | None:
        if len(self.components) != 3:
            return None
        (_, h0, v0, _), (_, h1, v1, _), (_, h2, v2, _) = self.components
        if (h1, v1) != (h2, v2) or h1 == 0 or v1 == 0:
            return None
        ratio = (h0 // h1, v0 // v1)
        return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0",
                (4, 1): "4:1:1"}.get(ratio, f"{h0}x{v0},{h1}x{v1},{h2}x{v2}")


def parse(data: bytes) -> JpegInfo:
    """Walk the markers up to the start of scan; never raises on damaged input."""
    info = JpegInfo()
    if not data.startswith(b"\xff\xd8"):
        info.problems.append("not a JPEG stream")
        return info
    pos = 2
    n = len(data)
    while pos < n and len(info.segments) < MAX_SEGMENTS:
        # Skip fill bytes, find the next marker.
        if data[pos] != 0xFF:
            info.problems.append(f"JPEG marker expected at byte {pos}")
            break
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            break
        marker = data[pos]
        pos += 1
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        if marker == 0xD9:
            break
        if pos + 2 > n:
            info.problems.append("JPEG ends inside a segment header")
            break
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > n:
            info.problems.append(f"JPEG segment 0x{marker:02X} runs past the end of the file")
            break
        body = data[pos + 2 : pos + length]
        pos += length
        info.segments.append(_describe(marker, body))
        if marker == 0xDB:
            _read_dqt(body, info)
        elif marker in _SOF_NAMES:
            info.process = _SOF_NAMES[marker]
            _read_sof(body, info)
        elif marker == 0xFE:
            info.comments.append(body[:4096])
        elif marker == 0xDA:
            break
    return info


def _describe(marker: int, body: bytes) -> str:
    if 0xE0 <= marker <= 0xEF:
        ident = body[:32].split(b"\x00", 1)[0][:24]
        label = ident.decode("latin-1") if ident and all(32 <= b < 127 for b in ident) else ""
        return f"APP{marker - 0xE0}{' ' + label if label else ''} ({len(body)} bytes)"
    names = {0xDB: "DQT", 0xC4: "DHT", 0xDA: "SOS", 0xFE: "COM", 0xDD: "DRI"}
    name = names.get(marker) or (f"SOF{marker - 0xC0}" if marker in _SOF_NAMES else
                                 f"0x{marker:02X}")
    return f"{name} ({len(body)} bytes)"


def _read_dqt(body: bytes, info: JpegInfo) -> None:
    i = 0
    while i < len(body):
        pq, tq = body[i] >> 4, body[i] & 0x0F
        i += 1
        size = 128 if pq else 64
        if i + size > len(body):
            info.problems.append("quantization table truncated")
            return
        raw = body[i : i + size]
        values = ([int.from_bytes(raw[2 * k : 2 * k + 2], "big") for k in range(64)] if pq
                  else list(raw))
        natural = [0] * 64
        for k, v in enumerate(values):
            natural[ZIGZAG[k]] = v
        info.tables[tq] = tuple(natural)
        i += size


def _read_sof(body: bytes, info: JpegInfo) -> None:
    if len(body) < 6:
        return
    info.height = int.from_bytes(body[1:3], "big")
    info.width = int.from_bytes(body[3:5], "big")
    count = body[5]
    info.components = []
    for k in range(count):
        j = 6 + 3 * k
        if j + 3 > len(body):
            break
        info.components.append((body[j], body[j + 1] >> 4, body[j + 1] & 0x0F, body[j + 2]))


def scaled_table(base: tuple[int, ...], quality: int) -> tuple[int, ...]:
    """libjpeg's jpeg_quality_scaling and jpeg_add_quant_table (force_baseline)."""
    quality = min(max(quality, 1), 100)
    scale = 5000 // quality if quality < 50 else 200 - quality * 2
    return tuple(min(max((v * scale + 50) // 100, 1), 255) for v in base)


@dataclass(frozen=True)
class QualityEstimate:
    quality: int
    exact: bool  # the tables are exactly the IJG ones at this quality
    mean_error: float  # mean absolute difference from them

    def describe(self) -> str:
        if self.exact:
            return f"{self.quality} (IJG standard tables)"
        return f"about {self.quality} (non-standard tables, mean difference " \
               f"{self.mean_error:.1f})"


def estimate_quality(tables: dict[int, tuple[int, ...]]) -> QualityEstimate | None:
    """The IJG quality whose scaled tables are closest to these (luminance first)."""
    lum = tables.get(0)
    if lum is None:
        return None
    chroma = tables.get(1)
    best: QualityEstimate | None = None
    for q in range(1, 101):
        expected = scaled_table(STD_LUMINANCE, q)
        err = sum(abs(a - b) for a, b in zip(lum, expected, strict=True))
        exact = err == 0
        count = 64
        if chroma is not None:
            expected_c = scaled_table(STD_CHROMINANCE, q)
            err_c = sum(abs(a - b) for a, b in zip(chroma, expected_c, strict=True))
            exact = exact and err_c == 0
            err += err_c
            count = 128
        candidate = QualityEstimate(q, exact, err / count)
        if best is None or candidate.mean_error < best.mean_error or (
                candidate.exact and not best.exact):
            best = candidate
    return best
