"""The forkserver's import of the main script, which CPython before 3.13 never does (gh-126631:
the server is not given the script's path). Without it every ingest worker runs the main script
again when it starts: the `verifier` launcher costs each about 10 ms, a script with heavier imports
(PyAV, FAISS) 60 ms or more, on every ingest. Imported once, in the server, the workers inherit it
and skip it, as on 3.13."""

from __future__ import annotations

import os
import sys

# Set by the parent (ingest._pool_context) before the server starts.
MAIN_PATH_VARIABLE = "VERIFIER_FORKSERVER_MAIN"


def import_main() -> None:
    path = os.environ.get(MAIN_PATH_VARIABLE)
    if not path or sys.version_info >= (3, 13) or hasattr(sys.modules["__main__"], "__file__"):
        return
    from multiprocessing import process, spawn

    # As multiprocessing itself does in each worker: a script that would start processes at
    # import (no `if __name__ == "__main__":` guard) gets its clear error instead. The server
    # has no command line: a script that reads its arguments at import fails here, and the
    # workers import it themselves, as before.
    process.current_process()._inheriting = True  # type: ignore[attr-defined]
    argv, sys.argv = sys.argv, [path]
    try:
        spawn.import_main_path(path)
    except (Exception, SystemExit):
        pass
    finally:
        sys.argv = argv
        del process.current_process()._inheriting  # type: ignore[attr-defined]
