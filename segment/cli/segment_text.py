"""`actseg segment`: cut unspaced text into words and sentences at the peaks of a model signal."""

from __future__ import annotations

import json

import click
import numpy as np

from segment.boundaries import to_segments, to_spaced
from segment.cli.common import (Output, errors_option, files_option, load_segmenter, model_options, output_option,
                                peak_options, read_units, tsv_field, warnings_to_stderr)
from segment.peaks import align_signal


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


WRITERS = {"text": write_text, "json": write_json, "tsv": write_tsv}
#: The cut levels each --level needs (sentence lines hold the word cuts inside them).
LEVELS_OF = {"word": ("word",), "sentence": ("word", "sentence"), "both": ("word", "sentence")}
TSV_HEADER = "unit\tlevel\tstart\tend\tsegment\tscore\n"


@click.command()
@click.argument("texts", nargs=-1)
@files_option
@click.option("--level", type=click.Choice(["word", "sentence", "both"]), default="word", show_default=True,
              help="Word cuts, sentence cuts (the peaks above --sentence-height), or both.")
@click.option("--format", "fmt", type=click.Choice(sorted(WRITERS)), default="text", show_default=True,
              help="text: segmented text; json: one object per unit with offsets and scores; tsv: one row per segment.")
@model_options
@peak_options
@click.option("--no-readout", is_flag=True,
              help="Cut at signal peaks even where the model has a learned readout (readout-<level>.json).")
@output_option
@errors_option
def segment(texts, files, level, fmt, model_path, batch_size, chunk_len, context, device, signal_name, no_readout,
            output, errors, **peak_params):
    """Segment TEXTS (or lines of files / stdin) at the peaks of a model signal (ponder time by default), or
    with the model's learned readout of a level when it has one (`actseg readout fit`).

    Text output: one line per unit with spaces between words; with --level sentence or both, one line per
    sentence. Symbols the model never saw are read as <unk> and reported once on stderr. JSON and TSV scores
    are the readout's cut probabilities where a word readout is used, else the signal at each cut.
    """
    from segment.readout import stored_readouts

    segmenter = load_segmenter(model_path, signal_name=signal_name, batch_size=batch_size, chunk_len=chunk_len,
                               context=context, device=device, **peak_params)
    readouts = {} if no_readout else stored_readouts(segmenter.model, LEVELS_OF[level], batch_size=batch_size,
                                                      chunk_len=segmenter.chunk_len, context=segmenter.context,
                                                      device=device)
    units = read_units(texts, files, errors)
    with warnings_to_stderr():
        computed = segmenter.model_signals(units)
        reversed_computed = next((r.rtl_signals(units) for r in readouts.values() if r.rtl_model is not None), None)
        probabilities = {name: readout.boundary_scores_many(units, computed, reversed_computed)
                         for name, readout in readouts.items()}
    signals = segmenter.pick_signal(computed)
    learned = {name: [readouts[name].cuts(p) for p in probs] for name, probs in probabilities.items()}
    word_scores = probabilities.get("word")
    with Output(output) as out:
        if fmt == "tsv" and units:
            out.write(TSV_HEADER)
        for index, (unit, signal) in enumerate(zip(units, signals)):
            scores = align_signal(signal, segmenter.offset) if len(unit) > 1 else np.zeros(0)
            levels = segmenter.predict_signal_levels(signal, LEVELS_OF[level])
            levels.update({name: cuts[index] for name, cuts in learned.items()})
            WRITERS[fmt](out, index, unit, levels, scores if word_scores is None else word_scores[index], level)
