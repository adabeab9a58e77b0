"""Choose a shipped readout's classifier, window and training units on a dev split (no test labels).

    python -m segment.eval.readout_choice --model DIR --train ud-en-ewt:train --dev ud-en-ewt:dev \
        --level word --units 3000,12000 [--chunk-units N] [--choices logistic:2,mlp:2,mlp:4:2] [--members K] \
        [--signals S,S,...] [--coarse-classes] [--no-rtl] [--out FILE]

Every combination of ``--units`` (the first labelled runs of ``--chunk-units`` consecutive units of the train split,
run together: one sentence each at word level unless told otherwise, 10 at sentence level) and ``--choices``
(classifier:window[:class window]; an MLP as the average of ``--members`` networks) is fitted on the train units,
reading ``--signals`` (with the readout's symbol classes, or punctuation undivided with ``--coarse-classes``),
and scored on every dev unit (boundary and token F; at word level also on the dev units run together
``DEV_RUN_UNITS`` at a time, ``dev_runs_*``, where unit ends fall inside the text); the model's signals, and its
right-to-left twin's when the model directory holds one in ``rtl/`` (unless ``--no-rtl``), are computed once.
The rows, each with the command that measured it, go to ``--out`` (default
``eval/results/readout-choice-<level>.json``) as they come, replacing the rows of the same settings already there;
the shipped readouts (``scales.ENGLISH_READOUTS``, ``CHINESE_READOUT``) are the best row of these files by
:func:`choice_score`.
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


#: Word level: dev units are also scored run together in runs of this many, where unit ends fall inside a text.
DEV_RUN_UNITS = 10


def choose(model: Path, train: str, dev: str, unit_counts: list[int], out: Path, data_dir=None, *,
           level: str = "word", chunk_units: int | None = None, mixed: bool = False, choices=CHOICES,
           rtl: bool = True, coarse: bool = False, members: int = 1, signals: tuple[str, ...] | None = None
           ) -> list[dict]:
    """Fit and score every choice; the rows (also written to ``out`` after each fit)."""
    from segment.eval import word_scores
    from segment.eval.run_specs import load_ref
    from segment.models.inference import compute_signals
    from segment.ponder import load_model
    from segment.readout import COARSE_CLASSES, RTL_DIR, SYMBOL_CLASSES, ReadoutSegmenter, labelled_sequences

    twin = str(model / RTL_DIR) if rtl and (model / RTL_DIR).is_dir() else None
    loaded = load_model(model)
    reader = ReadoutSegmenter(str(model), twin)

    def labelled(ref: str, units: int, chunk: int | None, mixed_runs: bool = False) -> tuple:
        """(sequences, cuts, signals, right-to-left signals or None) of ``ref``."""
        x, y = labelled_sequences(load_ref(ref, data_dir), level, units, chunk, mixed=mixed_runs)
        return x, y, compute_signals(loaded, x), None if twin is None else reader.rtl_signals(x)

    train_x, train_y, train_signals, train_rtl = labelled(train, max(unit_counts), chunk_units, mixed)
    devs = {"dev": labelled(dev, sys.maxsize, None if level == "word" else chunk_units)}
    if level == "word":
        devs["dev_runs"] = labelled(dev, sys.maxsize, DEV_RUN_UNITS)
    command = "python -m segment.eval.readout_choice " + " ".join(sys.argv[1:])
    kept = json.loads(out.read_text(encoding="utf-8"))["rows"] if out.is_file() else []
    chunk = {"chunk_units": chunk_units or 10} if level == "sentence" else \
        {"chunk_units": chunk_units} if chunk_units not in (None, 1) else {}
    chunk.update({"mixed_runs": True} if mixed else {})
    rows = []
    for units in unit_counts:
        for classifier, window, class_window in choices:
            start = time.perf_counter()
            ensemble = members if classifier == "mlp" else 1
            readout = ReadoutSegmenter(str(model), twin, classifier=classifier, window=window, level=level,
                                       class_window=class_window, members=ensemble,
                                       **({"signals": signals} if signals else {}),
                                       classes=COARSE_CLASSES if coarse else SYMBOL_CLASSES).fit(
                train_x[:units], train_y[:units], train_signals[:units],
                None if train_rtl is None else train_rtl[:units])
            figures = {}
            for name, (x, y, model_signals, rtl_signals) in devs.items():
                predicted = [readout.cuts(p) for p in readout.boundary_scores_many(x, model_signals, rtl_signals)]
                scores = word_scores(reference=y, hypothesis=predicted, sequences=x)
                figures.update({f"{name}_f": round(scores["boundary_noedge_f"], 4),
                                f"{name}_token_f": round(scores["token_f"], 4)})
            rows.append({"command": command, "model": str(model), "level": level, "rtl": twin is not None,
                         "train": train, "units": units, **chunk,
                         **({"signals": ",".join(signals)} if signals else {}),
                         "classifier": classifier, **({"members": ensemble} if ensemble > 1 else {}),
                         "window": window, "class_window": class_window,
                         "classes": "coarse" if coarse else "fine", "dev": dev, **figures,
                         "holdout_f": round(readout.holdout_f_, 4), "fit_s": round(time.perf_counter() - start)})
            click.echo(json.dumps(rows[-1]), err=True)
            kept = [row for row in kept if _settings(row) != _settings(rows[-1])]
            write_atomic(out, json.dumps({"rows": kept + rows}, indent=1) + "\n")
    return rows


def choice_score(row: dict) -> float | None:
    """What a shipped readout is chosen by: at word level the mean of the dev F on single units and on units run
    together (None for a row measured before runs were scored), at sentence level the dev F."""
    if row["level"] == "sentence":
        return row["dev_f"]
    return (row["dev_f"] + row["dev_runs_f"]) / 2 if "dev_runs_f" in row else None


def best_row(rows: list[dict]) -> dict:
    """The row of highest :func:`choice_score`."""
    return max((row for row in rows if choice_score(row) is not None), key=choice_score)


def _settings(row: dict) -> tuple:
    """What a row measured, everything but its figures and command."""
    return tuple(sorted((k, v) for k, v in row.items()
                        if k not in ("command", "dev_f", "dev_token_f", "dev_runs_f", "dev_runs_token_f", "holdout_f",
                                     "fit_s")))


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
@click.option("--chunk-units", default=None, type=click.IntRange(min=1),
              help="units run together per training sequence [default: 1 at word level, 10 at sentence level]")
@click.option("--mixed-runs", is_flag=True, help="training runs of 1, 2, ..., --chunk-units units in turn")
@click.option("--choices", default=",".join(f"{c}:{w}:{k}" for c, w, k in CHOICES), show_default=True,
              help="comma-separated classifier:window[:class window] choices")
@click.option("--members", default=1, show_default=True, type=click.IntRange(min=1),
              help="each MLP choice is the average of this many networks (successive seeds)")
@click.option("--signals", default=None, help="comma-separated model signals read [default: the readout's default]")
@click.option("--coarse-classes", is_flag=True, help="read punctuation as one class (as format 1-2 readouts do)")
@click.option("--rtl/--no-rtl", default=True, show_default=True,
              help="read the model directory's right-to-left twin (rtl/) when it has one")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="[default: eval/results/readout-choice-<level>.json]")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(model: Path, train: str, dev: str, level: str, units: str, chunk_units: int | None, mixed_runs: bool,
         choices: str, members: int, signals: str | None, coarse_classes: bool, rtl: bool, out: Path | None,
         data_dir: Path | None) -> None:
    """Compare the readout choices on the dev split."""
    try:
        counts = [int(u) for u in units.split(",")]
    except ValueError:
        raise click.BadParameter(f"{units!r} is not comma-separated integers", param_hint="--units") from None
    out = out or Path(f"eval/results/readout-choice-{level}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    choose(model, train, dev, counts, out, data_dir, level=level, chunk_units=chunk_units, mixed=mixed_runs,
           choices=parse_choices(choices), rtl=rtl, coarse=coarse_classes, members=members,
           signals=None if signals is None else tuple(s.strip() for s in signals.split(",") if s.strip()))


if __name__ == "__main__":
    main()
