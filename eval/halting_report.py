"""HALTING.md and its figures from results/halting.json (``segment.eval.halting_study``)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from segment.eval.halting_length import CURVE_FIELDS, MAX_SUBSETS
from segment.eval.halting_study import LEVERS, TARGET_LEVERS, seed_value
from segment.models.config import TrainConfig
from segment.eval.plots import plot_ensemble_f, plot_f_against_tau, plot_training_curves
from segment.eval.report_markdown import table_frame
from segment.files import write_atomic

RUN_COLUMNS = ["lever", "tau", "seed", "dev_bps", "dev_ponder_mean", "dev_ponder_std", "dev_steps_mean",
               "dev_off_extremes",
               "ponder_f", "entropy_f", "ponder_f_carried", "ponder_f_fresh_same_units", "fresh_carried_corr"]
LEVER_COLUMNS = ["lever", "selected_tau", "selected_f", "best_tau", "best_f", "width_decades", "width_low",
                 "width_high", "seed_fs", "seed_spread"]
LENGTH_COLUMNS = ["corpus", "lever", "value", "iterations", "seeds", "ponder_fs", "ponder_f_mean", "ponder_f_spread",
                  "entropy_f_mean", "dev_ponder_std_mean", "dev_bps_mean"]
EARLY_STOP_COLUMNS = ["corpus", "variant", "iterations", "seeds", "best_iterations", "ponder_fs", "ponder_f_mean",
                      "ponder_f_spread", "entropy_f_mean", "dev_ponder_std_mean", "dev_bps_mean"]


def _markdown(rows: list[dict], columns: list[str]) -> str:
    """A Markdown table; floats to 4 significant digits, also inside lists (per-seed figures)."""
    def short(value):
        if not isinstance(value, list):
            return value
        return ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in value)
    rows = [{k: short(v) for k, v in row.items()} for row in rows]
    return table_frame(rows, columns).to_markdown(index=False, floatfmt=".4g")


def _figures(results: dict, corpus: str, figures: Path) -> list[str]:
    """F and ponder std against tau for every lever swept over tau on one corpus; the markdown lines that show
    them."""
    rows = [r for r in results["runs"] if r["corpus"] == corpus and r["seed"] == 0 and r["tau"] is not None
            and r["lever"] not in TARGET_LEVERS]
    taus = sorted({r["tau"] for r in rows})
    levers = list(dict.fromkeys(r["lever"] for r in rows))

    def curves(field: str) -> dict[str, list]:
        by_key = {(r["lever"], r["tau"]): r[field] for r in rows}
        return {lever: [by_key.get((lever, tau)) for tau in taus] for lever in levers}

    figures.mkdir(parents=True, exist_ok=True)
    names = (f"halting-{corpus}-f.png", f"halting-{corpus}-std.png")
    plot_f_against_tau(taus, curves("ponder_f"), title=f"ponder boundary F, {corpus}", path=figures / names[0])
    plot_f_against_tau(taus, curves("dev_ponder_std"), title=f"ponder std on dev, {corpus}", ylabel="ponder std",
                       ylim=None, path=figures / names[1])
    return [f"![ponder F against tau, {corpus}](figures/{names[0]}) ![ponder std against tau, {corpus}]"
            f"(figures/{names[1]})", ""]


def _probe_section(probes: dict, figures: Path, *, heading: str, intro: str, columns: list[str],
                   figure_prefix: str) -> list[str]:
    """Probes of ``segment.eval.halting_length`` beside the study's rows, and a figure per corpus of their dev
    figures over training (with the held-out bits of early-stopping runs)."""
    lines = [f"## {heading}", "", intro, ""]
    if probes["missing_runs"]:
        lines += [f"Not trained (left out): {', '.join(probes['missing_runs'])}.", ""]
    lines += [_markdown(probes["summary"], columns), "",
              "Over training (the dev evaluations of each run's log.jsonl: the first "
              + " / ".join(f"{n:,}" for n in dict.fromkeys(probes["eval_symbols"].values()))
              + " dev symbols read with the state carried across units, as the trainer reads them; "
              "`ponder_boundary_f`: peaks of that ponder signal against the gold cuts, labels used for this figure only; `holdout_bps`: "
              "the held-out units' bits per symbol that early stopping reads; dotted: the study's length):", ""]
    figures.mkdir(parents=True, exist_ok=True)
    for corpus in dict.fromkeys(r["corpus"] for r in probes["runs"]):
        names = [r["run"] for r in probes["runs"] if r["corpus"] == corpus]
        fields = [f for f in (*CURVE_FIELDS, "holdout_bps") if any(f in probes["curves"][n] for n in names)]
        panels = {field: {name: (probes["curves"][name]["iteration"], probes["curves"][name][field])
                          for name in names if field in probes["curves"][name]} for field in fields}
        name = f"{figure_prefix}-{corpus}.png"
        plot_training_curves(panels, title=f"{corpus}: dev figures over training", path=figures / name,
                             mark=probes["base_iterations"][corpus])
        lines += [f"![dev figures over training, {corpus}](figures/{name})", ""]
    return lines


def _length_section(length: dict, figures: Path) -> list[str]:
    """The training-length probes."""
    intro = (f"Generated by `python -m segment.eval.halting_length` (`results/halting-length.json`): the constraint "
             f"at its seed target and Graves's ACT at tau {seed_value('graves')} trained {length['factor']} x longer "
             "(everything else as above: warm-up, halting freeze, constraint rate, data, evaluation), on the seeds "
             "the study ran them with, set beside the study's rows of the same settings and seeds. `value`: tau, or "
             "the constraint's target; means over the seeds. `brent-phono-heldout`: the constraint trained on "
             "brent-phono's train split and scored (and evaluated while training) on its test split; the study has "
             "no such row.")
    return _probe_section(length, figures, heading="Training length", intro=intro, columns=LENGTH_COLUMNS,
                          figure_prefix="halting-length")


def _overrides(variant: dict) -> str:
    """A variant's overrides in words: "model: dropout 0.2; train: holdout 0.1, patience 4"."""
    return "; ".join(f"{part}: " + ", ".join(f"{k} {v}" for k, v in variant[part].items())
                     for part in ("model", "train") if variant[part])


