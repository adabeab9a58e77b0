"""Hand-computed cases for the word and sentence metrics, and the cross-check against the field's scorer."""

from collections import Counter
from fractions import Fraction

import numpy as np
import pytest

from segment.boundaries import from_spaced
from segment.errors import ActSegError, BoundaryError
from segment.eval import sentence_scores, tolerance_scores, word_scores
from segment.eval.word_metrics import NothingToScoreError


def cuts(*offsets):
    return np.array(offsets, dtype=np.int64)


def assert_prf(scores, prefix, p, r, f):
    got = (scores[f"{prefix}_p"], scores[f"{prefix}_r"], scores[f"{prefix}_f"])
    assert got == pytest.approx((float(p), float(r), float(f)))


def spaced_scores(gold: list[str], hyp: list[str]) -> dict:
    seqs, refs = zip(*(from_spaced(g) for g in gold))
    _, hyps = zip(*(from_spaced(h) for h in hyp))
    return word_scores(reference=list(refs), hypothesis=list(hyps), sequences=list(seqs))


# -- word level ------------------------------------------------------------------------------------
def test_word_scores_mixed_unit():
    s = spaced_scores(["ab cd ef"], ["ab c def"])
    assert_prf(s, "token", Fraction(1, 3), Fraction(1, 3), Fraction(1, 3))
    assert_prf(s, "type", Fraction(1, 3), Fraction(1, 3), Fraction(1, 3))
    assert_prf(s, "boundary_noedge", 0.5, 0.5, 0.5)
    assert_prf(s, "boundary_all", 0.75, 0.75, 0.75)
    assert (s["correct"], s["over"], s["under"], s["mis"]) == (1, 0, 0, 2)


def test_word_scores_micro_average_over_and_under_segmentation():
    s = spaced_scores(["ab ab", "abc"], ["abab", "a b c"])
    assert_prf(s, "token", 0, 0, 0)
    assert_prf(s, "type", 0, 0, 0)
    assert_prf(s, "boundary_noedge", 0, 0, 0)
    assert_prf(s, "boundary_all", Fraction(4, 6), Fraction(4, 5), Fraction(8, 11))
    assert (s["correct"], s["over"], s["under"], s["mis"]) == (0, 1, 2, 0)


def test_word_scores_types_are_counted_once_over_the_corpus():
    s = spaced_scores(["ab ab", "ab c"], ["ab ab", "abc"])
    # gold lexicon {ab, c}, hypothesis lexicon {ab, abc}; tokens: 2 + 0 correct of 3 hyp / 4 gold
    assert_prf(s, "type", 0.5, 0.5, 0.5)
    assert_prf(s, "token", Fraction(2, 3), Fraction(2, 4), Fraction(4, 7))


def test_empty_and_one_symbol_units():
    s = word_scores(reference=[cuts(), cuts(), cuts(1)], hypothesis=[cuts(), cuts(), cuts()],
                    sequences=["", "a", "ab"])
    assert_prf(s, "token", Fraction(1, 2), Fraction(1, 3), Fraction(2, 5))
    assert_prf(s, "type", 0.5, 0.5, 0.5)
    # nothing predicted but something to find: P = R = F = 0
    assert_prf(s, "boundary_noedge", 0, 0, 0)
    # the empty unit has no edges; "a" gives {0, 1} twice; "ab" gives {0, 2} of {0, 1, 2}
    assert_prf(s, "boundary_all", 1, Fraction(4, 5), Fraction(8, 9))
    assert (s["correct"], s["under"]) == (1, 2)


def test_nothing_to_find_and_nothing_found_scores_one():
    s = word_scores(reference=[cuts(), cuts()], hypothesis=[cuts(), cuts()], sequences=["a", "abc"])
    assert_prf(s, "boundary_noedge", 1, 1, 1)
    assert_prf(s, "token", 1, 1, 1)


@pytest.mark.parametrize("sequences", [[], [""], ["", ""]])
def test_no_words_is_nothing_to_score(sequences):
    empty = dict(reference=[cuts()] * len(sequences), hypothesis=[cuts()] * len(sequences), sequences=sequences)
    with pytest.raises(NothingToScoreError, match="nothing to score"):
        word_scores(**empty)
    with pytest.raises(NothingToScoreError):
        tolerance_scores(**empty, k=1)
    assert issubclass(NothingToScoreError, ActSegError) and issubclass(NothingToScoreError, ValueError)


