"""Run segmenters over a corpus and tabulate every metric, timing and a bootstrap CI, one row each.

Word level: each segmenter is fitted on the evaluated units themselves (unsupervised and transductive,
as the field does) unless ``fit`` says otherwise, then ``predict_many`` cuts every unit; scores are
:func:`segment.eval.word_scores`, headline boundary_noedge_f. Sentence level: the units run together
as one stream (``corpus.stream()``); the segmenter is fitted on that stream and cuts it; scores are
:func:`segment.eval.sentence_scores` against the stream's sentence boundaries, headline boundary_f.
Segmenters labelled ``uses_gold`` receive the gold cuts in ``fit(sequences, boundaries=...)``.
A segmenter that raises ImportError (an optional extra that is not installed) gives a row whose
``note`` says so and whose scores are empty.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from segment.base import Segmenter
from segment.boundaries import check_boundaries
from segment.errors import CorpusError
from segment.eval.bootstrap import bootstrap_f, counts_per_unit
from segment.eval.sentence_metrics import sentence_scores
from segment.eval.word_metrics import boundary_counts, oov_scores, word_scores

Level = Literal["word", "sentence"]
HEADLINE = {"word": "boundary_noedge_f", "sentence": "boundary_f"}


def resolve_corpus(corpus: Any, split: str | None = None, data_dir=None):
    """A corpus object as is (its split must match ``split`` when given), or a name to load."""
    if isinstance(corpus, str):
        from segment.corpora import load_corpus
        return load_corpus(corpus, split or "all", data_dir=data_dir)
    if split is not None and split != corpus.split:
        raise CorpusError(f"corpus {corpus.name!r} is the {corpus.split!r} split, not {split!r}")
    return corpus


def with_fit_text(corpus, refs: Sequence[str], data_dir=None, *, punctuation: bool = True, case: bool = True):
    """The corpus to fit on: the units of the references ``refs`` (``segment.corpora.split_ref``) run together,
    with ``corpus``'s own units after them unless ``corpus`` is one of them (same name and split)."""
    from segment.corpora import load_corpus, split_ref

    keys = [split_ref(ref) for ref in refs]
    parts = [load_corpus(name, split, data_dir, punctuation=punctuation, case=case) for name, split in keys]
    documents = [doc for part in parts for doc in part.documents]
    if (corpus.name, corpus.split) not in keys:
        documents += corpus.documents
    return dataclasses.replace(corpus, name="+".join(refs), documents=documents)


def _task(corpus, level: Level) -> tuple[list, list[np.ndarray], np.ndarray | None]:
    """(sequences, gold cuts, unit starts in the stream or None) for the level."""
    if level == "word":
        return corpus.sequences(), corpus.word_boundaries(), None
    if level != "sentence":
        raise ValueError(f"level must be 'word' or 'sentence', got {level!r}")
    if corpus.sentence_labels == "none":
        raise CorpusError(f"corpus {corpus.name!r} has no sentence boundaries to score against")
    stream = corpus.stream()
    lengths = [len(s) for s in corpus.sequences()]
    starts = np.concatenate([[0], np.cumsum(lengths[:-1], dtype=np.int64)]) if lengths else np.zeros(0, np.int64)
    return [stream.sequence], [stream.sentence_boundaries], starts


def _fit(segmenter: Segmenter, sequences: list, gold: list[np.ndarray]) -> None:
    if segmenter.uses_gold:
        segmenter.fit(sequences, boundaries=gold)
    else:
        segmenter.fit(sequences)


def _scores(level: Level, gold, predicted, sequences, starts, bootstrap: int, seed: int) -> dict:
    if level == "word":
        scores = word_scores(reference=gold, hypothesis=predicted, sequences=sequences)
        counts = boundary_counts(reference=gold, hypothesis=predicted, sequences=sequences)
    else:
        n = len(sequences[0])
        reference, hypothesis = check_boundaries(gold[0], n), check_boundaries(predicted[0], n)
        scores = sentence_scores(reference=reference, hypothesis=hypothesis, n=n)
        counts = counts_per_unit(reference, hypothesis, starts)
    low, high = bootstrap_f(counts, resamples=bootstrap, seed=seed)
    return {**scores, "f_ci_low": low, "f_ci_high": high}


