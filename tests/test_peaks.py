"""Peak segmentation on synthetic signals whose peaks are known."""

import numpy as np
import pytest

from segment.boundaries import from_spaced
from segment.errors import NotFittedError, ParameterError
from segment.peaks import PeakSegmenter, SignalPeakSegmenter, align_signal, peak_boundaries, robust_center_scale


def spike_signal(n: int, peaks, base: float = 1.0, value: float = 3.0) -> np.ndarray:
    signal = np.full(n, base)
    signal[list(peaks)] = value
    return signal


def test_offset_zero_cuts_before_the_peak_and_offset_one_after():
    signal = spike_signal(10, [3, 6])
    assert peak_boundaries(signal, offset=0).tolist() == [3, 6]
    assert peak_boundaries(signal, offset=1).tolist() == [4, 7]


def test_cuts_outside_the_sequence_are_dropped_and_edge_peaks_found():
    signal = spike_signal(6, [0, 5])
    assert peak_boundaries(signal, offset=0).tolist() == [5]  # a peak at 0 would cut at 0: dropped
    assert peak_boundaries(signal, offset=1).tolist() == [1]  # a peak at n-1 would cut at n: dropped


@pytest.mark.parametrize("n", [0, 1])
def test_too_short_signals_have_no_cuts(n):
    assert peak_boundaries(np.ones(n)).tolist() == []


def test_find_peaks_parameters_are_passed_through():
    signal = np.array([0, 5, 0, 2, 0, 4, 0, 0.0])
    assert peak_boundaries(signal).tolist() == [1, 3, 5]
    assert peak_boundaries(signal, height=3).tolist() == [1, 5]
    assert peak_boundaries(signal, prominence=3).tolist() == [1, 5]
    assert peak_boundaries(signal, distance=4).tolist() == [1, 5]


def test_bad_offset_is_rejected():
    with pytest.raises(ParameterError, match="offset must be 0"):
        peak_boundaries(np.ones(4), offset=2)


def test_robust_center_scale_falls_back_to_std_when_mad_is_zero():
    assert robust_center_scale(np.array([1.0, 2.0, 3.0])) == (2.0, pytest.approx(1.4826))
    center, scale = robust_center_scale(np.array([0.0, 0, 0, 0, 4]))
    assert center == 0.0 and scale == pytest.approx(np.std([0, 0, 0, 0, 4]))


def test_align_signal():
    signal = np.arange(5.0)
    assert align_signal(signal, 0).tolist() == [1, 2, 3, 4]
    assert align_signal(signal, 1).tolist() == [0, 1, 2, 3]


LEVELS_SIGNAL = np.array([1, 3, 1, 1, 9, 1, 2, 1, 3.5, 1])  # peaks at 1, 4, 6, 8; 4 is the big one


@pytest.mark.parametrize("threshold,height,sentence_height", [
    ("fixed", 2.5, 5.0), ("quantile", 0.75, 0.95), ("zscore", 0.5, 2.0)])
def test_threshold_modes_and_two_levels(threshold, height, sentence_height):
    seg = SignalPeakSegmenter(LEVELS_SIGNAL, threshold=threshold, height=height,
                              sentence_height=sentence_height)
    seq = "abcdefghij"
    assert seg.predict_levels(seq)["word"].tolist() == [1, 4, 8]
    assert seg.predict_levels(seq)["sentence"].tolist() == [4]
    assert seg.predict(seq).tolist() == [1, 4, 8]
    assert seg.set_params(level="sentence").predict(seq).tolist() == [4]


def test_no_sentence_threshold_means_no_sentence_cuts():
    assert SignalPeakSegmenter(LEVELS_SIGNAL).predict_levels("abcdefghij")["sentence"].tolist() == []


def test_scope_fit_uses_the_pooled_distribution_of_the_fit_data():
    seg = SignalPeakSegmenter(lambda s: np.array([ord(c) - 96 for c in s], dtype=float),
                              threshold="quantile", height=0.5, scope="fit")
    with pytest.raises(NotFittedError):
        seg.predict("abcab")
    seg.fit(["abcabc", "aaaaa"])  # pooled values: 7 x 1, 2 x 2, 2 x 3 -> median 1
    assert seg.predict("acaca").tolist() == [1, 3]  # peaks "c" (3) pass the median (1)
    seg.set_params(height=0.9)  # ~ 2.9
    assert seg.predict("acaba").tolist() == [1]


