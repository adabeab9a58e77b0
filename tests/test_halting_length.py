"""The training-length probes of the halting study: the same runs with more iterations, their summary beside the
study's rows, and the probes end to end on the sample corpus (tiny models)."""

import itertools
import json
from dataclasses import replace

import pytest

from pathlib import Path

from segment.eval.halting_length import (ENSEMBLE_SETS, MAX_SUBSETS, PROBE_SETS, PROBES, TWIN_SETS, VARIANTS,
                                         best_iteration, ensemble_subsets, extended_grid, length_runs, seed_ensembles,
                                         seed_mean_grid, summarise_lengths, training_curve, value_of, versus_twins)
from segment.eval.halting_selection import SelectionRule
from segment.eval.halting_study import StudyCorpus, seed_value, study_runs


def test_probes_repeat_the_study_runs_with_only_more_iterations():
    study = {(c.key, lever, tau, seed): spec for c, lever, tau, seed, spec in study_runs()}
    runs = length_runs(factor=4)
    assert len({spec.name for *_, spec in runs}) == len(runs) == sum(len(seeds) for *_, seeds in PROBES)
    assert any(c.key == "brent-phono-heldout" for c, *_ in runs)
    for corpus, lever, value, seed, spec in runs:
        assert value == seed_value(lever)
        heldout = corpus.key == "brent-phono-heldout"  # the held-out control of the brent-phono runs
        short = study[("brent-phono" if heldout else corpus.key, lever, value, seed)]
        assert spec.train_config().iterations == 4 * short.train_config().iterations == 3200
        assert spec.max_seconds == 4 * short.max_seconds
        assert spec.model_config() == short.model_config()
        assert replace(spec.train_config(), iterations=1) == replace(short.train_config(), iterations=1)
        if heldout:
            assert (spec.train_data, spec.dev) == (("brent-phono:train",), "brent-phono:test")
            continue
        assert (spec.train_data, spec.test, spec.dev) == (short.train_data, short.test, short.dev)
        assert spec.name == short.name.replace(f"{value}", f"{value}-it3200", 1)
    assert {lever for _, lever, *_ in runs} == {"constraint", "graves"}  # Graves's ACT stays the reference row


@pytest.mark.parametrize("probe_set", ["early-stop", "release", "two-stage"])
def test_variant_probes_change_the_study_runs_only_by_their_variant(probe_set):
    study = {(c.key, lever, tau, seed): spec for c, lever, tau, seed, spec in study_runs()}
    probes, factor, _ = PROBE_SETS[probe_set]
    runs = length_runs(factor, probes=probes)
    assert len({spec.name for *_, spec in runs}) == len(runs) == sum(len(p[2]) for p in probes)
    for probe in probes:
        corpus, lever, seeds, variant = probe
        model, train = VARIANTS[variant]
        if probe_set == "early-stop":
            assert train["holdout"] > 0 and train["patience"] >= 1
        for (c, lever_, value, seed, spec) in length_runs(factor, probes=(probe,)):
            short = study[(corpus, lever, value, seed)]
            iterations = factor * short.train_config().iterations
            assert spec.name == short.name.replace(f"{value}", f"{value}-it{iterations}-{variant}", 1)
            assert spec.model_config() == replace(short.model_config(), **model)
            assert spec.train_config() == replace(short.train_config(), iterations=iterations, **train)
            assert (spec.train_data, spec.test, spec.dev) == (short.train_data, short.test, short.dev)


def test_selected_probes_repeat_the_study_run_the_rule_selected_on_three_seeds():
    study = {(c.key, lever, tau, seed): spec for c, lever, tau, seed, spec in study_runs()}
    results = json.loads((Path(__file__).parents[1] / "eval" / "results" / "halting.json").read_text())
    selected = {(r["corpus"], r["lever"]): r["selected_tau"] for r in results["levers"]}
    probes, factor, _ = PROBE_SETS["selected"]
    assert factor == 1
    for probe in probes:
        corpus, lever, seeds, variant, value = probe
        assert value == value_of(probe) == selected[(corpus, lever)] != seed_value(lever)
        assert seeds == (0, 1, 2) and VARIANTS[variant] == ({}, {})
        short = study[(corpus, lever, value, 0)]  # the study trains seed 0 alone at this value
        runs = length_runs(factor, probes=(probe,))
        assert [seed for *_, seed, _ in runs] == [0, 1, 2]
        for _, lever_, value_, seed, spec in runs:
            assert (lever_, value_) == (lever, value)
            assert spec.name == short.name.replace(f"{value}", f"{value}-it800-selected", 1) + \
                (f"-seed{seed}" if seed else "")
            assert spec.model_config() == short.model_config()
            assert spec.train_config() == replace(short.train_config(), seed=seed)