def _variants(probes: dict) -> str:
    """Each variant of a probe set with its overrides: "`freeze400` (train: halt_freeze 400), ..."."""
    return ", ".join(f"`{name}` ({_overrides(v)})" for name, v in probes["variants"].items() if name)


#: The probe columns with each row's variant after the lever and its value
VARIANT_COLUMNS = LENGTH_COLUMNS[:3] + ["variant"] + LENGTH_COLUMNS[3:]


def _early_stop_section(early: dict, figures: Path) -> list[str]:
    """The early-stopping probes."""
    variants = _variants(early)
    intro = ("Generated by `python -m segment.eval.halting_length --probes early-stop` "
             "(`results/halting-early-stop.json`): the constraint at its seed target with label-free early stopping: "
             "every k-th training unit (k = 1 / holdout) is held out of training, their bits per symbol are "
             "measured at every evaluation (every `eval_every` iterations) and the model with the lowest is kept; "
             f"training ends after `patience` evaluations without a new best, or at {early['factor']} x the "
             f"study's iterations. Variants (their changes to the study's settings): {variants}; set beside the "
             "study's rows (variant empty) of the same setting and seeds. `best_iterations`: the iteration of the "
             "model kept, per seed. Scored like every row above, on the whole corpus (the held-out units "
             "included); no label is read to stop.")
    return _probe_section(early, figures, heading="Early stopping", intro=intro, columns=EARLY_STOP_COLUMNS,
                          figure_prefix="halting-early-stop")


def _variant_section(probes: dict, figures: Path, *, probe_set: str, heading: str, what: str) -> list[str]:
    """A probe set that changes the study's candidate setting by its variants only (``what`` they change)."""
    intro = (f"Generated by `python -m segment.eval.halting_length --probes {probe_set}` "
             f"(`results/halting-{probe_set}.json`): the constraint at its seed target and the study's length, {what} "
             f"(variants: {_variants(probes)}); set beside the study's rows (variant empty) of the same setting and "
             "seeds.")
    return _probe_section(probes, figures, heading=heading, intro=intro, columns=VARIANT_COLUMNS,
                          figure_prefix=f"halting-{probe_set}")


