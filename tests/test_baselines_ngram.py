"""Character n-gram surprisal and branching-entropy peak segmenters."""

import numpy as np
import pytest

from segment.baselines import NgramPeakSegmenter
from segment.baselines.ngram import KneserNeyModel
from segment.boundaries import from_segments
from segment.errors import NotFittedError
from segment.peaks import PeakSegmenter

STATISTICS = ["surprisal", "bentropy-forward", "bentropy-backward", "bentropy-sum"]
LEXICON = ["abc", "de", "fgh", "ij"]  # no symbol shared: inside a word the next symbol is certain


def synthetic_language(units: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    pairs = [from_segments([LEXICON[i] for i in rng.integers(0, len(LEXICON), rng.integers(2, 7))])
             for _ in range(units)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


@pytest.mark.parametrize("statistic", STATISTICS)
@pytest.mark.parametrize("order", [2, 3])
def test_peaks_fall_exactly_on_word_starts(statistic, order):
    sequences, gold = synthetic_language()
    # inside a word the signal is flat up to smoothing (thousandths of a bit), so a word-final symbol can
    # top its neighbour by a hair; a small prominence keeps only the real peaks
    model = NgramPeakSegmenter(statistic, order, prominence=0.1).fit(sequences)
    assert isinstance(model, PeakSegmenter)
    for cuts, ref in zip(model.predict_many(sequences), gold):
        np.testing.assert_array_equal(cuts, ref)


@pytest.mark.parametrize("statistic", STATISTICS)
def test_cutting_after_the_peak_is_wrong(statistic):
    sequences, gold = synthetic_language(units=50)
    model = NgramPeakSegmenter(statistic, 2, offset=1).fit(sequences)
    hits = sum(len(np.intersect1d(c, g)) for c, g in zip(model.predict_many(sequences), gold))
    assert hits < 0.2 * sum(map(len, gold))


def test_branching_entropy_values():
    # after 'a' comes 'b' or 'c' equally often, after 'b'/'c' the unit ends: H(next | a) is 1 bit
    model = NgramPeakSegmenter("bentropy-forward", 2).fit(["ab", "ac"] * 200)
    forward = model.signal("ab")
    assert forward[1] == pytest.approx(1.0, abs=0.05) and forward[0] < 0.2
    backward = NgramPeakSegmenter("bentropy-backward", 2).fit(["ab", "ac"] * 200).signal("ab")
    assert backward[0] < 0.2 and backward[1] < 0.2  # 'a' follows only B, 'b' follows only 'a'
    total = NgramPeakSegmenter("bentropy-sum", 2).fit(["ab", "ac"] * 200).signal("ab")
    np.testing.assert_allclose(total, forward + backward)


def test_kneser_ney_distributions_are_normalised():
    sequences, _ = synthetic_language(units=30)
    model = NgramPeakSegmenter("surprisal", 4).fit(sequences + ["zz"])
    kn = model.models_[False]
    contexts = np.arange(0, kn.n_codes ** 3, 97)
    np.testing.assert_allclose(kn.distributions(contexts).sum(axis=1), 1.0)
    assert (kn.distributions(contexts) > 0).all()
    with pytest.raises(ValueError, match="order"):
        KneserNeyModel(0, 5)
    with pytest.raises(ValueError, match="overflow"):
        KneserNeyModel(12, 50_000)


def test_shapes_unknown_symbols_tuples_and_errors():
    units = [("th", "e"), ("d", "o", "g"), ("th", "e", "d", "o", "g")]
    model = NgramPeakSegmenter("bentropy-sum", 3).fit(units)
    assert model.signal(("th", "e", "?")).shape == (3,)
    assert model.boundary_scores(("th", "e", "?")).shape == (2,)
    assert [len(c) for c in model.predict_many([(), ("e",)])] == [0, 0]
    assert model.signals([]) == []
    with pytest.raises(NotFittedError):
        NgramPeakSegmenter().predict("abc")
    with pytest.raises(NotFittedError, match="another statistic"):
        NgramPeakSegmenter("surprisal").fit(["abc"]).set_params(statistic="bentropy-backward").predict("abc")
    with pytest.raises(ValueError, match="statistic"):
        NgramPeakSegmenter("perplexity").fit(["abc"])


def test_fit_scope_thresholds_are_available():
    sequences, gold = synthetic_language(units=50)
    model = NgramPeakSegmenter("bentropy-forward", 2, threshold="quantile", height=0.5, scope="fit").fit(sequences)
    for cuts, ref in zip(model.predict_many(sequences), gold):
        np.testing.assert_array_equal(cuts, ref)
