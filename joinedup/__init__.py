"""joinedup: one view of the people and places a council and its partners serve."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("joinedup")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
