"""`actseg segment`: cut unspaced text into words and sentences at the peaks of a model signal, with a model's
learned readout, or with a registered baseline segmenter (``--segmenter``)."""

from __future__ import annotations

import json

import click
import numpy as np
from click.core import ParameterSource

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
#: The options that set up a model, which a --segmenter baseline does not read.
MODEL_ONLY = ("model_path", "batch_size", "chunk_len", "context", "device", "signal_name", "no_readout", "offset",
              "threshold", "height", "sentence_height", "prominence", "distance", "width")
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
@click.option("--segmenter", "segmenter_name", default=None, metavar="NAME",
              help="Cut with this baseline instead of a model (see `actseg compare`; e.g. nvbe, tp-mi-relative, "
                   "wordninja, or punct-rule with --level sentence). One fitted on text is fitted on the input "
                   "units, after the --fit-text lines.")
@click.option("--fit-text", "fit_files", multiple=True, metavar="FILE",
              help="With --segmenter: a file of raw unspaced text, one unit per line, that the baseline is fitted "
                   "on too (more text for its statistics); repeatable.")
@click.option("--split-punctuation", is_flag=True,
              help="With a word-level --segmenter: also cut before and after every punctuation mark (the Chinese "
                   "tables' 'split at punctuation first' rows).")
@output_option
@errors_option
def segment(texts, files, level, fmt, model_path, batch_size, chunk_len, context, device, signal_name, no_readout,
            segmenter_name, fit_files, split_punctuation, output, errors, **peak_params):
    """Segment TEXTS (or lines of files / stdin) at the peaks of a model signal (ponder time by default; of
    the mean signal over several --model), or with the model's learned readout of a level when it has one
    (`actseg readout fit`), or with a baseline (--segmenter).

    Text output: one line per unit with spaces between words; with --level sentence or both, one line per
    sentence. Symbols the model never saw are read as <unk> and reported once on stderr (once per model of an
    ensemble whose vocabularies differ). JSON and TSV scores
    are the readout's cut probabilities where a word readout is used, else the signal at each cut (with
    --segmenter: its boundary scores).
    """
    from segment.ponder import is_ensemble, resolve_model_dir
    from segment.readout import readout_file, stored_readouts

    if segmenter_name is not None:
        units = read_units(texts, files, errors)
        fit_units = [unit for path in fit_files for unit in read_units((), (path,), errors)]
        cuts, scores = baseline_cuts(segmenter_name, level, units, fit_units)
        with Output(output) as out:
            if fmt == "tsv" and units:
                out.write(TSV_HEADER)
            for index, unit in enumerate(units):
                levels = {"word": cuts[index] if level == "word" else np.zeros(0, dtype=np.int64)}
                levels["sentence"] = cuts[index]
                WRITERS[fmt](out, index, unit, levels, scores[index], level)
        return
    if fit_files or split_punctuation:
        raise click.UsageError(f"{'--fit-text' if fit_files else '--split-punctuation'} goes with --segmenter")

    segmenter = load_segmenter(model_path, signal_name=signal_name, batch_size=batch_size, chunk_len=chunk_len,
                               context=context, device=device, **peak_params)
    if is_ensemble(segmenter.model):
        readouts = {}
        if not no_readout and any((resolve_model_dir(m) / readout_file(v)).is_file() for m in segmenter.model
                                  for v in LEVELS_OF[level]):
            click.echo(f"note: {len(segmenter.model)} models: cutting at the peaks of their mean "
                       f"{segmenter.signal_name}; their learned readouts are not used", err=True)
    else:
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


def baseline_cuts(name: str, level: str, units: list[str], fit_units: list[str]) -> tuple[list, list]:
    """The cuts and boundary scores of each unit by the registered baseline ``name``, fitted on ``fit_units``
    then ``units`` when it is fitted on text; a one-line usage error for a name, level or option it cannot
    serve."""
    from segment.baselines import BASELINES, SENTENCE_LEVEL
    from segment.punctuation_split import PunctuationSplit

    context = click.get_current_context()
    given = [max(p.opts, key=len) for p in context.command.params
             if p.name in MODEL_ONLY and context.get_parameter_source(p.name) is not ParameterSource.DEFAULT]
    if given:
        raise click.UsageError(f"{', '.join(given)}: model option(s), which --segmenter does not read")
    if name not in BASELINES:
        raise click.BadParameter(f"unknown baseline {name!r}; available: {', '.join(sorted(BASELINES))}",
                                 param_hint="--segmenter")
    cuts_sentences = name in SENTENCE_LEVEL
    if level == "both" or cuts_sentences != (level == "sentence"):
        wanted = "sentence" if cuts_sentences else "word"
        raise click.UsageError(f"{name} cuts {wanted}s: use it with --level {wanted}")
    try:
        segmenter = BASELINES[name]()
    except ImportError as err:
        raise click.ClickException(str(err)) from None
    if segmenter.uses_gold:
        raise click.UsageError(f"{name} reads the gold boundaries, which plain text does not have")
    if context.params["fit_files"] and not segmenter.requires_fit:
        raise click.UsageError(f"--fit-text: {name} is not fitted on text")
    if context.params["split_punctuation"]:
        if cuts_sentences:
            raise click.UsageError(f"--split-punctuation: {name} cuts sentences, not words")
        segmenter = PunctuationSplit(segmenter)
    with warnings_to_stderr():
        segmenter.fit([*fit_units, *units])
        return segmenter.predict_many(units), [segmenter.boundary_scores(unit) for unit in units]
