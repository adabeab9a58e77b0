"""The Segmenter base class conventions."""

import numpy as np
import pytest

from segment.base import Segmenter
from segment.errors import NotFittedError


class EveryK(Segmenter):
    requires_fit = True

    def __init__(self, k=2):
        self.k = k

    def fit(self, sequences):
        self.n_seen_ = len(sequences)
        return self

    def _predict(self, seq):
        return np.arange(self.k, len(seq), self.k)


def test_params_and_repr():
    s = EveryK(k=3)
    assert s.get_params() == {"k": 3}
    assert s.set_params(k=4).k == 4
    assert repr(s) == "EveryK(k=4)"
    with pytest.raises(ValueError, match="no parameter"):
        s.set_params(j=1)


def test_not_fitted_then_fitted():
    s = EveryK()
    with pytest.raises(NotFittedError):
        s.predict("abcd")
    assert s.fit(["abcd"]) is s
    assert s.predict("abcdef").tolist() == [2, 4]
    assert s.segment("abcde") == ["ab", "cd", "e"]
    assert s.segment(["x", "y", "z"]) == [["x", "y"], ["z"]]
    assert s.boundary_scores("abcde").tolist() == [0, 1, 0, 1]
    assert [b.tolist() for b in s.predict_many(["ab", "", "abc"])] == [[], [], [2]]
