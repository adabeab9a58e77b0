"""``actseg readout fit``: train a boundary readout over a model's signals on labelled units and store it
beside the model (``readout-<level>.json``), where ``actseg segment`` finds it."""

from __future__ import annotations

from pathlib import Path

import click

from segment.cli.common import data_dir_option, model_location
from segment.readout import DEFAULT_SIGNALS


@click.group()
def readout():
    """Learned boundary readouts over a model's signals."""


@readout.command("fit")
@click.option("--model", "model", required=True,
              help="Model directory (or training run directory), or a shipped model's name (en, zh), that the "
                   "readout reads and is stored in.")
@click.option("--corpus", required=True, help="Labelled corpus (see `actseg corpus list`), or plain:PATH of spaced "
                                              "text: its whitespace gives the word cuts.")
@click.option("--split", default="train", show_default=True, help="Split of the corpus to train on.")
@data_dir_option
@click.option("--level", type=click.Choice(["word", "sentence"]), default="word", show_default=True,
              help="word: cuts between words of each unit; sentence: sentence ends in runs of --chunk-units units.")
@click.option("--units", type=click.IntRange(min=2), default=2000, show_default=True,
              help="Labelled units (sentence level: chunks) read, from the start of the split.")
@click.option("--chunk-units", type=click.IntRange(min=1), default=None,
              help="Units run together per training sequence, so that the readout sees unit ends inside a text "
                   "[default: 1 at word level, 10 at sentence level].")
@click.option("--mixed-runs", is_flag=True,
              help="Runs of 1, 2, ..., --chunk-units units in turn, so that units are read alone as well as inside "
                   "a text.")
@click.option("--rtl-model", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A right-to-left model whose signals are read too; it is copied to the model's rtl/ folder, "
                   "where the readout finds it. Default: that folder, when the model has one.")
@click.option("--no-rtl", is_flag=True, help="Read the model alone, even when it has an rtl/ folder.")
@click.option("--signals", default=",".join(DEFAULT_SIGNALS), show_default=True,
              help="Comma-separated model signals to read; the language model's next-symbol probabilities "
                   "p_upper, p_terminal, p_punctuation and p_sep may be added.")
@click.option("--classifier", type=click.Choice(["logistic", "mlp"]), default="logistic", show_default=True,
              help="logistic: a logistic regression; mlp: a small ReLU network (see --hidden), slower to fit.")
@click.option("--hidden", default="64,64", show_default=True,
              help="With --classifier mlp: comma-separated widths of its hidden layers.")
@click.option("--members", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --classifier mlp: networks fitted from successive seeds, their probabilities averaged.")
@click.option("--window", type=click.IntRange(min=0), default=2, show_default=True,
              help="Each signal is read at the cut's position and this many positions either side.")
@click.option("--class-window", type=click.IntRange(min=1), default=1, show_default=True,
              help="The classes of this many symbols either side of the cut are read.")
@click.option("--holdout", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.1, show_default=True,
              help="Fraction of the labelled units (the last ones) on which the threshold is chosen.")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
def fit(model, corpus, split, data_dir, level, units, chunk_units, mixed_runs, rtl_model, no_rtl, signals, classifier,
        hidden, members, window, class_window, holdout, device):
    """Train a readout of boundaries over the model's signals and store it in --model."""
    from segment.corpora import load_corpus
    from segment.ponder import resolve_model_dir
    from segment.readout import RTL_DIR, ReadoutSegmenter, labelled_sequences, rtl_install_problem

    model_path = model_location(model)
    if not model_path.is_dir():
        raise click.BadParameter(f"{model_path}: no such model directory", param_hint="--model")
    if rtl_model is not None and no_rtl:
        raise click.UsageError("--rtl-model and --no-rtl exclude each other")
    if members > 1 and classifier != "mlp":
        raise click.UsageError("--members above 1 needs --classifier mlp (a logistic regression fits the same every "
                               "time)")
    own_rtl = resolve_model_dir(model_path) / RTL_DIR
    if rtl_model is None and not no_rtl and own_rtl.is_dir():
        rtl_model = own_rtl
    try:
        widths = tuple(int(w) for w in hidden.split(","))
    except ValueError:
        raise click.BadParameter(f"{hidden!r} is not comma-separated integers", param_hint="--hidden") from None
    problem = None if rtl_model is None else rtl_install_problem(own_rtl.parent, resolve_model_dir(rtl_model))
    if problem:
        raise click.UsageError(problem)
    labelled = load_corpus(corpus, split, data_dir)
    sequences, boundaries = labelled_sequences(labelled, level, units, chunk_units, mixed=mixed_runs)
    segmenter = ReadoutSegmenter(str(model_path), None if rtl_model is None else str(rtl_model),
                                 signals=tuple(s.strip() for s in signals.split(",") if s.strip()), holdout=holdout,
                                 classifier=classifier, hidden=widths, members=members, window=window,
                                 class_window=class_window, level=level, device=device)
    segmenter.fit(sequences, boundaries)
    path = segmenter.save(model_path)
    click.echo(f"{level} readout written to {path} ({len(sequences)} labelled sequences"
               f"{'' if rtl_model is None else ', with the right-to-left model in ' + str(path.parent / RTL_DIR)}; threshold "
               f"{segmenter.threshold_:.3f}, held-out boundary F {segmenter.holdout_f_:.4f})", err=True)
