"""Media verification workbench: claims, metadata, keyframes, corpus matching, verdicts, reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("verifier")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

APP_NAME = "Verifier workbench"
