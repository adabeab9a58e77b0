"""The shipped default model: the selected default candidate's files copied next to the package, with the
segmenter settings tuned for it, the learned readouts of the scale (fitted on labelled training units, scored
on test units) and a model card, every figure from the results or measured while shipping."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from segment.corpora import corpus_info
from segment.eval.report import to_markdown
from segment.eval.report_markdown import table_frame
from segment.eval.results_types import Results
from segment.eval.scales import ShippedReadout
from segment.files import write_atomic
from segment.ponder import MODEL_PEAK_DEFAULTS, SETTINGS_FILE, SIGNAL_CHOICES
from segment.models.checkpoint import MODEL_FILES, WEIGHTS, copy_model
from segment.readout import LEVELS, RTL_DIR, readout_file
from segment.shipped import LANGUAGES, SHIPPED_MODELS



def ship_default_model(results: Results, runs_dir: Path, target: Path | None = None, *, shipped_as: str = "en",
                       readouts: tuple[ShippedReadout, ...] = (), data_dir=None) -> Path:
    """Copy the selected default candidate's model files to ``target`` (default: the shipped model
    ``shipped_as``), fit and score ``readouts`` for it, and write its settings and card. Everything is built
    in a staging folder beside ``target`` first: if a step fails, ``target`` is left as it was; else its
    files are replaced and the readouts of the model shipped before are removed."""
    name = results.default.selected
    if name is None:
        raise ValueError("the results select no default model (no default candidates at this scale)")
    shown = shipped_as if target is None else str(target)  # how the card's commands name the model
    target = SHIPPED_MODELS[shipped_as] if target is None else target
    rtl = rtl_run(runs_dir, name)
    staging = target.parent / f".{target.name}.shipping"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        copy_model(runs_dir / name / "model", staging)
        if rtl is not None:
            copy_model(runs_dir / rtl / "model", staging / RTL_DIR)
        write_atomic(staging / SETTINGS_FILE, json.dumps(tuned_settings(results, name), indent=2) + "\n")
        scores = [fit_readout(staging, readout, data_dir) for readout in readouts]
        write_atomic(staging / "MODEL_CARD.md",
                     model_card(results, name, staging, shipped_as) + readout_section(scores, shown, rtl))
        target.mkdir(parents=True, exist_ok=True)
        for level in LEVELS:
            (target / readout_file(level)).unlink(missing_ok=True)
        shutil.rmtree(target / RTL_DIR, ignore_errors=True)
        for file in staging.iterdir():
            os.replace(file, target / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def rtl_run(runs_dir: Path, name: str) -> str | None:
    """The right-to-left run of run ``name`` (``<name>-rtl``), when it is trained; its model ships in the
    shipped model's ``rtl/`` folder and the readouts read it."""
    rtl = f"{name}-rtl"
    return rtl if (runs_dir / rtl / "model" / WEIGHTS).is_file() else None


def fit_readout(model_dir: Path, readout: ShippedReadout, data_dir=None) -> dict:
    """Fit ``readout`` for the model in ``model_dir``, store it there, and score it on its test units (word level:
    each unit alone, and in runs of ``DEV_RUN_UNITS`` units, ``runs_*``)."""
    from segment.eval import word_scores
    from segment.eval.readout_choice import DEV_RUN_UNITS
    from segment.eval.run_specs import load_ref
    from segment.readout import labelled_sequences

    train = labelled_sequences(load_ref(readout.train, data_dir), readout.level, readout.units, readout.chunk,
                               mixed=readout.mixed_runs)
    rtl = model_dir / RTL_DIR
    segmenter = readout.readout(model_dir, rtl if rtl.is_dir() else None).fit(*train)
    segmenter.save(model_dir)
    test = load_ref(readout.test, data_dir)
    sequences, gold = labelled_sequences(test, readout.level, len(test.units),
                                         readout.chunk if readout.level == "sentence" else 1)
    scores = word_scores(reference=gold, hypothesis=segmenter.predict_many(sequences), sequences=sequences)
    if readout.level == "sentence":  # the unsupervised reference a sentence readout has to beat
        from segment.baselines.sentence import PunctuationRuleSegmenter

        rule = word_scores(reference=gold, hypothesis=PunctuationRuleSegmenter().predict_many(sequences),
                           sequences=sequences)
        scores["rule_f"] = rule["boundary_noedge_f"]
    else:  # where unit ends fall inside the text
        runs, run_gold = labelled_sequences(test, "word", len(test.units), DEV_RUN_UNITS)
        on_runs = word_scores(reference=run_gold, hypothesis=segmenter.predict_many(runs), sequences=runs)
        scores.update({"runs_of": DEV_RUN_UNITS, "runs_f": on_runs["boundary_noedge_f"],
                       "runs_token_f": on_runs["token_f"]})
    return {"readout": readout, "sequences": len(sequences), **scores}