_release_section = partial(
    _variant_section, probe_set="release", heading="Halting release and learning rate",
    what="changing only when or how fast the halting unit learns (the study holds it for 200 iterations and trains "
         "it at 0.1 x lr): a later release lets it learn over a better language model, a slower rate keeps it nearer "
         "its first direction")
_two_stage_section = partial(
    _variant_section, probe_set="two-stage", heading="Two-stage halting",
    what="trained in two stages: the language model alone with the halting unit held (every symbol two updates), "
         "then the halting unit alone with every other parameter held (`lm_freeze`), so it learns where more "
         "updates help a fixed language model and cannot reshape it")


def _generated(probe_set: str) -> str:
    """The opening of a probe section's intro: the command and the results file."""
    return (f"Generated by `python -m segment.eval.halting_length --probes {probe_set}` "
            f"(`results/halting-{probe_set}.json`): ")


def _with_table(probes: dict, figures: Path, *, heading: str, intro: str, figure_prefix: str, table: str,
                caption: str, columns: list[str]) -> list[str]:
    """A probe section with each row's variant, then ``probes[table]`` under ``caption`` when it holds rows."""
    lines = _probe_section(probes, figures, heading=heading, intro=intro, columns=VARIANT_COLUMNS,
                           figure_prefix=figure_prefix)
    if probes.get(table):
        lines += [caption, "", _markdown(probes[table], columns), ""]
    return lines


def _selected_section(selected: dict, figures: Path) -> list[str]:
    """The seeds at the selected values."""
    intro = (_generated("selected") + "the seed spread where the label-free selection rule lands (the per-lever "
             "tables above repeat seeds at a value fixed in advance, tau 0.03 or target 2.5): each setting at the "
             "value the rule selected, "
             "retrained on seeds 0, 1 and 2 at the study's length (variant `selected`; seed 0 as a check that the "
             "study's run reproduces), set beside the study's row of the same setting (variant empty).")
    return _probe_section(selected, figures, heading="Seeds at the selected value", intro=intro,
                          columns=VARIANT_COLUMNS, figure_prefix="halting-selected")


def _below_grid_section(below: dict, figures: Path) -> list[str]:
    """The taus below the study's grid, and each lever's summary over the extended grid."""
    intro = (_generated("below-grid") + "bounded+norm+freeze at taus 0.001 and 0.0003 (seed 0, the study's "
             "length), below the study's grid, whose lowest tau (0.003) is where this lever has its best F on "
             "brent-phono (the study ran none below it).")
    return _with_table(below, figures, heading="Below the tau grid", intro=intro, figure_prefix="halting-below-grid",
                       table="extended_grid", columns=["corpus", *LEVER_COLUMNS[:8]],
                       caption="Per lever over the study's grid and these taus (the label-free choice, the best F "
                               "and the width of the informative regime, computed as in the per-lever tables above):")


SEED_MEAN_COLUMNS = ["corpus", "lever", "taus", "mean_fs", "mean_stds", "spreads", "best_tau", "best_mean_f",
                     "width_decades", "width_low", "width_high", "selected_tau", "selected_mean_f"]
SEED_MEAN_CAPTION = ("The informative regime over the seed means (`mean_fs`, `mean_stds`: per tau; the width rule of "
                     "the per-lever tables applied to the means), and the tau the label-free selection rule picks "
                     "from the seed means of the dev figures (`selected_tau`, with its mean F):")


def _grid_seeds_section(grid: dict, figures: Path) -> list[str]:
    """Three seeds at each tau of the grid's low end, and the width read from the seed means."""
    intro = (_generated("grid-seeds") + "bounded+norm+freeze on brent-phono at taus 0.0003, 0.001, 0.003 "
             "and 0.01, each on seeds 0, 1 and 2 at the study's length (variant `grid-seeds`), set beside the study's "
             "rows of the same settings (variant empty). One seed's F moves by about 0.05, more than the 0.03 "
             "margin of the width rule, so the width is also read from the seed means.")
    return _with_table(grid, figures, heading="Three seeds along the low end of the grid", intro=intro,
                       figure_prefix="halting-grid-seeds", table="seed_mean_grid", columns=SEED_MEAN_COLUMNS,
                       caption=SEED_MEAN_CAPTION)


