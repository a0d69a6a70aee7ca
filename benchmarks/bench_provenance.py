"""What reading Content Credentials costs, against the bare c2pa-python Reader, in one run.

    .venv/bin/python benchmarks/bench_provenance.py [--rounds 5]

Files: every real JPEG under ../shared/media/exif-samples/jpg and metadata-extractor-images/jpg
(none carries Content Credentials), and signed copies of the first 40 of them and of the real MP4s
(signed here with an ES256 chain made with `cryptography`, no time stamp). For each set:
  - peer: c2pa.Reader with the same offline settings, then .json(): the least any caller pays;
  - ours: verifier.provenance.read_credentials (the same read, plus the records and plain words);
  - the whole verifier.media.metadata.extract() (which includes that read), and the share of it
    the credentials take.
And the cold start: `import c2pa` in a fresh interpreter against `python -c pass`.
Times are the fastest of interleaved rounds (the machine is shared); the ratios are the figures
to read.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"
sys.path.insert(0, str(ROOT))

import c2pa  # noqa: E402

from tests.c2pa_chain import make_chain  # noqa: E402
from verifier.media import metadata  # noqa: E402
from verifier.provenance import read_credentials  # noqa: E402

SETTINGS = {"verify": {"verify_after_reading": True, "verify_trust": True,
                       "remote_manifest_fetch": False, "ocsp_fetch": False}}


def sign_copies(files: list[Path], out: Path, mime: str) -> list[Path]:
    chain, key, _root = make_chain("Bench Signer", "Bench", "Bench Root")
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key,
                                                       None))
    context = c2pa.Context.from_dict(SETTINGS | {"builder": {"thumbnail": {"enabled": False}}})
    signed = []
    for i, src in enumerate(files):
        manifest = {"claim_generator_info": [{"name": "bench", "version": "1"}],
                    "title": src.name, "assertions": [{"label": "c2pa.actions", "data": {
                        "actions": [{"action": "c2pa.created", "digitalSourceType":
                                     "http://cv.iptc.org/newscodes/digitalsourcetype/"
                                     "digitalCapture"},
                                    {"action": "c2pa.edited"}]}}]}
        dst = out / f"{i:03d}{src.suffix.lower()}"
        try:
            with c2pa.Builder(manifest, context=context) as builder, src.open("rb") as s, \
                    dst.open("w+b") as d:
                builder.sign(signer, mime, s, d)
            signed.append(dst)
        except c2pa.C2paError as exc:  # a few fuzzed or odd files cannot be signed
            print(f"  not signed: {src.name}: {str(exc)[:80]}", file=sys.stderr)
            dst.unlink(missing_ok=True)
    return signed


def peer_read(path: Path, mime: str) -> None:
    context = c2pa.Context.from_dict(SETTINGS)
    with path.open("rb") as fh:
        try:
            reader = c2pa.Reader(mime, fh, context=context)
        except c2pa.C2paError:
            return
        reader.json()
        reader.close()


def ours_read(path: Path, mime: str) -> None:
    read_credentials(path, mime)


def timed(fn: Callable[[Path, str], None], files: list[tuple[Path, str]]) -> float:
    start = time.perf_counter()
    for path, mime in files:
        fn(path, mime)
    return time.perf_counter() - start


def extract_all(path: Path, mime: str) -> None:
    metadata.extract(path)


def cold_import() -> tuple[float, float]:
    def run(code: str) -> float:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)
    return run("pass"), run("import c2pa")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    jpegs = sorted(p for folder in ("exif-samples/jpg", "metadata-extractor-images/jpg")
                   for p in (MEDIA / folder).glob("*.jpg"))
    mp4s = [*sorted((MEDIA / "metadata-extractor-images/mp4").glob("*.mp4")),
            MEDIA / "PySceneDetect/tests/resources/testvideo.mp4"]
    if not jpegs:
        print("../shared/media is absent", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        signed_jpegs = sign_copies(jpegs[:40], work, "image/jpeg")
        signed_mp4s = sign_copies([p for p in mp4s if p.exists()], work, "video/mp4")
        sets = {
            f"{len(jpegs)} real JPEGs, no credentials": [(p, "image/jpeg") for p in jpegs],
            f"{len(signed_jpegs)} real JPEGs, signed": [(p, "image/jpeg") for p in signed_jpegs],
            f"{len(signed_mp4s)} real MP4s, signed": [(p, "video/mp4") for p in signed_mp4s],
        }
        states = {str(read_credentials(p, m).state) for p, m in sets[
            f"{len(signed_jpegs)} real JPEGs, signed"]}
        print(f"signed JPEG states: {sorted(states)}")
        rows = []
        for label, files in sets.items():
            for fn in (peer_read, ours_read):  # warm up
                timed(fn, files[:3])
            peer, ours, whole = [], [], []
            for _ in range(args.rounds):
                peer.append(timed(peer_read, files))
                ours.append(timed(ours_read, files))
                whole.append(timed(extract_all, files))
            n = len(files)
            # The fastest round: the machine is shared, and contention only ever adds time.
            p, o, w = min(peer), min(ours), min(whole)
            rows.append((label, 1000 * p / n, 1000 * o / n, o / p, 1000 * w / n, o / w))
    bare, imported = cold_import()
    print()
    print("| files | bare c2pa.Reader ms/file | ours ms/file | ours vs bare | whole extract() "
          "ms/file | credentials' share of extract() |")
    print("|---|---|---|---|---|---|")
    for label, p, o, ratio, whole_ms, share in rows:
        print(f"| {label} | {p:.2f} | {o:.2f} | {ratio:.2f}x | {whole_ms:.1f} | {share:.0%} |")
    print()
    print(f"cold `import c2pa`: {1000 * (imported - bare):.0f} ms over a bare interpreter "
          f"({1000 * bare:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
