"""Training length in the halting study: do the candidate halting settings mark boundaries better, and do seeds
agree, when they train longer than the study's 800 iterations, or stop early by a label-free rule?

    python -m segment.eval.halting_length
        [--probes length|early-stop|release|two-stage|selected|below-grid|grid-seeds|ensemble|selected-length|
                  averaged|hidden|ten-seeds]
        [--phase train|evaluate|all]
        [--runs-dir runs/halting-length] [--results-dir eval] [--factor N] [--jobs 2] [--device cpu]
        [--data-dir DIR]

Each probe repeats one lever of the halting study at its seed value (the signed ponder constraint at target
2.5; Graves's exact ACT at tau 0.03, the reference row) with ``--factor`` times the iterations and the same
everything else (warm-up, halting freeze, evaluation, data), on seeds the study ran it with, changed only by
its variant (``VARIANTS``). ``length`` (factor 4): the settings as they are, and one held-out control that
trains on brent-phono's train split and is scored on its test split (the study reads the whole corpus).
``early-stop`` (factor 2, at most): every 10th training unit held out, the model with the lowest held-out bits
per symbol kept (``segment.models.early_stopping``), alone and with dropout. ``release`` (factor 1): the halting
unit held for 400, 600 or 700 of the 800 iterations instead of 200, or learning at 0.01 x lr instead of 0.1 x.
``two-stage`` (factor 1): the language model alone for 600 iterations, then the halting unit alone over it (every
other parameter held, ``TrainConfig.lm_freeze``), at 0.1 x lr or at lr. ``selected`` (factor 1): three seeds at the
value the study's label-free rule selects, where the study repeats seeds at a value fixed in advance.
``below-grid`` (factor 1): bounded+norm+freeze at taus 0.001 and 0.0003, below the study's grid. ``grid-seeds``
(factor 1): the same lever on brent-phono at taus 0.0003-0.01 on three seeds each, with the width of the
informative regime read from the seed means (``seed_mean_grid``). ``ensemble`` (factor 1): those runs with seeds 3
and 4 added at taus 0.0003-0.003, and the selected probes on brent-text, with the ponder F of the mean ponder of
subsets of K seeds (``seed_ensembles``). ``selected-length`` (factor 4): bounded+norm+freeze at tau 0.001, the
extended grid's choice, on seeds 0 and 1. ``averaged`` (factor 1): the ensemble runs, and Graves's ACT at tau 0.03,
saving the mean of their weights after every iteration from 300 on (``TrainConfig.average_from``), set beside the
ensemble runs that saved their last weights (``versus_twins``). ``hidden`` (factor 1): the averaged five seeds at
tau 0.001 on brent-phono with hidden 64 and 256, set beside hidden 128. ``ten-seeds`` (factor 1): the averaged
brent-phono runs with seeds 5-9 added, and the ponder F of ensembles of disjoint groups of seeds. Runs are measured
exactly as the study measures its own (``halting_study.evaluate_run``: label-free dev statistics, unsupervised
ponder and entropy F on the test units). The results set each probe's seeds beside the study's
800-iteration rows of the same lever, value and seeds (from ``results/halting.json``) and go to
``results/halting-<probes>.json``; ``python -m segment.eval.halting_study --phase report`` adds them to HALTING.md.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from segment.eval.halting_selection import SelectionRule
from segment.eval.halting_study import (CORPORA, SEEDS, StudyCorpus, lever_settings, measure_runs, run_name,
                                        seed_value)
from segment.eval.scales import BP_TRAIN
from segment.files import write_atomic
from segment.models.config import TrainConfig

#: The held-out control: the study trains and scores Brent on the whole corpus (as the unsupervised literature
#: does); here the model trains on the train split and is scored (and evaluated while training) on the test split.
HELDOUT = StudyCorpus("brent-phono-heldout", BP_TRAIN, "brent-phono:test", "brent-phono:test", CORPORA[0].preset,
                      ("constraint",))
#: Label-free early stopping (``segment.models.early_stopping``): every 10th training unit held out, the model of
#: the evaluation (every 100 iterations) with the lowest held-out bits per symbol kept, training ended after 4
#: evaluations without a new best
EARLY_STOP = {"holdout": 0.1, "patience": 4, "eval_every": 100}
#: name -> (ACTConfig overrides, TrainConfig overrides): what a probe changes besides its length ("": nothing)
VARIANTS: dict[str, tuple[dict, dict]] = {
    "": ({}, {}),
    "holdout": ({}, EARLY_STOP),
    "holdout+dropout": ({"dropout": 0.2}, EARLY_STOP),  # dropout before the decoder, against memorisation
    # a later release of the halting unit (the study: 200), so it learns over a better language model
    "freeze400": ({}, {"halt_freeze": 400}),
    "freeze600": ({}, {"halt_freeze": 600}),
    # released for the last 100 iterations only: the dev logs put the best ponder F about 100 iterations after
    # the release, whatever the release point, and falling after it
    "freeze700": ({}, {"halt_freeze": 700}),
    # or a halting unit that learns 10x slower than the study's (halt_lr_scale 0.1), released at 200 as there
    "halt-lr0.01": ({}, {"halt_lr_scale": 0.01}),
    # two stages: the language model alone for 600 iterations, then the halting unit alone over it, at the
    # study's halting rate or at the full rate (halting cannot reshape a fixed language model)
    "two-stage600": ({}, {"halt_freeze": 600, "lm_freeze": 600}),
    "two-stage600-lr1": ({}, {"halt_freeze": 600, "lm_freeze": 600, "halt_lr_scale": 1.0}),
    # the study's settings unchanged, at the value its label-free rule selects (a name for the rows, no override)
    "selected": ({}, {}),
    # the study's settings unchanged, at taus below its grid (a name for the rows, no override)
    "below-grid": ({}, {}),
    # the study's settings unchanged, several seeds at each of several taus (a name for the rows, no override)
    "grid-seeds": ({}, {}),
    # the model saved is the mean of the weights after every iteration from 300 on (TrainConfig.average_from):
    # 100 iterations after the halting unit's release, over the rest of the study's 800
    "average300": ({}, {"average_from": 300}),
    # the same with half or twice the study's hidden size on brent-phono (128)
    "h64-average300": ({"hidden": 64}, {"average_from": 300}),
    "h256-average300": ({"hidden": 256}, {"average_from": 300}),
}
#: (corpus key, lever, seeds[, variant[, value]]) of each probe (value: default the study's seed value), in training
#: order: the study's candidate setting (three seeds on brent-phono), its held-out control, and Graves's ACT as the
#: reference row
PROBES: tuple[tuple, ...] = (
    ("brent-phono", "constraint", (0, *SEEDS)),
    ("brent-phono-heldout", "constraint", (0,)),
    ("brent-phono", "graves", (0,)),
    ("brent-text", "constraint", (0,)),
    ("brent-text", "graves", (0,)),
)
#: The early-stopping probes: the candidate setting with held-out units, alone and with dropout, for at most 2x
#: the study's iterations
EARLY_STOP_PROBES: tuple[tuple, ...] = (
    ("brent-phono", "constraint", (0, *SEEDS), "holdout"),
    ("brent-phono", "constraint", (0, *SEEDS), "holdout+dropout"),
    ("brent-text", "constraint", (0,), "holdout"),
)
#: The release probes: the candidate setting at the study's length with the halting unit released later, or
#: learning more slowly
RELEASE_PROBES: tuple[tuple, ...] = (
    ("brent-phono", "constraint", (0, *SEEDS), "freeze400"),
    ("brent-phono", "constraint", (0, *SEEDS), "freeze600"),
    ("brent-text", "constraint", (0,), "freeze400"),
    ("brent-text", "constraint", (0,), "freeze600"),
    ("brent-phono", "constraint", (0, *SEEDS), "halt-lr0.01"),
    ("brent-phono", "constraint", (0, *SEEDS), "freeze700"),
    ("brent-text", "constraint", (0,), "freeze700"),
)
#: The two-stage probes: the halting unit trained alone over the language model of the first 600 iterations
TWO_STAGE_PROBES: tuple[tuple, ...] = (
    ("brent-phono", "constraint", (0, *SEEDS), "two-stage600"),
    ("brent-phono", "constraint", (0, *SEEDS), "two-stage600-lr1"),
    ("brent-text", "constraint", (0,), "two-stage600"),
    ("brent-text", "constraint", (0,), "two-stage600-lr1"),
)
#: The selected-setting probes: the seeds at the sweep value the label-free rule selects (the study repeats seeds
#: at a value fixed in advance): bounded+norm+freeze at tau 0.003 on brent-phono, the constraint at target 2.75 on
#: brent-text (the study's selections, ``results/halting.json``)
SELECTED_PROBES: tuple[tuple, ...] = (
    ("brent-phono", "bounded+norm+freeze", (0, *SEEDS), "selected", 0.003),
    ("brent-text", "constraint", (0, *SEEDS), "selected", 2.75),
)
#: The grid extended below the study's lowest tau (0.003), where bounded+norm+freeze has its best F on brent-phono:
#: half-decade steps down, seed 0, so the width of the informative regime is not cut by the grid's end
BELOW_GRID_PROBES: tuple[tuple, ...] = tuple((key, "bounded+norm+freeze", (0,), "below-grid", tau)
                                             for key in ("brent-phono", "brent-text") for tau in (0.001, 0.0003))
#: The low end of the grid on three seeds: bounded+norm+freeze on brent-phono at each tau from 0.0003 to 0.01, seeds
#: 0, 1, 2, so the width of the informative regime can be read from seed means (one seed's F moves by 0.05)
GRID_SEED_PROBES: tuple[tuple, ...] = tuple(("brent-phono", "bounded+norm+freeze", (0, *SEEDS), "grid-seeds", tau)
                                            for tau in (0.0003, 0.001, 0.003, 0.01))
#: Seed ensembles (``seed_ensembles``): the grid-seeds runs on brent-phono with two more seeds (3, 4) at taus
#: 0.0003-0.003, for ensembles of up to 5 models, and the selected probes on brent-text (3 seeds)
ENSEMBLE_SEEDS = (0, 1, 2, 3, 4)
ENSEMBLE_PROBES: tuple[tuple, ...] = (
    *(("brent-phono", "bounded+norm+freeze", ENSEMBLE_SEEDS, "grid-seeds", tau) for tau in (0.0003, 0.001, 0.003)),
    SELECTED_PROBES[1])
#: The length probes' question for the lever the rule selects on brent-phono: bounded+norm+freeze at tau 0.001 (the
#: extended grid's choice), trained 4x longer on seeds 0 and 1
SELECTED_LENGTH_PROBES: tuple[tuple, ...] = (("brent-phono", "bounded+norm+freeze", (0, 1), "", 0.001),)
#: Weight averaging (``TrainConfig.average_from``): the ensemble probes' settings and seeds, Graves's ACT at tau
#: 0.03 (the reference row) and the study's ud-en-ewt seeds (the constraint at target 2.5), each saving the mean of
#: its weights from iteration 300 on instead of the last weights
AVERAGED_PROBES: tuple[tuple, ...] = (
    *((key, lever, seeds, "average300", value) for key, lever, seeds, _, value in ENSEMBLE_PROBES),
    ("brent-phono", "graves", (0,), "average300", 0.03),
    ("ud-en-ewt", "constraint", (0, *SEEDS), "average300", seed_value("constraint")))
#: Model size: the averaged probes' five seeds at tau 0.001 on brent-phono (the README's recipe) with half and twice
#: the hidden size
HIDDEN_PROBES: tuple[tuple, ...] = tuple(("brent-phono", "bounded+norm+freeze", ENSEMBLE_SEEDS, variant, 0.001)
                                         for variant in ("h64-average300", "h256-average300"))
#: Ten seeds: the averaged probes on brent-phono (bounded+norm+freeze at taus 0.0003-0.003) with five more seeds, so
#: ensembles of five (the README's recipe) can be compared over disjoint seeds
TEN_SEEDS = tuple(range(10))
TEN_SEED_PROBES: tuple[tuple, ...] = tuple(("brent-phono", "bounded+norm+freeze", TEN_SEEDS, "average300", tau)
                                           for tau in (0.0003, 0.001, 0.003))
PROBE_CORPORA = (*CORPORA, HELDOUT)
DEFAULT_FACTOR = 4
RESULTS_NAME = "halting-length.json"
#: --probes name -> (probes, default factor, results file name)
PROBE_SETS = {"length": (PROBES, DEFAULT_FACTOR, RESULTS_NAME),
              "early-stop": (EARLY_STOP_PROBES, 2, "halting-early-stop.json"),
              "release": (RELEASE_PROBES, 1, "halting-release.json"),
              "two-stage": (TWO_STAGE_PROBES, 1, "halting-two-stage.json"),
              "selected": (SELECTED_PROBES, 1, "halting-selected.json"),
              "below-grid": (BELOW_GRID_PROBES, 1, "halting-below-grid.json"),
              "grid-seeds": (GRID_SEED_PROBES, 1, "halting-grid-seeds.json"),
              "ensemble": (ENSEMBLE_PROBES, 1, "halting-ensemble.json"),
              "selected-length": (SELECTED_LENGTH_PROBES, DEFAULT_FACTOR, "halting-selected-length.json"),
              "averaged": (AVERAGED_PROBES, 1, "halting-averaged.json"),
              "hidden": (HIDDEN_PROBES, 1, "halting-hidden.json"),
              "ten-seeds": (TEN_SEED_PROBES, 1, "halting-ten-seeds.json")}
#: The probe sets whose results also hold ``seed_ensembles``
ENSEMBLE_SETS = ("ensemble", "averaged", "hidden", "ten-seeds")
#: probe set -> the probe set whose runs it repeats with its variant (its results gain ``versus_twins``)
TWIN_SETS = {"averaged": "ensemble", "hidden": "averaged"}
#: The dev figures of log.jsonl followed over training (the dev pass reads the state carried across units;
#: ponder_boundary_f: peaks of its ponder signal against the dev units' gold cuts)
CURVE_FIELDS = ("ponder_boundary_f", "dev_bps", "ponder_std")


def variant_of(probe: tuple) -> str:
    """A probe's variant (a key of VARIANTS; "" when it names none)."""
    return probe[3] if len(probe) > 3 else ""