ENSEMBLE_COLUMNS = ["corpus", "lever", "value", "k", "subsets", "ponder_f_mean", "ponder_f_min", "ponder_f_max",
                    "first_ponder_f", "first_entropy_f"]


def _ensemble_section(ensemble: dict, figures: Path) -> list[str]:
    """Five seeds at the grid's low end, and the F of their ensembles by size."""
    intro = (_generated("ensemble") + "the grid-seeds runs of bounded+norm+freeze on brent-phono with seeds 3 and 4 "
             "added at taus 0.0003, 0.001 and 0.003 (the study's length, variant `grid-seeds`), the selected "
             "probes' three seeds of the constraint at target 2.75 on brent-text, and ensembles of them: the "
             "per-symbol mean ponder of K models of one setting (what `actseg segment` reads with K `--model` "
             "options), cut before each peak like a single model's.")
    lines = _with_table(ensemble, figures, heading="Seed ensembles", intro=intro, figure_prefix="halting-ensemble",
                        table="seed_ensembles", columns=ENSEMBLE_COLUMNS,
                        caption="Ponder F of the ensembles of K seeds (`k`): mean, lowest and highest over every "
                                "subset of K of the trained seeds (`subsets` of them), and the ponder and entropy F "
                                "of the first K seeds' ensemble (`first_*`; the same mean, of the entropy signal):")
    return lines + _seed_means_and_ensembles(ensemble, figures, "halting-ensemble-f")


def _seed_means_and_ensembles(probes: dict, figures: Path, prefix: str) -> list[str]:
    """The seed-mean grid of a probe set (when it has one), then per corpus a figure of its seed ensembles' ponder F
    against the ensemble size (one curve per setting, named with its variant where the corpus has several)."""
    lines = [SEED_MEAN_CAPTION, "", _markdown(probes["seed_mean_grid"], SEED_MEAN_COLUMNS), ""] \
        if probes.get("seed_mean_grid") else []
    rows = probes.get("seed_ensembles", [])
    for corpus in dict.fromkeys(r["corpus"] for r in rows):
        curves = {}
        named = len({r.get("variant") for r in rows if r["corpus"] == corpus}) > 1
        for row in (r for r in rows if r["corpus"] == corpus):
            value = f"{'target' if row['lever'] in TARGET_LEVERS else 'tau'} {row['value']:g}"
            label = f"{row['lever']}, {value}" + (f", {row['variant']}" if named else "")
            series = curves.setdefault(label, ([], [], [], []))
            for values, field in zip(series, ("k", "ponder_f_mean", "ponder_f_min", "ponder_f_max")):
                values.append(row[field])
        name = f"{prefix}-{corpus}.png"
        plot_ensemble_f(curves, title=f"ponder F of seed ensembles, {corpus}", path=figures / name)
        lines += [f"![ponder F against ensemble size, {corpus}](figures/{name})", ""]
    return lines


def _selected_length_section(probes: dict, figures: Path) -> list[str]:
    """The selected setting on brent-phono trained longer."""
    intro = (_generated("selected-length") + f"bounded+norm+freeze at tau 0.001 on brent-phono, the value the "
             f"label-free rule selects over the extended grid, trained {probes['factor']} x longer on seeds 0 and 1 "
             "(everything else as the study's), as the training-length probes above do for the constraint and "
             "Graves's ACT. The study ran no tau-0.001 row, so the same seeds at its length are in the sections "
             "\"Three seeds along the low end of the grid\" and \"Seed ensembles\".")
    return _probe_section(probes, figures, heading="The selected setting trained longer", intro=intro,
                          columns=LENGTH_COLUMNS, figure_prefix="halting-selected-length")


VERSUS_COLUMNS = ["corpus", "lever", "value", "variant", "seeds", "base_f_mean", "variant_f_mean", "base_f_spread",
                  "variant_f_spread", "base_ensemble_f", "variant_ensemble_f", "base_entropy_f_mean",
                  "variant_entropy_f_mean", "base_dev_std_mean", "variant_dev_std_mean", "base_dev_bps_mean",
                  "variant_dev_bps_mean"]


