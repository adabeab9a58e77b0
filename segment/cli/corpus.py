"""``actseg corpus list`` and ``actseg corpus info NAME``: which corpora exist, where, how big, on what terms."""

from __future__ import annotations

import click

from segment.cli.common import data_dir_option
from segment.corpora import corpus_info, list_corpora


@click.group()
def corpus():
    """List the named corpora and describe one."""


@corpus.command("list")
@data_dir_option
@click.option("--sizes/--no-sizes", default=True, show_default=True,
              help="Also load each available corpus and print its units, words and symbols.")
def list_command(data_dir, sizes):
    """Every named corpus, whether its files are available, and its licence note."""
    for name in list_corpora():
        info = corpus_info(name, data_dir)
        if info.available:
            where = str(info.location)
        else:
            where = "not found" + (" (downloaded on first use)" if info.downloadable else "")
        line = f"{name:<20} {where}"
        if sizes and info.sizes:
            total = info.sizes["all"]
            line += f"  units={total.units:,} words={total.words:,} symbols={total.symbols:,}"
        click.echo(f"{line}\n{'':<20} {info.licence}")
    click.echo(f"{'plain:PATH':<20} any UTF-8 file: one unit per line, or blank-line paragraphs")


@corpus.command("info")
@click.argument("name")
@data_dir_option
def info_command(name, data_dir):
    """Description, licence, location and sizes per split of corpus NAME."""
    info = corpus_info(name, data_dir)
    click.echo(f"name:            {info.name}")
    click.echo(f"description:     {info.description}")
    click.echo(f"licence:         {info.licence}")
    click.echo(f"units:           {info.unit_kind} (sentence labels: {info.sentence_labels})")
    click.echo(f"location:        {info.location if info.available else 'not found'}")
    click.echo(f"splits:          {', '.join(info.splits)}")
    for split, size in info.sizes.items():
        click.echo(f"  {split:<6} units={size.units:,} words={size.words:,} symbols={size.symbols:,}")