def test_boundary_scores_is_the_aligned_signal():
    signal = np.array([0.1, 0.9, 0.2, 0.8])
    assert SignalPeakSegmenter(signal).boundary_scores("abcd").tolist() == [0.9, 0.2, 0.8]
    assert SignalPeakSegmenter(signal, offset=1).boundary_scores("abcd").tolist() == [0.1, 0.9, 0.2]


def test_precomputed_signal_must_match_the_sequence_length():
    with pytest.raises(ValueError, match="3 values"):
        SignalPeakSegmenter([1.0, 2.0, 1.0]).predict("abcd")


def test_invalid_options_are_rejected():
    with pytest.raises(ValueError, match="threshold"):
        SignalPeakSegmenter([1.0, 2.0, 1.0], threshold="otsu").predict("abc")


def test_segment_returns_pieces_of_the_input_kind():
    signal = spike_signal(6, [2, 4])
    assert SignalPeakSegmenter(signal).segment("abcdef") == ["ab", "cd", "ef"]
    phones = ["a", "b", "ch", "d", "e", "f"]
    assert SignalPeakSegmenter(signal).segment(phones) == [["a", "b"], ["ch", "d"], ["e", "f"]]


class FirstLetterSignal(PeakSegmenter):
    """A stand-in for a model that 'ponders' on the first symbol of each word, with noise elsewhere."""

    def __init__(self, word_starts: dict, *, offset: int = 0, height=None):
        super().__init__(offset=offset, height=height)
        self.word_starts = word_starts

    def signal(self, seq):
        rng = np.random.default_rng(len(seq))
        signal = rng.uniform(0.0, 0.5, len(seq))
        for start in self.word_starts[seq]:
            signal[start] += 1.0
        return signal


def test_calibrate_finds_the_offset_and_a_height_that_recover_the_gold():
    units = ["the cat sat on the mat", "my dog ran up the hill", "we saw it"]  # no adjacent starts
    sequences, references = zip(*(from_spaced(u) for u in units))
    starts = {seq: [0, *ref.tolist()] for seq, ref in zip(sequences, references)}
    seg = FirstLetterSignal(starts, offset=1)
    seg.calibrate(list(sequences), list(references))
    assert seg.offset == 0
    assert seg.calibration_["score"] == 1.0
    assert seg.calibration_["units"] == 3
    assert seg.calibration_["params"] == {"offset": 0, "height": seg.height}
    assert [seg.predict(s).tolist() for s in sequences] == [r.tolist() for r in references]


def test_calibrate_with_an_explicit_grid_and_unknown_names():
    seq, ref = from_spaced("ab cd ef")
    seg = SignalPeakSegmenter(spike_signal(6, [2, 4]), offset=1)
    seg.calibrate([seq], [ref], grid={"offset": [1, 0]})
    assert seg.offset == 0 and seg.calibration_["score"] == 1.0
    with pytest.raises(ValueError, match="unknown"):
        seg.calibrate([seq], [ref], grid={"alpha": [1]})
    with pytest.raises(ValueError, match="no candidate"):
        seg.calibrate([seq], [ref], grid={"offset": []})


def test_params_of_subclasses_include_the_peak_parameters():
    seg = SignalPeakSegmenter([1.0], height=2.0, offset=1)
    params = seg.get_params()
    assert params["source"] == [1.0] and params["height"] == 2.0 and params["offset"] == 1
    assert list(params)[0] == "source" and "sentence_height" in params
    assert SignalPeakSegmenter(**params).get_params() == params
    with pytest.raises(TypeError):
        SignalPeakSegmenter([1.0], hieght=2.0)
    with pytest.raises(TypeError):  # peak parameters are keyword-only
        SignalPeakSegmenter([1.0], 2.0)


def test_quantile_thresholds_outside_0_1_are_a_parameter_error():
    with pytest.raises(ParameterError, match="must lie in"):
        SignalPeakSegmenter(np.array([0.0, 1.0, 0.0]), threshold="quantile", height=2.0).predict("abc")
    fine = SignalPeakSegmenter(np.array([0.0, 1.0, 0.0]), threshold="quantile", height=0.5)
    assert fine.predict("abc").tolist() == [1]
