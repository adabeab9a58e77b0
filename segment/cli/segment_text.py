"""`actseg segment`: cut unspaced text into words and sentences at the peaks of a model signal.

Also holds the model, inference and peak options that `actseg ponder` and `actseg plot` share.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from click.core import ParameterSource
import numpy as np

from segment.boundaries import to_segments, to_spaced
from segment.cli.common import Output, errors_option, output_option, read_units
from segment.peaks import THRESHOLD_MODES, align_signal
from segment.ponder import MODEL_PEAK_DEFAULTS, ModelSignalSegmenter, signal_choices

#: The shipped model, used when --model is not given (absent until one is shipped).
DEFAULT_MODEL = Path(__file__).resolve().parents[1] / "models_data" / "default"


def model_options(command):
    """--model and the inference options."""
    for option in reversed([
        click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
                     help="Model directory (save_pretrained or an `actseg train` run) [default: the shipped model]."),
        click.option("--batch-size", type=click.IntRange(min=1), default=512, show_default=True,
                     help="Chunks run together."),
        click.option("--chunk-len", type=click.IntRange(min=1), default=256, show_default=True,
                     help="Symbols kept per chunk of a long unit."),
        click.option("--context", type=click.IntRange(min=0), default=64, show_default=True,
                     help="Symbols of left context re-read before each chunk."),
        click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N."),
    ]):
        command = option(command)
    return command


def peak_options(command):
    """--signal and the peak-picking options (scipy.signal.find_peaks names)."""
    for option in reversed([
        click.option("--signal", "signal_name", type=click.Choice(signal_choices()), default="ponder", show_default=True,
                     help="Per-symbol model signal whose peaks become cuts."),
        click.option("--offset", type=click.IntRange(0, 1), default=MODEL_PEAK_DEFAULTS["offset"],
                     show_default=True, help="0: a peak at symbol t cuts before t; 1: after t."),
        click.option("--threshold", type=click.Choice(THRESHOLD_MODES), default=MODEL_PEAK_DEFAULTS["threshold"],
                     show_default=True,
                     help="How --height/--sentence-height are read: signal value, quantile, or robust z-score."),
        click.option("--height", type=float, default=None, help="Minimum peak height for a word cut [default: none]."),
        click.option("--sentence-height", type=float, default=MODEL_PEAK_DEFAULTS["sentence_height"],
                     show_default=True, help="Minimum peak height for a sentence cut."),
        click.option("--prominence", type=float, default=None, help="Minimum peak prominence (signal units)."),
        click.option("--distance", type=click.IntRange(min=1), default=None, help="Minimum symbols between cuts."),
        click.option("--width", type=float, default=None, help="Minimum peak width (symbols)."),
    ]):
        command = option(command)
    return command


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Show the library's warnings (e.g. unseen symbols read as <unk>) on stderr while a command runs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("segment")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def load_segmenter(model_path: Path | None, **params) -> ModelSignalSegmenter:
    """The segmenter over the model at ``model_path`` (or the shipped model); a one-line error when absent.
    Options left at their defaults give way to the settings tuned for the model (its segmenter.json)."""
    context = click.get_current_context(silent=True)
    if context is not None:
        params = {name: value for name, value in params.items()
                  if context.get_parameter_source(name) is not ParameterSource.DEFAULT}
    if model_path is None:
        if not DEFAULT_MODEL.exists():
            raise click.ClickException("no model given and no shipped model installed: pass --model PATH "
                                       "(a model directory or an `actseg train` run directory)")
        model_path = DEFAULT_MODEL
    return ModelSignalSegmenter.from_pretrained(model_path, **params)


def _sentence_spans(unit: str, levels: dict[str, np.ndarray]) -> list[tuple[int, int]]:
    edges = [0, *levels["sentence"].tolist(), len(unit)]
    return list(zip(edges, edges[1:]))


def write_text(out, index: int, unit: str, levels: dict, scores: np.ndarray, level: str) -> None:
    """word: the unit with spaces between words; sentence/both: one sentence per line (words spaced for both)."""
    if level == "word" or not unit:
        out.write(to_spaced(unit, levels["word"]) + "\n")
        return
    for start, end in _sentence_spans(unit, levels):
        words = levels["word"][(levels["word"] > start) & (levels["word"] < end)] - start
        out.write((to_spaced(unit[start:end], words) if level == "both" else unit[start:end]) + "\n")


def write_json(out, index: int, unit: str, levels: dict, scores: np.ndarray, level: str) -> None:
    """One JSON object per unit: text, cut offsets and segments per level, and the per-cut scores."""
    record = {"unit": index, "text": unit}
    for name in (("word", "sentence") if level == "both" else (level,)):
        record[f"{name}_offsets"] = levels[name].tolist()
        record[f"{name}s"] = to_segments(unit, levels[name])
    record["scores"] = [round(float(s), 5) for s in scores]
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_tsv(out, index: int, unit: str, levels: dict, scores: np.ndarray, level: str) -> None:
    """One row per segment: unit, level, start, end, segment, score of the cut at its start (empty at 0)."""
    for name in (("word", "sentence") if level == "both" else (level,)):
        edges = [0, *levels[name].tolist(), len(unit)] if unit else []
        for start, end in zip(edges, edges[1:]):
            score = f"{scores[start - 1]:.5f}" if start else ""
            out.write(f"{index}\t{name}\t{start}\t{end}\t{tsv_field(unit[start:end])}\t{score}\n")


def tsv_field(text: str) -> str:
    """Text safe for a TSV cell (tabs and other control characters escaped)."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


WRITERS = {"text": write_text, "json": write_json, "tsv": write_tsv}
#: The cut levels each --level needs (sentence lines hold the word cuts inside them).
LEVELS_OF = {"word": ("word",), "sentence": ("word", "sentence"), "both": ("word", "sentence")}
TSV_HEADER = "unit\tlevel\tstart\tend\tsegment\tscore\n"


@click.command()
@click.argument("texts", nargs=-1)
@click.option("-f", "--file", "files", multiple=True, type=str,
              help="Read units from this file ('-' for stdin), one per line; repeatable. Default: stdin.")
@click.option("--level", type=click.Choice(["word", "sentence", "both"]), default="word", show_default=True,
              help="Word cuts, sentence cuts (the peaks above --sentence-height), or both.")
@click.option("--format", "fmt", type=click.Choice(sorted(WRITERS)), default="text", show_default=True,
              help="text: segmented text; json: one object per unit with offsets and scores; tsv: one row per segment.")
@model_options
@peak_options
@output_option
@errors_option
def segment(texts, files, level, fmt, model_path, batch_size, chunk_len, context, device, signal_name, output,
            errors, **peak_params):
    """Segment TEXTS (or lines of files / stdin) at the peaks of a model signal (ponder time by default).

    Text output: one line per unit with spaces between words; with --level sentence or both, one line per
    sentence. Symbols the model never saw are read as <unk> and reported once on stderr.
    """
    segmenter = load_segmenter(model_path, signal_name=signal_name, batch_size=batch_size, chunk_len=chunk_len,
                               context=context, device=device, **peak_params)
    units = read_units(texts, files, errors)
    with warnings_to_stderr():
        signals = segmenter.signals(units)
    with Output(output) as out:
        if fmt == "tsv" and units:
            out.write(TSV_HEADER)
        for index, (unit, signal) in enumerate(zip(units, signals)):
            scores = align_signal(signal, segmenter.offset) if len(unit) > 1 else np.zeros(0)
            WRITERS[fmt](out, index, unit, segmenter.predict_signal_levels(signal, LEVELS_OF[level]), scores, level)