def value_of(probe: tuple) -> float:
    """A probe's sweep value (tau, or the constraint's target): its fifth field, else the study's seed value."""
    return probe[4] if len(probe) > 4 else seed_value(probe[1])


def length_runs(factor: int = DEFAULT_FACTOR, corpora: tuple[StudyCorpus, ...] = PROBE_CORPORA,
                probes=PROBES) -> list[tuple[StudyCorpus, str, float, int, object]]:
    """(corpus, lever, value, seed, spec) of every probe run: the study's run with ``factor`` x its iterations
    (and wall-clock safety net) and its variant's overrides, named after it with ``-it<iterations>`` and
    ``-<variant>``."""
    by_key = {c.key: c for c in corpora}
    runs = []
    for probe in probes:
        key, lever, seeds = probe[:3]
        corpus = by_key[key]
        iterations = corpus.preset.train["iterations"] * factor
        preset = dataclasses.replace(corpus.preset, seconds=corpus.preset.seconds * factor,
                                     train={**corpus.preset.train, "iterations": iterations})
        value = value_of(probe)
        model, train = lever_settings(lever, value)
        variant = variant_of(probe)
        extra_model, extra_train = VARIANTS[variant]
        suffix = f"-it{iterations}" + (f"-{variant}" if variant else "")
        for seed in seeds:
            name = run_name(corpus, lever, value) + suffix + (f"-seed{seed}" if seed else "")
            runs.append((corpus, lever, value, seed, preset.run(
                name, corpus.train_data, corpus.key, model={**model, **extra_model},
                train={**train, **extra_train, "seed": seed}, dev=corpus.dev)))
    return runs