def test_ensemble_probes_add_seeds_to_the_grid_seeds_runs():
    grid = {spec.name: spec for *_, spec in length_runs(1, probes=PROBE_SETS["grid-seeds"][0])}
    probes, factor, name = PROBE_SETS["ensemble"]
    assert (factor, name) == (1, "halting-ensemble.json") and "ensemble" in ENSEMBLE_SETS
    assert probes[-1] == PROBE_SETS["selected"][0][1]  # brent-text: the selected probes' three seeds
    runs = length_runs(factor, probes=probes[:-1])
    assert sorted({value for _, _, value, _, _ in runs}) == [0.0003, 0.001, 0.003]
    assert [seed for *_, seed, _ in runs] == [0, 1, 2, 3, 4] * 3
    for _, lever, value, seed, spec in runs:
        if seed < 3:  # the grid-seeds run itself, trained once for both probe sets
            assert spec == grid[spec.name]
        else:
            assert spec.name.endswith(f"-it800-grid-seeds-seed{seed}") and spec.name not in grid
            twin = grid[spec.name.replace(f"-seed{seed}", "-seed1")]
            assert spec.train_config() == replace(twin.train_config(), seed=seed)
            assert spec.model_config() == twin.model_config()


def test_averaged_probes_are_the_ensemble_probes_and_graves_saving_their_mean_weights():
    """The averaged probes: every ensemble run, Graves's ACT at tau 0.03 (seed 0) and the study's three ud-en-ewt
    seeds, with average_from 300 and nothing else changed; their names say so."""
    ensemble = {spec.name: spec for *_, spec in length_runs(1, probes=PROBE_SETS["ensemble"][0])}
    study = {spec.name: spec for c, lever, tau, seed, spec in study_runs() if (c.key, lever, tau) in
             (("brent-phono", "graves", 0.03), ("ud-en-ewt", "constraint", 2.5))}
    probes, factor, name = PROBE_SETS["averaged"]
    assert (factor, name, VARIANTS["average300"]) == (1, "halting-averaged.json", ({}, {"average_from": 300}))
    runs = length_runs(factor, probes=probes)
    assert len(runs) == len(ensemble) + 4 and len(study) == 4
    for corpus, lever, value, seed, spec in runs:
        twin_name = spec.name.replace("-it800-average300", "-it800-grid-seeds" if lever == "bounded+norm+freeze"
                                      else "-it800-selected" if corpus.key == "brent-text" else "")
        twin = ensemble.get(twin_name) or study[twin_name]
        assert spec.model_config() == twin.model_config()
        assert spec.train_config() == replace(twin.train_config(), average_from=300)


def test_hidden_probes_change_the_averaged_recipe_by_its_hidden_size_alone():
    averaged = {spec.name: spec for *_, spec in length_runs(1, probes=PROBE_SETS["averaged"][0])}
    probes, factor, name = PROBE_SETS["hidden"]
    assert (factor, name, TWIN_SETS["hidden"]) == (1, "halting-hidden.json", "averaged")
    runs = length_runs(factor, probes=probes)
    assert sorted({spec.model_config().hidden for *_, spec in runs}) == [64, 256] and len(runs) == 10
    for *_, spec in runs:
        hidden = spec.model_config().hidden
        twin = averaged[spec.name.replace(f"-h{hidden}-average300", "-average300")]
        assert spec.model_config() == replace(twin.model_config(), hidden=hidden)
        assert spec.train_config() == twin.train_config() and twin.model_config().hidden == 128


