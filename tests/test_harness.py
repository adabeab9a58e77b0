"""The evaluation harness and its report writers, on a tiny corpus and toy segmenters."""

import io
import json

import numpy as np
import pandas as pd
import pytest

from segment.base import Segmenter
from segment.errors import CorpusError
from segment.eval import compare, evaluate, word_scores
from segment.eval.bootstrap import bootstrap_f, counts_per_unit
from segment.eval.report import format_report, to_markdown
from segment.corpora.types import Corpus, Unit

UNITS = [("the", "dog"), ("a", "cat", "sat"), ("ok",), ("the", "cat"), ("a", "dog", "ran", "off")]


def toy_corpus(sentence_labels="gold", split="all"):
    return Corpus(name="toy", split=split, documents=[[Unit(words=w) for w in UNITS]],
                  sentence_labels=sentence_labels)


class EveryCut(Segmenter):
    def __init__(self):
        pass

    def _predict(self, seq):
        return np.arange(1, len(seq))


class Memorizer(Segmenter):
    """Uses gold: remembers the gold cuts given to fit and replays them."""

    requires_fit = True
    uses_gold = True

    def __init__(self):
        pass

    def fit(self, sequences, boundaries=None):
        self.table_ = {tuple(s): b for s, b in zip(sequences, boundaries)}
        return self

    def _predict(self, seq):
        return self.table_.get(tuple(seq), np.zeros(0, dtype=np.int64))


class NeedsExtra(Segmenter):
    def __init__(self):
        pass

    def fit(self, sequences):
        raise ImportError("wordsegment is not installed: pip install 'act-segment[peers]'")


def test_evaluate_word_level_row():
    corpus = toy_corpus()
    row = evaluate(EveryCut(), corpus, bootstrap=200).iloc[0]
    expected = word_scores(reference=corpus.word_boundaries(),
                           hypothesis=[np.arange(1, len(s)) for s in corpus.sequences()],
                           sequences=corpus.sequences())
    assert row["segmenter"] == "EveryCut" and row["level"] == "word"
    assert row["headline_f"] == row["boundary_noedge_f"] == expected["boundary_noedge_f"]
    assert all(row[key] == value for key, value in expected.items())
    assert row["f_ci_low"] <= row["headline_f"] <= row["f_ci_high"]
    assert row["symbols"] == corpus.n_symbols() and row["units"] == len(UNITS)
    assert row["symbols_per_s"] > 0 and row["wall_s"] >= row["predict_s"]
    assert not row["uses_gold"] and row["note"] == ""


def test_gold_users_are_fitted_with_gold_and_labelled():
    row = evaluate(Memorizer(), toy_corpus(), bootstrap=50).iloc[0]
    assert row["uses_gold"] and row["token_f"] == 1.0 and row["f_ci_low"] == row["f_ci_high"] == 1.0


def test_bootstrap_is_seeded():
    frames = [evaluate(EveryCut(), toy_corpus(), bootstrap=300, seed=seed) for seed in (3, 3, 4)]
    assert frames[0]["f_ci_low"].item() == frames[1]["f_ci_low"].item()
    assert (frames[0][["f_ci_low", "f_ci_high"]].values != frames[2][["f_ci_low", "f_ci_high"]].values).any()


def test_bootstrap_interval_by_hand():
    counts = np.array([[1, 1, 1], [0, 1, 1]])
    low, high = bootstrap_f(counts, resamples=500, seed=0)
    assert (low, high) == (0.0, 1.0)
    assert np.isnan(bootstrap_f(np.zeros((0, 3), dtype=int))[0])


def test_counts_per_unit_assigns_cuts_to_the_unit_they_open():
    counts = counts_per_unit(np.array([3, 5]), np.array([3, 4, 8]), starts=np.array([0, 3, 7]))
    assert counts.tolist() == [[0, 0, 0], [1, 2, 2], [0, 1, 0]]


def test_sentence_level_scores_the_stream():
    corpus = toy_corpus()
    row = evaluate(Memorizer(), corpus, level="sentence", bootstrap=50).iloc[0]
    assert (row["boundary_f"], row["pk"], row["windowdiff"]) == (1.0, 0.0, 0.0)
    assert row["headline_f"] == 1.0 and row["symbols"] == corpus.n_symbols()
    every = evaluate(EveryCut(), corpus, level="sentence", bootstrap=0).iloc[0]
    assert every["boundary_r"] == 1.0 and every["boundary_p"] == pytest.approx(4 / (corpus.n_symbols() - 1))
    assert np.isnan(every["f_ci_low"])


def test_sentence_level_needs_sentence_labels():
    with pytest.raises(CorpusError, match="no sentence boundaries"):
        evaluate(EveryCut(), toy_corpus(sentence_labels="none"), level="sentence")


def test_split_must_match_a_loaded_corpus():
    with pytest.raises(CorpusError, match="'test' split, not 'train'"):
        evaluate(EveryCut(), toy_corpus(split="test"), split="train")