@dataclass
class LengthSummary:
    """One lever at one training length (and variant) on one corpus, over its seeds."""

    corpus: str
    lever: str
    value: float  # tau, or the constraint's target
    variant: str  # a key of VARIANTS ("": the study's training)
    iterations: int  # the iterations it trained (at most, with early stopping)
    seeds: list[int]
    best_iterations: list[int | None]  # per seed: the iteration of the model kept by early stopping
    ponder_fs: list[float]
    ponder_f_mean: float
    ponder_f_spread: float | None  # max - min over the seeds (None for one seed)
    entropy_f_mean: float
    dev_ponder_std_mean: float
    dev_bps_mean: float


def summarise_lengths(rows: list[dict], short_rows: list[dict], factor: int, probes=PROBES,
                      base_iterations: dict[str, int] | None = None) -> list[LengthSummary]:
    """Per probe: the study's rows (``short_rows``, at ``base_iterations`` of the corpus: default the study's)
    and the probe's own (``rows`` of its variant: field "variant", absent for ""), each over the probe's seeds
    that were measured."""
    base_iterations = base_iterations or {c.key: c.preset.train["iterations"] for c in PROBE_CORPORA}
    summaries = []
    for probe in probes:
        key, lever, seeds = probe[:3]
        variant = variant_of(probe)
        value = value_of(probe)
        short = base_iterations[key]
        for iterations, label, source in ((short, "", short_rows), (short * factor, variant, rows)):
            picked = sorted((r for r in source if r["corpus"] == key and r["lever"] == lever and r["tau"] == value
                             and r["seed"] in seeds and r["ponder_f"] is not None
                             and r.get("variant", "") == label), key=lambda r: r["seed"])
            if not picked:
                continue
            fs = [r["ponder_f"] for r in picked]
            summaries.append(LengthSummary(
                key, lever, value, label, iterations, [r["seed"] for r in picked],
                [r.get("best_iteration") for r in picked], fs, sum(fs) / len(fs),
                max(fs) - min(fs) if len(fs) > 1 else None, _mean(r["entropy_f"] for r in picked),
                _mean(r["dev_ponder_std"] for r in picked), _mean(r["dev_bps"] for r in picked)))
    # the study's rows once
    return list({(s.corpus, s.lever, s.value, s.variant, s.iterations): s for s in summaries}.values())