def test_ten_seed_probes_are_the_averaged_brent_phono_runs_with_five_more_seeds():
    averaged = {spec.name: spec for c, lever, *_, spec in length_runs(1, probes=PROBE_SETS["averaged"][0])
                if (c.key, lever) == ("brent-phono", "bounded+norm+freeze")}
    probes, factor, name = PROBE_SETS["ten-seeds"]
    assert (factor, name) == (1, "halting-ten-seeds.json") and "ten-seeds" in ENSEMBLE_SETS
    runs = length_runs(factor, probes=probes)
    assert len(runs) == 30 and {seed for *_, seed, _ in runs} == set(range(10))
    assert averaged.keys() < {spec.name for *_, spec in runs}  # seeds 0-4 are the averaged runs themselves
    for *_, seed, spec in runs:
        twin = averaged[spec.name.replace(f"-seed{seed}", "")] if seed >= 5 else averaged[spec.name]
        assert spec.model_config() == twin.model_config()
        assert spec.train_config() == replace(twin.train_config(), seed=seed)


def test_ensemble_subsets_are_all_of_them_or_a_fixed_sample_holding_the_disjoint_groups():
    seeds = list(range(10))
    assert ensemble_subsets(seeds, 2) == list(itertools.combinations(seeds, 2))  # 45, under the limit
    five = ensemble_subsets(seeds, 5)
    assert len(five) == MAX_SUBSETS == len(set(five)) and five[:2] == [(0, 1, 2, 3, 4), (5, 6, 7, 8, 9)]
    assert all(len(subset) == 5 and list(subset) == sorted(subset) for subset in five)
    assert five == ensemble_subsets(seeds, 5)  # the same sample every time
    assert ensemble_subsets(seeds, 3, limit=4)[:3] == [(0, 1, 2), (3, 4, 5), (6, 7, 8)]


def test_selected_length_probes_train_the_rules_choice_four_times_longer():
    below = {spec.name: spec for *_, spec in length_runs(1, probes=PROBE_SETS["below-grid"][0])}
    probes, factor, name = PROBE_SETS["selected-length"]
    assert (factor, name) == (4, "halting-selected-length.json")
    runs = length_runs(factor, probes=probes)
    assert [(corpus.key, lever, value, seed) for corpus, lever, value, seed, _ in runs] == [
        ("brent-phono", "bounded+norm+freeze", 0.001, 0), ("brent-phono", "bounded+norm+freeze", 0.001, 1)]
    short = below["bp-bounded+norm+freeze-tau0.001-it800-below-grid"]  # the same setting at the study's length
    for *_, seed, spec in runs:
        assert spec.name == "bp-bounded+norm+freeze-tau0.001-it3200" + (f"-seed{seed}" if seed else "")
        assert spec.model_config() == short.model_config()
        assert spec.train_config() == replace(short.train_config(), iterations=3200, seed=seed)
        assert spec.max_seconds == 4 * short.max_seconds


def test_summary_of_a_probe_at_its_own_value_reads_the_study_rows_at_that_value():
    probes = (("brent-phono", "bounded+norm+freeze", (0, 1), "selected", 0.003),)
    short = [row("brent-phono", "bounded+norm+freeze", 0, 0.78, tau=0.003),
             row("brent-phono", "bounded+norm+freeze", 1, 0.70)]  # the seed value 0.03: not this probe's
    long = [{**row("brent-phono", "bounded+norm+freeze", s, f, tau=0.003), "variant": "selected"}
            for s, f in ((0, 0.77), (1, 0.73))]
    summary = {s.variant: s for s in summarise_lengths(long, short, 1, probes)}
    assert summary[""].seeds == [0] and summary[""].ponder_fs == [0.78] and summary[""].value == 0.003
    assert summary["selected"].ponder_fs == [0.77, 0.73] and summary["selected"].ponder_f_spread == pytest.approx(0.04)
    below = (("brent-phono", "bounded+norm+freeze", (0,), "below-grid", 0.001),
             ("brent-phono", "bounded+norm+freeze", (0,), "below-grid", 0.0003))
    rows = [{**row("brent-phono", "bounded+norm+freeze", 0, f, tau=tau), "variant": "below-grid"}
            for tau, f in ((0.001, 0.75), (0.0003, 0.73))]
    assert [(s.value, s.ponder_fs) for s in summarise_lengths(rows, short, 1, below)] == [(0.001, [0.75]),
                                                                                          (0.0003, [0.73])]


