"""Which software or camera could have made a JPEG's quantization tables.

Two sources, both checked exactly (every one of the 128 values):

- the IJG (libjpeg) standard tables scaled for every quality 1..100: what libjpeg,
  libjpeg-turbo, Pillow, OpenCV, GIMP, ImageMagick and most server-side re-encoders write, so a
  match names the quality the file was saved at but not the program;
- tables seen in camera originals and editor output among the public sample sets used to test
  this project (the exifread and metadata-extractor samples and ExifTool's test images),
  labelled with the EXIF make and model (cameras) or the Software tag (editors). Each table
  was seen in a file whose metadata names no other program; the sample it came from is kept.

A match is a hint, not an identification: many devices share tables, some phones choose tables
per picture, and any program can copy another's tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.media.jpeg_tables import STD_CHROMINANCE, STD_LUMINANCE, scaled_table

IJG = "IJG libjpeg standard tables (libjpeg, Pillow, OpenCV, GIMP, ImageMagick and others)"


@dataclass(frozen=True)
class TableMatch:
    source: str  # who writes these tables
    kind: str  # "standard", "camera" or "editor"
    quality: int | None  # the IJG quality setting, for standard tables
    exact: bool  # both tables identical (False: the luminance table alone)
    sample: str = ""  # the sample file it was seen in (../shared/media relative path)

    def describe(self) -> str:
        what = f"{self.source}" + (f" at quality {self.quality}" if self.quality else "")
        if not self.exact:
            what += " (luminance table only; the colour table differs)"
        return what


def lookup(tables: dict[int, tuple[int, ...]]) -> list[TableMatch]:
    """Known sources whose tables are exactly these (table 0 luminance, table 1 colour)."""
    lum, chroma = tables.get(0), tables.get(1)
    if lum is None:
        return []
    found: list[TableMatch] = []
    for q in range(1, 101):
        if scaled_table(STD_LUMINANCE, q) != lum:
            continue
        exact = chroma is None or scaled_table(STD_CHROMINANCE, q) == chroma
        found.append(TableMatch(IJG, "standard", q, exact))
    for kind, label, sample, lum_text, chroma_text in _SEEN:
        known_lum, known_chroma = _values(lum_text), _values(chroma_text)
        if known_lum == lum and (chroma is None or known_chroma == chroma):
            found.append(TableMatch(label, kind, None, True, sample))
    found.sort(key=lambda m: not m.exact)
    return found


def _values(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split())


# kind, label, sample, luminance, colour: 64 values each in natural (row-major) order.
_SEEN: tuple[tuple[str, str, str, str, str], ...] = (
    ("camera", "Apple iPhone 4, HTC Desire",
     "metadata-extractor-images/jpg/Apple iPhone 4.jpg",
     "2 2 1 2 3 6 7 8 2 2 2 3 4 8 8 8 "
     "2 2 2 3 6 8 10 8 2 2 3 4 7 12 11 9 "
     "2 3 5 8 9 15 14 11 3 5 8 9 11 14 16 13 "
     "7 9 11 12 14 17 17 14 10 13 13 14 15 14 14 14",
     "2 2 3 6 14 14 14 14 2 3 4 9 14 14 14 14 "
     "3 4 8 14 14 14 14 14 6 9 14 14 14 14 14 14 "
     "14 14 14 14 14 14 14 14 14 14 14 14 14 14 14 14 "
     "14 14 14 14 14 14 14 14 14 14 14 14 14 14 14 14"),
    ("camera", "Apple iPhone 5",
     "metadata-extractor-images/jpg/Apple iPhone 5.jpg",
     "1 1 1 1 2 4 5 6 1 1 1 1 2 5 6 5 "
     "1 1 1 2 4 5 6 5 1 1 2 2 5 8 8 6 "
     "1 2 3 5 6 10 10 7 2 3 5 6 8 10 11 9 "
     "4 6 7 8 10 12 12 10 7 9 9 9 11 10 10 9",
     "1 1 2 4 9 9 9 9 1 2 2 6 9 9 9 9 "
     "2 2 5 9 9 9 9 9 4 6 9 9 9 9 9 9 "
     "9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 "
     "9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9"),
    ("camera", "Apple iPhone 5s, Apple iPhone 6",
     "exif-samples/jpg/hdr/iphone_hdr_YES.jpg",
     "1 1 1 2 3 4 5 6 1 1 1 2 3 4 5 6 "
     "1 1 2 3 4 5 6 7 2 2 3 4 5 6 7 8 "
     "3 3 4 5 6 7 8 9 4 4 5 6 7 8 9 9 "
     "5 5 6 7 8 9 9 9 6 6 7 8 9 9 9 9",
     "1 1 2 4 9 9 9 9 1 2 2 6 9 9 9 9 "
     "2 2 5 9 9 9 9 9 4 6 9 9 9 9 9 9 "
     "9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 "
     "9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9"),
    ("camera", "Casio EX-S1",
     "metadata-extractor-images/jpg/Casio EX-S1.jpg",
     "1 1 1 1 1 2 3 4 1 1 1 1 1 3 3 4 "
     "1 1 1 1 2 3 4 4 1 1 1 2 3 5 5 4 "
     "1 1 2 3 4 7 7 5 1 2 3 4 5 7 7 6 "
     "3 4 4 6 7 8 8 7 4 5 6 6 7 7 7 6",
     "1 1 1 3 6 6 6 6 1 1 1 4 6 6 6 6 "
     "1 1 3 6 6 6 6 6 3 4 6 6 6 6 6 6 "
     "6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 "
     "6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6"),
    ("camera", "Canon DIGITAL IXUS",
     "exif-samples/jpg/exif-org/canon-ixus.jpg",
     "1 1 1 2 3 6 8 10 1 1 2 3 4 8 9 8 "
     "2 2 2 3 6 8 10 8 2 2 3 4 7 12 11 9 "
     "3 3 8 11 10 16 15 11 3 5 8 10 12 15 16 13 "
     "7 10 11 12 15 17 17 14 14 13 13 15 15 14 14 14",
     "4 4 5 9 15 176 26 26 4 4 5 10 19 176 26 26 "
     "5 5 8 9 26 26 26 26 9 10 9 13 26 26 26 26 "
     "15 19 26 26 26 26 26 26 176 176 26 26 26 26 26 26 "
     "26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26"),
    ("camera",
     "Canon PowerShot A20, Canon PowerShot A40, Canon PowerShot S30, Canon PowerShot SX60 HS",
     "exif-samples/jpg/hdr/canon_hdr_YES.jpg",
     "1 1 1 2 3 6 8 10 1 1 2 3 4 8 9 8 "
     "2 2 2 3 6 8 10 8 2 2 3 4 7 12 11 9 "
     "3 3 8 11 10 16 15 11 3 5 8 10 12 15 16 13 "
     "7 10 11 12 15 17 17 14 14 13 13 15 15 14 14 14",
     "4 4 5 9 15 26 26 26 4 4 5 10 19 26 26 26 "
     "5 5 8 9 26 26 26 26 9 10 9 13 26 26 26 26 "
     "15 19 26 26 26 26 26 26 26 26 26 26 26 26 26 26 "
     "26 26 26 26 26 26 26 26 26 26 26 26 26 26 26 26"),
    ("camera", "Canon PowerShot S230, Canon PowerShot S40",
     "metadata-extractor-images/jpg/Canon PowerShot S230.jpg",
     "1 1 1 1 1 2 3 3 1 1 1 1 1 3 3 3 "
     "1 1 1 1 2 3 3 3 1 1 1 1 2 4 4 3 "
     "1 1 3 4 4 6 6 4 1 2 3 3 4 5 6 5 "
     "2 3 4 4 5 6 6 5 5 5 5 5 5 5 5 5",
     "1 1 2 4 6 11 11 11 1 1 2 4 8 11 11 11 "
     "2 2 3 4 11 11 11 11 4 4 4 5 11 11 11 11 "
     "6 8 11 11 11 11 11 11 11 11 11 11 11 11 11 11 "
     "11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11"),
    ("camera", "Kodak DX4330",
     "metadata-extractor-images/jpg/Kodak DX4330.jpg",
     "5 5 5 5 5 6 7 8 5 5 5 5 5 6 7 9 "
     "5 5 5 6 6 7 8 10 5 5 6 7 8 9 10 11 "
     "5 5 6 8 9 11 12 14 6 6 7 9 11 13 15 16 "
     "7 7 8 10 12 15 17 20 8 9 10 11 14 16 20 23",
     "5 5 5 5 5 6 7 9 5 5 5 5 6 6 8 9 "
     "5 5 5 6 6 7 9 10 5 5 6 7 8 9 10 12 "
     "5 6 6 8 10 11 13 14 6 6 7 9 11 13 15 17 "
     "7 8 9 10 13 15 18 20 9 9 10 12 14 17 20 24"),
    ("camera", "Kodak DC210 Zoom",
     "exif-samples/jpg/exif-org/kodak-dc210.jpg",
     "6 6 6 7 9 12 15 19 6 6 7 8 10 13 16 20 "
     "6 7 8 11 13 15 19 23 7 8 11 14 17 20 24 29 "
     "9 10 13 17 22 26 32 38 12 13 15 20 26 34 42 50 "
     "15 16 19 24 32 42 53 66 19 20 23 29 38 50 66 86",
     "6 6 6 7 8 10 13 16 6 6 6 7 9 11 14 17 "
     "6 6 8 9 11 13 16 20 7 7 9 12 15 17 20 24 "
     "8 9 11 15 18 22 26 30 10 11 13 17 22 27 33 39 "
     "13 14 16 20 26 33 41 50 16 17 20 24 30 39 50 63"),
    ("camera", "Fujifilm FinePix 4900 Zoom",
     "metadata-extractor-images/jpg/FujiFilm FinePix4900Zoom.jpg",
     "45 31 28 45 68 113 144 173 34 34 39 53 73 164 170 156 "
     "39 36 45 68 113 161 195 158 39 48 62 82 144 247 227 176 "
     "51 62 105 158 193 255 255 218 68 99 156 181 229 255 255 255 "
     "139 181 221 247 255 255 255 255 204 255 255 255 255 255 255 255",
     "48 51 68 133 187 255 255 255 51 59 73 187 255 255 255 255 "
     "68 73 158 255 255 255 255 255 133 187 255 255 255 255 255 255 "
     "255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 "
     "255 255 255 255 255 255 255 255 255 255 255 255 255 255 255 255"),
    ("camera", "HP PhotoSmart 735",
     "metadata-extractor-images/jpg/HP PhotoSmart 735.jpg",
     "1 1 1 1 2 4 5 5 1 1 1 2 2 5 5 5 "
     "1 1 1 2 4 5 6 5 1 2 2 3 5 8 7 6 "
     "2 2 3 5 6 10 9 7 2 3 5 6 7 9 10 8 "
     "4 6 7 8 9 11 11 9 6 8 9 9 10 9 9 9",
     "2 2 2 4 9 9 9 9 2 2 2 6 9 9 9 9 "
     "2 2 5 9 9 9 9 9 4 6 9 9 9 9 9 9 "
     "9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 "
     "9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9"),
    ("camera", "Kodak PIXPRO FZ201",
     "metadata-extractor-images/jpg/Kodak PIXPRO FZ201.jpg",
     "1 1 1 1 1 1 1 2 1 1 1 1 1 2 2 1 "
     "1 1 1 1 1 2 2 2 1 1 1 1 1 2 2 2 "
     "1 1 1 2 2 3 3 2 1 1 1 2 2 3 3 2 "
     "1 2 2 2 3 3 3 3 2 2 3 3 3 3 3 3",
     "1 1 1 1 3 3 3 3 1 1 1 2 3 3 3 3 "
     "1 1 2 3 3 3 3 3 1 2 3 3 3 3 3 3 "
     "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 "
     "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3"),
    ("camera", "JVC GR-DV2000",
     "metadata-extractor-images/jpg/JVC GR-DC2000.jpg",
     "1 1 1 1 1 1 2 2 1 1 1 1 1 2 2 2 "
     "1 1 1 1 1 2 2 2 1 1 1 1 2 3 3 2 "
     "1 1 1 2 2 3 3 2 1 1 2 2 3 3 4 3 "
     "2 2 2 3 3 4 4 3 2 3 3 3 4 3 3 3",
     "1 1 1 1 3 3 3 3 1 1 1 2 3 3 3 3 "
     "1 1 2 3 3 3 3 3 1 2 3 3 3 3 3 3 "
     "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 "
     "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3"),
    ("camera", "Konica Q-M100",
     "metadata-extractor-images/jpg/Konica Q-M100 (2).jpg",
     "2 2 2 2 3 3 7 10 2 2 2 2 3 5 9 13 "
     "1 2 2 3 5 8 11 13 2 3 3 4 8 9 12 14 "
     "3 4 6 7 10 11 14 16 6 8 8 12 15 15 17 14 "
     "7 8 10 11 14 16 17 14 9 8 8 9 11 13 14 14",
     "2 3 3 7 14 14 14 14 3 3 4 9 14 14 14 14 "
     "3 4 8 14 14 14 14 14 7 9 14 14 14 14 14 14 "
     "14 14 14 14 14 14 14 14 14 14 14 14 14 14 14 14 "
     "14 14 14 14 14 14 14 14 14 14 14 14 14 14 14 14"),
    ("camera", "Minolta DiMAGE EX",
     "metadata-extractor-images/jpg/Minolta DiMAGE EX.jpg",
     "6 6 6 6 6 7 7 9 6 6 6 6 6 7 8 9 "
     "6 6 6 6 7 8 9 10 6 6 6 7 8 9 10 11 "
     "6 6 7 8 9 10 12 13 7 7 8 9 10 12 14 15 "
     "7 8 9 10 12 14 16 17 9 9 10 11 13 15 17 255",
     "6 6 6 6 6 6 7 8 6 6 6 6 6 6 7 8 "
     "6 6 6 6 6 7 8 9 6 6 6 7 7 8 9 10 "
     "6 6 6 7 8 9 10 11 6 6 7 8 9 11 12 13 "
     "7 7 8 9 10 12 14 15 8 8 9 10 11 13 15 255"),
    ("camera", "Nikon D1X",
     "metadata-extractor-images/jpg/Nikon D1X.jpg",
     "2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 "
     "2 2 2 2 2 2 2 2 2 2 2 2 2 3 3 2 "
     "2 2 2 2 2 4 4 3 2 2 2 2 3 4 4 3 "
     "2 2 3 3 4 4 4 4 2 3 3 3 4 4 4 3",
     "2 2 2 2 3 3 3 3 2 2 2 2 3 3 3 3 "
     "2 2 2 3 3 3 3 3 2 2 3 3 3 3 3 3 "
     "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 "
     "3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3"),
    ("camera", "Nokia 3110c",
     "metadata-extractor-images/jpg/Nokia 3110c (Mobile Phone).jpg",
     "4 3 3 3 4 5 11 17 2 3 3 4 5 8 15 21 "
     "2 3 4 5 8 13 18 22 4 4 5 7 13 15 20 23 "
     "5 6 9 12 16 19 24 26 9 13 13 20 25 24 28 23 "
     "12 14 16 19 24 26 28 24 14 13 13 14 18 21 23 23",
     "4 4 5 11 23 23 23 23 4 5 6 15 23 23 23 23 "
     "5 6 13 23 23 23 23 23 11 15 23 23 23 23 23 23 "
     "23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 "
     "23 23 23 23 23 23 23 23 23 23 23 23 23 23 23 23"),
    ("camera", "Olympus u1020 / S1020",
     "exif-samples/jpg/corrupted.jpg",
     "7 5 5 7 11 17 22 26 6 6 6 8 11 25 26 23 "
     "6 6 7 11 17 24 29 24 6 8 10 13 22 37 34 26 "
     "8 10 16 24 29 46 44 33 11 15 23 27 34 44 48 39 "
     "21 27 33 37 44 51 51 43 31 39 40 41 47 42 44 42",
     "8 8 11 20 42 42 42 42 8 9 11 28 42 42 42 42 "
     "11 11 24 42 42 42 42 42 20 28 42 42 42 42 42 42 "
     "42 42 42 42 42 42 42 42 42 42 42 42 42 42 42 42 "
     "42 42 42 42 42 42 42 42 42 42 42 42 42 42 42 42"),
    ("camera", "Pentax Optio S4i",
     "metadata-extractor-images/jpg/Pentax Optio S4i.jpg",
     "5 3 3 5 7 13 16 20 3 3 4 6 8 19 19 18 "
     "4 4 5 7 13 18 22 18 4 5 7 9 16 28 26 20 "
     "5 7 12 18 22 35 33 25 7 11 18 21 26 34 37 30 "
     "16 21 25 28 33 39 39 33 23 30 31 32 36 32 33 32",
     "5 5 7 15 21 32 32 32 5 6 8 21 32 32 32 32 "
     "7 8 18 32 32 32 32 32 15 21 32 32 32 32 32 32 "
     "32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 "
     "32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32"),
    ("camera", "Panasonic DMC-LC40",
     "metadata-extractor-images/jpg/Panasonic DMC-LC40.jpg",
     "8 8 8 8 8 31 16 47 8 8 8 16 16 23 47 54 "
     "8 8 16 16 23 39 62 62 8 8 16 23 39 47 54 62 "
     "23 16 16 39 47 54 70 78 16 31 31 47 54 70 78 78 "
     "39 39 54 70 39 54 70 70 39 39 47 70 78 70 62 70",
     "16 16 16 16 47 70 70 70 8 16 31 70 70 70 70 70 "
     "16 31 47 70 70 70 70 70 16 39 70 70 70 70 70 70 "
     "70 70 70 70 70 70 70 70 70 70 70 70 70 70 70 70 "
     "70 70 70 70 70 70 70 70 70 70 70 70 70 70 70 70"),
    ("camera", "Panasonic NV-GX7",
     "metadata-extractor-images/jpg/Panasonic NV-GX7.jpg",
     "1 1 1 1 2 3 4 5 1 1 1 2 2 5 7 5 "
     "1 1 1 2 3 5 6 5 1 1 2 2 4 7 7 7 "
     "2 2 3 5 6 9 9 7 2 3 5 6 7 9 10 8 "
     "4 6 7 7 9 10 10 9 6 8 8 8 10 9 9 9",
     "1 2 2 4 9 9 9 9 2 2 2 6 9 9 9 9 "
     "2 2 5 9 9 9 9 9 4 6 9 9 9 9 9 9 "
     "9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 "
     "9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9"),
    ("camera", "Reconyx HF2 Pro Covert",
     "metadata-extractor-images/jpg/Reconyx HF2 Pro Covert.jpg",
     "8 6 5 8 12 20 25 30 6 6 7 9 13 29 30 27 "
     "7 6 8 12 20 28 34 28 7 8 11 14 25 43 40 31 "
     "9 11 18 28 34 54 51 38 12 17 27 32 40 52 56 46 "
     "24 32 39 43 51 60 60 50 36 46 47 49 56 50 51 50",
     "8 9 12 23 50 50 50 50 9 10 13 33 50 50 50 50 "
     "12 13 28 50 50 50 50 50 23 33 50 50 50 50 50 50 "
     "49 50 50 50 50 50 50 50 50 50 50 50 50 50 50 50 "
     "50 50 50 50 50 50 50 50 50 50 50 50 50 50 50 50"),
    ("camera", "Ricoh DC-3Z",
     "metadata-extractor-images/jpg/Ricoh DC-3Z (low res).jpg",
     "36 24 22 36 54 90 114 137 27 27 31 42 58 130 135 123 "
     "31 29 36 54 90 128 155 126 31 38 49 65 114 195 180 139 "
     "40 49 83 126 153 245 231 173 54 78 123 144 182 234 254 207 "
     "110 144 175 195 231 255 255 227 162 207 213 220 252 225 231 222",
     "38 40 54 105 222 222 222 222 40 47 58 148 222 222 222 222 "
     "54 58 126 222 222 222 222 222 105 148 222 222 222 222 222 222 "
     "222 222 222 222 222 222 222 222 222 222 222 222 222 222 222 222 "
     "222 222 222 222 222 222 222 222 222 222 222 222 222 222 222 222"),
    ("camera", "Sony Cyber-shot",
     "metadata-extractor-images/jpg/Sony Cybershot (3).jpg",
     "12 8 8 12 17 21 24 17 8 9 9 11 15 19 12 12 "
     "8 9 10 12 19 12 12 12 12 11 12 21 12 12 12 12 "
     "17 15 19 12 12 12 12 12 21 19 12 12 12 12 12 12 "
     "24 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12",
     "13 11 13 16 20 20 17 17 11 14 14 14 14 12 12 12 "
     "13 14 14 14 12 12 12 12 16 14 14 12 12 12 12 12 "
     "20 14 12 12 12 12 12 12 20 12 12 12 12 12 12 12 "
     "17 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12"),
    ("camera", "Sony DCR-PC110E",
     "metadata-extractor-images/jpg/Sony DCR-PC110E (2).jpg",
     "5 3 3 5 8 13 17 20 4 4 4 6 8 19 20 18 "
     "4 4 5 8 13 19 23 19 4 5 7 9 17 29 27 21 "
     "6 7 12 19 23 37 35 26 8 12 18 22 27 35 38 31 "
     "16 22 26 29 35 41 41 34 24 31 32 33 38 34 35 34",
     "5 6 8 16 34 34 34 34 6 7 8 22 34 34 34 34 "
     "8 8 19 34 34 34 34 34 16 22 34 34 34 34 34 34 "
     "34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 "
     "34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34"),
    ("camera", "Traveler SX330Z",
     "metadata-extractor-images/jpg/Traveler SX330Z.jpg",
     "4 3 3 4 6 10 13 15 3 3 4 5 7 15 15 14 "
     "4 3 4 6 10 14 17 14 4 4 6 7 13 22 20 16 "
     "5 6 9 14 17 27 26 19 6 9 14 16 20 26 28 23 "
     "12 16 20 22 26 30 30 25 18 23 24 25 28 25 26 25",
     "4 5 6 12 25 25 25 25 5 5 7 17 25 25 25 25 "
     "6 7 14 25 25 25 25 25 12 17 25 25 25 25 25 25 "
     "25 25 25 25 25 25 25 25 25 25 25 25 25 25 25 25 "
     "25 25 25 25 25 25 25 25 25 25 25 25 25 25 25 25"),
    ("camera", "Trust PowerCam Zoom LCD 710",
     "metadata-extractor-images/jpg/Trust PowerCam Zoom LCD 710.JPG",
     "5 3 3 5 7 12 15 18 4 4 4 6 8 17 18 17 "
     "4 4 5 7 12 17 18 17 4 5 7 9 15 26 24 19 "
     "5 7 11 17 20 33 31 23 7 11 17 19 24 31 34 28 "
     "15 19 23 26 31 36 36 30 22 28 29 29 34 30 31 30",
     "5 5 7 14 30 30 30 30 5 6 8 20 30 30 30 30 "
     "7 8 17 30 30 30 30 30 14 20 30 30 30 30 30 30 "
     "30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 "
     "30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30"),
    ("editor", "ACD Systems Digital Imaging",
     "metadata-extractor-images/jpg/Canon IXUS 400.jpg",
     "7 4 4 7 10 17 22 26 5 5 6 8 11 25 26 24 "
     "6 5 7 10 17 24 30 24 6 7 9 12 22 38 35 27 "
     "7 9 16 24 29 47 45 33 10 15 24 28 35 45 49 40 "
     "21 28 34 38 45 52 52 44 31 40 41 42 49 43 45 43",
     "11 11 15 30 64 64 64 64 11 13 17 43 64 64 64 64 "
     "15 17 36 64 64 64 64 64 30 43 64 64 64 64 64 64 "
     "64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 "
     "64 64 64 64 64 64 64 64 64 64 64 64 64 64 64 64"),
    ("editor", "Adobe Photoshop 7.0",
     "exiftool/t/images/GPS.jpg",
     "3 2 2 3 5 7 9 11 3 3 3 4 5 10 11 10 "
     "3 3 3 5 7 10 12 10 3 3 4 5 9 15 14 11 "
     "4 4 7 10 12 19 18 13 5 6 10 11 14 18 19 16 "
     "9 11 14 15 18 21 21 17 13 16 16 17 19 17 18 17",
     "3 4 5 8 17 17 17 17 4 4 5 12 17 17 17 17 "
     "5 5 10 17 17 17 17 17 8 12 17 17 17 17 17 17 "
     "17 17 17 17 17 17 17 17 17 17 17 17 17 17 17 17 "
     "17 17 17 17 17 17 17 17 17 17 17 17 17 17 17 17"),
    ("editor", "Adobe Photoshop CS2 Macintosh",
     "exif-samples/jpg/xmp/BlueSquare.jpg",
     "32 33 51 81 66 39 34 17 33 36 48 47 28 23 12 12 "
     "51 48 47 28 23 12 12 12 81 47 28 23 12 12 12 12 "
     "66 28 23 12 12 12 12 12 39 23 12 12 12 12 12 12 "
     "34 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12",
     "34 51 52 34 20 20 17 17 51 38 24 14 14 12 12 12 "
     "52 24 14 14 12 12 12 12 34 14 14 12 12 12 12 12 "
     "20 14 12 12 12 12 12 12 20 12 12 12 12 12 12 12 "
     "17 12 12 12 12 12 12 12 17 12 12 12 12 12 12 12"),
    ("editor", "QuickTime 6.0.2",
     "metadata-extractor-images/jpg/Canon PowerShot S330.jpg",
     "7 5 5 7 10 17 21 25 5 5 6 8 11 24 25 23 "
     "6 6 7 10 17 23 28 23 6 7 9 12 21 35 33 25 "
     "8 9 15 23 28 44 42 31 10 15 23 26 33 42 46 37 "
     "20 26 32 35 42 49 49 41 29 37 39 40 45 41 42 40",
     "7 8 10 19 40 40 40 40 8 9 11 27 40 40 40 40 "
     "10 11 23 40 40 40 40 40 19 27 40 40 40 40 40 40 "
     "40 40 40 40 40 40 40 40 40 40 40 40 40 40 40 40 "
     "40 40 40 40 40 40 40 40 40 40 40 40 40 40 40 40"),
)