def control_bps(study_rows: list[dict]) -> dict[str, float]:
    """The dev bits per symbol of each corpus's act=False control in the study's rows."""
    return {r["corpus"]: r["dev_bps"] for r in study_rows if r["lever"] == "lstm"}


def study_rule(study: dict) -> SelectionRule:
    """The label-free selection rule the study's results (``results/halting.json``) were measured with (the
    defaults when they name none)."""
    return SelectionRule(**study["rule"]) if "rule" in study else SelectionRule()


def extended_grid(rows: list[dict], study: dict, corpora: tuple[StudyCorpus, ...] = PROBE_CORPORA) -> list[dict]:
    """The study's per-lever summary (label-free choice, best F, width of the informative regime) recomputed over
    its grid and the probe ``rows`` at taus it did not run (seed 0, the seed of its sweeps), for each corpus and
    lever that has such rows (none: []). ``study``: the content of ``results/halting.json``."""
    from segment.eval.halting_study import RunRow, summarise

    study_rows = study.get("runs", [])
    known = {(r["corpus"], r["lever"], r["tau"]) for r in study_rows}
    new = [r for r in rows if r["seed"] == 0 and (r["corpus"], r["lever"], r["tau"]) not in known]
    pairs = {(r["corpus"], r["lever"]) for r in new}
    keys = {corpus for corpus, _ in pairs}
    fields = {f.name for f in dataclasses.fields(RunRow)}
    combined = [RunRow(**{k: v for k, v in r.items() if k in fields}) for r in study_rows + new
                if (r["corpus"], r["lever"]) in pairs or (r["corpus"] in keys and r["lever"] == "lstm")]
    summaries = summarise(combined, tuple(c for c in corpora if c.key in keys), study_rule(study))
    return [asdict(s) for s in summaries if (s.corpus, s.lever) in pairs]