def test_extended_grid_recomputes_the_lever_summary_over_the_study_taus_and_the_new_ones():
    def run(lever, tau, f, std, seed=0, corpus="brent-phono"):
        return {**row(corpus, lever, seed, f, tau=tau), "run": f"{lever}-{tau}-{seed}", "dev_bps": 2.3,
                "dev_ponder_mean": 2.4, "dev_ponder_std": std, "dev_steps_mean": 2.1, "dev_off_extremes": std,
                "ponder_f_carried": None, "ponder_f_fresh_same_units": None, "fresh_carried_corr": None}
    lever = "bounded+norm+freeze"
    study = {"rule": {"min_std": 0.2, "max_bps_excess": 0.02},
             "runs": [run("lstm", None, None, 0.0), run(lever, 0.003, 0.78, 0.33), run(lever, 0.01, 0.75, 0.11),
                      run(lever, 0.03, 0.69, 0.02), run(lever, 0.03, 0.75, 0.02, seed=1),
                      run("graves", 0.003, 0.2, 0.4)]}
    assert extended_grid([run(lever, 0.003, 0.5, 0.9)], study) == []  # a tau the study ran: nothing new
    [summary] = extended_grid([run(lever, 0.001, 0.77, 0.41), run(lever, 0.0003, 0.76, 0.25),
                               run(lever, 0.001, 0.2, 0.5, seed=1)], study)  # seed 1: not the sweep's seed
    assert (summary["corpus"], summary["lever"]) == ("brent-phono", lever)
    assert (summary["best_tau"], summary["best_f"]) == (0.003, 0.78)
    assert (summary["width_low"], summary["width_high"]) == (0.0003, 0.003)
    assert summary["width_decades"] == pytest.approx(1.0)
    assert summary["selected_tau"] == 0.001  # the most symbols off the extremes among the eligible taus


def test_seed_mean_grid_reads_the_width_from_the_means_of_the_seeds():
    lever = "bounded+norm+freeze"
    probes = tuple(("brent-phono", lever, (0, 1, 2), "grid-seeds", tau) for tau in (0.0003, 0.001, 0.003, 0.01))
    fs = {0.0003: (0.73, 0.74, 0.75), 0.001: (0.75, 0.72, 0.76), 0.003: (0.79, 0.75, 0.73), 0.01: (0.76, 0.70, 0.75)}
    stds = {0.0003: 0.3, 0.001: 0.3, 0.003: 0.3, 0.01: 0.1}
    off = {0.0003: 0.99, 0.001: 0.995, 0.003: 0.98, 0.01: 0.999}
    rows = [{**row("brent-phono", lever, seed, f, tau=tau), "dev_ponder_std": stds[tau], "variant": "grid-seeds",
             "dev_off_extremes": off[tau] - 0.01 * seed}
            for tau, per_seed in fs.items() for seed, f in enumerate(per_seed)]
    study = [row("brent-phono", lever, 0, 0.79, tau=0.003)]  # the study's seed-0 row: not a grid point of its own
    summaries = summarise_lengths(rows, study, 1, probes)
    [grid] = seed_mean_grid(summaries, rows, SelectionRule(), {"brent-phono": 2.95})
    # the rule over the seed means (bits 3.0 <= 1.02 x 2.95): the most symbols off the extremes among std >= 0.2
    assert (grid["selected_tau"], grid["selected_mean_f"]) == (0.001, pytest.approx(0.7433333))
    assert seed_mean_grid(summaries, rows, SelectionRule(), {"brent-phono": 2.9})[0]["selected_tau"] is None
    assert seed_mean_grid(summaries, rows)[0]["selected_tau"] is None  # no control to compare with
    assert grid["taus"] == [0.0003, 0.001, 0.003, 0.01] and grid["seeds"] == [[0, 1, 2]] * 4
    assert grid["mean_fs"] == pytest.approx([0.74, 0.7433333, 0.7566667, 0.7366667])
    assert grid["best_tau"] == 0.003 and grid["spreads"][2] == pytest.approx(0.06)
    # every mean within 0.03 of the best; 0.01's std is under 0.2: the regime runs 0.0003-0.003, one decade
    assert (grid["width_low"], grid["width_high"]) == (0.0003, 0.003)
    assert grid["width_decades"] == pytest.approx(1.0)
    assert grid["variant"] == "grid-seeds"
    # variants at one value each (as the release probes are) make no grid
    variants = (("brent-phono", lever, (0, 1), "freeze400"), ("brent-phono", lever, (0, 1), "freeze600"))
    at_one_value = [{**row("brent-phono", lever, seed, 0.7), "variant": v} for v in ("freeze400", "freeze600")
                    for seed in (0, 1)]
    assert seed_mean_grid(summarise_lengths(at_one_value, [], 1, variants)) == []
    one_seed = [r for r in rows if r["seed"] == 0]
    assert seed_mean_grid(summarise_lengths(one_seed, study, 1, probes)) == []  # one seed: no means to read


