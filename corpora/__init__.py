"""Named corpora with gold word and sentence boundaries, and their unspaced views.

``load_corpus(name, split)`` gives a ``Corpus``: documents of ``Unit``s (utterances, sentences,
paragraphs or lines) made of words; ``Unit.sequence`` is the unit without whitespace and
``Unit.boundaries`` the gold word cut offsets. Files are read from ``data_dir``, ``$ACTSEG_DATA`` or the
download cache (see ``segment.corpora.locate``).
"""

from segment.corpora.locate import cache_dir
from segment.corpora.registry import CorpusInfo, Sizes, corpus_info, list_corpora, load_corpus, split_ref
from segment.corpora.types import Corpus, Stream, Unit

__all__ = ["Corpus", "CorpusInfo", "Sizes", "Stream", "Unit", "cache_dir", "corpus_info", "list_corpora",
           "load_corpus", "split_ref"]