def seed_mean_grid(summaries: list[LengthSummary], rows: list[dict] | None = None,
                   rule: SelectionRule = SelectionRule(), control: dict[str, float] | None = None) -> list[dict]:
    """Per corpus, lever and variant (other than the study's) whose probe summaries (``summarise_lengths``) hold
    several seeds at each of two or more values: the seed means of ponder F and std at each value, the best mean,
    the width of the informative regime over those means (``informative_width``: std >= ``rule.min_std``, F
    within 0.03 of the best), and the value the label-free ``rule`` selects from the seed means of the dev
    figures (bits per symbol, ponder std, and the fraction of symbols off the extremes, read from the probe
    ``rows``) against the corpus's act=False control (``control``: its dev bits per symbol by corpus; no
    selection without it)."""
    from segment.eval.halting_selection import Probe, informative_width

    grids = {}
    for s in summaries:
        if s.variant and len(s.seeds) > 1:
            grids.setdefault((s.corpus, s.lever, s.variant), []).append(s)
    out = []
    for (corpus, lever, variant), points in grids.items():
        if len({p.value for p in points}) < 2:
            continue
        points = sorted(points, key=lambda s: s.value)
        taus, fs, stds = [p.value for p in points], [p.ponder_f_mean for p in points], \
            [p.dev_ponder_std_mean for p in points]
        width, low, high = informative_width(taus, stds, fs, min_std=rule.min_std)
        best = max(range(len(points)), key=lambda i: fs[i])
        off = [[r["dev_off_extremes"] for r in rows or () if (r["corpus"], r["lever"], r.get("variant", ""), r["tau"])
                == (corpus, lever, variant, p.value) and r["seed"] in p.seeds and "dev_off_extremes" in r]
               for p in points]
        chosen = None
        if control and corpus in control and all(len(o) == len(p.seeds) for o, p in zip(off, points)):
            chosen = rule.select([Probe(p.value, p.dev_bps_mean, p.dev_ponder_std_mean, _mean(o))
                                  for p, o in zip(points, off)], control[corpus])
        out.append({"corpus": corpus, "lever": lever, "variant": variant, "taus": taus,
                    "seeds": [p.seeds for p in points],
                    "mean_fs": fs, "mean_stds": stds, "spreads": [p.ponder_f_spread for p in points],
                    "best_tau": taus[best], "best_mean_f": fs[best], "width_decades": width, "width_low": low,
                    "width_high": high, "selected_tau": None if chosen is None else chosen.tau,
                    "selected_mean_f": None if chosen is None else fs[taus.index(chosen.tau)]})
    return out