def row(corpus, lever, seed, f, tau=None):
    return {"corpus": corpus, "lever": lever, "tau": seed_value(lever) if tau is None else tau, "seed": seed,
            "ponder_f": f, "entropy_f": 0.6, "dev_ponder_std": 0.3, "dev_bps": 2.0 + seed}


def test_summary_sets_each_length_beside_the_study_over_the_probe_seeds():
    probes = (("brent-phono", "constraint", (0, 1, 2)), ("brent-text", "graves", (0,)))
    short = [row("brent-phono", "constraint", s, f) for s, f in ((0, 0.70), (1, 0.74), (2, 0.77))]
    short += [row("brent-phono", "constraint", 0, 0.9, tau=3.0),  # another target: not this probe's
              row("brent-text", "graves", 0, 0.33), row("brent-text", "graves", 1, 0.9)]  # seed 1 not probed
    long = [row("brent-phono", "constraint", s, f) for s, f in ((0, 0.80), (2, 0.81))]  # seed 1 not measured
    summary = {(s.corpus, s.iterations): s for s in summarise_lengths(long, short, 4, probes)}
    assert set(summary) == {("brent-phono", 800), ("brent-phono", 3200), ("brent-text", 800)}
    study = summary[("brent-phono", 800)]
    assert study.seeds == [0, 1, 2] and study.ponder_f_mean == pytest.approx(0.77 - 0.07 / 3 - 0.03 / 3)
    assert study.ponder_f_spread == pytest.approx(0.07) and study.dev_bps_mean == pytest.approx(3.0)
    longer = summary[("brent-phono", 3200)]
    assert longer.seeds == [0, 2] and longer.ponder_fs == [0.80, 0.81]
    assert longer.ponder_f_spread == pytest.approx(0.01)
    graves = summary[("brent-text", 800)]
    assert graves.seeds == [0] and graves.ponder_f_spread is None and graves.ponder_f_mean == 0.33


def test_summary_keeps_each_variant_apart_and_the_study_rows_once():
    probes = (("brent-phono", "constraint", (0, 1), "holdout"),
              ("brent-phono", "constraint", (0, 1), "holdout+dropout"))
    short = [row("brent-phono", "constraint", s, f) for s, f in ((0, 0.70), (1, 0.74))]
    long = [{**row("brent-phono", "constraint", s, f), "variant": v, "best_iteration": b}
            for s, f, v, b in ((0, 0.78, "holdout", 500), (1, 0.76, "holdout", 700), (0, 0.75, "holdout+dropout", 900))]
    summary = summarise_lengths(long, short, 2, probes)
    assert [(s.variant, s.iterations, s.seeds) for s in summary] == [
        ("", 800, [0, 1]), ("holdout", 1600, [0, 1]), ("holdout+dropout", 1600, [0])]
    assert summary[1].best_iterations == [500, 700] and summary[1].ponder_fs == [0.78, 0.76]
    assert summary[0].best_iterations == [None, None]


def _summary(lever, value, variant, seeds, f, iterations=800):
    return {"corpus": "brent-phono", "lever": lever, "value": value, "variant": variant, "iterations": iterations,
            "seeds": seeds, "ponder_fs": [f] * len(seeds), "ponder_f_mean": f, "ponder_f_spread": 0.01 * len(seeds),
            "entropy_f_mean": f - 0.1, "dev_ponder_std_mean": 0.3, "dev_bps_mean": 2.3}


