"""`actseg ponder`: the per-symbol signals of a model (ponder time, steps, remainder, entropy, ...)."""

from __future__ import annotations

import json

import click

from segment.cli.common import (Output, errors_option, files_option, load_segmenter, model_options, output_option,
                                read_units, tsv_field, warnings_to_stderr)


@click.command()
@click.argument("texts", nargs=-1)
@files_option
@click.option("--format", "fmt", type=click.Choice(["tsv", "json"]), default="tsv", show_default=True,
              help="tsv: one row per symbol; json: one object per unit with one array per signal.")
@model_options
@output_option
@errors_option
def ponder(texts, files, fmt, model_path, batch_size, chunk_len, context, device, output, errors):
    """Print, for each symbol of TEXTS (or lines of files / stdin), the model's signals: ponder time
    rho = N + R, steps N, remainder R, first halting output, entropy and surprisal (bits), and the
    next-symbol class probabilities (with several --model: each signal's mean over the models)."""
    from segment.models.inference import SIGNAL_NAMES  # torch: imported only when the command runs

    segmenter = load_segmenter(model_path, batch_size=batch_size, chunk_len=chunk_len, context=context, device=device)
    units = read_units(texts, files, errors)
    with warnings_to_stderr():
        signals = segmenter.model_signals(units)
    with Output(output) as out:
        if fmt == "tsv" and units:
            out.write("\t".join(["unit", "position", "symbol", *SIGNAL_NAMES]) + "\n")
        for index, (unit, values) in enumerate(zip(units, signals)):
            columns = [getattr(values, name).tolist() for name in SIGNAL_NAMES]
            if fmt == "json":
                record = {"unit": index, "symbols": list(unit),
                          **{name: [round(v, 5) for v in column] for name, column in zip(SIGNAL_NAMES, columns)}}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                continue
            for position, symbol in enumerate(unit):
                row = [f"{column[position]:.5g}" for column in columns]
                out.write("\t".join([str(index), str(position), tsv_field(symbol), *row]) + "\n")