#: Ensembles of K seeds scored per K at most (``ensemble_subsets``): scoring one takes about a second on Brent
MAX_SUBSETS = 50


def ensemble_subsets(seeds: list[int], k: int, limit: int = MAX_SUBSETS) -> list[tuple[int, ...]]:
    """The subsets of K ``seeds`` whose ensembles are scored: every one while there are at most ``limit``, else the
    disjoint consecutive groups (seeds[0:K], seeds[K:2K], ...) and a fixed random sample of the others, ``limit``
    in all; the first K seeds always come first."""
    every = list(itertools.combinations(seeds, k))
    if len(every) <= limit:
        return every
    groups = [tuple(seeds[i:i + k]) for i in range(0, len(seeds) - k + 1, k)]
    others = [subset for subset in every if subset not in groups]
    picked = random.Random(k).sample(others, limit - len(groups))
    return groups + sorted(picked)


def seed_ensembles(per_probe: list[tuple[str, list]], runs_dir: Path, data_dir, device: str,
                   max_subsets: int = MAX_SUBSETS) -> list[dict]:
    """Per probe trained on several seeds (``per_probe``: its variant and its ``length_runs`` entries): for each
    ensemble size K, the unsupervised ponder F (peaks, cut before each, as ``ponder_f``) of the per-symbol mean
    ponder of the subsets of K of its trained seeds (all of them, or ``max_subsets`` of them: ``ensemble_subsets``;
    ``ModelSignalSegmenter`` over a list of models reads the same mean), summarised as the mean, min and max over
    those subsets, the ponder and entropy F of the ensemble of its first K seeds, and the ponder F of the ensembles
    of disjoint consecutive groups of K seeds (the first K, the next K, ...: independent repeats of a K-model
    recipe) with their spread (max - min; None for one group)."""
    import numpy as np
    from tqdm import tqdm

    from segment.eval.halting_study import _signal_f
    from segment.eval.run_signals import run_signals
    from segment.eval.run_specs import labelled_units
    from segment.eval.training_phase import is_trained, run_dir_of

    rows = []
    for variant, entries in per_probe:
        members = sorted((seed, spec) for corpus, lever, value, seed, spec in entries
                         if is_trained(run_dir_of(runs_dir, spec)))
        if len(members) < 2:
            continue
        corpus, lever, value = entries[0][:3]
        sequences, gold = labelled_units(corpus.test, data_dir)
        signals = {seed: run_signals(spec, run_dir_of(runs_dir, spec), sequences, device=device)[0]
                   for seed, spec in members}
        seeds = [seed for seed, _ in members]

        def mean_f(subset, name: str) -> float:
            return _signal_f(sequences, gold, [np.mean(values, axis=0) for values in
                                               zip(*(signals[seed][name] for seed in subset))])
        scored = {k: ensemble_subsets(seeds, k, max_subsets) for k in range(1, len(seeds) + 1)}
        progress = tqdm(total=sum(map(len, scored.values())), desc=f"ensembles {corpus.key} {lever} {value:g}",
                        unit="subset", leave=False, file=sys.stderr)
        for k, subsets in scored.items():
            by_subset = {subset: mean_f(subset, "ponder") for subset in subsets}
            progress.update(len(by_subset))
            fs = list(by_subset.values())
            disjoint = [by_subset[tuple(seeds[i:i + k])] for i in range(0, len(seeds) - k + 1, k)]
            rows.append({"corpus": corpus.key, "lever": lever, "value": value, "variant": variant, "k": k,
                         "subsets": len(fs), "ponder_f_mean": sum(fs) / len(fs), "ponder_f_min": min(fs),
                         "ponder_f_max": max(fs), "first_seeds": seeds[:k],
                         "first_ponder_f": disjoint[0], "first_entropy_f": mean_f(seeds[:k], "entropy"),
                         "disjoint_fs": disjoint,
                         "disjoint_spread": max(disjoint) - min(disjoint) if len(disjoint) > 1 else None})
        progress.close()
    return rows


