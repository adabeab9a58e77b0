"""``actseg evaluate``, ``actseg compare`` and ``actseg score`` through click's CliRunner."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from segment import registry
from segment.base import Segmenter
from segment.cli import main


class EveryCut(Segmenter):
    def __init__(self, seed: int = 0):
        self.seed = seed

    def _predict(self, seq):
        return np.arange(1, len(seq))


class NoCut(Segmenter):
    def __init__(self):
        pass

    def _predict(self, seq):
        return np.zeros(0, dtype=np.int64)


class Lexical(NoCut):
    uses_lexicon = True


FITTED: list[int] = []


class Recorder(NoCut):
    """Records the total length of what it is fitted on."""

    def fit(self, sequences):
        FITTED.append(sum(map(len, sequences)))
        return self


def missing_extra():
    raise ImportError("wordninja is not installed: pip install 'act-segment[peers]'")


@pytest.fixture
def toy_registry(monkeypatch):
    factories = {"every": EveryCut, "none": NoCut, "lexical": Lexical, "peer": missing_extra,
                 "recorder": Recorder}
    monkeypatch.setattr(registry, "baseline_factories", lambda: dict(factories))
    monkeypatch.setattr(registry, "model_factories", lambda: {})


def invoke(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_evaluate_writes_markdown(toy_registry):
    result = invoke("evaluate", "--corpus", "sample-brent-phono", "--segmenter", "every", "--bootstrap", "50")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| segmenter | corpus | split | level | headline_f |")
    assert lines[2].startswith("| every | sample-brent-phono | all | word |")
    assert "| 1.0000 |" in lines[2]  # every cut finds every gold boundary: recall 1


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_compare_defaults_to_unsupervised_segmenters(toy_registry, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = invoke("compare", "--corpus", "sample-brent-phono", "--bootstrap", "20", "--format", fmt,
                    "-o", str(out))
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out) if fmt == "csv" else pd.DataFrame(json.loads(out.read_text()))
    assert sorted(frame["segmenter"]) == ["every", "none", "peer", "recorder"]  # not lexical
    rows = frame.set_index("segmenter")
    assert rows.loc["none", "boundary_noedge_r"] == 0.0
    assert str(rows.loc["peer", "note"]).startswith("skipped: wordninja is not installed")


def test_compare_sentence_level_fitted_on_the_train_split(toy_registry):
    FITTED.clear()
    result = invoke("compare", "--corpus", "sample-brent-phono", "--split", "test", "--train", "--segmenters",
                    "recorder,lexical", "--level", "sentence", "--format", "json", "--bootstrap", "0")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["segmenter"] for r in records] == ["recorder", "lexical"]
    assert records[0]["boundary_r"] == 0.0 and records[0]["pk"] > 0 and records[1]["uses_lexicon"]
    assert records[0]["split"] == "test" and records[0]["symbols"] == 987
    assert FITTED == [3467]  # the whole train stream, not the evaluated test units


def test_compare_fitted_on_named_raw_text(toy_registry):
    """--fit-text: the named units, then the evaluated ones unless named; never with --train."""
    test_symbols, train_symbols = 987, 3467
    for refs, expected in [("sample-brent-phono:train", train_symbols + test_symbols),
                           ("sample-brent-phono:test,sample-brent-phono:train", test_symbols + train_symbols),
                           ("sample-brent-phono", train_symbols + test_symbols + test_symbols)]:
        FITTED.clear()
        result = invoke("compare", "--corpus", "sample-brent-phono", "--split", "test", "--fit-text", refs,
                        "--segmenters", "recorder", "--format", "json", "--bootstrap", "0")
        assert result.exit_code == 0, result.output
        assert FITTED == [expected], refs
    result = invoke("compare", "--corpus", "sample-brent-phono", "--fit-text", "sample-en", "--train")
    assert result.exit_code == 2 and "give --train or --fit-text, not both" in result.output


def test_unknown_segmenter_is_a_one_line_error(toy_registry):
    result = invoke("evaluate", "--corpus", "sample-brent-phono", "--segmenter", "nope")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: unknown segmenter 'nope'; available: every, lexical")
    assert len(result.output.strip().splitlines()) == 1


def test_unknown_corpus_is_a_one_line_error(toy_registry):
    result = invoke("compare", "--corpus", "no-such-corpus", "--segmenters", "every")
    assert result.exit_code == 1 and result.output.startswith("Error:")
    assert len(result.output.strip().splitlines()) == 1


def test_score_matches_the_metrics(tmp_path):
    gold, hyp = tmp_path / "gold.txt", tmp_path / "hyp.txt"
    gold.write_text("ab cd\nx y z\n")
    hyp.write_text("ab c d\nxy z\n\n")
    result = invoke("score", str(gold), str(hyp))
    assert result.exit_code == 0, result.output
    scores = dict(line.split("\t") for line in result.stdout.splitlines())
    assert scores["boundary_noedge_f"] == "0.6667" and scores["token_f"] == "0.4000"
    assert (scores["over"], scores["under"]) == ("1", "2")
    as_json = json.loads(invoke("score", str(gold), "-", "--format", "json", "--tolerance", "1",
                                input=hyp.read_text()).stdout)
    assert as_json["boundary_all_f"] == pytest.approx(6 / 7) and "boundary_f_tol1" in as_json


@pytest.mark.parametrize("hyp_text, message", [
    ("ab cd\nx y q\n", "Error: line 2: "),
    ("ab cd\n", "Error: line 2: in "),
    ("ab cd\nx y z\nw\n", "Error: line 3: in "),
])
def test_score_rejects_mismatched_files(tmp_path, hyp_text, message):
    gold, hyp = tmp_path / "gold.txt", tmp_path / "hyp.txt"
    gold.write_text("ab cd\nx y z\n")
    hyp.write_text(hyp_text)
    result = invoke("score", str(gold), str(hyp))
    assert result.exit_code == 1
    assert result.output.startswith(message) and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_score_without_words_is_a_one_line_error(tmp_path, text):
    gold = tmp_path / "gold.txt"
    gold.write_text(text)
    result = CliRunner().invoke(main, ["score", str(gold), "-"], input=text)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"Error: nothing to score: {gold} and <stdin> hold no words\n"


def test_score_huge_tolerance_and_stdin_twice(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_text("ab cd\n")
    wide = json.loads(invoke("score", str(gold), str(gold), "--format", "json", "--tolerance", str(10**30)).stdout)
    assert wide[f"boundary_f_tol{10**30}"] == 1.0
    result = CliRunner().invoke(main, ["score", "-", "-"], input="ab cd\n")
    assert result.exit_code == 2 and result.stderr.endswith("Error: GOLD and HYP cannot both be stdin: give one of "
                                                           "them as a file\n")


def test_score_missing_file_and_bad_utf8(tmp_path):
    gold = tmp_path / "gold.txt"
    gold.write_bytes(b"ab \xff\n")
    assert invoke("score", str(gold), str(tmp_path / "missing.txt")).exit_code != 0
    result = invoke("score", str(gold), str(gold))
    assert result.exit_code == 1 and "invalid UTF-8" in result.output


def test_missing_model_directory_is_a_one_line_error(tmp_path):
    result = invoke("evaluate", "--corpus", "sample-brent-phono", "--segmenter", "act-ponder", "--model",
                    str(tmp_path / "missing"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "missing" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_real_registry_tp_on_the_sample():
    result = invoke("evaluate", "--corpus", "sample-brent-phono", "--split", "test", "--segmenter",
                    "tp-forward-relative", "--format", "json", "--bootstrap", "0")
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    assert record["units"] == 100 and 0.3 < record["boundary_noedge_f"] < 0.8 and record["note"] == ""


def test_repeated_model_gives_the_model_segmenters_an_ensemble(monkeypatch, tmp_path):
    received = []

    def model_segmenter(model, **params):
        received.append(model)
        return NoCut()

    monkeypatch.setattr(registry, "baseline_factories", lambda: {})
    monkeypatch.setattr(registry, "model_factories", lambda: {"act-ponder": model_segmenter})
    for models in ([], ["a"], ["a", "b"]):
        options = [arg for name in models for arg in ("--model", str(tmp_path / name))]
        result = invoke("evaluate", "--corpus", "sample-brent-phono", "--split", "test", "--segmenter",
                        "act-ponder", "--bootstrap", "0", *options)
        assert result.exit_code == 0, result.output
    assert received == [None, tmp_path / "a", [tmp_path / "a", tmp_path / "b"]]
