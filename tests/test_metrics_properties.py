"""Property tests: scores lie in [0, 1], a perfect hypothesis scores 1, swapping swaps P and R."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segment.eval import sentence_scores, tolerance_scores, word_scores

WORD_METRICS = ("token", "type", "boundary_all", "boundary_noedge")


@st.composite
def cut_offsets(draw, n: int) -> np.ndarray:
    return np.array(sorted(draw(st.sets(st.integers(1, n - 1)))) if n > 1 else [], dtype=np.int64)


@st.composite
def corpora(draw):
    """Units over a two-letter alphabet (so word types recur) with reference and hypothesis cuts."""
    sequences = draw(st.lists(st.text("ab", max_size=9), max_size=6).filter(any))  # no symbols: nothing to score
    reference = [draw(cut_offsets(len(s))) for s in sequences]
    hypothesis = [draw(cut_offsets(len(s))) for s in sequences]
    return sequences, reference, hypothesis


@st.composite
def texts(draw):
    n = draw(st.integers(1, 40))  # n = 0: nothing to score
    return n, draw(cut_offsets(n)), draw(cut_offsets(n))


def prf_values(scores, metrics):
    return [scores[f"{m}_{x}"] for m in metrics for x in "prf"]


@settings(max_examples=150, deadline=None)
@given(corpora())
def test_word_scores_lie_in_unit_interval_and_f_is_harmonic_mean(corpus):
    sequences, reference, hypothesis = corpus
    s = word_scores(reference=reference, hypothesis=hypothesis, sequences=sequences)
    assert all(0.0 <= v <= 1.0 for v in prf_values(s, WORD_METRICS))
    for m in WORD_METRICS:
        p, r, f = s[f"{m}_p"], s[f"{m}_r"], s[f"{m}_f"]
        assert f == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)
    assert s["correct"] + s["over"] + s["under"] + s["mis"] == sum(len(b) + 1 for b, q in
                                                                   zip(reference, sequences) if q)


@settings(max_examples=100, deadline=None)
@given(corpora())
def test_perfect_hypothesis_scores_one(corpus):
    sequences, reference, _ = corpus
    s = word_scores(reference=reference, hypothesis=reference, sequences=sequences)
    assert prf_values(s, WORD_METRICS) == [1.0] * 12
    assert s["over"] == s["under"] == s["mis"] == 0


@settings(max_examples=150, deadline=None)
@given(corpora())
def test_swapping_reference_and_hypothesis_swaps_p_and_r(corpus):
    sequences, reference, hypothesis = corpus
    forward = word_scores(reference=reference, hypothesis=hypothesis, sequences=sequences)
    backward = word_scores(reference=hypothesis, hypothesis=reference, sequences=sequences)
    for m in WORD_METRICS:
        assert (forward[f"{m}_p"], forward[f"{m}_r"]) == (backward[f"{m}_r"], backward[f"{m}_p"])
        assert forward[f"{m}_f"] == backward[f"{m}_f"]


@settings(max_examples=100, deadline=None)
@given(corpora(), st.integers(0, 3))
def test_tolerance_is_monotone_and_exact_at_zero(corpus, k):
    sequences, reference, hypothesis = corpus
    kw = dict(reference=reference, hypothesis=hypothesis, sequences=sequences)
    narrow, wide = tolerance_scores(**kw, k=k), tolerance_scores(**kw, k=k + 1)
    assert all(narrow[f"boundary_{x}"] <= wide[f"boundary_{x}"] for x in "prf")
    assert tolerance_scores(**kw, k=0)["boundary_f"] == word_scores(**kw)["boundary_noedge_f"]


def brute_force_windows(reference, hypothesis, n, k):
    """Pk and WindowDiff straight from the definitions, over symbol pairs (i, i + k)."""
    def segment_ids(cuts):
        ids = np.zeros(n, dtype=int)
        ids[list(cuts)] = 1
        return np.cumsum(ids)
    ref, hyp = segment_ids(reference), segment_ids(hypothesis)
    pairs = range(n - k)
    pk = sum((ref[i] != ref[i + k]) != (hyp[i] != hyp[i + k]) for i in pairs) / len(pairs)
    wd = sum((ref[i + k] - ref[i]) != (hyp[i + k] - hyp[i]) for i in pairs) / len(pairs)
    return pk, wd


@settings(max_examples=200, deadline=None)
@given(texts())
def test_sentence_scores_properties(text):
    n, reference, hypothesis = text
    s = sentence_scores(reference=reference, hypothesis=hypothesis, n=n)
    assert all(0.0 <= s[key] <= 1.0 for key in ("boundary_p", "boundary_r", "boundary_f", "pk", "windowdiff"))
    assert s["pk"] <= s["windowdiff"]
    swapped = sentence_scores(reference=hypothesis, hypothesis=reference, n=n, k=s["k"])
    assert (s["boundary_p"], s["boundary_r"]) == (swapped["boundary_r"], swapped["boundary_p"])
    assert (s["pk"], s["windowdiff"]) == (swapped["pk"], swapped["windowdiff"])
    perfect = sentence_scores(reference=reference, hypothesis=reference, n=n)
    assert (perfect["boundary_f"], perfect["pk"], perfect["windowdiff"]) == (1.0, 0.0, 0.0)
    if n >= 2:
        assert (s["pk"], s["windowdiff"]) == pytest.approx(brute_force_windows(reference, hypothesis, n, s["k"]))


def per_unit_scores(sequences, reference, hypothesis):
    """The word metrics counted unit by unit, straight from their definitions (slow but plain)."""
    token, bound_all, bound_in = [0, 0, 0], [0, 0, 0], [0, 0, 0]
    errors = dict.fromkeys(("correct", "over", "under", "mis"), 0)
    ref_lex, hyp_lex = set(), set()
    for seq, ref, hyp in zip(sequences, reference, hypothesis):
        if not seq:
            continue
        ref_edges, hyp_edges = [0, *ref.tolist(), len(seq)], [0, *hyp.tolist(), len(seq)]
        ref_spans, hyp_spans = set(zip(ref_edges, ref_edges[1:])), set(zip(hyp_edges, hyp_edges[1:]))
        ref_lex |= {seq[a:b] for a, b in ref_spans}
        hyp_lex |= {seq[a:b] for a, b in hyp_spans}
        for counts, r, h in ((token, ref_spans, hyp_spans), (bound_all, set(ref_edges), set(hyp_edges)),
                             (bound_in, set(ref.tolist()), set(hyp.tolist()))):
            counts[0] += len(r & h)
            counts[1] += len(h)
            counts[2] += len(r)
        shared = sorted(set(ref_edges) & set(hyp_edges))
        for a, b in zip(shared, shared[1:]):
            g = sum(a < c < b for c in ref_edges) + 1
            h = sum(a < c < b for c in hyp_edges) + 1
            key = "correct" if g == h == 1 else "over" if g == 1 else "under" if h == 1 else "mis"
            errors[key] += 1 if g == 1 else g
    counts = {"token": token, "type": [len(ref_lex & hyp_lex), len(hyp_lex), len(ref_lex)],
              "boundary_all": bound_all, "boundary_noedge": bound_in}
    return counts, errors


@settings(max_examples=200, deadline=None)
@given(corpora())
def test_word_scores_match_a_per_unit_count(corpus):
    sequences, reference, hypothesis = corpus
    s = word_scores(reference=reference, hypothesis=hypothesis, sequences=sequences)
    counts, errors = per_unit_scores(sequences, reference, hypothesis)
    for metric, (correct, hyp, ref) in counts.items():
        if hyp and ref:
            assert (s[f"{metric}_p"], s[f"{metric}_r"]) == pytest.approx((correct / hyp, correct / ref))
        assert s[f"{metric}_f"] == pytest.approx(2 * correct / (hyp + ref) if hyp + ref else 1.0)
    assert {key: s[key] for key in errors} == errors


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(1, 30)), st.sets(st.integers(1, 30)), st.integers(0, 4))
def test_tolerance_matching_is_a_maximum_matching(reference, hypothesis, k):
    from scipy.optimize import linear_sum_assignment

    from segment.eval.matching import count_matches

    ref, hyp = np.array(sorted(reference)), np.array(sorted(hypothesis))
    within = np.abs(ref[:, None] - hyp[None, :]) <= k
    rows, cols = linear_sum_assignment(within, maximize=True) if within.size else ([], [])
    assert count_matches(ref, hyp, k) == int(within[rows, cols].sum())
