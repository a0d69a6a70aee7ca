"""Imports the heavy analysis modules in a background thread once the window is up.

The window starts without the decoders (PyAV, OpenCV, FAISS, the report renderers); the first
job would otherwise import them on the GUI thread and freeze it for a few hundred ms."""

from __future__ import annotations

import importlib
import logging
import threading
import time

log = logging.getLogger(__name__)

PAUSE = 0.02

# What the jobs import on first use (found by diffing sys.modules around a check, an ingest, a
# match, keyframes and each export); a module missing from a build is only logged.
MODULES = (
    "verifier.services",
    "verifier.media.keyframes",
    "verifier.media.metadata",
    "verifier.corpus",
    "verifier.corpus.ingest",
    "verifier.matching.search",
    "verifier.matching.overlay",
    "verifier.matching.preprocess",
    "verifier.provenance.reader",
    "verifier.verdicts",
    "verifier.reports.html",
    "verifier.reports.pdf",
    "verifier.reports.json_export",
    "verifier.reports.claimreview",
)


def _import_all(modules: tuple[str, ...]) -> None:
    started = time.perf_counter()
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # a broken optional module shows up when it is used, not here
            log.warning("warm-up import of %s failed", name, exc_info=True)
        time.sleep(PAUSE)  # let the GUI thread have the interpreter between modules
    log.info("analysis modules imported in the background in %.2f s",
             time.perf_counter() - started)


def warm_up(modules: tuple[str, ...] = MODULES) -> threading.Thread:
    thread = threading.Thread(target=_import_all, args=(modules,), name="import-warm-up",
                              daemon=True)
    thread.start()
    return thread
