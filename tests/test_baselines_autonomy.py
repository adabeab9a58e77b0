"""The branching-autonomy segmenter (nVBE, Magistry & Sagot 2012) against a direct reading of its definition."""

import itertools
import math
import warnings
from collections import Counter, defaultdict

import numpy as np
import pytest

from segment.baselines import BASELINES, UNSUPERVISED, BranchingAutonomy
from segment.baselines.autonomy import FORCED, best_split, cut_margins
from segment.errors import NotFittedError

EDGE = object()


def _entropy(counter: Counter) -> float:
    total = sum(counter.values())
    return -sum(c / total * math.log2(c / total) for c in counter.values())


def reference_autonomy(units: list[str], max_length: int) -> dict[str, float]:
    """a(x) for every substring x of at most ``max_length`` symbols, straight from the definitions."""
    right, left = defaultdict(Counter), defaultdict(Counter)
    symbols = Counter()
    for unit in units:
        symbols.update(unit)
        symbols[EDGE] += 1
        for n in range(1, max_length + 1):
            for i in range(len(unit) - n + 1):
                x = unit[i:i + n]
                right[x][unit[i + n] if i + n < len(unit) else EDGE] += 1
                left[x][unit[i - 1] if i > 0 else EDGE] += 1
    empty = _entropy(symbols)
    h_r = {x: _entropy(c) for x, c in right.items()}
    h_l = {x: _entropy(c) for x, c in left.items()}
    vbe_r = {x: h_r[x] - (h_r[x[:-1]] if len(x) > 1 else empty) for x in right}
    vbe_l = {x: h_l[x] - (h_l[x[1:]] if len(x) > 1 else empty) for x in left}
    autonomy = dict.fromkeys(right, 0.0)
    for vbe in (vbe_r, vbe_l):
        for n in range(1, max_length + 1):
            values = np.array([v for x, v in vbe.items() if len(x) == n])
            if len(values) == 0:
                continue
            mean, std = values.mean(), values.std()
            for x, v in vbe.items():
                if len(x) == n:
                    autonomy[x] += (v - mean) / std if std > 0 else v - mean
    return autonomy


def fitted_autonomy(segmenter: BranchingAutonomy, x: str) -> float:
    """The fitted autonomy of string ``x``, looked up as the decoder does."""
    stream = np.array([0] + [segmenter.vocabulary_[s] for s in x] + [0])
    ids = segmenter._lookup(stream)[len(x) - 1]
    assert ids[1] >= 0, f"{x!r} was not indexed"
    return float(segmenter.strings_[len(x) - 1].autonomy[ids[1]])


UNITS = ["abcab", "cabd", "abdab", "dcab", "bbacd", "abcabc"]


@pytest.mark.parametrize("max_length", [1, 2, 3, 4])
def test_autonomy_matches_the_definition_for_every_substring(max_length):
    segmenter = BranchingAutonomy(max_length).fit(UNITS)
    expected = reference_autonomy(UNITS, max_length)
    assert expected and all(fitted_autonomy(segmenter, x) == pytest.approx(a, abs=1e-9) for x, a in expected.items())


def test_the_decoder_finds_the_best_split_of_every_score_table():
    for scores in _random_tables(np.random.default_rng(0), 60):
        edges = [0, *best_split(scores).tolist(), scores.shape[0]]
        total = sum(scores[a, b - a - 1] for a, b in zip(edges, edges[1:]))
        assert total == pytest.approx(_best_total(scores, lambda mask: True))


def _random_tables(rng, count):
    for _ in range(count):
        length, longest = int(rng.integers(1, 9)), int(rng.integers(1, 4))
        scores = rng.normal(size=(length, longest))
        for i, n in itertools.product(range(length), range(1, longest + 1)):
            if i + n > length or (n > 1 and rng.random() < 0.2):
                scores[i, n - 1] = -np.inf
        yield scores


def _best_total(scores, keep) -> float:
    """Brute force: the best total over the splits whose cut set passes ``keep``."""
    length, longest = scores.shape
    best = -np.inf
    for mask in itertools.product([0, 1], repeat=length - 1):
        edges = [0, *[i + 1 for i, cut in enumerate(mask) if cut], length]
        if keep(mask) and all(b - a <= longest for a, b in zip(edges, edges[1:])):
            best = max(best, sum(scores[a, b - a - 1] for a, b in zip(edges, edges[1:])))
    return best


