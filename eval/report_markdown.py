"""The report phase: :class:`Results` -> RESULTS.md and figures/*.png.

Every number in the document is read from the results; the tables are :func:`segment.eval.report.to_markdown`
of frames built from them. Unsupervised results are the headline; rows calibrated on labelled units and
rows using gold information or a lexicon are in tables of their own.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pandas as pd

from segment.eval.report import to_markdown
from segment.eval.results_types import Results, RunRecord, WordComparison
from segment.files import write_atomic

WORD_COLUMNS = ["segmenter", "run", "boundary_noedge_p", "boundary_noedge_r", "boundary_noedge_f", "f_ci_low",
                "f_ci_high", "token_p", "token_r", "token_f", "type_f", "boundary_all_f", "oov_recall", "iv_recall",
                "symbols_per_s"]
SENTENCE_COLUMNS = ["segmenter", "run", "boundary_p", "boundary_r", "boundary_f", "f_ci_low", "f_ci_high", "pk",
                    "windowdiff", "symbols_per_s", "note"]
#: Columns printed as integers even where some rows have none.
INTEGER_COLUMNS = ("labelled_units", "hidden", "max_steps", "iterations", "peaks", "class_positions", "symbols")


def table_frame(rows: list[dict], columns: list[str] | None = None) -> pd.DataFrame:
    """The rows as a frame with ``columns`` (those present, in order)."""
    frame = pd.DataFrame(rows)
    if columns is not None and len(frame):
        frame = frame[[c for c in columns if c in frame.columns]]
    for column in INTEGER_COLUMNS:
        if column in frame:
            frame[column] = pd.Series([None if pd.isna(v) else int(v) for v in frame[column]], index=frame.index,
                                      dtype=object)
    return frame


def _in_comparison(results: Results, row: dict) -> bool:
    """Baselines, the main ACT run and its alternatives (tag "alt"), the controls and the right-to-left rows
    (tau-sweep points stay out)."""
    if row["family"] == "baseline":
        return True
    record = results.runs.get(row["run"])  # None for a combination such as "a+b"
    return record is None or bool({"main", "rtl", "alt"} & set(record.spec.tags)) or record.kind != "act"


def _unsupervised(row: dict) -> bool:
    return not row.get("uses_gold") and not row.get("uses_lexicon") and not row.get("calibrated")


def _skipped(row: dict) -> bool:
    return str(row.get("note") or "").startswith("skipped")


def _sorted(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.sort_values(column, ascending=False, na_position="last") if column in frame else frame


def _halting_setting(record: RunRecord, name: str):
    """A halting-only ACTConfig field of the run; None for the controls, which have no halting unit."""
    return record.model[name] if record.kind == "act" else None


# ---- sections --------------------------------------------------------------------------------------------
def _header(results: Results, results_path: Path, results_dir: Path) -> list[str]:
    meta = results.meta
    commit = (meta.commit[:12] or "unknown") + (" (uncommitted changes)" if meta.dirty else "")
    capped = f" Evaluated corpora capped at {meta.max_units} units (dry run)." if meta.max_units else ""
    if meta.missing_runs:
        capped += f" **Runs missing (training failed, left out): {', '.join(meta.missing_runs)}.**"
    if meta.baselines_from:
        capped += (f" The word-level baseline rows are reused from the evaluation at commit "
                   f"{meta.baselines_from[:12]} (same corpora, units and bootstrap; `--reuse-baselines`).")
    return ["# Results: ponder-time boundaries against baselines", "",
            f"Scale **{meta.scale}**, device {meta.device}, {meta.date}, commit {commit}, "
            f"Python {meta.python}, torch {meta.torch}.{capped}", "",
            "Regenerate with:", "", "```bash", meta.command, "```", "",
            f"Every number below is read from `{os.path.relpath(results_path, results_dir)}`, written by that "
            f"command (bootstrap 95% intervals over units, {meta.bootstrap} resamples). Boundary F is "
            "unit-internal (`boundary_noedge`) unless a column says otherwise. Model segmenters are "
            "`<kind>-<signal>`: kind `act` (ACT model), `lstm` (the act=False control of the same size), "
            "`fixed` (fixed-repeat control); `halt-first` is 1 minus the first update's halting probability; "
            "`act-ponder-rtl` is a model reading right to left, `act-ponder-ltr+rtl` the sum of both "
            "z-normalised signals. Unsupervised peak settings: every local maximum, a cut before the peak's "
            "symbol. Baselines: `tp-<statistic>-<threshold>` transitional probability (forward, backward or "
            "mutual information; cuts at local dips or below the mean), `ngram-<statistic>` peaks of a "
            "Kneser-Ney n-gram model's surprisal or branching entropy, `nvbe` word autonomy from normalised "
            "variation of branching entropy decoded by dynamic programming (Magistry & Sagot 2012), `random` "
            "and `random-oracle` (at the gold boundary rate); the lexicon toplines by their package's name.", ""]


def _fit_note(part) -> str:
    """Where the label-free baselines of a word comparison read their statistics, when not the evaluated units."""
    if not part.baseline_fit:
        return ""
    extra = "" if part.corpus in part.baseline_fit else f", `{part.corpus}`"
    return f"; label-free baselines fitted on {', '.join(f'`{ref}`' for ref in part.baseline_fit)}{extra}"


def _word_sections(results: Results) -> list[str]:
    lines = ["## Word boundaries: unsupervised (headline)", ""]
    for key, part in results.word.items():
        rows = [r for r in part.rows if _in_comparison(results, r)]
        shown = [r for r in rows if _unsupervised(r) and not _skipped(r)]
        split = (", cuts around every punctuation mark forced in every row but the gold-rate oracle's"
                 if part.split_punctuation else "") + _fit_note(part)
        lines += [f"### {key} (`{part.corpus}`{split})", "",
                  to_markdown(_sorted(table_frame(shown, WORD_COLUMNS), "boundary_noedge_f"))]
        toplines = [r for r in rows if (r.get("uses_gold") or r.get("uses_lexicon")) and not r.get("calibrated")]
        skipped = [r for r in rows if _skipped(r)]
        if toplines:
            lines += ["Not unsupervised (gold boundary rate or a word list):", "",
                      to_markdown(table_frame(toplines, ["segmenter", "uses_gold", "uses_lexicon", *WORD_COLUMNS[2:]]))]
        if skipped:
            lines += [f"Skipped: {', '.join(r['segmenter'] + ' (' + r['note'] + ')' for r in skipped)}.", ""]
    lines += ["## Word boundaries: calibrated on labelled units (not the headline)", ""]
    for key, part in results.word.items():
        rows = [r for r in part.rows if _in_comparison(results, r) and r.get("calibrated")]
        lines += [f"### {key}: peak settings chosen for the best boundary F on the first {part.labelled_units} "
                  f"units of `{part.labelled}`", "",
                  to_markdown(_sorted(table_frame(rows, ["segmenter", "run", "labelled_units", "calibration",
                                                    *WORD_COLUMNS[2:]]), "boundary_noedge_f"))]
    return lines


def _settings_records(results: Results, part: WordComparison, names: list[str]) -> list[dict]:
    """One record per ACT run: its ponder settings, ponder statistics and the boundary F of each of its
    signals (unsupervised; ponder also calibrated)."""
    records = []
    for name in names:
        stats, record = part.runs[name], results.runs[name]
        tau_ramp = record.train["tau_ramp"]
        records.append({
            "run": name, "max_steps": record.model["max_steps"], "tau": record.model["tau"],
            "halt_bias": record.model["halt_bias"], "halt_init": record.model["halt_init"],
            "halt_lr": record.train["halt_lr_scale"], "layers": record.model["layers"],
            "ponder_target": record.train["ponder_target"],
            "tau_ramp": "{} to {}".format(*tau_ramp) if tau_ramp else None,
            "ponder_mean": stats.ponder_mean, "ponder_std": stats.ponder_std,
            "bits_per_symbol": stats.bits_per_symbol,
            **{f"{signal.replace('-', '_')}_f": part.model_f(f"act-{signal}", name, False)
               for signal in ("ponder", "halt-first", "steps", "remainder", "entropy")},
            "ponder_f_calibrated": part.model_f("act-ponder", name, True)})
    return records


def _sweep_section(results: Results, figures: Path) -> list[str]:
    from segment.eval.plots import plot_f_against_tau

    key = results.sweep
    part = results.word[key]
    act_runs = [name for name in part.runs
                if results.runs[name].kind == "act" and results.runs[name].spec.direction == "ltr"]
    sweep = [name for name in act_runs if "sweep" in results.runs[name].spec.tags]
    if not sweep:
        return [f"## tau sweep ({key})", "", "No tau-sweep run was evaluated.", ""]
    frame = pd.DataFrame(_settings_records(results, part, sweep)).sort_values("tau")
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
                  "or nn.Linear's random uniform) and its learning rate relative to the rest (`halt_lr`), the cap "
                  "on ponder steps (`max_steps`), the halting-bias initialisation, a stacked model, tau steered "
                  "toward a target mean ponder time (`ponder_target`) or moved linearly over training (`tau_ramp`, "
                  "which then replaces `tau`), and other seeds; same columns as above.", "",
                  to_markdown(pd.DataFrame(_settings_records(results, part, others))), ""]
    return lines


def _ablation_section(results: Results) -> list[str]:
    lines = ["## Ablations: ponder vs entropy (act=False) vs fixed repeat, and reading direction", "",
             "Same model size and data per corpus; bits per symbol and the mean and standard deviation of ponder "
             "time over the evaluated symbols (a standard deviation near 0: the halting unit collapsed to one "
             "update or ran to the cap everywhere; this needs no labels).", ""]
    for key, part in results.word.items():
        records = []
        for row in part.rows:
            if row["family"] != "model" or row["calibrated"] or not _in_comparison(results, row):
                continue
            stats = part.runs.get(row["run"])  # None for a combination of runs
            records.append({"segmenter": row["segmenter"], "run": row["run"],
                            "bits_per_symbol": stats.bits_per_symbol if stats else None,
                            "ponder_mean": stats.ponder_mean if stats else None,
                            "ponder_std": stats.ponder_std if stats else None,
                            "boundary_noedge_p": row["boundary_noedge_p"], "boundary_noedge_r": row["boundary_noedge_r"],
                            "boundary_noedge_f": row["boundary_noedge_f"],
                            "f_calibrated": part.model_f(row["segmenter"], row["run"], True)})
        if records:
            lines += [f"### {key}", "", to_markdown(table_frame(records))]
    return lines


def _sentence_section(results: Results) -> list[str]:
    if not results.sentence:
        return []
    lines = ["## Sentence boundaries (units run together)", "",
             "Model rows: the peaks at least 3 robust standard deviations above the stream's median "
             "(unsupervised); `(calibrated)` rows: that threshold chosen for the best sentence boundary F on "
             "labelled units run together (named per table). `pk` and `windowdiff`: lower is better.", ""]
    for key, part in results.sentence.items():
        view = "" if part.punctuation else ", punctuation removed"
        lines += [f"### {key} (`{part.corpus}`{view}; calibrated on the first {part.labelled_units} units "
                  f"of `{part.labelled}`)", "",
                  to_markdown(_sorted(table_frame(part.rows, SENTENCE_COLUMNS), "boundary_f"))]
    return lines


def _graves_section(results: Results) -> list[str]:
    part = results.graves
    if not part.rows:
        return []
    return ["## Graves's check: a model reading text with spaces", "",
            f"Peaks (every local maximum at symbol t) of models trained with spaces kept, on `{part.corpus}` "
            "with spaces: precision and recall against the positions of each class; `base_rate` is the share "
            "of positions in the class (the precision of peaks placed at random).", "",
            to_markdown(table_frame([dataclasses.asdict(r) for r in part.rows]))]


def _training_section(results: Results) -> list[str]:
    records = []
    for name, record in results.runs.items():
        spec, summary, last = record.spec, record.summary, record.last_eval
        records.append({"run": name, "data": "+".join(spec.train_data), "kind": record.kind,
                        "direction": spec.direction, "spaces": spec.spaces, "hidden": record.model["hidden"],
                        "max_steps": _halting_setting(record, "max_steps"), "tau": _halting_setting(record, "tau"),
                        "iterations": summary.iterations if summary else None,
                        "wall_s": summary.wall_s if summary else None,
                        "train_symbols_per_s": summary.symbols_per_s if summary else None,
                        "iteration_symbols_per_s": last.symbols_per_s, "device": summary.device if summary else None,
                        "dev_bps": last.dev_bps, "dev_ponder_mean": last.ponder_mean})
    return ["## Training runs and throughput", "",
            "`train_symbols_per_s` = iterations x batch x sequence length / wall seconds (data loading and "
            "evaluations included); `iteration_symbols_per_s`, `dev_bps` and `dev_ponder_mean` from the run's last "
            "logged evaluation (the rate of the optimizer iteration before it).", "",
            to_markdown(table_frame(records))]


def _bits_section(results: Results) -> list[str]:
    if not results.bits:
        return []
    frame = pd.DataFrame([dataclasses.asdict(r) for r in results.bits])
    refs = list(dict.fromkeys(frame.ref))
    ngram = frame[frame.kind == "ngram"].set_index("ref").bits_per_symbol
    records = []
    for (model, kind), rows in frame.groupby(["model", "kind"], sort=False):
        by_ref = rows.set_index("ref")
        record = {"model": model, "kind": kind}
        for ref in refs:
            bits = by_ref.bits_per_symbol.get(ref)
            record[ref] = bits
            if kind != "ngram" and ref in ngram.index and pd.notna(bits):
                record[f"{ref} vs n-gram"] = f"{100 * (bits / ngram[ref] - 1):+.1f}%"
        ponder = rows.ponder_mean.dropna()
        record["mean ponder"] = float(ponder.mean()) if len(ponder) else None
        records.append(record)
    sizes = ", ".join(f"`{ref}` {int(n):,}" for ref, n in frame.groupby("ref", sort=False).symbols.first().items())
    columns = ["model", "kind", *(c for ref in refs for c in (ref, f"{ref} vs n-gram")), "mean ponder"]
    return ["## Bits per symbol", "",
            "Each unit read from `<sep>`, scored on its own symbols (symbols: " + sizes + "). The n-gram row is an "
            "interpolated Kneser-Ney model fitted on the runs' training text (that of their main run); `vs n-gram` "
            "is the relative difference (negative: fewer bits than the n-gram model). `mean ponder` averages the "
            "splits.", "", to_markdown(table_frame(records, columns))]


def _default_section(results: Results) -> list[str]:
    part = results.default
    if not part.candidates:
        return []
    return ["## Default model selection", "",
            f"Candidates compared by {part.rule} on `{part.dev}`"
            + (" (`dev_readout_f`: the readout fitted as it would ship, reading the candidate's right-to-left "
               "twin `<run>-rtl` too where that is trained)"
               if part.by_readout else "") + f"; selected: **{part.selected}**.", "",
            to_markdown(table_frame([c.record() for c in part.candidates]))]


def _figures_section(results: Results, figures: Path) -> list[str]:
    from segment.eval.plots import plot_pr_curves, plot_trace

    lines = ["## Figures", ""]
    repeated = {t.run for t in results.traces if sum(u.run == t.run for u in results.traces) > 1}
    for trace in results.traces:
        path = figures / (f"trace-{trace.run}-{trace.corpus}-{trace.split}.png" if trace.run in repeated
                          else f"trace-{trace.run}.png")
        what = "spaced text, dashed lines before each space" if trace.spaces else "dashed lines: gold word cuts"
        plot_trace(tuple(trace.sequence), trace.ponder, gold=trace.gold, predicted=trace.predicted,
                   title=f"ponder time, {trace.run}, {trace.corpus} {trace.split} unit {trace.unit}", path=path)
        lines += [f"Ponder time of `{trace.run}` over {trace.corpus} {trace.split} unit {trace.unit} "
                  f"({what}; triangles: unsupervised ponder cuts):", "", f"![ponder trace](figures/{path.name})", ""]
    curves = results.word[results.pr].pr
    if curves:
        plot_pr_curves({name: (c.precision, c.recall) for name, c in curves.items()},
                       title=f"precision-recall as the threshold sweeps ({results.pr})", path=figures / "pr-curves.png")
        lines += [f"Precision-recall curves on {results.pr} (model signals and the two best unsupervised baselines):",
                  "", "![precision-recall curves](figures/pr-curves.png)", ""]
    return lines


SUMMARY_COLUMNS = ["segmenter", "run", "uses_lexicon", "boundary_noedge_f", "f_ci_low", "f_ci_high", "token_f",
                   "oov_recall"]


def _sub_scale_sections(results_dir: Path) -> list[str]:
    """Per scale reported in a folder of its own (a ``title`` in ``segment.eval.scales``) whose results are
    in ``results_dir/<scale>/``: a link to its report, its headline rows (the unsupervised rows of its models
    and the three best label-free baselines, by boundary F, then the lexicon toplines) and its bits table."""
    from segment.eval.scales import SCALES

    lines = []
    for name, title in ((s.name, s.title) for s in SCALES.values() if s.title):
        path = results_dir / name / "results" / f"{name}.json"
        if not path.is_file():
            continue
        results = Results.read(path)
        lines += [f"## {title} (scale `{name}`)", "",
                  f"Summary of [{name}/RESULTS.md]({name}/RESULTS.md) (generated by `{results.meta.command}`, "
                  f"{results.meta.date}); the full tables, calibrated rows and figures are there. Unsupervised "
                  "rows (every signal of the scale's models, the three best label-free baselines) by boundary F, "
                  "then the lexicon toplines (`uses_lexicon`: supervised, not comparable). `token_f` is the word F "
                  "of the SIGHAN bakeoffs (a word counts when both "
                  "its edges are right); `oov_recall` their recall of words missing from the training word list.",
                  ""]
        for key, part in results.word.items():
            rows = [r for r in part.rows if _in_comparison(results, r) and not _skipped(r)]
            models = [r for r in rows if r["family"] == "model" and _unsupervised(r)]
            baselines = sorted((r for r in rows if r["family"] == "baseline" and _unsupervised(r)
                                and not str(r["segmenter"]).startswith("random")),
                               key=lambda r: -(r["boundary_noedge_f"] or 0))[:3]
            toplines = [r for r in rows if r.get("uses_lexicon") and not r.get("calibrated")]
            split = (", punctuation split first" if part.split_punctuation else "") + _fit_note(part)
            ranked = sorted(models + baselines, key=lambda r: -(r["boundary_noedge_f"] or 0))
            lines += [f"### {key} (`{part.corpus}`{split})", "",
                      to_markdown(table_frame(ranked + toplines, SUMMARY_COLUMNS))]
        bits = _bits_section(results)
        lines += ["### Bits per symbol", *bits[1:]] if bits else []
    return lines


def write_report(results_path: Path, results_dir: Path) -> Path:
    """Write ``results_dir/RESULTS.md`` and ``results_dir/figures/*.png`` from the results JSON."""
    results_path, results_dir = Path(results_path), Path(results_dir)
    results = Results.read(results_path)
    figures = results_dir / "figures"
    figures.mkdir(parents=True, exist_ok=True)
    lines = [*_header(results, results_path, results_dir), *_word_sections(results),
             *_sweep_section(results, figures), *_ablation_section(results), *_sentence_section(results),
             *_graves_section(results), *_bits_section(results), *_training_section(results),
             *_default_section(results), *_figures_section(results, figures), *_sub_scale_sections(results_dir)]
    target = results_dir / "RESULTS.md"
    write_atomic(target, "\n".join(lines).rstrip() + "\n")
    return target
