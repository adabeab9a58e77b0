"""Typed exceptions. The CLI turns every ActSegError into a one-line message and exit code 1."""


class ActSegError(Exception):
    """Base class of every error this toolkit raises on bad input or bad files."""


class BoundaryError(ActSegError, ValueError):
    """Boundary offsets that break the convention (cut offsets in 1..n-1, sorted, unique)."""


class ParameterError(ActSegError, ValueError):
    """A segmenter parameter outside its valid range."""


class NotFittedError(ActSegError, AttributeError):
    """A segmenter was used before `fit`."""


class CorpusError(ActSegError):
    """A corpus name, split, option or file that cannot be loaded."""


class ChecksumError(CorpusError):
    """A downloaded file whose size or pinned digest does not match."""


class ModelLoadError(ActSegError):
    """A checkpoint directory that is missing, incomplete or corrupt."""
