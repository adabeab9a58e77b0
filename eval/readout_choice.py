"""Choose a shipped readout's classifier, window and training units on a dev split (no test labels).

    python -m segment.eval.readout_choice --model DIR --train ud-en-ewt:train --dev ud-en-ewt:dev \
        --level word --units 3000,12000 [--choices logistic:2,mlp:2,mlp:4:2] [--coarse-classes] [--no-rtl] [--out FILE]

Every combination of ``--units`` (the first labelled units of the train split: sentences at word level, runs of
``--chunk-units`` sentences at sentence level) and ``--choices`` (classifier:window[:class window]) is fitted on the
train units (with the readout's symbol classes, or punctuation undivided with ``--coarse-classes``)
and scored on every dev unit (boundary and token F); the model's signals, and its right-to-left twin's when the
model directory holds one in ``rtl/`` (unless ``--no-rtl``), are computed once. The rows, each with the command that
measured it, go to ``--out`` (default ``eval/results/readout-choice-<level>.json``) as they come, replacing the rows
of the same settings already there; the settings in ``scales.ENGLISH_READOUTS`` are the best dev F of these files.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from segment.files import write_atomic

#: The (classifier, window, class window) choices compared by default.
CHOICES = (("logistic", 2, 1), ("mlp", 2, 1), ("mlp", 4, 1))


def choose(model: Path, train: str, dev: str, unit_counts: list[int], out: Path, data_dir=None, *,
           level: str = "word", chunk_units: int = 10, choices=CHOICES, rtl: bool = True,
           coarse: bool = False) -> list[dict]:
    """Fit and score every choice; the rows (also written to ``out`` after each fit)."""
    from segment.eval import word_scores
    from segment.eval.run_specs import load_ref
    from segment.models.inference import compute_signals
    from segment.ponder import load_model
    from segment.readout import COARSE_CLASSES, RTL_DIR, SYMBOL_CLASSES, ReadoutSegmenter, labelled_sequences

    train_x, train_y = labelled_sequences(load_ref(train, data_dir), level, max(unit_counts), chunk_units)
    dev_x, dev_y = labelled_sequences(load_ref(dev, data_dir), level, sys.maxsize, chunk_units)
    twin = str(model / RTL_DIR) if rtl and (model / RTL_DIR).is_dir() else None
    loaded = load_model(model)
    train_signals, dev_signals = compute_signals(loaded, train_x), compute_signals(loaded, dev_x)
    if twin is not None:
        reader = ReadoutSegmenter(str(model), twin)
        train_rtl, dev_rtl = reader.rtl_signals(train_x), reader.rtl_signals(dev_x)
    else:
        train_rtl = dev_rtl = None
    command = "python -m segment.eval.readout_choice " + " ".join(sys.argv[1:])
    kept = json.loads(out.read_text(encoding="utf-8"))["rows"] if out.is_file() else []
    rows = []
    for units in unit_counts:
        for classifier, window, class_window in choices:
            start = time.perf_counter()
            readout = ReadoutSegmenter(str(model), twin, classifier=classifier, window=window, level=level,
                                       class_window=class_window,
                                       classes=COARSE_CLASSES if coarse else SYMBOL_CLASSES).fit(
                train_x[:units], train_y[:units], train_signals[:units],
                None if train_rtl is None else train_rtl[:units])
            predicted = [readout.cuts(p) for p in readout.boundary_scores_many(dev_x, dev_signals, dev_rtl)]
            scores = word_scores(reference=dev_y, hypothesis=predicted, sequences=dev_x)
            rows.append({"command": command, "model": str(model), "level": level, "rtl": twin is not None,
                         "train": train, "units": units, **({"chunk_units": chunk_units} if level == "sentence" else {}),
                         "classifier": classifier, "window": window, "class_window": class_window,
                         "classes": "coarse" if coarse else "fine", "dev": dev,
                         "dev_f": round(scores["boundary_noedge_f"], 4), "dev_token_f": round(scores["token_f"], 4),
                         "holdout_f": round(readout.holdout_f_, 4), "fit_s": round(time.perf_counter() - start)})
            click.echo(json.dumps(rows[-1]), err=True)
            kept = [row for row in kept if _settings(row) != _settings(rows[-1])]
            write_atomic(out, json.dumps({"rows": kept + rows}, indent=1) + "\n")
    return rows


def _settings(row: dict) -> tuple:
    """What a row measured, everything but its figures and command."""
    return tuple(sorted((k, v) for k, v in row.items()
                        if k not in ("command", "dev_f", "dev_token_f", "holdout_f", "fit_s")))


def parse_choices(text: str) -> tuple[tuple[str, int, int], ...]:
    """``"logistic:2,mlp:4:2"`` -> (("logistic", 2, 1), ("mlp", 4, 2)); click.BadParameter when malformed."""
    from segment.readout import CLASSIFIERS

    choices = []
    for item in text.split(","):
        classifier, *windows = item.split(":")
        windows = windows + ["1"] if len(windows) == 1 else windows
        if classifier not in CLASSIFIERS or len(windows) != 2 or not all(w.isdigit() for w in windows) \
                or int(windows[1]) < 1:
            raise click.BadParameter(f"{item!r} is not classifier:window[:class window >= 1] with a classifier of "
                                     f"{CLASSIFIERS}", param_hint="--choices")
        choices.append((classifier, int(windows[0]), int(windows[1])))
    return tuple(choices)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--model", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--train", required=True, help="corpus:split the readouts learn from")
@click.option("--dev", required=True, help="corpus:split they are scored on")
@click.option("--level", type=click.Choice(["word", "sentence"]), default="word", show_default=True)
@click.option("--units", default="3000,12000", show_default=True, help="comma-separated training unit counts")
@click.option("--chunk-units", default=10, show_default=True, type=click.IntRange(min=1),
              help="sentences per run-together unit (sentence level)")
@click.option("--choices", default=",".join(f"{c}:{w}:{k}" for c, w, k in CHOICES), show_default=True,
              help="comma-separated classifier:window[:class window] choices")
@click.option("--coarse-classes", is_flag=True, help="read punctuation as one class (as format 1-2 readouts do)")
@click.option("--rtl/--no-rtl", default=True, show_default=True,
              help="read the model directory's right-to-left twin (rtl/) when it has one")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="[default: eval/results/readout-choice-<level>.json]")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(model: Path, train: str, dev: str, level: str, units: str, chunk_units: int, choices: str,
         coarse_classes: bool, rtl: bool, out: Path | None, data_dir: Path | None) -> None:
    """Compare the readout choices on the dev split."""
    try:
        counts = [int(u) for u in units.split(",")]
    except ValueError:
        raise click.BadParameter(f"{units!r} is not comma-separated integers", param_hint="--units") from None
    out = out or Path(f"eval/results/readout-choice-{level}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    choose(model, train, dev, counts, out, data_dir, level=level, chunk_units=chunk_units,
           choices=parse_choices(choices), rtl=rtl, coarse=coarse_classes)


if __name__ == "__main__":
    main()
