"""Choose a shipped readout's classifier, window and training units on a dev split (no test labels).

    python -m segment.eval.readout_choice --model DIR --train ud-en-ewt:train --dev ud-en-ewt:dev \
        --units 3000,12000 [--out eval/results/readout-choice.json]

Every combination of ``--units`` (the first units of the train split) and ``CHOICES`` (classifier, window) is
fitted on the train units and scored on every dev unit (boundary and token F); the model's signals are
computed once. The rows go to ``--out`` as they come; the settings in ``scales.ENGLISH_READOUTS`` are the best
dev F of this file.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from segment.files import write_atomic

#: The (classifier, window) pairs compared.
CHOICES = (("logistic", 2), ("mlp", 2), ("mlp", 4))


def choose(model: Path, train: str, dev: str, unit_counts: list[int], out: Path, data_dir=None) -> list[dict]:
    """Fit and score every choice; the rows (also written to ``out`` after each fit)."""
    from segment.eval import word_scores
    from segment.eval.run_specs import load_ref
    from segment.models.inference import compute_signals
    from segment.ponder import load_model
    from segment.readout import ReadoutSegmenter, labelled_sequences

    train_x, train_y = labelled_sequences(load_ref(train, data_dir), "word", max(unit_counts))
    dev_x, dev_y = labelled_sequences(load_ref(dev, data_dir), "word", sys.maxsize)
    loaded = load_model(model)
    train_signals, dev_signals = compute_signals(loaded, train_x), compute_signals(loaded, dev_x)
    rows = []
    for units in unit_counts:
        for classifier, window in CHOICES:
            start = time.perf_counter()
            readout = ReadoutSegmenter(str(model), classifier=classifier, window=window).fit(
                train_x[:units], train_y[:units], train_signals[:units])
            predicted = [readout.cuts(p) for p in readout.boundary_scores_many(dev_x, dev_signals)]
            scores = word_scores(reference=dev_y, hypothesis=predicted, sequences=dev_x)
            rows.append({"model": str(model), "train": train, "units": units, "classifier": classifier,
                         "window": window, "dev": dev, "dev_f": round(scores["boundary_noedge_f"], 4),
                         "dev_token_f": round(scores["token_f"], 4), "holdout_f": round(readout.holdout_f_, 4),
                         "fit_s": round(time.perf_counter() - start)})
            click.echo(json.dumps(rows[-1]), err=True)
            write_atomic(out, json.dumps({"command": "python -m segment.eval.readout_choice " + " ".join(sys.argv[1:]),
                                          "rows": rows}, indent=1) + "\n")
    return rows


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--train", required=True, help="corpus:split the readouts learn from")
@click.option("--dev", required=True, help="corpus:split they are scored on")
@click.option("--units", default="3000,12000", show_default=True, help="comma-separated training unit counts")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("eval/results/readout-choice.json"), show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(model: Path, train: str, dev: str, units: str, out: Path, data_dir: Path | None) -> None:
    """Compare the readout choices on the dev split."""
    try:
        counts = [int(u) for u in units.split(",")]
    except ValueError:
        raise click.BadParameter(f"{units!r} is not comma-separated integers", param_hint="--units") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    choose(model, train, dev, counts, out, data_dir)


if __name__ == "__main__":
    main()