def versus_twins(results: dict, twin: dict) -> list[dict]:
    """Per probe summary of a variant in ``results``: its seeds' ponder F (mean and spread), the ponder F of their
    all-seed ensemble (``seed_ensembles``), its entropy F, dev ponder std and bits, beside the same of the run it
    repeats (same corpus, lever, value, seeds and length without the variant: a summary of ``twin``, the results of
    the probe set that trained those runs, or a study row beside the variant's)."""
    def key(summary: dict) -> tuple:
        return summary["corpus"], summary["lever"], summary["value"], summary["seeds"], summary["iterations"]

    def ensemble_f(rows: list[dict], summary: dict) -> float | None:
        return next((r["first_ponder_f"] for r in rows if (r["corpus"], r["lever"], r["value"], r["variant"],
                                                              r["first_seeds"])
                     == (summary["corpus"], summary["lever"], summary["value"], summary["variant"],
                         summary["seeds"])), None)

    out = []
    for summary in results["summary"]:
        base = next((t for t in (*twin.get("summary", []), *results["summary"]) if key(t) == key(summary)
                     and t["variant"] != summary["variant"]), None) if summary["variant"] else None
        if base is None:
            continue
        row = {"corpus": summary["corpus"], "lever": summary["lever"], "value": summary["value"],
               "variant": summary["variant"], "seeds": summary["seeds"]}
        for prefix, source, ensembles in (("base", base, twin.get("seed_ensembles", [])),
                                          ("variant", summary, results.get("seed_ensembles", []))):
            row.update({f"{prefix}_f_mean": source["ponder_f_mean"], f"{prefix}_f_spread": source["ponder_f_spread"],
                        f"{prefix}_ensemble_f": ensemble_f(ensembles, source) if len(source["seeds"]) > 1 else None,
                        f"{prefix}_entropy_f_mean": source["entropy_f_mean"],
                        f"{prefix}_dev_std_mean": source["dev_ponder_std_mean"],
                        f"{prefix}_dev_bps_mean": source["dev_bps_mean"]})
        out.append(row)
    return out


def training_curve(run_dir: Path) -> dict[str, list]:
    """The dev evaluations a run logged while training (``CURVE_FIELDS`` by iteration, with the held-out bits
    ``holdout_bps`` of an early-stopping run; a run resumed from a checkpoint logs the iterations after it again:
    the last record of each iteration is kept; the record of averaged weights is not a training point)."""
    path = run_dir / "log.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.is_file() else []
    by_iteration = {r["iteration"]: r for r in records if "dev_bps" in r and r.get("weights") != "average"}
    iterations = sorted(by_iteration)
    fields = CURVE_FIELDS + (("holdout_bps",) if any("holdout_bps" in r for r in by_iteration.values()) else ())
    return {"iteration": iterations, **{name: [by_iteration[i].get(name) for i in iterations] for name in fields}}


