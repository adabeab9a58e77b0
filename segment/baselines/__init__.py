"""Baseline segmenters for the comparison table, by stable name.

``BASELINES`` maps a name to a zero-argument factory (``nvbe``: word autonomy from normalised variation of
branching entropy, Magistry & Sagot 2012). ``UNSUPERVISED`` names use neither gold
boundaries nor a lexicon (``random-oracle`` uses the gold boundary rate; ``wordsegment``, ``wordninja``,
``instant-segment``, ``jieba`` and ``pysbd`` use word lists or hand-written language rules, from the optional
``peers`` extra: building one without it installed raises ImportError). ``SENTENCE_LEVEL`` names cut
running text into sentences; ``WORD_LEVEL`` names cut units into words.

The ``tp-*`` entries run as bootphon/wordseg's ``tp`` does (``pad_ends=False``): ``predict_many`` over a
corpus's units in order reproduces its figures exactly (Brent phonemic, forward relative: boundary
P/R/F 0.5890 / 0.7094 / 0.6436, token F 0.4683).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from segment.base import Segmenter
from segment.baselines.autonomy import BranchingAutonomy
from segment.baselines.lexicon import (InstantSegmentSegmenter, JiebaSegmenter, LexiconSegmenter,
                                       WordninjaSegmenter, WordsegmentSegmenter)
from segment.baselines.ngram import STATISTICS as NGRAM_STATISTICS
from segment.baselines.ngram import NgramPeakSegmenter
from segment.baselines.random_baseline import OracleRateRandomSegmenter, RandomSegmenter
from segment.baselines.sentence import PunctuationRuleSegmenter, PysbdSegmenter
from segment.baselines.transitional import STATISTICS as TP_STATISTICS
from segment.baselines.transitional import THRESHOLDS as TP_THRESHOLDS
from segment.baselines.transitional import TransitionalProbability

__all__ = ["BASELINES", "SENTENCE_LEVEL", "UNSUPERVISED", "WORD_LEVEL", "BranchingAutonomy", "InstantSegmentSegmenter",
           "JiebaSegmenter", "LexiconSegmenter", "NgramPeakSegmenter", "OracleRateRandomSegmenter",
           "PunctuationRuleSegmenter",
           "PysbdSegmenter", "RandomSegmenter", "TransitionalProbability", "WordninjaSegmenter",
           "WordsegmentSegmenter"]

BASELINES: dict[str, Callable[[], Segmenter]] = {
    **{f"tp-{statistic}-{threshold}": partial(TransitionalProbability, statistic, threshold, pad_ends=False)
       for statistic in TP_STATISTICS for threshold in TP_THRESHOLDS},
    **{f"ngram-{statistic}": partial(NgramPeakSegmenter, statistic)
       for statistic in NGRAM_STATISTICS},
    "nvbe": BranchingAutonomy,
    "random": RandomSegmenter,
    "random-oracle": OracleRateRandomSegmenter,
    "wordsegment": WordsegmentSegmenter,
    "wordninja": WordninjaSegmenter,
    "instant-segment": InstantSegmentSegmenter,
    "jieba": JiebaSegmenter,
    "pysbd": PysbdSegmenter,
    "punct-rule": PunctuationRuleSegmenter,
}

SENTENCE_LEVEL: tuple[str, ...] = ("pysbd", "punct-rule")
WORD_LEVEL: tuple[str, ...] = tuple(name for name in BASELINES if name not in SENTENCE_LEVEL)


def _label_free(factory: Callable[[], Segmenter]) -> bool:
    segmenter = factory()
    return not segmenter.uses_gold and not segmenter.uses_lexicon


UNSUPERVISED: tuple[str, ...] = tuple(name for name, factory in BASELINES.items() if _label_free(factory))