def readout_section(scores: list[dict], model: str, rtl: str | None = None) -> str:
    """The card's section on the readouts shipped with the model ("" without any); ``rtl``: the run of the
    right-to-left model they read too."""
    if not scores:
        return ""
    reads = ("the model's signals" if rtl is None else
             f"the signals of the model and of its right-to-left twin in `{RTL_DIR}/` (run `{rtl}`: the same "
             "settings trained on reversed text; its signals read back in text order)")
    lines = ["", "", "## Readouts shipped with the model", "",
             "Readouts (a logistic regression, or with `--classifier mlp` a small ReLU network; with `--members K` "
             f"the average of K such networks) over {reads} (by default its six ponder, halting, entropy and "
             "surprisal signals; `--signals` adds the language model's next-symbol probabilities p_upper, p_terminal, "
             "p_punctuation and p_sep, the probability of a unit end) and the symbol classes (`segment.readout`), "
             "fitted while shipping; `actseg segment` cuts with them instead of the peaks above (`--no-readout` "
             "switches them off). Scored on test units the readout never saw (sentence level: runs of "
             "consecutive units, the sentence starts inside each run):", ""]
    for score in scores:
        readout = score["readout"]
        unit = "runs of {} units".format(readout.chunk) if readout.level == "sentence" else "units"
        command = readout.command(model)
        lines.append(f"- `{readout_file(readout.level)}`: `{command}`. On `{readout.test}` "
                     f"({score['sequences']:,} {unit}): boundary P {score['boundary_noedge_p']:.4f}, R "
                     f"{score['boundary_noedge_r']:.4f}, F **{score['boundary_noedge_f']:.4f}**"
                     + (f", token F {score['token_f']:.4f}; the same units run together {score['runs_of']} at a time: "
                        f"boundary F {score['runs_f']:.4f}, token F {score['runs_token_f']:.4f}"
                        if readout.level == "word" else "")
                     + (f" (the punctuation rule `punct-rule` on the same runs: F {score['rule_f']:.4f})"
                        if "rule_f" in score else "") + ".")
    return "\n".join(lines) + "\n"


def tuned_settings(results: Results, name: str) -> dict:
    """The segmenter settings shipped with run ``name`` (its segmenter.json): of its model signals, the one
    whose calibrated peaks scored best on the labelled units (never the evaluated ones), with those peak
    settings."""
    part = results.word[results.runs[name].spec.test]
    rows = [r for r in part.rows if r["run"] == name and r["calibrated"]
            and r["segmenter"].removeprefix("act-") in SIGNAL_CHOICES]
    best = max(rows, key=lambda r: r["calibration_f"])
    return {"signal_name": best["segmenter"].removeprefix("act-"), **MODEL_PEAK_DEFAULTS,
            **json.loads(best["calibration"])}


def model_card(results: Results, name: str, model_dir: Path, shipped_as: str = "en") -> str:
    """The model card of run ``name`` shipped as ``shipped_as``, every figure from the results and the model
    files."""
    record = results.runs[name]
    spec, summary, last = record.spec, record.summary, record.last_eval
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    size_mb = sum((folder / f).stat().st_size for folder in (model_dir, model_dir / RTL_DIR) if folder.is_dir()
                  for f in MODEL_FILES) / 1e6
    part = results.word[spec.test]
    stats = part.runs[name]
    data = "\n".join(f"- `{ref}`: {corpus_info(ref.rpartition(':')[0]).description} "
                     f"(licence: {corpus_info(ref.rpartition(':')[0]).licence})" for ref in spec.train_data)
    view = (f"case {'kept' if spec.case else 'folded'}, punctuation {'kept' if spec.punctuation else 'removed'}, "
            f"{'spaces kept' if spec.spaces else 'spaces removed'}, read {spec.direction}")
    rows = [r for r in part.rows if r["run"] == name and r["segmenter"].removeprefix("act-") in SIGNAL_CHOICES]
    scores = table_frame(rows, ["segmenter", "calibrated", "labelled_units", "calibration_f", "boundary_noedge_p",
                           "boundary_noedge_r", "boundary_noedge_f", "token_f", "type_f"])
    dev = next(c for c in results.default.candidates if c.run == name)
    meta = results.meta
    return "\n".join([
        f"# act-segment {LANGUAGES[shipped_as]} model (`--model {shipped_as}`)", "",
        f"The ACT-LSTM character language model `actseg segment --model {shipped_as}` uses"
        f"{' (also when no `--model` is given)' if shipped_as == 'en' else ''} "
        f"(run `{name}` of the {meta.scale} scale, selected among the default candidates by "
        f"{results.default.rule} on `{results.default.dev}`; generated by `{meta.command}` at commit "
        f"{meta.commit[:12]}, {meta.date}).", "",
        "## Data", "", data, "", f"View: {view}.", "",
        "## Size and hyperparameters", "",
        f"- {summary.parameters} parameters; model files {size_mb:.1f} MB"
        f"{' (with the right-to-left model in ' + RTL_DIR + '/)' if (model_dir / RTL_DIR).is_dir() else ''}.",
        f"- Model: `{json.dumps(config)}`",
        f"- Training: `{json.dumps(record.train)}`, wall-clock budget {spec.max_seconds} s.",
        f"- Trained {summary.iterations} iterations in {summary.wall_s:.0f} s on {summary.device} "
        f"({summary.symbols_per_s:,.0f} symbols/s).", "",
        "## Language model and ponder statistics", "",
        f"- Dev (`{spec.dev}`) bits per symbol at the last training evaluation (<sep> included): "
        f"{last.dev_bps if last.dev_bps is not None else float('nan'):.4f}; over the symbols of the "
        f"`{results.default.dev}` units: {dev.stats.bits_per_symbol:.4f}.",
        f"- `{part.corpus}`: {stats.bits_per_symbol:.4f} bits per symbol; ponder time mean "
        f"{stats.ponder_mean:.4f}, standard deviation {stats.ponder_std:.4f}.", "",
        f"## Word boundary scores on `{part.corpus}`", "",
        f"Unsupervised peak defaults, and calibrated on the first {part.labelled_units} units of "
        f"`{part.labelled}` (`calibration_f`: boundary F on those labelled units):", "", to_markdown(scores), "",
        "## Segmenter settings shipped with the model", "",
        f"`{SETTINGS_FILE}` holds the signal whose calibrated peaks scored best on the labelled units, with "
        f"those peak settings; `actseg segment` uses them unless an option overrides them: "
        f"`{json.dumps(tuned_settings(results, name))}`.",
    ])