def test_all_boundary_hypothesis():
    s = spaced_scores(["ab cd"], ["a b c d"])
    assert_prf(s, "boundary_noedge", Fraction(1, 3), 1, 0.5)
    assert_prf(s, "token", 0, 0, 0)
    assert (s["over"], s["under"], s["mis"], s["correct"]) == (2, 0, 0, 0)


def test_no_boundary_hypothesis():
    s = spaced_scores(["ab cd"], ["abcd"])
    assert_prf(s, "boundary_noedge", 0, 0, 0)
    assert_prf(s, "boundary_all", 1, Fraction(2, 3), Fraction(4, 5))
    assert (s["over"], s["under"]) == (0, 2)


def test_hypothesis_equal_to_reference_scores_one():
    gold = ["the dog", "a cat sat", "x"]
    s = spaced_scores(gold, gold)
    for metric in ("token", "type", "boundary_all", "boundary_noedge"):
        assert_prf(s, metric, 1, 1, 1)
    assert (s["correct"], s["over"], s["under"], s["mis"]) == (6, 0, 0, 0)


def test_symbol_tuples_give_tuple_words():
    seq = ("dh", "ax", "k", "ae", "t")
    s = word_scores(reference=[cuts(2)], hypothesis=[cuts(2, 3)], sequences=[seq])
    assert_prf(s, "type", Fraction(1, 3), 0.5, 0.4)
    assert_prf(s, "boundary_noedge", 0.5, 1, Fraction(2, 3))


@pytest.mark.parametrize("reference, hypothesis, sequences, message", [
    ([cuts(1)], [cuts(1), cuts()], ["ab"], "same units"),
    ([cuts(1), cuts(2)], [cuts(1), cuts(3)], ["ab", "abc"], "unit 1"),
    ([cuts(0)], [cuts(1)], ["ab"], "1..1"),
    ([cuts(1)], [cuts()], ["a"], "unit 0"),
])
def test_word_scores_rejects_bad_input(reference, hypothesis, sequences, message):
    with pytest.raises(BoundaryError, match=message):
        word_scores(reference=reference, hypothesis=hypothesis, sequences=sequences)


def test_tolerance_window_is_inclusive_and_one_to_one():
    seq = ["x" * 20]
    ref = [cuts(5, 10)]
    hyp = [cuts(4, 6, 12)]
    assert_prf(tolerance_scores(reference=ref, hypothesis=hyp, sequences=seq, k=1),
               "boundary", Fraction(1, 3), 0.5, 0.4)
    assert_prf(tolerance_scores(reference=ref, hypothesis=hyp, sequences=seq, k=2),
               "boundary", Fraction(2, 3), 1, 0.8)
    exact = word_scores(reference=ref, hypothesis=hyp, sequences=seq)
    zero = tolerance_scores(reference=ref, hypothesis=hyp, sequences=seq, k=0)
    assert zero["boundary_f"] == exact["boundary_noedge_f"] == 0.0
    assert_prf(tolerance_scores(reference=[cuts(5)], hypothesis=[cuts(4, 6)], sequences=seq, k=1),
               "boundary", 0.5, 1, Fraction(2, 3))


def test_tolerance_does_not_match_across_units():
    s = tolerance_scores(reference=[cuts(), cuts(1)], hypothesis=[cuts(2), cuts()], sequences=["abc", "ab"],
                         k=5)
    assert_prf(s, "boundary", 0, 0, 0)


def test_tolerance_rejects_negative_window():
    with pytest.raises(ValueError, match="k must be"):
        tolerance_scores(reference=[cuts(1)], hypothesis=[cuts(1)], sequences=["ab"], k=-1)


# -- sentence level --------------------------------------------------------------------------------
def test_sentence_scores_hand_computed():
    s = sentence_scores(reference=[3, 7], hypothesis=[3, 8], n=10)
    assert s["k"] == 2  # mean segment 10/3, half 1.67 -> 2
    assert_prf(s, "boundary", 0.5, 0.5, 0.5)
    # windows {i+1, i+2} for i = 0..7: disagreements at i = 5 ({6,7}) and i = 7 ({8,9})
    assert (s["pk"], s["windowdiff"]) == (0.25, 0.25)


