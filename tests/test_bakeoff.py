"""SIGHAN 2005 bakeoff: the PKU and MSR gold test sets, their training word lists, and `actseg score --words`
against the bakeoff's own score.pl."""

import shutil
import subprocess

import pytest
from click.testing import CliRunner

from segment.cli import main as cli
from segment.corpora import load_corpus
from segment.corpora.sighan import training_words
from segment.errors import CorpusError


def test_msr_and_pku_counts_and_word_lists(corpora_dir):
    msr = load_corpus("sighan-msr", "test", data_dir=corpora_dir)
    assert (len(msr.units), msr.n_words()) == (3985, 106873)
    assert msr.units[0].words[:3] == ("扬帆", "远东", "做")
    assert len(training_words("sighan-msr", corpora_dir)) == 88119
    assert "义演" in training_words("sighan-msr", corpora_dir)
    assert len(training_words("sighan-pku", corpora_dir)) == 55303
    with pytest.raises(CorpusError, match="corpus files not found"):
        training_words("sighan-msr", corpora_dir / "nowhere")


def imperfect(words: list[str], line: int) -> list[str]:
    """A hypothesis with every kind of error: pairs of words merged, long words split into characters."""
    out = []
    for i, word in enumerate(words):
        if len(word) >= 3 and (i + line) % 3 == 0:
            out.extend(word)
        elif out and (i + line) % 4 == 1:
            out[-1] += word
        else:
            out.append(word)
    return out


@pytest.mark.parametrize("name,folder,words_file", [("sighan-pku", "icwb2-pku", "pku_training_words.utf8"),
                                                     ("sighan-msr", "icwb2-msr", "msr_training_words.utf8")])
def test_scores_agree_with_score_pl_to_four_decimals(corpora_dir, tmp_path, name, folder, words_file):
    if shutil.which("perl") is None or shutil.which("diff") is None:
        pytest.skip("perl and diff are needed to run the bakeoff's score.pl")
    units = load_corpus(name, "test", data_dir=corpora_dir).units[:150]
    gold = tmp_path / "gold.utf8"
    hyp = tmp_path / "hyp.utf8"
    gold.write_text("".join("  ".join(u.words) + "\n" for u in units), encoding="utf-8")
    hyp.write_text("".join("  ".join(imperfect(list(u.words), i)) + "\n" for i, u in enumerate(units)),
                   encoding="utf-8")
    # the bakeoff's script, printing six decimals instead of three and calling the diff on PATH
    script = (corpora_dir / "icwb2-msr" / "score.pl").read_text(encoding="latin-1")
    script = script.replace("%2.3f", "%2.6f").replace('"/usr/bin/diff"', f'"{shutil.which("diff")}"')
    (tmp_path / "score.pl").write_text(script, encoding="latin-1")
    words = corpora_dir / folder / words_file
    run = subprocess.run(["perl", str(tmp_path / "score.pl"), str(words), str(gold), str(hyp)], capture_output=True,
                         text=True, cwd=tmp_path, check=True)
    summary = next(line for line in run.stdout.splitlines() if line.startswith("###")).split("\t")
    theirs = dict(zip(["recall", "precision", "f", "oov_rate", "oov_recall", "iv_recall"], map(float, summary[8:14])))
    result = CliRunner().invoke(cli, ["score", str(gold), str(hyp), "--words", str(words), "--format", "tsv"])
    assert result.exit_code == 0, result.output
    ours = dict(line.split("\t") for line in result.output.splitlines())
    for mine, key in [("token_r", "recall"), ("token_p", "precision"), ("token_f", "f"), ("oov_rate", "oov_rate"),
                      ("oov_recall", "oov_recall"), ("iv_recall", "iv_recall")]:
        assert float(ours[mine]) == pytest.approx(theirs[key], abs=1e-4), mine
    assert 0.3 < theirs["f"] < 0.95 and theirs["oov_rate"] > 0  # a segmentation with errors and OOV words
    assert int(summary[6]) == sum(len(u.words) for u in units)  # the same gold word count


def test_words_option_errors_are_one_line(tmp_path):
    gold = tmp_path / "g.txt"
    gold.write_text("ab  c\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", str(gold), str(gold), "--words", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_compare_adds_the_bakeoffs_oov_figures_with_a_training_word_list(corpora_dir):
    import dataclasses

    from segment.baselines import TransitionalProbability
    from segment.eval.harness import compare
    from segment.eval.word_metrics import oov_scores

    full = load_corpus("sighan-pku", "test", data_dir=corpora_dir)
    corpus = dataclasses.replace(full, documents=[full.units[:60]])
    words = training_words("sighan-pku", corpora_dir)
    segmenter = TransitionalProbability("forward", "absolute")
    row = compare({"tp": segmenter}, corpus, bootstrap=0, progress=False, dictionary=words).iloc[0]
    sequences = corpus.sequences()
    expected = oov_scores(reference=corpus.word_boundaries(), hypothesis=segmenter.predict_many(sequences),
                          sequences=sequences, dictionary=words)
    assert 0 < expected["oov_rate"] < 0.2 and expected["oov_recall"] is not None
    assert {k: row[k] for k in expected} == pytest.approx(expected)
    assert "oov_recall" not in compare({"tp": segmenter}, corpus, bootstrap=0, progress=False).columns
