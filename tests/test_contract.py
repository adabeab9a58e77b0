"""The Segmenter contract, run over every segmenter in the project (baselines, model segmenters, peaks)."""

import inspect

import numpy as np
import pytest

from segment.base import Segmenter
from segment.baselines import BASELINES
from segment.boundaries import from_spaced
from segment.errors import ActSegError, NotFittedError
from segment.models.config import ACTConfig, TrainConfig
from segment.peaks import PeakSegmenter, SignalPeakSegmenter
from segment.ponder import MODEL_SEGMENTERS, PonderSegmenter
from segment.readout import ReadoutSegmenter

SPACED = ["the cat sat on the mat.", "a dog ran away! the cat sat.", "where is the dog?", "the dog is here."]
FIT, GOLD = map(list, zip(*(from_spaced(s) for s in SPACED)))
TEXTS = ["thecatsatonthemat.", "whereisthecat?thedogishere.", "ab", "zebra!"]
PHONEMES = ["D", "6", "k", "&", "t", "s", "{", "t"]

CASES = ([("baseline", name) for name in BASELINES] + [("model", name) for name in MODEL_SEGMENTERS]
         + [("trained", "act-ponder"), ("signal", "vowel-peaks"), ("readout", "readout")])


def vowel_signal(seq) -> np.ndarray:
    """A per-symbol signal for the generic peak segmenter: 1 on vowels."""
    return np.array([1.0 if str(s)[0] in "aeiou6&{" else 0.0 for s in seq])


@pytest.fixture(scope="module")
def model_dir(save_untrained_model):
    return str(save_untrained_model([*FIT, PHONEMES], seed=3))


@pytest.fixture(params=CASES, ids=[f"{kind}:{name}" for kind, name in CASES])
def make(request, model_dir):
    """A zero-argument factory of a fresh, unfitted segmenter."""
    kind, name = request.param
    factories = {
        "baseline": lambda: BASELINES[name](),
        "model": lambda: MODEL_SEGMENTERS[name](model=model_dir),
        "trained": lambda: PonderSegmenter(
            model_config=ACTConfig(vocab_size=2, hidden=8, max_steps=3),
            train_config=TrainConfig(iterations=2, seq_len=8, batch_size=2, warmup=0, device="cpu", progress=False)),
        "signal": lambda: SignalPeakSegmenter(vowel_signal),
        "readout": lambda: ReadoutSegmenter(model_dir),
    }
    try:
        factories[kind]()
    except ImportError as err:
        pytest.skip(f"{name}: optional dependency missing ({err})")
    return factories[kind]


def fitted(segmenter: Segmenter) -> Segmenter:
    if "boundaries" in inspect.signature(segmenter.fit).parameters:
        result = segmenter.fit(FIT, boundaries=GOLD)
    else:
        result = segmenter.fit(FIT)
    assert result is segmenter
    return segmenter


def test_params_round_trip_and_init_stores_only_params(make):
    segmenter = make()
    params = segmenter.get_params()
    assert set(vars(segmenter)) == set(params)
    clone = type(segmenter)(**params)
    assert clone.get_params() == params
    assert segmenter.set_params(**params) is segmenter
    with pytest.raises(ValueError):
        segmenter.set_params(no_such_parameter=1)


PEAK_PARAMS = [name for name in inspect.signature(PeakSegmenter.__init__).parameters if name != "self"]


def test_peak_segmenters_list_every_peak_parameter_keyword_only(make):
    segmenter = make()
    if not isinstance(segmenter, PeakSegmenter):
        pytest.skip("not a peak segmenter")
    parameters = inspect.signature(type(segmenter).__init__).parameters
    assert all(parameters[name].kind is inspect.Parameter.KEYWORD_ONLY for name in PEAK_PARAMS)
    changed = {"height": 0.5, "prominence": 0.1, "distance": 2, "width": 1.0, "offset": 1, "threshold": "quantile",
               "scope": "fit", "sentence_height": 0.9, "level": "sentence"}
    assert set(changed) == set(PEAK_PARAMS)
    params = {**segmenter.get_params(), **changed}
    assert type(segmenter)(**params).get_params() == params
    assert segmenter.set_params(**changed).get_params() == params


def test_predict_before_fit(make):
    segmenter = make()
    if segmenter.requires_fit:
        with pytest.raises(NotFittedError):
            segmenter.predict(TEXTS[0])
    else:
        assert segmenter.predict(TEXTS[0]).dtype == np.int64


def assert_valid_offsets(cuts: np.ndarray, n: int) -> None:
    assert cuts.dtype == np.int64 and cuts.ndim == 1
    assert np.all(np.diff(cuts) > 0) and (cuts.size == 0 or (cuts[0] >= 1 and cuts[-1] <= n - 1))


def test_predictions_are_valid_sorted_offsets(make):
    segmenter = fitted(make())
    many = segmenter.predict_many(TEXTS)
    assert len(many) == len(TEXTS)
    for text, cuts in zip(TEXTS, many):
        assert_valid_offsets(cuts, len(text))
        assert_valid_offsets(segmenter.predict(text), len(text))


def test_boundary_scores_have_one_score_per_cut(make):
    segmenter = fitted(make())
    for text in TEXTS:
        scores = np.asarray(segmenter.boundary_scores(text), dtype=float)
        assert scores.shape == (len(text) - 1,) and not np.any(np.isnan(scores))


def test_segments_round_trip_for_text_and_symbol_lists(make):
    segmenter = fitted(make())
    for text in TEXTS:
        pieces = segmenter.segment(text)
        assert "".join(pieces) == text and all(isinstance(p, str) and p for p in pieces)
        symbols = list(text)
        segments = segmenter.segment(symbols)
        assert [s for segment in segments for s in segment] == symbols and all(isinstance(s, list) for s in segments)
    try:
        segments = segmenter.segment(PHONEMES)
    except ActSegError:  # text-only readers (lexicons, sentence rules) refuse multi-character symbols
        return
    assert [s for segment in segments for s in segment] == PHONEMES


@pytest.mark.parametrize("seq", ["", "a", [], ["k"]])
def test_empty_and_one_symbol_inputs(make, seq):
    segmenter = fitted(make())
    assert segmenter.predict(seq).tolist() == []
    assert len(segmenter.boundary_scores(seq)) == 0
    assert segmenter.segment(seq) == ([] if len(seq) == 0 else [seq] if isinstance(seq, str) else [list(seq)])
    assert [len(b) for b in segmenter.predict_many([seq, seq])] == [0, 0]


def test_determinism(make):
    first, second = fitted(make()), fitted(make())
    for text in TEXTS:
        assert first.predict(text).tolist() == second.predict(text).tolist() == first.predict(text).tolist()
        np.testing.assert_array_equal(first.boundary_scores(text), second.boundary_scores(text))
