"""The report phase: a results JSON (:mod:`segment.eval.results`) -> RESULTS.md and figures/*.png.

Every number in the document is read from the JSON; the tables are :func:`segment.eval.report.to_markdown`
of frames selected from it. Unsupervised results are the headline; rows calibrated on labelled units and
rows using gold information or a lexicon are in tables of their own. ``ship_default_model`` copies the
selected default model next to the package with a model card written from the same JSON.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd

from segment.corpora import corpus_info
from segment.eval.report import to_markdown
from segment.ponder import MODEL_PEAK_DEFAULTS, SETTINGS_FILE, signal_choices

WORD_COLUMNS = ["segmenter", "run", "boundary_noedge_p", "boundary_noedge_r", "boundary_noedge_f", "f_ci_low",
                "f_ci_high", "token_f", "type_f", "boundary_all_f", "symbols_per_s"]
SENTENCE_COLUMNS = ["segmenter", "run", "boundary_p", "boundary_r", "boundary_f", "f_ci_low", "f_ci_high", "pk",
                    "windowdiff", "symbols_per_s", "note"]
MODEL_FILES = ("config.json", "vocab.json", "model.safetensors")
#: Where ``--ship-default`` puts the default model (inside the package).
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[1] / "segment" / "models_data" / "default"


# ---- selecting rows --------------------------------------------------------------------------------------
INTEGER_COLUMNS = ("labelled_units", "hidden", "cap", "steps", "peaks", "class_positions", "symbols")


def _frame(rows: list[dict], columns: list[str] | None = None) -> pd.DataFrame:
    """The rows as a frame with ``columns`` (those present, in order); integer columns printed as integers
    even where some rows have none."""
    frame = pd.DataFrame(rows)
    if columns is not None and len(frame):
        frame = frame[[c for c in columns if c in frame.columns]]
    for column in INTEGER_COLUMNS:
        if column in frame:
            frame[column] = pd.Series([None if pd.isna(v) else int(v) for v in frame[column]], index=frame.index,
                                      dtype=object)
    return frame


def _tags(results: dict, run: str) -> list[str]:
    return results["runs"].get(run, {}).get("spec", {}).get("tags", [])


def _in_comparison(results: dict, row: dict) -> bool:
    """Baselines, the main ACT run and its alternatives (tag "alt"), the controls and the right-to-left rows
    (tau-sweep points stay out)."""
    if row["family"] == "baseline":
        return True
    run = row["run"]
    spec = results["runs"].get(run, {}).get("spec")
    return "+" in run or spec is None or bool({"main", "rtl", "alt"} & set(spec["tags"])) or \
        results["runs"][run]["kind"] != "act"


def _unsupervised(row: dict) -> bool:
    return not row.get("uses_gold") and not row.get("uses_lexicon") and not row.get("calibrated")


def _sorted(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.sort_values(column, ascending=False, na_position="last") if column in frame else frame


def _model_f(rows: list[dict], segmenter: str, run: str, calibrated: bool) -> float | None:
    found = [r for r in rows if r["segmenter"] == segmenter and r["run"] == run and bool(r["calibrated"]) == calibrated]
    return found[0]["boundary_noedge_f"] if found else None


# ---- sections --------------------------------------------------------------------------------------------
def _header(results: dict, results_path: Path, results_dir: Path) -> list[str]:
    meta = results["meta"]
    commit = (meta["commit"][:12] or "unknown") + (" (uncommitted changes)" if meta["dirty"] else "")
    capped = f" Evaluated corpora capped at {meta['max_units']} units (dry run)." if meta["max_units"] else ""
    if meta.get("missing_runs"):
        capped += f" **Runs missing (training failed, left out): {', '.join(meta['missing_runs'])}.**"
    return ["# Results: ponder-time boundaries against baselines", "",
            f"Scale **{meta['scale']}**, device {meta['device']}, {meta['date']}, commit {commit}, "
            f"Python {meta['python']}, torch {meta['torch']}.{capped}", "",
            "Regenerate with:", "", "```bash", meta["command"], "```", "",
            f"Every number below is read from `{os.path.relpath(results_path, results_dir)}`, written by that "
            f"command (bootstrap 95% intervals over units, {meta['bootstrap']} resamples). Boundary F is "
            "unit-internal (`boundary_noedge`) unless a column says otherwise. Model segmenters are "
            "`<kind>-<signal>`: kind `act` (ACT model), `lstm` (the act=False control of the same size), "
            "`fixed` (fixed-repeat control); `halt-first` is 1 minus the first update's halting probability; "
            "`act-ponder-rtl` is a model reading right to left, `act-ponder-ltr+rtl` the sum of both "
            "z-normalised signals. Unsupervised peak settings: every local maximum, a cut before the peak's "
            "symbol.", ""]


def _word_sections(results: dict) -> list[str]:
    lines = ["## Word boundaries: unsupervised (headline)", ""]
    for key, part in results["word"].items():
        rows = [r for r in part["rows"] if _in_comparison(results, r)]
        shown = [r for r in rows if _unsupervised(r) and not str(r.get("note") or "").startswith("skipped")]
        lines += [f"### {key} (`{part['corpus']}`)", "",
                  to_markdown(_sorted(_frame(shown, WORD_COLUMNS), "boundary_noedge_f"))]
        toplines = [r for r in rows if (r.get("uses_gold") or r.get("uses_lexicon")) and not r.get("calibrated")]
        skipped = [r for r in rows if str(r.get("note") or "").startswith("skipped")]
        if toplines:
            lines += ["Not unsupervised (gold boundary rate or a word list):", "",
                      to_markdown(_frame(toplines, ["segmenter", "uses_gold", "uses_lexicon", *WORD_COLUMNS[2:]]))]
        if skipped:
            lines += [f"Skipped: {', '.join(r['segmenter'] + ' (' + r['note'] + ')' for r in skipped)}.", ""]
    lines += ["## Word boundaries: calibrated on labelled units (not the headline)", ""]
    for key, part in results["word"].items():
        rows = [r for r in part["rows"] if _in_comparison(results, r) and r.get("calibrated")]
        lines += [f"### {key}: peak settings chosen for the best boundary F on the first {part['labelled_units']} "
                  f"units of `{part['labelled']}`", "",
                  to_markdown(_sorted(_frame(rows, ["segmenter", "run", "labelled_units", "calibration",
                                                    *WORD_COLUMNS[2:]]), "boundary_noedge_f"))]
    return lines


def _settings_records(results: dict, key: str, names: list[str]) -> list[dict]:
    """One record per ACT run: its ponder settings, ponder statistics and the boundary F of each of its
    signals (unsupervised; ponder also calibrated)."""
    part = results["word"][key]
    records = []
    for name in names:
        stats, spec = part["runs"][name], results["runs"][name]["spec"]
        records.append({
            "run": name, "cap": spec["model"].get("max_steps"), "tau": stats["tau"],
            "halt_bias": spec["model"].get("halt_bias", 1.0), "halt_init": spec["model"].get("halt_init", "zero"),
            "halt_lr": spec["train"].get("halt_lr_scale", 1.0), "layers": spec["model"].get("layers", 1),
            "ponder_target": spec["train"].get("ponder_target"),
            "tau_ramp": "{} to {}".format(*spec["train"]["tau_ramp"]) if spec["train"].get("tau_ramp") else None,
            "ponder_mean": stats["ponder_mean"],
            "ponder_std": stats["ponder_std"], "bits_per_symbol": stats["bits_per_symbol"],
            **{f"{signal.replace('-', '_')}_f": _model_f(part["rows"], f"act-{signal}", name, False)
               for signal in ("ponder", "halt-first", "steps", "remainder", "entropy")},
            "ponder_f_calibrated": _model_f(part["rows"], "act-ponder", name, True)})
    return records


def _sweep_section(results: dict, figures: Path) -> list[str]:
    from segment.eval.plots import plot_f_against_tau

    key = results["scale"]["sweep"]
    part = results["word"][key]
    act_runs = [name for name, stats in part["runs"].items() if stats["kind"] == "act" and stats["direction"] == "ltr"]
    sweep = [name for name in act_runs if "sweep" in part["runs"][name]["tags"]]
    if not sweep:
        return [f"## tau sweep ({key})", "", "No tau-sweep run was evaluated.", ""]
    frame = pd.DataFrame(_settings_records(results, key, sweep)).sort_values("tau")
    lines = [f"## tau sweep ({key})", "",
             "Mean and standard deviation of ponder time and bits per symbol over the evaluated symbols; "
             "unsupervised boundary F of the peaks of each signal of the run (ponder rho = N + R, halt-first, "
             "the step count N and the remainder R separately, and the entropy of the same model's predictions), "
             "and of ponder peaks calibrated on the labelled units.", "", to_markdown(frame)]
    plot_f_against_tau(frame.tau.tolist(), {"ponder": frame.ponder_f.tolist(),
                                            "ponder (calibrated)": frame.ponder_f_calibrated.tolist(),
                                            "halt-first": frame.halt_first_f.tolist()},
                       ponder_mean=frame.ponder_mean.tolist(), title=f"boundary F against tau ({key})",
                       path=figures / "f-vs-tau.png")
    lines += ["![boundary F against tau](figures/f-vs-tau.png)", ""]
    others = [name for name in act_runs if name not in sweep]
    if others:
        lines += [f"## Other levers ({key})", "",
                  "The remaining ACT runs on the same data: the halting unit's initial weights (`halt_init`: zero, "
                  "or nn.Linear's random uniform) and its learning rate relative to the rest (`halt_lr`), the cap, "
                  "the halting-bias initialisation, a stacked model, tau steered toward a target mean ponder "
                  "time (`ponder_target`) or moved linearly over training (`tau_ramp`, which then replaces "
                  "`tau`), and other seeds; same columns as above.", "",
                  to_markdown(pd.DataFrame(_settings_records(results, key, others))), ""]
    return lines


def _ablation_section(results: dict) -> list[str]:
    lines = ["## Ablations: ponder vs entropy (act=False) vs fixed repeat, and reading direction", "",
             "Same model size and data per corpus; bits per symbol and the mean and standard deviation of ponder "
             "time over the evaluated symbols (a standard deviation near 0: the halting unit collapsed to one "
             "update or ran to the cap everywhere; this needs no labels).", ""]
    for key, part in results["word"].items():
        records = []
        for row in part["rows"]:
            if row["family"] != "model" or row["calibrated"] or not _in_comparison(results, row):
                continue
            stats = part["runs"].get(row["run"], {})
            records.append({"segmenter": row["segmenter"], "run": row["run"],
                            "bits_per_symbol": stats.get("bits_per_symbol"), "ponder_mean": stats.get("ponder_mean"),
                            "ponder_std": stats.get("ponder_std"),
                            "boundary_noedge_p": row["boundary_noedge_p"], "boundary_noedge_r": row["boundary_noedge_r"],
                            "boundary_noedge_f": row["boundary_noedge_f"],
                            "f_calibrated": _model_f(part["rows"], row["segmenter"], row["run"], True)})
        if records:
            lines += [f"### {key}", "", to_markdown(_frame(records))]
    return lines


def _sentence_section(results: dict) -> list[str]:
    lines = ["## Sentence boundaries (units run together)", "",
             "Model rows: the peaks at least 3 robust standard deviations above the stream's median "
             "(unsupervised); `(calibrated)` rows: that threshold chosen for the best sentence boundary F on "
             "labelled units run together (named per table). `pk` and `windowdiff`: lower is better.", ""]
    for key, part in results["sentence"].items():
        view = "" if part["punctuation"] else ", punctuation removed"
        lines += [f"### {key} (`{part['corpus']}`{view}; calibrated on the first {part['labelled_units']} units "
                  f"of `{part['labelled']}`)", "",
                  to_markdown(_sorted(_frame(part["rows"], SENTENCE_COLUMNS), "boundary_f"))]
    return lines


def _graves_section(results: dict) -> list[str]:
    part = results["graves"]
    if not part["rows"]:
        return []
    return ["## Graves's check: a model reading text with spaces", "",
            f"Peaks (every local maximum at symbol t) of models trained with spaces kept, on `{part['corpus']}` "
            "with spaces: precision and recall against the positions of each class; `base_rate` is the share "
            "of positions in the class (the precision of peaks placed at random).", "",
            to_markdown(_frame(part["rows"]))]


def _training_section(results: dict) -> list[str]:
    records = []
    for name, run in results["runs"].items():
        spec, train, last = run["spec"], run["train"], run["last_eval"]
        records.append({"run": name, "data": "+".join(spec["train_data"]), "kind": run["kind"],
                        "direction": spec["direction"], "spaces": spec["spaces"],
                        "hidden": spec["model"].get("hidden"), "cap": spec["model"].get("max_steps"),
                        "tau": spec["model"].get("tau"), "steps": train.get("steps"), "wall_s": train.get("wall_s"),
                        "train_symbols_per_s": train.get("symbols_per_s"),
                        "step_symbols_per_s": last.get("symbols_per_s"), "device": train.get("device"),
                        "dev_bps": last.get("dev_bps"), "dev_ponder_mean": last.get("ponder_mean")})
    return ["## Training runs and throughput", "",
            "`train_symbols_per_s` = steps x batch x sequence length / wall seconds (data loading and "
            "evaluations included); `step_symbols_per_s`, `dev_bps` and `dev_ponder_mean` from the run's last "
            "logged evaluation (the rate of the optimizer step before it).", "",
            to_markdown(_frame(records))]


def _default_section(results: dict) -> list[str]:
    part = results["default"]
    if not part["candidates"]:
        return []
    return ["## Default model selection", "",
            f"Unsupervised ponder-peak boundary F on `{part['dev']}`; selected: **{part['selected']}**.", "",
            to_markdown(_frame(part["candidates"]))]


def _figures_section(results: dict, figures: Path) -> list[str]:
    from segment.eval.plots import plot_pr_curves, plot_trace

    lines = ["## Figures", ""]
    for trace in results["trace"]["traces"]:
        sequence = tuple(trace["sequence"])
        path = figures / f"trace-{trace['run']}.png"
        what = "spaced text, dashed lines before each space" if trace["spaces"] else "dashed lines: gold word cuts"
        plot_trace(sequence, trace["ponder"], gold=trace["gold"], predicted=trace["predicted"],
                   title=f"ponder time, {trace['run']}, {trace['corpus']} {trace['split']} unit {trace['unit']}",
                   path=path)
        lines += [f"Ponder time of `{trace['run']}` over {trace['corpus']} {trace['split']} unit {trace['unit']} "
                  f"({what}; triangles: unsupervised ponder cuts):", "", f"![ponder trace](figures/{path.name})", ""]
    key = results["scale"]["pr"]
    curves = results["word"][key].get("pr", {})
    if curves:
        plot_pr_curves({name: (c["precision"], c["recall"]) for name, c in curves.items()},
                       title=f"precision-recall as the threshold sweeps ({key})", path=figures / "pr-curves.png")
        lines += [f"Precision-recall curves on {key} (model signals and the two best unsupervised baselines):", "",
                  "![precision-recall curves](figures/pr-curves.png)", ""]
    return lines


def write_report(results_path: Path, results_dir: Path, *, ship_default: bool = False, runs_dir: Path | None = None,
                 default_dir: Path = DEFAULT_MODEL_DIR) -> Path:
    """Write ``results_dir/RESULTS.md`` and ``results_dir/figures/*.png`` from the results JSON; with
    ``ship_default`` also copy the selected default model (from ``runs_dir``) to ``default_dir``."""
    results = json.loads(Path(results_path).read_text(encoding="utf-8"))
    figures = Path(results_dir) / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    lines = [*_header(results, Path(results_path), Path(results_dir)), *_word_sections(results),
             *_sweep_section(results, figures), *_ablation_section(results), *_sentence_section(results),
             *_graves_section(results), *_training_section(results), *_default_section(results),
             *_figures_section(results, figures)]
    target = Path(results_dir) / "RESULTS.md"
    tmp = target.with_suffix(".tmp")
    tmp.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    os.replace(tmp, target)
    if ship_default:
        if runs_dir is None:
            raise ValueError("ship_default needs the runs directory")
        ship_default_model(results, Path(runs_dir), Path(default_dir))
    return target


# ---- the shipped default model ---------------------------------------------------------------------------
def ship_default_model(results: dict, runs_dir: Path, target: Path) -> Path:
    """Copy the selected default candidate's model files to ``target`` and write its MODEL_CARD.md."""
    name = results["default"]["selected"]
    if name is None:
        raise ValueError("the results select no default model (no default candidates at this scale)")
    source = runs_dir / name / "model"
    target.mkdir(parents=True, exist_ok=True)
    for file in MODEL_FILES:
        shutil.copyfile(source / file, target / file)
    (target / SETTINGS_FILE).write_text(json.dumps(tuned_settings(results, name), indent=2) + "\n",
                                        encoding="utf-8")
    (target / "MODEL_CARD.md").write_text(model_card(results, name, target), encoding="utf-8")
    return target


def tuned_settings(results: dict, name: str) -> dict:
    """The segmenter settings shipped with run ``name`` (its segmenter.json): of its model signals, the one
    whose calibrated peaks scored best on the labelled units (never the evaluated ones), with those peak
    settings."""
    part = results["word"][results["runs"][name]["spec"]["test"]]
    rows = [r for r in part["rows"] if r["run"] == name and r["calibrated"]
            and r["segmenter"].removeprefix("act-") in signal_choices()]
    best = max(rows, key=lambda r: r["calibration_f"])
    return {"signal_name": best["segmenter"].removeprefix("act-"), **MODEL_PEAK_DEFAULTS,
            **json.loads(best["calibration"])}


def model_card(results: dict, name: str, model_dir: Path) -> str:
    """The model card of run ``name``, every figure from the results JSON and the model files."""
    run = results["runs"][name]
    spec, train, last = run["spec"], run["train"], run["last_eval"]
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    size_mb = sum((model_dir / f).stat().st_size for f in MODEL_FILES) / 1e6
    key = spec["test"]
    part = results["word"][key]
    stats = part["runs"][name]
    data = "\n".join(f"- `{ref}`: {corpus_info(ref.rpartition(':')[0]).description} "
                     f"(licence: {corpus_info(ref.rpartition(':')[0]).licence})" for ref in spec["train_data"])
    view = (f"case {'kept' if spec['case'] else 'folded'}, punctuation {'kept' if spec['punctuation'] else 'removed'}, "
            f"{'spaces kept' if spec['spaces'] else 'spaces removed'}, read {spec['direction']}")
    rows = [r for r in part["rows"] if r["run"] == name and r["segmenter"].removeprefix("act-") in signal_choices()]
    scores = _frame(rows, ["segmenter", "calibrated", "labelled_units", "calibration_f", "boundary_noedge_p",
                           "boundary_noedge_r", "boundary_noedge_f", "token_f", "type_f"])
    settings = tuned_settings(results, name)
    dev = next(c for c in results["default"]["candidates"] if c["run"] == name)
    meta = results["meta"]
    return "\n".join([
        "# act-segment default English model", "",
        f"The ACT-LSTM character language model `actseg segment` uses when no `--model` is given "
        f"(run `{name}` of the {meta['scale']} scale, selected among the default candidates by unsupervised "
        f"ponder-peak boundary F on `{results['default']['dev']}`; generated by `{meta['command']}` at commit "
        f"{meta['commit'][:12]}, {meta['date']}).", "",
        "## Data", "", data, "", f"View: {view}.", "",
        "## Size and hyperparameters", "",
        f"- {train.get('parameters')} parameters; model files {size_mb:.1f} MB.",
        f"- Model: `{json.dumps(config)}`",
        f"- Training: `{json.dumps(spec['train'])}`, wall-clock budget {spec['max_seconds']} s.",
        f"- Trained {train.get('steps')} steps in {train.get('wall_s', 0):.0f} s on {train.get('device')} "
        f"({train.get('symbols_per_s', 0):,.0f} symbols/s).", "",
        "## Language model and ponder statistics", "",
        f"- Dev (`{spec['dev']}`) bits per symbol at the last training evaluation (<sep> included): "
        f"{last.get('dev_bps', float('nan')):.4f}; over the symbols of the `{results['default']['dev']}` units: "
        f"{dev['bits_per_symbol']:.4f}.",
        f"- `{part['corpus']}`: {stats['bits_per_symbol']:.4f} bits per symbol; ponder time mean "
        f"{stats['ponder_mean']:.4f}, standard deviation {stats['ponder_std']:.4f}.", "",
        f"## Word boundary scores on `{part['corpus']}`", "",
        f"Unsupervised peak defaults, and calibrated on the first {part['labelled_units']} units of "
        f"`{part['labelled']}` (`calibration_f`: boundary F on those labelled units):", "", to_markdown(scores), "",
        "## Segmenter settings shipped with the model", "",
        f"`{SETTINGS_FILE}` holds the signal whose calibrated peaks scored best on the labelled units, with "
        f"those peak settings; `actseg segment` uses them unless an option overrides them: "
        f"`{json.dumps(settings)}`.",
    ])
