"""Imported by the ingest pool's forkserver before it forks any worker: every worker then starts
with the imports and one-time set-ups done (see worker.warm_up) instead of paying them on its
first file, in every pool."""

from verifier.corpus.preload_main import import_main
from verifier.corpus.worker import warm_up

import_main()
warm_up()