def test_versus_twins_sets_each_variant_summary_beside_the_run_it_repeats():
    """A variant's summary is matched with the twin set's summary of the same lever, value, seeds and length (or,
    for a study row, the one beside it), and each side's all-seed ensemble F is read from its own results."""
    def ensemble(variant, seeds, f):
        return {"corpus": "brent-phono", "lever": "bnf", "value": 0.001, "variant": variant, "first_seeds": seeds,
                "first_ponder_f": f}

    twin = {"summary": [_summary("bnf", 0.001, "", [0], 0.70), _summary("bnf", 0.001, "grid-seeds", [0, 1], 0.74),
                        _summary("bnf", 0.003, "grid-seeds", [0, 1], 0.75)],
            "seed_ensembles": [ensemble("grid-seeds", [0, 1], 0.78), ensemble("grid-seeds", [0], 0.70)]}
    results = {"summary": [_summary("bnf", 0.001, "average300", [0, 1], 0.76),
                           _summary("bnf", 0.001, "h64-average300", [0, 1], 0.66),  # the same setting, seeds
                           _summary("graves", 0.03, "", [0], 0.745), _summary("graves", 0.03, "average300", [0], 0.75),
                           _summary("bnf", 0.01, "average300", [0, 1], 0.72),  # no twin: left out
                           _summary("bnf", 0.003, "average300", [0, 1], 0.77, iterations=3200)],  # another length
               "seed_ensembles": [ensemble("h64-average300", [0, 1], 0.69), ensemble("average300", [0, 1], 0.79)]}
    rows = versus_twins(results, twin)
    assert [(r["lever"], r["variant"], r["seeds"]) for r in rows] == [
        ("bnf", "average300", [0, 1]), ("bnf", "h64-average300", [0, 1]), ("graves", "average300", [0])]
    bnf, h64, graves = rows
    assert (h64["variant_f_mean"], h64["variant_ensemble_f"], h64["base_ensemble_f"]) == (0.66, 0.69, 0.78)
    assert (bnf["base_f_mean"], bnf["variant_f_mean"], bnf["base_ensemble_f"], bnf["variant_ensemble_f"]) == \
        (0.74, 0.76, 0.78, 0.79)
    assert (bnf["base_f_spread"], bnf["variant_entropy_f_mean"], bnf["variant"]) == (0.02, 0.76 - 0.1, "average300")
    assert (graves["base_f_mean"], graves["variant_f_mean"], graves["base_ensemble_f"]) == (0.745, 0.75, None)


def test_best_iteration_reads_the_early_stopping_pointer(tmp_path):
    assert best_iteration(tmp_path) is None
    (tmp_path / "best.json").write_text(json.dumps({"model": "best-0000300", "iteration": 300, "holdout_bps": 2.5}))
    assert best_iteration(tmp_path) == 300


def test_training_curve_keeps_the_last_record_of_each_iteration(tmp_path):
    records = [{"iteration": 10, "train_loss": 3.0},  # no dev pass: not on the curve
               {"iteration": 20, "dev_bps": 3.0, "ponder_std": 0.1, "ponder_boundary_f": 0.5},
               {"iteration": 40, "dev_bps": 2.8, "ponder_std": 0.2},  # killed here, resumed from iteration 20
               {"iteration": 40, "dev_bps": 2.7, "ponder_std": 0.3, "ponder_boundary_f": 0.6},
               {"iteration": 30, "dev_bps": 2.9, "ponder_std": 0.2},
               {"iteration": 40, "weights": "average", "dev_bps": 2.5, "ponder_std": 0.4}]  # the saved mean
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert training_curve(tmp_path) == {"iteration": [20, 30, 40], "ponder_boundary_f": [0.5, None, 0.6],
                                        "dev_bps": [3.0, 2.9, 2.7], "ponder_std": [0.1, 0.2, 0.3]}
    assert training_curve(tmp_path / "absent") == {"iteration": [], "ponder_boundary_f": [], "dev_bps": [],
                                                   "ponder_std": []}
    (tmp_path / "log.jsonl").write_text(json.dumps({"iteration": 5, "dev_bps": 2.0, "holdout_bps": 2.4}) + "\n")
    assert training_curve(tmp_path)["holdout_bps"] == [2.4]  # an early-stopping run's held-out bits