def _versus_section(probes: dict, figures: Path, *, probe_set: str, heading: str, intro: str, base: str) -> list[str]:
    """A probe set that repeats another's runs with its variant (``versus_twins``): its summaries, the table
    setting them beside the runs they repeat (``base``: what those are), its seed ensembles and their figures."""
    lines = _with_table(probes, figures, heading=heading, intro=_generated(probe_set) + intro,
                        figure_prefix=f"halting-{probe_set}", table="versus_twins", columns=VERSUS_COLUMNS,
                        caption=f"Beside the runs they repeat (`base_*`: {base}; `variant_*`: this section's; "
                                "`*_ensemble_f`: the ponder F of the mean ponder of all the seeds; spreads are max - "
                                "min over the seeds):")
    if probes.get("seed_ensembles"):
        lines += ["Ponder F of the ensembles of K of this section's seeds (as in \"Seed ensembles\"):", "",
                  _markdown(probes["seed_ensembles"], ENSEMBLE_COLUMNS[:3] + ["variant"] + ENSEMBLE_COLUMNS[3:]), ""]
    return lines + _seed_means_and_ensembles(probes, figures, f"halting-{probe_set}-ensemble-f")


_averaged_section = partial(
    _versus_section, probe_set="averaged", heading="Weight averaging",
    intro="the runs of the section \"Seed ensembles\" (five seeds of bounded+norm+freeze at taus 0.0003-0.003 on "
          "brent-phono, three of the constraint at target 2.75 on brent-text), Graves's ACT at tau 0.03 (seed 0) and "
          "the study's three seeds of the constraint at target 2.5 on ud-en-ewt, trained again with weight averaging "
          "(variant `average300`: the model saved is the mean of the weights after every iteration from 300 on, "
          "`actseg train --average-from 300`; training itself is unchanged), measured like every run above.",
    base="the same runs saving their last weights, from \"Seed ensembles\", or the study's row")
_hidden_section = partial(
    _versus_section, probe_set="hidden", heading="Model size",
    intro="the five averaged seeds of bounded+norm+freeze at tau 0.001 on brent-phono (the README's recipe) with "
          "half and twice the hidden size (variants `h64-average300`, `h256-average300`; the study's is 128), "
          "everything else as in \"Weight averaging\".",
    base="hidden 128, from \"Weight averaging\"")


def _ten_seeds_section(probes: dict, figures: Path) -> list[str]:
    """The averaged recipe on ten seeds, and how much independent repeats of its ensembles differ."""
    intro = (_generated("ten-seeds") + "the averaged runs of bounded+norm+freeze on brent-phono (section \"Weight "
             "averaging\", taus 0.0003-0.003, seeds 0-4) with seeds 5-9 added, so an ensemble of five (the README's "
             "recipe) can be repeated on seeds it does not share.")
    lines = _with_table(probes, figures, heading="Ten averaged seeds", intro=intro, figure_prefix="halting-ten-seeds",
                        table="seed_ensembles", columns=ENSEMBLE_COLUMNS[:3] + ["variant"] + ENSEMBLE_COLUMNS[3:]
                        + ["disjoint_fs", "disjoint_spread"],
                        caption="Ponder F of the ensembles of K seeds (as in \"Seed ensembles\", over at most "
                                f"{MAX_SUBSETS} subsets of K seeds: the disjoint groups below and a fixed random "
                                "sample), and of the ensembles of disjoint groups of K seeds (`disjoint_fs`: seeds 0 "
                                "to K-1, the next K, ...; independent repeats of a K-model ensemble; "
                                "`disjoint_spread`: their max - min):")
    return lines + _seed_means_and_ensembles(probes, figures, "halting-ten-seeds-ensemble-f")


#: probe set (``halting_length.PROBE_SETS``) -> its section of the report, in report order
PROBE_SECTIONS = {"length": _length_section, "early-stop": _early_stop_section, "release": _release_section,
                  "two-stage": _two_stage_section, "selected": _selected_section, "below-grid": _below_grid_section,
                  "grid-seeds": _grid_seeds_section, "ensemble": _ensemble_section,
                  "selected-length": _selected_length_section, "averaged": _averaged_section,
                  "hidden": _hidden_section, "ten-seeds": _ten_seeds_section}


