"""act-segment: segment boundaries from the ponder time of an Adaptive Computation Time language model."""

from segment.base import Segmenter
from segment.boundaries import (check_boundaries, from_bits, from_lengths, from_segments, from_spaced,
                                to_bits, to_lengths, to_segments, to_spaced)
from segment.errors import (ActSegError, BoundaryError, ChecksumError, CorpusError, ModelLoadError,
                            NotFittedError, ParameterError)

__version__ = "0.1.0"

__all__ = [
    "ActSegError", "BoundaryError", "ChecksumError", "CorpusError", "ModelLoadError", "NotFittedError",
    "ParameterError",
    "Segmenter", "check_boundaries", "from_bits", "from_lengths", "from_segments", "from_spaced",
    "to_bits", "to_lengths", "to_segments", "to_spaced",
]