@pytest.mark.slow
def test_probes_end_to_end_on_the_sample_corpus(tmp_path):
    from segment.eval.halting_length import evaluate_lengths
    from segment.eval.halting_report import write_report
    from segment.eval import word_scores
    from segment.eval.halting_study import evaluate_all
    from segment.eval.run_specs import labelled_units
    from segment.eval.scales import SMOKE_TINY
    from segment.eval.training_phase import run_dir_of, train_all
    from segment.ponder import ModelSignalSegmenter

    preset = replace(SMOKE_TINY, seconds=600)  # every run completes its iterations, however loaded the machine
    corpus = StudyCorpus("sample-brent-phono", ("sample-brent-phono:all",), "sample-brent-phono:all",
                         "sample-brent-phono:all", preset, ("constraint",), seeds_of=("constraint",))
    probes = (("sample-brent-phono", "constraint", (0, 1)),)
    early = (("sample-brent-phono", "constraint", (0,), "holdout"),)
    entries = [e for e in study_runs((corpus,)) if e[2] == seed_value("constraint") and e[3] in (0, 1)]
    runs = length_runs(2, (corpus,), probes)
    early_runs = length_runs(2, (corpus,), early)
    assert [spec.train_config().iterations for *_, spec in runs + early_runs] == [40, 40, 40]
    assert train_all([spec for *_, spec in entries + runs[:1] + early_runs], tmp_path / "runs", device="cpu") == []
    study = evaluate_all(tmp_path / "runs", tmp_path / "results" / "halting.json", device="cpu", data_dir=None,
                         corpora=(corpus,))
    results = evaluate_lengths(tmp_path / "runs", tmp_path, factor=2, device="cpu", data_dir=None,
                               corpora=(corpus,), probes=probes)
    assert json.loads((tmp_path / "results" / "halting-length.json").read_text()) == results
    assert results["missing_runs"] == [runs[1][4].name]
    summary = {s["iterations"]: s for s in results["summary"]}
    assert summary[20]["seeds"] == [0, 1] and summary[40]["seeds"] == [0]
    assert summary[40]["ponder_fs"] == [results["runs"][0]["ponder_f"]]
    curve = results["curves"][runs[0][4].name]
    assert set(results["curves"]) == {runs[0][4].name} and curve["iteration"] == [20, 40]
    assert all(0 < bps < 10 for bps in curve["dev_bps"])
    stopped = evaluate_lengths(tmp_path / "runs", tmp_path, factor=2, device="cpu", data_dir=None,
                               corpora=(corpus,), probes=early, results_name="halting-early-stop.json")
    [row_] = stopped["runs"]
    assert (row_["variant"], row_["best_iteration"]) == ("holdout", 40)  # one evaluation, at the end
    assert [(s["variant"], s["best_iterations"]) for s in stopped["summary"]] == [("", [None]), ("holdout", [40])]
    assert "holdout_bps" in stopped["curves"][early_runs[0][4].name]
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"length": results, "early-stop": stopped}).read_text()
    assert "## Early stopping" in text and "`holdout` (train: holdout 0.1, patience 4, eval_every 100)" in text
    assert (tmp_path / "figures" / "halting-early-stop-sample-brent-phono.png").stat().st_size > 0
    assert "## Training length" in text and runs[1][4].name in text
    assert "figures/halting-length-sample-brent-phono.png" in text
    assert (tmp_path / "figures" / "halting-length-sample-brent-phono.png").stat().st_size > 0
    two_stage = {**stopped, "variants": {"": {"model": {}, "train": {}},
                                         "two-stage600": dict(zip(("model", "train"), VARIANTS["two-stage600"]))}}
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"two-stage": two_stage}).read_text()
    assert "## Two-stage halting" in text and "`two-stage600` (train: halt_freeze 600, lm_freeze 600)" in text
    assert "## Early stopping" not in text
    assert (tmp_path / "figures" / "halting-two-stage-sample-brent-phono.png").stat().st_size > 0
    selected = {**stopped, "variants": {"": {"model": {}, "train": {}}, "selected": {"model": {}, "train": {}}}}
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"selected": selected}).read_text()
    assert "## Seeds at the selected value" in text and "## Two-stage halting" not in text
    assert (tmp_path / "figures" / "halting-selected-sample-brent-phono.png").stat().st_size > 0
    grid = {"corpus": "sample-brent-phono", "lever": "constraint", "selected_tau": 0.001, "selected_f": 0.5,
            "best_tau": 0.003, "best_f": 0.6, "width_decades": 1.0, "width_low": 0.0003, "width_high": 0.003}
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"below-grid": {**selected, "extended_grid": [grid]}}).read_text()
    assert "## Below the tau grid" in text and "Per lever over the study's grid and these taus" in text
    assert "| sample-brent-phono | constraint |          0.001 |" in text
    means = {"corpus": "sample-brent-phono", "lever": "constraint", "taus": [0.001, 0.003], "seeds": [[0, 1]] * 2,
             "mean_fs": [0.5, 0.6], "mean_stds": [0.3, 0.3], "spreads": [0.01, 0.02], "best_tau": 0.003,
             "best_mean_f": 0.6, "width_decades": 0.0, "width_low": 0.003, "width_high": 0.003}
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"grid-seeds": {**selected, "seed_mean_grid": [means]}}).read_text()
    assert "## Three seeds along the low end of the grid" in text and "| 0.001, 0.003 | 0.5, 0.6 " in text
    ensembles = seed_ensembles([("", entries)], tmp_path / "runs", None, "cpu")
    assert [(r["k"], r["subsets"], r["first_seeds"]) for r in ensembles] == [(1, 2, [0]), (2, 1, [0, 1])]
    single = sorted(r["ponder_f"] for r in study["runs"] if r["lever"] == "constraint")
    assert [ensembles[0]["ponder_f_min"], ensembles[0]["ponder_f_max"]] == single
    assert ensembles[0]["ponder_f_mean"] == pytest.approx(sum(single) / 2)
    assert ensembles[0]["disjoint_fs"] == [r["ponder_f"] for r in sorted(
        (r for r in study["runs"] if r["lever"] == "constraint"), key=lambda r: r["seed"])]
    assert ensembles[0]["disjoint_spread"] == pytest.approx(single[1] - single[0])
    pair = ensembles[1]  # the one ensemble of both seeds
    assert pair["disjoint_fs"] == [pair["first_ponder_f"]] and pair["disjoint_spread"] is None
    assert 0 < pair["first_entropy_f"] < 1
    # the library's ensemble (a list of models) reads the same mean signals, so it cuts the same
    sequences, gold = labelled_units("sample-brent-phono:all")
    members = [run_dir_of(tmp_path / "runs", e[4]) for e in entries]
    for signal, expected in (("ponder", pair["ponder_f_mean"]), ("entropy", pair["first_entropy_f"])):
        library = ModelSignalSegmenter.from_pretrained(members, signal_name=signal)
        scores = word_scores(reference=gold, hypothesis=library.predict_many(sequences), sequences=sequences)
        assert scores["boundary_noedge_f"] == pytest.approx(expected, abs=2e-3)
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"ensemble": {**selected, "seed_ensembles": ensembles}}).read_text()
    assert "## Seed ensembles" in text and "| sample-brent-phono | constraint |     2.5 |   2 |" in text
    assert (tmp_path / "figures" / "halting-ensemble-f-sample-brent-phono.png").stat().st_size > 0
    versus = versus_twins({**selected, "summary": [{**s, "variant": "average300"} for s in selected["summary"]]},
                          selected)
    assert versus and all(r["base_f_mean"] == r["variant_f_mean"] for r in versus)
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"averaged": {**selected, "seed_ensembles": ensembles, "versus_twins": versus}}
                        ).read_text()
    assert "## Weight averaging" in text and "`base_*`: the same runs saving their last weights" in text
    assert "Ponder F of the ensembles of K of this section's seeds" in text and "## Seed ensembles" not in text
    assert (tmp_path / "figures" / "halting-averaged-ensemble-f-sample-brent-phono.png").stat().st_size > 0
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"hidden": {**selected, "seed_ensembles": ensembles, "versus_twins": versus}}
                        ).read_text()
    assert "## Model size" in text and "`base_*`: hidden 128" in text and "## Weight averaging" not in text
    assert (tmp_path / "figures" / "halting-hidden-ensemble-f-sample-brent-phono.png").stat().st_size > 0
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"ten-seeds": {**selected, "seed_ensembles": ensembles}}).read_text()
    assert "## Ten averaged seeds" in text and "| disjoint_fs " in text and "## Model size" not in text
    assert (tmp_path / "figures" / "halting-ten-seeds-ensemble-f-sample-brent-phono.png").stat().st_size > 0
    text = write_report(study, tmp_path, command="python -m segment.eval.halting_study",
                        probes={"selected-length": results}).read_text()
    assert "## The selected setting trained longer" in text and "trained 2 x longer on seeds 0 and 1" in text
    assert (tmp_path / "figures" / "halting-selected-length-sample-brent-phono.png").stat().st_size > 0