def evaluate_one(name: str, segmenter: Segmenter, corpus, *, level: Level = "word", bootstrap: int = 1000,
                 seed: int = 0, fit: bool | Any = True, dictionary: Collection[str] | None = None) -> dict:
    """One report row (a dict) for ``segmenter`` on an already loaded ``corpus``; with a training word list
    ``dictionary`` (word level), also the SIGHAN bakeoff's oov_rate, oov_recall and iv_recall."""
    sequences, gold, starts = _task(corpus, level)
    row: dict = {"segmenter": name, "corpus": corpus.name, "split": corpus.split, "level": level,
                 "units": len(corpus.units), "symbols": sum(len(s) for s in sequences),
                 "uses_gold": bool(segmenter.uses_gold), "uses_lexicon": bool(segmenter.uses_lexicon)}
    try:
        start = time.perf_counter()
        if fit is True:
            _fit(segmenter, sequences, gold)
        elif fit is not False:
            fit_sequences, fit_gold, _ = _task(fit, level)
            _fit(segmenter, fit_sequences, fit_gold)
        fitted = time.perf_counter()
        predicted = segmenter.predict_many(sequences)
        done = time.perf_counter()
    except ImportError as err:
        return {**row, "note": f"skipped: {err}"}
    row.update(_scores(level, gold, predicted, sequences, starts, bootstrap, seed))
    if dictionary is not None and level == "word":
        row.update(oov_scores(reference=gold, hypothesis=predicted, sequences=sequences, dictionary=dictionary))
    silver = level == "sentence" and corpus.sentence_labels == "silver"
    row.update({"headline_f": row[HEADLINE[level]], "fit_s": fitted - start, "predict_s": done - fitted,
                "wall_s": done - start, "symbols_per_s": row["symbols"] / max(done - fitted, 1e-9),
                "note": "silver sentence labels (rule-based)" if silver else ""})
    return row


def evaluate(segmenter: Segmenter | str, corpus: Any, split: str | None = None, *, level: Level = "word",
             bootstrap: int = 1000, seed: int = 0, fit: bool | Any = True, data_dir=None,
             name: str | None = None) -> pd.DataFrame:
    """Score one segmenter (an object or a registry name) on a corpus (an object or a name).

    ``fit``: True fits on the evaluated corpus (transductive), a corpus object fits on that corpus
    instead, False uses the segmenter as it is. Returns a one-row DataFrame (see :func:`compare`).
    """
    return compare({name or _name(segmenter): segmenter}, corpus, split, level=level, bootstrap=bootstrap,
                   seed=seed, fit=fit, data_dir=data_dir, progress=False)


def _name(segmenter: Segmenter | str) -> str:
    return segmenter if isinstance(segmenter, str) else type(segmenter).__name__


def _build(candidate: Segmenter | str | Callable[[], Segmenter]) -> Segmenter:
    """A segmenter from an object, a registry name or a zero-argument factory."""
    if isinstance(candidate, str):
        from segment.registry import make_segmenter
        return make_segmenter(candidate)
    if isinstance(candidate, Segmenter):
        return candidate
    return candidate()


def compare(segmenters: Mapping[str, Segmenter | str | Callable[[], Segmenter]] | Sequence[Segmenter | str],
            corpus: Any, split: str | None = None, *, level: Level = "word", bootstrap: int = 1000,
            seed: int = 0, fit: bool | Any = True, data_dir=None, progress: bool = True,
            dictionary: Collection[str] | None = None) -> pd.DataFrame:
    """One row per segmenter: every metric, the headline F with its bootstrap 95% CI over units (seeded),
    fit / predict / wall seconds, symbols per second of prediction, the uses_gold / uses_lexicon labels
    and a note (why a row was skipped). Segmenters may be objects, registry names or zero-argument
    factories (an ImportError while building one also gives a skipped row). ``dictionary``: a training word
    list for the bakeoff's OOV figures (see :func:`evaluate_one`).
    """
    corpus = resolve_corpus(corpus, split, data_dir)
    items = segmenters.items() if isinstance(segmenters, Mapping) else ((_name(s), s) for s in segmenters)
    rows = []
    bar = tqdm(list(items), desc="segmenters", unit="seg", disable=not progress)
    for name, candidate in bar:
        bar.set_postfix_str(name)
        try:
            segmenter = _build(candidate)
        except ImportError as err:
            rows.append({"segmenter": name, "corpus": corpus.name, "split": corpus.split, "level": level,
                         "note": f"skipped: {err}"})
            continue
        rows.append(evaluate_one(name, segmenter, corpus, level=level, bootstrap=bootstrap, seed=seed, fit=fit,
                                 dictionary=dictionary))
    return _ordered(pd.DataFrame(rows))


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    first = ["segmenter", "corpus", "split", "level", "headline_f", "f_ci_low", "f_ci_high"]
    last = ["units", "symbols", "fit_s", "predict_s", "wall_s", "symbols_per_s", "uses_gold", "uses_lexicon",
            "note"]
    present_first = [c for c in first if c in frame.columns]
    present_last = [c for c in last if c in frame.columns]
    middle = [c for c in frame.columns if c not in first and c not in last]
    return frame[present_first + middle + present_last]
