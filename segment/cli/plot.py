"""`actseg plot`: a unit's model signal as bars, with the predicted (and gold) cuts."""

from __future__ import annotations

from pathlib import Path

import click

from segment.boundaries import from_spaced
from segment.cli.common import (argument_text, errors_option, files_option, load_segmenter, model_options,
                                peak_options, read_units, warnings_to_stderr)
from segment.shipped import LANGUAGES, shipped_name


#: The most symbols and rows one figure shows (2000 symbols are 20 rows at the width cap); a longer unit
#: is cut to its start.
MAX_SYMBOLS, MAX_ROWS = 2000, 40


def model_name(models: tuple[str, ...]) -> str:
    """How a title names the model(s) --model gave: a shipped model, a directory's name, or an ensemble."""
    if len(models) > 1:
        return f"an ensemble of {len(models)} models"
    model = models[0] if models else None
    name = shipped_name(model)
    return f"the shipped {LANGUAGES[name]} model" if name else f"model {Path(model).resolve().name}"


def pick_unit(units: list[str], unit: int) -> str:
    """The ``unit``-th (1-based) input unit ("" when the input is empty); a one-line error when there is none."""
    if not any(units):
        return ""
    if unit > len(units):
        raise click.UsageError(f"--unit {unit}: the input holds {len(units)} unit(s)")
    if len(units) > 1:
        click.echo(f"note: plotting unit {unit} of {len(units)} (choose another with --unit N)", err=True)
    return units[unit - 1]


def plotted_text(text: str | None, files: tuple[str, ...], gold: str | None, unit: int, errors: str):
    """(the unit to plot, its gold cuts or None) from TEXT, -f files or stdin, or --gold alone."""
    gold_text, gold_cuts = from_spaced(argument_text(gold, errors)) if gold is not None else (None, None)
    if text == "-":
        text, files = None, (*files, "-")
    if text is None and not files and gold_text is not None:
        units = [gold_text]
    else:
        units = read_units(() if text is None else (text,), files, errors)
    text = pick_unit(units, unit)
    if gold_text is not None and gold_text != text:
        raise click.UsageError("--gold without its spaces must equal the plotted text")
    return text, gold_cuts


@click.command()
@click.argument("text", required=False)
@files_option
@click.option("--unit", type=click.IntRange(min=1), default=1, show_default=True,
              help="Which unit (line) of the input to plot.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Image file to write (format from the suffix: .png, .pdf, .svg).")
@click.option("--gold", default=None, help="The same text with spaces between the gold words (TEXT may be omitted).")
@click.option("--per-row", type=click.IntRange(min=1), default=None,
              help="Symbols per row [default: the figure grows with the text up to a cap, then wraps].")
@model_options
@peak_options
@errors_option
def plot(text, files, unit, output, gold, per_row, model_path, batch_size, chunk_len, context, device, signal_name,
         errors, **peak_params):
    """Plot the model signal over TEXT (or a line of -f files / stdin, '-' for stdin) as bars, with the
    predicted cuts and, with --gold, the gold word boundaries (with several --model: their mean signal)."""
    try:
        from segment.eval.plots import SIGNAL_LABELS, image_format, plot_trace
        image_format(output)
    except ImportError as err:
        raise click.ClickException(f"plotting needs matplotlib ({err}): pip install 'act-segment[plot]'") from None
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="'-o' / '--output'") from None
    text, gold_cuts = plotted_text(text, files, gold, unit, errors)
    if not text:
        raise click.ClickException("empty input: nothing to plot")
    limit = MAX_SYMBOLS if per_row is None else min(MAX_SYMBOLS, per_row * MAX_ROWS)
    if len(text) > limit:
        click.echo(f"note: plotting the first {limit} of {len(text)} symbols", err=True)
        text = text[:limit]
        gold_cuts = None if gold_cuts is None else gold_cuts[gold_cuts < limit]
    segmenter = load_segmenter(model_path, signal_name=signal_name, batch_size=batch_size, chunk_len=chunk_len,
                               context=context, device=device, **peak_params)
    with warnings_to_stderr():
        signal = segmenter.signal(text)
    name = segmenter.signal_name
    try:
        plot_trace(text, signal, gold=gold_cuts, predicted=segmenter.predict_signal(signal), width=per_row,
                   title=f"{name} of {model_name(model_path)} ({len(text)} symbols)",
                   ylabel=SIGNAL_LABELS.get(name, name), path=output)
    except OSError as err:
        raise click.ClickException(f"cannot write {output}: {err.strerror or err}") from None
    click.echo(f"wrote {output}", err=True)