def best_iteration(run_dir: Path) -> int | None:
    """The iteration of the model an early-stopping run kept (its best.json), None for other runs."""
    path = run_dir / "best.json"
    return int(json.loads(path.read_text(encoding="utf-8"))["iteration"]) if path.is_file() else None


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def evaluate_lengths(runs_dir: Path, results_dir: Path, *, factor: int, device: str, data_dir, jobs: int = 1,
                     corpora: tuple[StudyCorpus, ...] = PROBE_CORPORA, probes=PROBES,
                     results_name: str = RESULTS_NAME, ensembles: bool = False, twin_name: str | None = None) -> dict:
    """Measure every trained probe run (rows already measured are kept, as in the study) and summarise them
    beside the study's rows, with each run's variant, kept iteration (``best_iteration``) and dev curve over
    training (``training_curve``), with ``ensembles`` the F of seed ensembles (``seed_ensembles``), and with
    ``twin_name`` (the results file of the runs these repeat with their variant) ``versus_twins``; writes
    ``results_dir``/results/``results_name`` and returns its content."""
    path = results_dir / "results" / results_name
    from segment.eval.training_phase import run_dir_of

    per_probe = [(variant_of(probe), length_runs(factor, corpora, (probe,))) for probe in probes]
    entries = [entry for _, runs in per_probe for entry in runs]
    variants = {entry[4].name: variant for variant, runs in per_probe for entry in runs}
    rows, missing = measure_runs(entries, runs_dir, path, device=device, data_dir=data_dir, jobs=jobs)
    curves = {spec.name: training_curve(run_dir_of(runs_dir, spec)) for *_, spec in entries
              if spec.name not in missing}
    by_name = {spec.name: spec for *_, spec in entries}
    rows = [{**asdict(r), "variant": variants[r.run],
             "best_iteration": best_iteration(run_dir_of(runs_dir, by_name[r.run]))} for r in rows]
    study_path = results_dir / "results" / "halting.json"
    study = json.loads(study_path.read_text(encoding="utf-8")) if study_path.is_file() else {}
    short_rows = study.get("runs", [])
    base = {c.key: c.preset.train["iterations"] for c in corpora}
    eval_symbols = {c.key: c.preset.train.get("eval_symbols", TrainConfig().eval_symbols) for c in corpora}
    summaries = summarise_lengths(rows, short_rows, factor, probes, base)
    results = {"factor": factor, "variants": {v: dict(zip(("model", "train"), VARIANTS[v]))
                                                 for v in dict.fromkeys(variants.values())},
               "base_iterations": base, "eval_symbols": eval_symbols, "missing_runs": missing,
               "runs": rows, "curves": curves,
               "summary": [asdict(s) for s in summaries], "extended_grid": extended_grid(rows, study, corpora),
               "seed_mean_grid": seed_mean_grid(summaries, rows, study_rule(study), control_bps(short_rows)),
               **({"seed_ensembles": seed_ensembles(per_probe, runs_dir, data_dir, device)} if ensembles else {})}
    if twin_name is not None:
        twin_path = results_dir / "results" / twin_name
        if not twin_path.is_file():
            raise click.ClickException(f"{twin_path}: not found; the runs this probe set is compared with are "
                                       "measured there")
        results["versus_twins"] = versus_twins(results, json.loads(twin_path.read_text(encoding="utf-8")))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(results, indent=1) + "\n")
    return results


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--probes", "probe_set", type=click.Choice(list(PROBE_SETS)), default="length", show_default=True,
              help="length: the study's settings trained longer; early-stop: with held-out units and early "
                   "stopping (alone and with dropout); release: the halting unit released later; two-stage: the halting "
                   "unit trained alone over a fixed language model; selected: three seeds at the value the "
                   "label-free rule selects; below-grid: taus below the study's grid; grid-seeds: three seeds "
                   "at each tau of the grid's low end; ensemble: five seeds there, and the ponder F of their "
                   "ensembles; selected-length: the setting the rule selects on brent-phono, trained longer; "
                   "averaged: the ensemble runs saving the mean of their weights from iteration 300 on; hidden: the "
                   "averaged recipe at hidden 64 and 256; ten-seeds: the averaged runs on brent-phono with ten seeds.")
@click.option("--phase", type=click.Choice(["train", "evaluate", "all"]), default="all", show_default=True)
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/halting-length"),
              show_default=True)
@click.option("--results-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("eval"),
              show_default=True, help="Where results/halting-<probes>.json goes.")
@click.option("--factor", type=click.IntRange(min=1), default=None,
              help="Times the study's iterations each probe trains (at most, with early stopping) [default: 4 for "
                   "length and selected-length, 2 for early-stop, 1 for the others].")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs trained (and evaluated) at a time.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory holding the corpora (default: $ACTSEG_DATA, then the download cache).")
def main(probe_set: str, phase: str, runs_dir: Path, results_dir: Path, factor: int | None, jobs: int, device: str,
         data_dir: Path | None) -> None:
    """Train and evaluate one set of probes of the halting study (training length, early stopping, release,
    two-stage, seeds at the selected value, taus below the grid, seeds along the grid's low end, seed ensembles,
    the selected setting trained longer, weight averaging, model size, ten seeds)."""
    from segment.eval.training_phase import train_all

    probes, default_factor, results_name = PROBE_SETS[probe_set]
    factor = factor or default_factor
    if phase in ("train", "all"):
        failed = train_all([entry[4] for entry in length_runs(factor, probes=probes)], runs_dir,
                           name=f"halting-{probe_set}", jobs=jobs, device=device, data_dir=data_dir)
        if failed:
            click.echo(f"Error: run(s) failed: {', '.join(failed)} (see {runs_dir}/<run>/train.log)", err=True)
    if phase in ("evaluate", "all"):
        evaluate_lengths(runs_dir, results_dir, factor=factor, device=device, data_dir=data_dir, jobs=jobs,
                         probes=probes, results_name=results_name, ensembles=probe_set in ENSEMBLE_SETS,
                         twin_name=PROBE_SETS[TWIN_SETS[probe_set]][2] if probe_set in TWIN_SETS else None)


if __name__ == "__main__":
    main()
