"""Choose the branching-autonomy segmenter's settings on a dev split (no test labels).

    python -m segment.eval.autonomy_choice [--fit REF,REF,...] [--dev ud-zh-gsd:dev] [--max-lengths 3,4,5,6] \
        [--penalties 0,0.5,1,1.5,2,2.5,3,3.5,4,5] [--split-punctuation/--no-split-punctuation] [--out FILE]

Every (max_length, word_penalty) pair is fitted on the raw text of the ``--fit`` references (corpus:split, run
together; by default the cpu-zh scale's training text, which holds the dev text as the transductive setting
does) and scored on every dev unit, with cuts forced around punctuation unless ``--no-split-punctuation``. The
rows, the command that measured them and the chosen pair (the best dev token F, the bakeoffs' word F) go to
``--out`` (default ``eval/results/autonomy-choice-zh.json``); ``BranchingAutonomy``'s defaults are that pair.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from segment.errors import ActSegError
from segment.files import write_atomic


def choose(fit: list[str], dev: str, max_lengths: list[int], penalties: list[float], *,
           split_punctuation: bool = True, data_dir=None) -> dict:
    """Score every pair on ``dev``; the results document (rows, chosen pair, command)."""
    from segment.baselines.autonomy import BranchingAutonomy
    from segment.eval import word_scores
    from segment.eval.run_specs import load_ref
    from segment.punctuation_split import PunctuationSplit

    text = [seq for ref in fit for seq in load_ref(ref, data_dir).sequences()]
    corpus = load_ref(dev, data_dir)
    sequences, gold = corpus.sequences(), corpus.word_boundaries()
    rows = []
    for max_length in max_lengths:
        fitted = BranchingAutonomy(max_length).fit(text)
        for penalty in penalties:
            fitted.set_params(word_penalty=penalty)
            segmenter = PunctuationSplit(fitted) if split_punctuation else fitted
            scores = word_scores(reference=gold, hypothesis=segmenter.predict_many(sequences), sequences=sequences)
            rows.append({"max_length": max_length, "word_penalty": penalty,
                         "dev_f": round(scores["boundary_noedge_f"], 4), "dev_token_f": round(scores["token_f"], 4)})
            click.echo(json.dumps(rows[-1]), err=True)
    best = max(rows, key=lambda row: (row["dev_token_f"], row["dev_f"]))
    return {"command": "python -m segment.eval.autonomy_choice " + " ".join(sys.argv[1:]), "fit": fit,
            "fit_symbols": sum(len(seq) for seq in text), "dev": dev, "split_punctuation": split_punctuation,
            "chosen": {"max_length": best["max_length"], "word_penalty": best["word_penalty"]}, "rows": rows}


def _numbers(text: str, kind: type, option: str) -> list:
    try:
        return [kind(item) for item in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of {kind.__name__}",
                                 param_hint=option) from None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--fit", default="sighan-pku:test,sighan-msr:test,ud-zh-gsd:train,ud-zh-gsd:dev", show_default=True,
              help="comma-separated corpus:split references whose raw text the segmenter is fitted on")
@click.option("--dev", default="ud-zh-gsd:dev", show_default=True, help="corpus:split the settings are scored on")
@click.option("--max-lengths", default="3,4,5,6", show_default=True, help="comma-separated max_length values")
@click.option("--penalties", default="0,0.5,1,1.5,2,2.5,3,3.5,4,5", show_default=True,
              help="comma-separated word_penalty values")
@click.option("--split-punctuation/--no-split-punctuation", default=True, show_default=True,
              help="force cuts around punctuation, as the Chinese tables' +punct rows do")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("eval/results/autonomy-choice-zh.json"), show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(fit: str, dev: str, max_lengths: str, penalties: str, split_punctuation: bool, out: Path,
         data_dir: Path | None) -> None:
    """Compare the settings on the dev split and write the choice."""
    lengths, costs = _numbers(max_lengths, int, "--max-lengths"), _numbers(penalties, float, "--penalties")
    if min(lengths) < 1:
        raise click.BadParameter(f"{max_lengths!r}: every max_length must be at least 1", param_hint="--max-lengths")
    if not all(math.isfinite(cost) for cost in costs):
        raise click.BadParameter(f"{penalties!r}: every word_penalty must be finite", param_hint="--penalties")
    try:
        result = choose(fit.split(","), dev, lengths, costs, split_punctuation=split_punctuation, data_dir=data_dir)
    except ActSegError as err:
        raise click.ClickException(str(err)) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, json.dumps(result, indent=1) + "\n")
    click.echo(f"chosen on {dev}: {json.dumps(result['chosen'])} -> {out}")


if __name__ == "__main__":
    main()