def write_report(results: dict, results_dir: Path, *, command: str, probes: dict[str, dict] | None = None) -> Path:
    """Write ``results_dir``/HALTING.md (and its figures), with a section for each probe set whose results
    ``probes`` holds (by ``PROBE_SECTIONS`` name); returns its path."""
    rule = results["rule"]
    lines = [
        "# The halting study",
        "",
        "Generated by `" + command + "` from `results/halting.json` (see `segment/eval/halting_study.py`).",
        "",
        "Each halting lever of issue 13, swept over the ponder-cost weight tau at the cpu scale's settings "
        "(hidden 128 on Brent, 256 on English, max steps 4, 800 iterations); `graves` is Graves's exact ACT, the "
        "reference row. Levers: `bounded` (halting outputs (1 - 2 eps) sigmoid(z): at least two updates per "
        "symbol), `norm` (the halting unit reads a LayerNorm of the state), `freeze` (the halting unit held for "
        "the first 200 iterations; alone or with the other two), `pondernet` (PonderNet's halting distribution, Banino et al. 2021; its tau is "
        "the KL weight beta, prior lambda_p 0.5, ponder = expected updates), `constraint` (bounded+norm+freeze "
        f"with the signed ponder constraint: tau starts at {LEVERS['constraint'][0]['tau']} and follows tau += "
        f"{TrainConfig().constraint_rate} (mean rho - target) after every iteration, going below zero, a reward for pondering, while the mean is under the target, and held while the halting unit is frozen (anti-windup); its "
        "`tau` column holds the target mean ponder time, so it has no tau width and no figure).",
        "",
        "Columns: `dev_*` are label-free, from the inference signals on dev (each unit read from a fresh state "
        "after `<sep>`): bits per symbol, ponder mean and std, mean updates N, and the fraction of symbols "
        "neither at the floor "
        "(rho within 0.05 of 2, or of 2 + 2 eps when bounded) nor at the cap. `ponder_f`: unsupervised boundary "
        "F (peaks, cut before each peak) on the test units from the inference signals; `ponder_f_carried`: the "
        "same on the first 20,000 test symbols read the training-time way (state carried across units), "
        "`ponder_f_fresh_same_units` those units read the inference way, `fresh_carried_corr` the "
        "correlation of the two ponder signals there. `entropy_f`: the same model's entropy signal scored like "
        "`ponder_f` (the issue's bar for brent-text and English: ponder F above it).",
        "",
        f"Selection rule (label-free): among the taus whose dev ponder std is >= {rule['min_std']} and whose dev "
        f"bits per symbol are at most {1 + rule['max_bps_excess']:.2f} x the act=False control's, the one with "
        "the most symbols off the extremes (`selected_tau`, and its F). `best_f` is the sweep's best test F, "
        "shown for reference only. `width_decades`: the longest run of consecutive grid taus with dev ponder std "
        f">= {rule['min_std']} and F within 0.03 of the best (0 when one grid point or none qualifies: the grid "
        "steps by half a decade; for `constraint`, `width_low`/`width_high` are the targets of that run). `seed_fs`: "
        "F for seeds 0, 1, 2 at " + ", ".join(f"{lever} {'target' if lever in TARGET_LEVERS else 'tau'} {value}"
                                              for lever, value in results["seed_values"].items()) + ".",
        "",
    ]
    if results["missing_runs"]:
        lines += [f"Not trained (left out): {', '.join(results['missing_runs'])}.", ""]
    figures = results_dir / "figures"
    for corpus in dict.fromkeys(r["corpus"] for r in results["runs"]):
        levers = [s for s in results["levers"] if s["corpus"] == corpus]
        runs = [r for r in results["runs"] if r["corpus"] == corpus]
        lines += [f"## {corpus}", ""]
        if levers:
            lines += ["Per lever:", "", _markdown(levers, LEVER_COLUMNS), ""]
            lines += _figures(results, corpus, figures)
        lines += ["Every run (`lstm`: the act=False control):", "", _markdown(runs, RUN_COLUMNS), ""]
    for name, section in PROBE_SECTIONS.items():
        if (probes or {}).get(name) is not None:
            lines += section(probes[name], figures)
    path = results_dir / "HALTING.md"
    write_atomic(path, "\n".join(lines))
    return path
