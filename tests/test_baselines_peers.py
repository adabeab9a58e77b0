"""Lexicon toplines (optional ``peers`` extra) and the sentence-level baselines."""

import sys

import numpy as np
import pytest

from segment.baselines import (InstantSegmentSegmenter, JiebaSegmenter, PunctuationRuleSegmenter, PysbdSegmenter,
                               WordninjaSegmenter, WordsegmentSegmenter)
from segment.baselines import lexicon, sentence
from segment.boundaries import to_spaced
from segment.errors import ActSegError

LEXICON_SEGMENTERS = {"wordsegment": WordsegmentSegmenter, "wordninja": WordninjaSegmenter,
                      "instant_segment": InstantSegmentSegmenter}


@pytest.mark.parametrize("module", list(LEXICON_SEGMENTERS))
def test_lexicon_segmenters_split_plain_english(module):
    pytest.importorskip(module)
    if module == "instant_segment":
        pytest.importorskip("wordsegment")
    segmenter = LEXICON_SEGMENTERS[module]()
    assert segmenter.uses_lexicon and not segmenter.uses_gold and not segmenter.requires_fit
    np.testing.assert_array_equal(segmenter.predict("thisisatest"), [4, 6, 7])
    # case and punctuation are read through: cuts land before each word's first letter
    assert to_spaced("Itisasmallworld,isn'tit?", segmenter.predict("Itisasmallworld,isn'tit?")).split()[:4] == [
        "It", "is", "a", "small"]
    np.testing.assert_array_equal(segmenter.predict(tuple("thisisatest")), [4, 6, 7])
    # "İ" lowercases to two characters: it is skipped, and the cuts after it still point into the unit
    np.testing.assert_array_equal(segmenter.predict("İthisisatest"), [5, 7, 8])
    assert len(segmenter.predict("a")) == 0 and len(segmenter.predict("!?")) == 0
    with pytest.raises(ActSegError, match="one character"):
        segmenter.predict(("th", "is"))


def test_jieba_splits_chinese_and_keeps_every_symbol():
    pytest.importorskip("jieba")
    segmenter = JiebaSegmenter()
    assert segmenter.uses_lexicon and not segmenter.requires_fit
    np.testing.assert_array_equal(segmenter.predict("我们今天去北京"), [2, 4, 5])  # 我们 今天 去 北京
    text = "他说：我们去北京。"  # punctuation is read too (no symbol is dropped): cuts around the marks
    cuts = segmenter.predict(text)
    assert {2, 3, 8} <= set(cuts.tolist())
    np.testing.assert_array_equal(segmenter.predict(tuple("我们今天去北京")), [2, 4, 5])
    assert len(segmenter.predict("我")) == 0


@pytest.mark.parametrize(("module", "loader", "segmenter"), [
    ("wordsegment", lexicon._wordsegment_model, WordsegmentSegmenter),
    ("wordninja", lexicon._wordninja_split, WordninjaSegmenter),
    ("instant_segment", lexicon._instant_segment_split, InstantSegmentSegmenter),
    ("jieba", lexicon._jieba_split, JiebaSegmenter),
    ("pysbd", sentence._pysbd, PysbdSegmenter),
])
def test_missing_extra_names_the_extra(monkeypatch, module, loader, segmenter):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    loader.cache_clear()
    try:
        with pytest.raises(ImportError, match=r"act-segment\[peers\]"):
            segmenter().predict("thisisatest. ok")
    finally:
        loader.cache_clear()


@pytest.mark.parametrize(("text", "cuts"), [
    ("Hi there. How are you? Fine!", [10, 23]),
    ("Hithere.Howareyou?Fine!", [8, 18]),
    ('He said "No." Then left... Done', [14, 27]),
    ("No final cut here.", []),
    ("", []),
])
def test_punctuation_rule(text, cuts):
    np.testing.assert_array_equal(PunctuationRuleSegmenter().predict(text), cuts)


def test_punctuation_rule_parameters():
    assert len(PunctuationRuleSegmenter(terminators="").predict("a. b")) == 0
    np.testing.assert_array_equal(PunctuationRuleSegmenter(terminators=";").predict("a; b. c"), [3])
    np.testing.assert_array_equal(PunctuationRuleSegmenter(closers="").predict('"No." Then'), [4])
    assert not PunctuationRuleSegmenter.uses_lexicon and not PunctuationRuleSegmenter.uses_gold


def test_pysbd_cuts_at_sentence_starts():
    pytest.importorskip("pysbd")
    text = "Hi there. How are you? Mr. Smith is fine."
    cuts = PysbdSegmenter().predict(text)
    np.testing.assert_array_equal(cuts, [10, 23])  # no cut after the abbreviation "Mr."
    assert len(PunctuationRuleSegmenter().predict(text)) == 3
    assert PysbdSegmenter().predict(tuple("One. Two.")).tolist() == [5]
