"""`actseg plot`: a unit's model signal as bars, with the predicted (and gold) cuts."""

from __future__ import annotations

from pathlib import Path

import click

from segment.boundaries import from_spaced
from segment.cli.common import errors_option, load_segmenter, model_options, peak_options, read_text, warnings_to_stderr


@click.command()
@click.argument("text", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Image file to write (format from the suffix: .png, .pdf, .svg).")
@click.option("--gold", default=None, help="The same text with spaces between the gold words (TEXT may be omitted).")
@model_options
@peak_options
@errors_option
def plot(text, output, gold, model_path, batch_size, chunk_len, context, device, signal_name, errors,
         **peak_params):
    """Plot the model signal over TEXT ('-' reads stdin) with the predicted cuts (and --gold cuts)."""
    try:
        from segment.eval.plots import plot_trace
    except ImportError as err:
        raise click.ClickException(f"plotting needs matplotlib ({err}): pip install 'act-segment[plot]'") from None
    gold_text, gold_cuts = from_spaced(gold) if gold is not None else (None, None)
    if text is None and gold_text is None:
        raise click.UsageError("give TEXT or --gold")
    text = gold_text if text is None else read_text("-", errors).rstrip("\n") if text == "-" else text
    if gold_text is not None and gold_text != text:
        raise click.UsageError("--gold without its spaces must equal TEXT")
    if not text:
        click.echo("empty input: nothing to plot", err=True)
        return
    segmenter = load_segmenter(model_path, signal_name=signal_name, batch_size=batch_size, chunk_len=chunk_len,
                               context=context, device=device, **peak_params)
    with warnings_to_stderr():
        signal = segmenter.signal(text)
    plot_trace(text, signal, gold=gold_cuts, predicted=segmenter.predict_signal(signal),
               title=f"{segmenter.signal_name} of {segmenter.model}", path=output)
    click.echo(f"wrote {output}", err=True)
