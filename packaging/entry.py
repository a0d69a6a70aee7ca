"""Entry point of the frozen app: the same `verifier` command as the installed one; started
without a command (a double-click, the macOS .app, a Start menu shortcut) it opens the window."""

import multiprocessing
import sys

from verifier.cli import main

if __name__ == "__main__":
    # The corpus ingest starts worker processes (forkserver); a frozen executable must let
    # those children run the worker, not the command line again.
    multiprocessing.freeze_support()
    # Finder on older macOS passes a process serial number; it is not a command.
    args = [a for a in sys.argv[1:] if not a.startswith("-psn_")]
    sys.exit(main(args or ["gui"]))