def test_compare_skips_missing_extras_with_a_note():
    frame = compare({"every": EveryCut(), "peer": NeedsExtra(), "gold": Memorizer()}, toy_corpus(),
                    bootstrap=20, progress=False)
    assert frame["segmenter"].tolist() == ["every", "peer", "gold"]
    notes = dict(zip(frame["segmenter"], frame["note"]))
    assert notes["peer"].startswith("skipped: wordsegment is not installed") and notes["every"] == ""
    assert np.isnan(frame.set_index("segmenter").loc["peer", "headline_f"])


def test_compare_fits_on_another_corpus_when_asked():
    memorizer = Memorizer()
    train = Corpus(name="toy", split="train", documents=[[Unit(words=("the", "dog"))]], sentence_labels="gold")
    frame = compare([memorizer], toy_corpus(), fit=train, bootstrap=0, progress=False)
    assert list(memorizer.table_) == [tuple("thedog")]
    assert frame["segmenter"].tolist() == ["Memorizer"]


def test_compare_fit_false_uses_the_segmenter_as_is():
    memorizer = Memorizer().fit([s for s in toy_corpus().sequences()], toy_corpus().word_boundaries())
    memorizer.table_ = {k: np.zeros(0, dtype=np.int64) for k in memorizer.table_}
    row = evaluate(memorizer, toy_corpus(), fit=False, bootstrap=0).iloc[0]
    assert row["boundary_noedge_r"] == 0.0


def test_report_formats_round_trip():
    frame = compare({"every": EveryCut(), "peer": NeedsExtra()}, toy_corpus(), bootstrap=10, progress=False)
    markdown = to_markdown(frame).splitlines()
    assert len(markdown) == 2 + len(frame)
    assert markdown[0].startswith("| segmenter | corpus |") and set(markdown[1]) <= set("|-:")
    assert "| every | toy | all | word |" in markdown[2]
    csv = pd.read_csv(io.StringIO(format_report(frame, "csv")))
    assert csv["boundary_noedge_f"].iloc[0] == pytest.approx(frame["boundary_noedge_f"].iloc[0])
    records = json.loads(format_report(frame, "json"))
    assert records[1]["headline_f"] is None and records[1]["note"].startswith("skipped")
    with pytest.raises(ValueError, match="format must be"):
        format_report(frame, "xml")


def test_markdown_cells():
    frame = pd.DataFrame({"name": ["a|b"], "x": [0.123456], "n": [12], "flag": [True], "gap": [float("nan")]})
    lines = to_markdown(frame).splitlines()
    assert lines[1] == "|:---|---:|---:|:---|---:|"
    assert lines[2] == "| a\\|b | 0.1235 | 12 | yes |  |"


# -- registry ---------------------------------------------------------------------------------------
def test_registry_combines_baselines_and_model_segmenters(monkeypatch):
    from segment import registry

    built = {}

    def model_factory(path, **kw):
        built["path"] = path
        return Memorizer().set_params(**kw)

    monkeypatch.setattr(registry, "baseline_factories", lambda: {"every": EveryCut})
    monkeypatch.setattr(registry, "model_factories", lambda: {"ponder": model_factory})
    assert registry.available_segmenters() == ["every", "ponder"]
    assert registry.available_segmenters(models=False) == ["every"]
    assert isinstance(registry.make_segmenter("every"), EveryCut)
    assert isinstance(registry.make_segmenter("ponder", model="run/ckpt"), Memorizer)
    assert built["path"] == "run/ckpt"
    registry.make_segmenter("ponder")
    assert built["path"] is None  # model-based segmenters train their own model in fit
    with pytest.raises(ValueError, match="has no parameter 'depth'"):
        registry.make_segmenter("ponder", model="run/ckpt", depth=3)
    with pytest.raises(ValueError, match="unknown segmenter 'nope'; available: every, ponder"):
        registry.make_segmenter("nope")
    frame = compare(["every"], toy_corpus(), bootstrap=0, progress=False)
    assert frame["segmenter"].tolist() == ["every"] and frame["note"].tolist() == [""]


# -- real corpora -------------------------------------------------------------------------------------
def test_corpus_names_are_loaded():
    frame = evaluate(EveryCut(), "sample-brent-phono", "test", bootstrap=0)
    assert (frame["corpus"].item(), frame["split"].item(), frame["units"].item()) == ("sample-brent-phono",
                                                                                      "test", 100)
    assert frame["boundary_noedge_r"].item() == 1.0


def test_harness_reproduces_the_brent_tp_figure(corpora_dir):
    from segment.baselines.transitional import TransitionalProbability

    frame = evaluate(TransitionalProbability(statistic="forward", threshold="relative", pad_ends=False),
                     "brent-phono", data_dir=corpora_dir, bootstrap=200)
    row = frame.iloc[0]
    assert [round(row[k], 4) for k in ("boundary_noedge_p", "boundary_noedge_r", "boundary_noedge_f",
                                       "token_f")] == [0.5890, 0.7094, 0.6436, 0.4683]
    assert row["f_ci_low"] < row["headline_f"] < row["f_ci_high"] and row["f_ci_high"] - row["f_ci_low"] < 0.02
