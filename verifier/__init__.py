"""Media verification workbench: claims, metadata, keyframes, corpus matching, verdicts, reports."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _version() -> str:
    """The one version: pyproject.toml's, through the installed package's metadata (the frozen
    app carries that metadata too); a source tree that was never installed reads pyproject."""
    try:
        return version("verifier")
    except PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            with pyproject.open("rb") as fh:
                return str(tomllib.load(fh)["project"]["version"])
        except (OSError, KeyError, ValueError):
            return "0.0.0+unknown"


__version__ = _version()

APP_NAME = "Verifier workbench"
