"""Cuts forced around punctuation (the Chinese "split at punctuation first" setting)."""

import numpy as np

from segment.baselines import OracleRateRandomSegmenter, RandomSegmenter, TransitionalProbability
from segment.punctuation_split import PunctuationSplit, punctuation_cuts


def test_cuts_fall_before_and_after_every_mark_inside_the_unit():
    assert punctuation_cuts("我们，去北京。").tolist() == [2, 3, 6]  # none at the unit's end
    assert punctuation_cuts("“好”").tolist() == [1, 2]
    assert punctuation_cuts("abc").tolist() == [] and punctuation_cuts(("ab", ",", "c")).tolist() == [1, 2]
    assert punctuation_cuts(("ab", ",,", "c")).tolist() == []  # a symbol of several characters is no mark


def test_the_wrapped_segmenters_cuts_are_kept_and_its_labels_and_fitting_pass_through():
    units = ["我们，去北京。", "他说：好的", "北京很大"]
    inner = TransitionalProbability("forward", "relative")
    split = PunctuationSplit(inner)
    assert split.requires_fit and not split.is_fitted()
    split.fit(units)
    assert inner.is_fitted() and split.is_fitted()
    for unit, cuts, own in zip(units, split.predict_many(units), inner.predict_many(units)):
        assert cuts.tolist() == np.union1d(own, punctuation_cuts(unit)).tolist()
        assert cuts.tolist() == split.predict(unit).tolist()
    oracle = PunctuationSplit(OracleRateRandomSegmenter()).fit(units, boundaries=[np.array([2]), np.array([1]), []])
    assert oracle.uses_gold and oracle.is_fitted() and {2, 3, 6} <= set(oracle.predict(units[0]).tolist())
    never = PunctuationSplit(RandomSegmenter(p=0.0))
    assert never.predict("我们，去北京。").tolist() == [2, 3, 6] and not never.uses_lexicon
