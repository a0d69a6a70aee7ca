"""The ingest's shortcuts give what the long way gives: capture dates as metadata.extract() reads
them, imagehash's colour hash bits, hashes near the query side's, batched writes that keep whole
files only."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.conftest import shared_file
from verifier.corpus import Corpus, ingest
from verifier.corpus.capture import UNSURE, jpeg_capture_time, read_date_tags
from verifier.corpus.worker import DECODE_SIDE, Task, analyse, decode_image, draft_scale
from verifier.matching.hashing import (
    bits_to_int,
    colour_hash_pil,
    hamming,
    hash_copy,
    phash,
    work_image,
)
from verifier.matching.pdq import distance
from verifier.matching.search import _variant, decode_query_image
from verifier.media.metadata import extract

# One file per way extract() finds a capture time, and files with none or broken EXIF.
DATED = [
    "exif-samples/jpg/Canon_40D.jpg",  # EXIF DateTimeOriginal
    "metadata-extractor-images/jpg/Kodak CLAS Digital Film Scanner HR200 (2).jpg",  # Digitized
    "ThreatExchange/pdq/data/reg-test-input/dih/bridge-2-rotate-90.jpg",  # IFD0 DateTime
    "exif-samples/jpg/invalid/image01551.jpg",  # XMP xmp:CreateDate
    "metadata-extractor-images/jpg/Issue 258 (dotnet).jpg",  # XMP photoshop:DateCreated
    "exiftool/t/images/IPTC.jpg",  # IPTC DateCreated
    "metadata-extractor-images/jpg/Issue 614.jpg",  # none
    "exif-samples/jpg/tests/67-0_length_string.jpg",  # odd EXIF strings
    "exif-samples/jpg/corrupted.jpg",
]


@pytest.mark.parametrize("name", DATED)
def test_capture_time_is_what_extract_reports(name: str) -> None:
    path = shared_file(name)
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as img:
        fast = jpeg_capture_time(img, data)
    full = extract(path).value("capture_time")
    assert fast in (UNSURE, full), (fast, full)


def test_ingest_stores_the_date_extract_finds(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in DATED[:6]:
        shutil.copy(shared_file(name), folder / Path(name).name)
    with Corpus(tmp_path / "c.sqlite") as corpus:
        corpus.add([folder], workers=1)
        rows = dict(corpus.conn.execute(
            "SELECT l.path, p.published_at FROM locations l JOIN provenance p"
            " ON p.item_id = l.item_id WHERE p.origin = 'metadata'").fetchall())
    assert len(rows) == 6
    for path, published in rows.items():
        assert published == extract(Path(path)).value("capture_time")


def test_date_tag_reader_survives_hostile_blocks() -> None:
    with Image.open(shared_file("exif-samples/jpg/Canon_40D.jpg")) as img:
        block = img.info["exif"][6:]
    tags = read_date_tags(block)
    assert tags is not None and str(tags[0x9003]).startswith("2008:05:30")
    rng = np.random.default_rng(3)
    for cut in range(0, len(block), 97):
        read_date_tags(block[:cut])  # never raises on a truncated block
    for _ in range(200):
        noisy = bytearray(block)
        for at in rng.integers(0, len(block), 20):
            noisy[int(at)] = int(rng.integers(0, 256))
        read_date_tags(bytes(noisy))
    # An IFD pointing past the end, and one whose entry count runs past it.
    assert read_date_tags(b"II*\x00" + struct.pack("<I", 4000)) is None
    assert read_date_tags(b"MM\x00*" + struct.pack(">IH", 8, 500)) is None


def test_colour_hash_has_imagehash_bits() -> None:
    rng = np.random.default_rng(1)
    pictures = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8),
                np.zeros((40, 40, 3), np.uint8), np.full((30, 50, 3), 255, np.uint8)]
    for name in [*DATED[:4], "imagededup/tests/data/mixed_images/ukbench00120.jpg"]:
        with Image.open(shared_file(name)) as img:
            pictures.append(work_image(np.asarray(img.convert("RGB")), 64))
    saturated = np.zeros((32, 96, 3), np.uint8)
    saturated[:, :, 0] = np.linspace(0, 255, 96)  # hues across the bins, every saturation
    saturated[:, :, 1] = np.arange(32)[:, None] * 8
    pictures.append(saturated)
    for picture in pictures:
        small = Image.fromarray(picture)
        expected = bits_to_int(imagehash.colorhash(small, binbits=3).hash.flatten())
        assert colour_hash_pil(small) == expected


def test_phash_has_imagehash_bits_without_scipy() -> None:
    """Our pHash's DCT is two matrix products (imagehash's imports SciPy's FFT module, 0.2 s at
    every worker server's start): the same bits on real photos, their 64-pixel hash copies,
    noise and flat pictures (whose frequencies are exact zeros in SciPy)."""
    rng = np.random.default_rng(2)
    pictures = [Image.fromarray(rng.integers(0, 256, (48, 64), dtype=np.uint8)),
                Image.new("L", (64, 48), 128), Image.new("RGB", (8, 8), (255, 255, 255)),
                Image.new("L", (100, 100), 0)]
    for name in [*DATED[:6], "imagededup/tests/data/mixed_images/ukbench00120.jpg",
                 "ThreatExchange/pdq/data/reg-test-input/dih/bridge-1-original.jpg"]:
        with Image.open(shared_file(name)) as img:
            rgb = img.convert("RGB")
        pictures += [rgb, hash_copy(work_image(np.asarray(rgb.convert("L"))))]
    for picture in pictures:
        assert phash(picture) == bits_to_int(imagehash.phash(picture).hash.flatten())


def test_the_worker_server_starts_without_scipy() -> None:
    code = ("import sys; import verifier.corpus.worker as w; w.warm_up(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]", out.stdout[:300]


def test_draft_scale_keeps_the_decode_side() -> None:
    assert draft_scale(4000, 3000) == 8 and draft_scale(1280, 960) == 4
    assert draft_scale(640, 480) == 2 and draft_scale(500, 400) == 1
    assert draft_scale(5000, 6) == 4  # never more than the short side
    for w, h in ((4000, 3000), (1281, 721), (700, 2600), (330, 330)):
        s = draft_scale(w, h)
        assert -(-max(w, h) // s) >= DECODE_SIDE


def test_decoded_image_is_upright_and_reduced() -> None:
    path = shared_file("exif-samples/jpg/orientation/landscape_6.jpg")
    decoded = decode_image(path, path.read_bytes())
    with Image.open(path) as img:
        w, h = img.size
        upright = np.asarray(img.transpose(Image.Transpose.ROTATE_270).convert("L"))
    assert (decoded.width, decoded.height) == (h, w)  # orientation 6: turned a quarter
    gray = np.asarray(Image.fromarray(decoded.rgb).convert("L").resize(upright.shape[::-1]))
    assert np.abs(gray.astype(int) - upright).mean() < 12  # the same picture, the same way up
    assert max(decoded.rgb.shape[:2]) >= min(DECODE_SIDE, max(w, h))


@pytest.mark.parametrize("n", range(1, 9))
@pytest.mark.parametrize("shape", ["landscape", "portrait"])
def test_every_exif_orientation_turns_as_pillow_turns_it(shape: str, n: int) -> None:
    """decode_image turns the array itself; the pixels must be exif_transpose's, exactly."""
    path = shared_file(f"exif-samples/jpg/orientation/{shape}_{n}.jpg")
    decoded = decode_image(path, path.read_bytes())
    with Image.open(path) as img:
        w, h = img.size
        scale = draft_scale(w, h)
        img.draft("RGB", (w // scale, h // scale))
        expected = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    assert decoded.rgb.shape == expected.shape and np.array_equal(decoded.rgb, expected)
    assert (decoded.width, decoded.height) == ((h, w) if n >= 5 else (w, h))


def test_xmp_without_date_names_is_not_parsed_but_dates_under_any_prefix_are() -> None:
    from verifier.corpus.capture import _may_hold_date

    assert not _may_hold_date(b"<x:xmpmeta><rdf:RDF><rdf:Description dc:format='image/jpeg'/>"
                              b"</rdf:RDF></x:xmpmeta>")
    assert _may_hold_date(b"<x:xmpmeta xap:CreateDate='2017-06-03T10:00:00'/>")
    assert _may_hold_date("<x:xmpmeta/>".encode("utf-16-le"))  # wide text: always parsed


@pytest.mark.parametrize("name", ["exif-samples/jpg/Canon_40D.jpg",
                                  "metadata-extractor-images/jpg/Apple iPhone 4.jpg",
                                  "ThreatExchange/pdq/data/bridge-mods/aaa-orig.jpg",
                                  "imagededup/tests/data/mixed_images/ukbench00120.jpg"])
def test_corpus_hashes_stay_near_the_query_side(name: str) -> None:
    """The corpus decodes at reduced scale and hashes a grey copy; a query of the same file
    (decoded at 640 px, hashed in colour) must land within a few bits."""
    path = shared_file(name)
    result = analyse(Task(str(path), 0, 0.0, 1.0), known=lambda _sha: False)
    assert result.error is None
    stored = result.frames[0].sig
    query = _variant("as given", decode_query_image(path), None)
    assert stored.quality >= 50
    assert distance(stored.pdq, query.pdq[0]) <= 10
    assert hamming(stored.phash, query.phash[0]) <= 4


def test_a_file_failing_mid_batch_is_left_out_whole(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in DATED[:4]:
        shutil.copy(shared_file(name), folder / Path(name).name)
    real = ingest._insert_frames
    calls = {"n": 0}

    def flaky(corpus: Corpus, item_id: int, result: object) -> object:
        calls["n"] += 1
        out = real(corpus, item_id, result)  # type: ignore[arg-type]
        if calls["n"] == 3:
            raise RuntimeError("disk trouble")
        return out

    monkeypatch.setattr(ingest, "_insert_frames", flaky)
    db = tmp_path / "c.sqlite"
    with Corpus(db) as corpus, pytest.raises(RuntimeError):
        corpus.add([folder], workers=1)
    with Corpus(db) as corpus:
        conn = corpus.conn
        # The two files before the failure are kept; nothing of the third was written.
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM locations").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM frames").fetchone()[0] == 2
        monkeypatch.setattr(ingest, "_insert_frames", real)
        report = corpus.add([folder], workers=1)
        assert (report.unchanged, report.added) == (2, 2)


def test_symlinked_and_plain_paths_are_one_location(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    target = folder / "a.jpg"
    shutil.copy(shared_file(DATED[0]), target)
    (folder / "link.jpg").symlink_to(target)
    keys = [key for _path, key in ingest.walk([folder, target], set())]
    assert keys == [str(target.resolve())]