def test_windowdiff_counts_differing_numbers_of_cuts():
    s = sentence_scores(reference=[3, 7], hypothesis=[3, 7, 8], n=10, k=2)
    assert (s["pk"], s["windowdiff"]) == (pytest.approx(1 / 8), pytest.approx(2 / 8))
    assert_prf(s, "boundary", Fraction(2, 3), 1, 0.8)


def test_sentence_scores_perfect_all_and_none():
    perfect = sentence_scores(reference=[4, 9], hypothesis=[4, 9], n=12)
    assert (perfect["boundary_f"], perfect["pk"], perfect["windowdiff"]) == (1.0, 0.0, 0.0)
    everywhere = sentence_scores(reference=[2], hypothesis=range(1, 4), n=4, k=1)
    assert_prf(everywhere, "boundary", Fraction(1, 3), 1, 0.5)
    assert (everywhere["pk"], everywhere["windowdiff"]) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    nothing = sentence_scores(reference=[2], hypothesis=[], n=4, k=1)
    assert_prf(nothing, "boundary", 0, 0, 0)
    assert nothing["pk"] == pytest.approx(1 / 3)


def test_sentence_scores_tolerance_and_tiny_texts():
    assert sentence_scores(reference=[5], hypothesis=[6], n=10, tolerance=1)["boundary_f"] == 1.0
    one = sentence_scores(reference=[], hypothesis=[], n=1)
    assert (one["boundary_f"], one["pk"], one["windowdiff"], one["k"]) == (1.0, 0.0, 0.0, 1)
    with pytest.raises(NothingToScoreError):
        sentence_scores(reference=[], hypothesis=[], n=0)


def test_sentence_scores_rejects_bad_input():
    with pytest.raises(BoundaryError):
        sentence_scores(reference=[10], hypothesis=[], n=10)
    with pytest.raises(ValueError, match="window k"):
        sentence_scores(reference=[5], hypothesis=[], n=10, k=10)


# -- cross-check against the field's scorer ----------------------------------------------------------
def forward_tp_relative(sequences: list[str]) -> list[np.ndarray]:
    """Forward-TP segmentation with the relative (local dip) threshold, as wordseg's ``tp`` does it.

    Units run together as one stream with a boundary pseudo-symbol between consecutive utterances
    (not before the first nor after the last); TP(x->y) = count(xy) / count(x) over that stream; a cut
    goes between y and z when TP(x,y) > TP(y,z) < TP(z,w).
    """
    stream: list = []
    for index, seq in enumerate(sequences):
        if index:
            stream.append(None)
        stream.extend(seq)
    unigrams = Counter(stream)
    bigrams = Counter(zip(stream, stream[1:]))
    tp = [bigrams[x, y] / unigrams[x] for x, y in zip(stream, stream[1:])]  # tp[j]: stream[j] -> stream[j+1]
    hypotheses, start = [], 0
    for seq in sequences:
        offsets = [o for o in range(1, len(seq))
                   if 2 <= start + o < len(stream) - 1 and tp[start + o - 2] > tp[start + o - 1] < tp[start + o]]
        hypotheses.append(np.array(offsets, dtype=np.int64))
        start += len(seq) + 1
    return hypotheses


def test_brent_forward_tp_matches_the_field(corpora_dir):
    lines = (corpora_dir / "brent" / "br-phono.txt").read_text(encoding="ascii").splitlines()
    sequences, reference = zip(*(from_spaced(line) for line in lines if line.strip()))
    assert len(sequences) == 9790
    s = word_scores(reference=list(reference), hypothesis=forward_tp_relative(list(sequences)),
                    sequences=list(sequences))
    got = tuple(round(s[k], 4) for k in ("boundary_noedge_p", "boundary_noedge_r", "boundary_noedge_f",
                                         "token_f"))
    assert got == (0.5890, 0.7094, 0.6436, 0.4683)
    reference_rate = sum(map(len, reference)) / sum(len(q) - 1 for q in sequences)
    assert round(reference_rate, 4) == 0.2745