def test_cut_margins_are_the_best_total_with_the_cut_minus_the_best_without():
    for scores in _random_tables(np.random.default_rng(2), 60):
        margins = cut_margins(scores)
        assert margins.shape == (scores.shape[0] - 1,)
        for j in range(scores.shape[0] - 1):
            without = _best_total(scores, lambda mask: not mask[j])
            expected = FORCED if without == -np.inf else _best_total(scores, lambda mask: mask[j]) - without
            assert margins[j] == pytest.approx(expected)
        assert np.flatnonzero(margins > 0).tolist() == (best_split(scores) - 1).tolist()


def test_boundary_scores_rank_the_decoded_cuts_first():
    segmenter = BranchingAutonomy(max_length=3).fit(UNITS)
    for unit in UNITS + ["abzzcab"]:
        margins = segmenter.boundary_scores(unit)
        assert margins.shape == (len(unit) - 1,)
        assert np.flatnonzero(margins > 0).tolist() == (segmenter.predict(unit) - 1).tolist()


def test_it_recovers_the_words_of_a_random_word_language():
    rng = np.random.default_rng(1)
    lexicon = ["pa", "tiku", "gol", "bida", "ro", "lumen"]
    units, gold = [], []
    for _ in range(400):
        words = [lexicon[i] for i in rng.integers(0, len(lexicon), size=rng.integers(2, 6))]
        units.append("".join(words))
        gold.append(np.cumsum([len(w) for w in words])[:-1])
    segmenter = BranchingAutonomy(max_length=5, word_penalty=0.0).fit(units)
    predicted = segmenter.predict_many(units)
    hits = sum(len(np.intersect1d(p, g)) for p, g in zip(predicted, gold))
    f = 2 * hits / (sum(map(len, predicted)) + sum(map(len, gold)))
    assert f > 0.9


def test_a_higher_word_penalty_never_gives_more_words():
    segmenter = BranchingAutonomy(max_length=3).fit(UNITS)
    counts = []
    for penalty in (-100.0, 0.0, 1.0, 3.0, 100.0):
        segmenter.set_params(word_penalty=penalty)
        counts.append(sum(len(c) for c in segmenter.predict_many(UNITS)))
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert counts[0] == sum(len(u) - 1 for u in UNITS)  # a large reward per word cuts everywhere
    assert counts[-1] == sum(-(-len(u) // 3) - 1 for u in UNITS)  # a large cost: the fewest words of <= 3


def test_unseen_symbols_and_strings_still_get_a_segmentation():
    segmenter = BranchingAutonomy(max_length=3).fit(UNITS)
    cuts = segmenter.predict("abzzcab")
    assert {2, 3}.issubset(set(cuts.tolist()))  # each unseen symbol is a word of its own
    assert segmenter.segment("z") == ["z"] and segmenter.predict("").tolist() == []
    assert "".join(segmenter.segment("qqabcabqq")) == "qqabcabqq"


@pytest.mark.parametrize("units", [[], ["", "ab", ""], ["a"], ["ab", "b"]])
def test_little_or_no_text_to_fit_on_still_gives_a_segmenter(units):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        segmenter = BranchingAutonomy(max_length=5).fit(units)
        segments = segmenter.segment("abcaab")
    assert "".join(segments) == "abcaab"
    assert segmenter.predict_many(["", "a"])[0].tolist() == []


def test_symbols_need_not_be_characters():
    phonemes = [tuple(u) for u in UNITS]
    by_tuple = BranchingAutonomy(max_length=3).fit(phonemes).predict_many(phonemes)
    by_text = BranchingAutonomy(max_length=3).fit(UNITS).predict_many(UNITS)
    assert [c.tolist() for c in by_tuple] == [c.tolist() for c in by_text]


@pytest.mark.parametrize("params", [{"max_length": 0}, {"max_length": True}, {"max_length": 2.5},
                                    {"word_penalty": float("nan")}, {"word_penalty": float("inf")}])
def test_bad_settings_are_refused_at_fit(params):
    with pytest.raises(ValueError):
        BranchingAutonomy(**params).fit(UNITS)


def test_settings_changed_after_fit_are_checked_before_decoding():
    segmenter = BranchingAutonomy(max_length=3).fit(UNITS)
    with pytest.raises(ValueError, match="word_penalty"):
        segmenter.set_params(word_penalty=float("nan")).predict("abcab")
    with pytest.raises(NotFittedError, match="fitted with max_length 3"):
        segmenter.set_params(word_penalty=1.0, max_length=4).boundary_scores("abcab")


def test_it_is_a_registered_label_free_baseline_that_needs_fitting():
    assert "nvbe" in UNSUPERVISED and isinstance(BASELINES["nvbe"](), BranchingAutonomy)
    with pytest.raises(NotFittedError):
        BranchingAutonomy().predict("abc")
