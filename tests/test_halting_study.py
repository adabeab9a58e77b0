"""The halting study: the label-free selection rule, the informative width, and the study end to end on the
sample corpus (tiny models)."""

import json
import math
import os

import numpy as np
import pytest

from segment.eval.halting_selection import Probe, SelectionRule, informative_width, off_extremes, ponder_range
from segment.eval.halting_study import (CORPORA, LEVER_TAUS, LEVERS, SEEDS, SHORT, TARGET_LEVERS, StudyCorpus,
                                         evaluate_all, seed_value, study_runs)


def test_floor_and_off_extremes():
    from segment.models import ACTConfig

    assert ponder_range(ACTConfig(vocab_size=5, max_steps=4)) == (2.0, 4.0)
    assert ponder_range(ACTConfig(vocab_size=5, halt_bounded=True, eps=0.01))[0] == pytest.approx(2.02)
    assert ponder_range(ACTConfig(vocab_size=5, max_steps=6, halt_distribution="pondernet")) == (1.0, 5.95)
    ponder = np.array([2.0, 2.03, 2.5, 3.9, 4.0, 4.3, 4.99])  # floor, near it, inside x3, at the cap x2
    assert off_extremes(ponder, 2.0, 4) == pytest.approx(3 / 7)
    assert off_extremes(ponder, 2.5, 4) == pytest.approx(2 / 7)  # a higher floor (bounded) moves the margin
    with pytest.raises(ValueError):
        off_extremes(np.array([]), 2.0, 4)


def test_selection_rule_reads_no_labels_and_may_decline():
    rule = SelectionRule(min_std=0.2, max_bps_excess=0.02)
    probes = [Probe(0.01, 3.00, 0.9, 0.20),  # spread, good bits, few symbols off the extremes
              Probe(0.03, 3.05, 0.5, 0.60),  # the choice
              Probe(0.1, 3.20, 0.6, 0.90),  # most off the extremes but 7% worse bits than the control
              Probe(0.3, 3.00, 0.05, 0.95)]  # no spread
    assert rule.select(probes, control_bps=3.0).tau == 0.03
    assert rule.select(probes, control_bps=3.2).tau == 0.1  # a weaker control admits it
    assert rule.select(probes[3:], control_bps=3.0) is None


def test_informative_width_is_the_longest_qualifying_run_of_the_grid():
    taus = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]
    stds = [0.1, 0.3, 0.4, 0.5, 0.3, 0.25]
    fs = [0.80, 0.78, 0.79, 0.76, 0.70, 0.79]
    width, low, high = informative_width(taus, stds, fs)
    # 0.001 has no spread; 0.003..0.01 qualify (F >= 0.77); 0.03 and 0.1 fall short of F; 0.3 alone
    assert (low, high) == (0.003, 0.01) and width == pytest.approx(math.log10(0.01 / 0.003))
    assert informative_width([0.03], [0.5], [0.7]) == (0.0, 0.03, 0.03)
    assert informative_width(taus, [0.0] * 6, fs) == (0.0, None, None)
    assert informative_width(list(reversed(taus)), list(reversed(stds)), list(reversed(fs)))[1:] == (0.003, 0.01)
    with pytest.raises(ValueError):
        informative_width([0.1], [0.2, 0.3], [0.5])


def test_study_runs_change_only_the_lever_and_tau():
    runs = study_runs()
    names = [spec.name for *_, spec in runs]
    assert len(names) == len(set(names))
    for corpus, lever, tau, seed, spec in runs:
        model, train = spec.model_config(), spec.train_config()
        assert model.hidden == (256 if corpus.key == "ud-en-ewt" else 128) and train.iterations == 800
        if lever == "lstm":
            assert not model.act
            continue
        assert train.seed == seed
        if lever in TARGET_LEVERS:  # the signed constraint, on the candidate setting from tau 0.003
            assert train.ponder_constraint == tau and model.tau == 0.003
            assert model.halt_bounded and model.halt_input == "norm" and train.halt_freeze == 200
            assert spec.name == f"{SHORT[corpus.key]}-{lever}-target{tau}" + (f"-seed{seed}" if seed else "")
            continue
        assert model.tau == tau and train.ponder_constraint is None
        assert model.halt_bounded == ("bounded" in lever)
        assert model.halt_input == ("norm" if "norm" in lever else "state")
        assert train.halt_freeze == (200 if "freeze" in lever else 0)
    for corpus in CORPORA:  # Graves's exact ACT is swept on every corpus, as the reference row
        assert "graves" in corpus.levers
        assert any(lever == "graves" and c.key == corpus.key for c, lever, *_ in runs)
    assert set(LEVERS) == {lever for _, lever, *_ in runs} - {"lstm"}
    for corpus in CORPORA:  # the seeds repeat each named lever at its fixed value, on every corpus that names it
        for lever in corpus.seeds_of:
            seeded = [(tau, seed) for c, name, tau, seed, _ in runs if c.key == corpus.key and name == lever and seed]
            assert seeded == [(seed_value(lever), seed) for seed in SEEDS]


def same_figures(row: dict, other: dict) -> bool:
    """The same run measured twice: equal up to float rounding."""
    return row.keys() == other.keys() and all(
        a == b or (isinstance(a, float) and b == pytest.approx(a, rel=1e-4, abs=1e-6)) for a, b in
        ((row[k], other[k]) for k in row))


@pytest.mark.slow
def test_study_end_to_end_on_the_sample_corpus(tmp_path):
    from segment.eval.halting_report import write_report
    from segment.eval.scales import SMOKE_TINY
    from segment.eval.training_phase import train_all

    corpus = StudyCorpus("sample-brent-phono", ("sample-brent-phono:all",), "sample-brent-phono:all",
                         "sample-brent-phono:all", SMOKE_TINY, ("graves", "bounded+norm+freeze", "constraint"),
                         taus=(0.01, 0.03), seeds_of=("graves",))
    entries = study_runs((corpus,))
    assert len(entries) == 1 + 2 + 2 + len(LEVER_TAUS["constraint"]) + 2
    assert train_all([spec for *_, spec in entries[:-1]], tmp_path / "runs", device="cpu") == []  # a seed left out
    results = evaluate_all(tmp_path / "runs", tmp_path / "results" / "halting.json", device="cpu", data_dir=None,
                           corpora=(corpus,), jobs=2)
    assert json.loads((tmp_path / "results" / "halting.json").read_text()) == results
    assert results["missing_runs"] == [entries[-1][4].name]
    rows = {r["run"]: r for r in results["runs"]}
    assert rows["sample-brent-phono-lstm"]["ponder_f"] is None  # the control has no ponder signal
    for name, row in rows.items():
        assert 0 < row["dev_bps"] < 10 and 0 <= row["dev_off_extremes"] <= 1 and 1 <= row["dev_steps_mean"] <= 4
        if "lstm" not in name:
            assert 0 <= row["ponder_f"] <= 1 and 0 <= row["ponder_f_carried"] <= 1
            assert 0 <= row["ponder_f_fresh_same_units"] <= 1 and 0 <= row["entropy_f"] <= 1
            assert row["dev_ponder_mean"] >= (2.0 if "bounded" not in name else 2.02)
    levers = {s["lever"]: s for s in results["levers"]}
    assert set(levers) == {"graves", "bounded+norm+freeze", "constraint"}
    for summary in levers.values():
        assert summary["best_f"] == max(rows[n]["ponder_f"] for n in rows if f"-{summary['lever']}-" in n
                                        and "seed" not in n)
    assert levers["constraint"]["width_decades"] is None  # its sweep is over targets, not tau
    assert len(levers["graves"]["seed_fs"]) == 2 and levers["graves"]["seed_spread"] >= 0
    # measured rows are kept, unless the run's model is newer than the results or the row lacks a field
    path = tmp_path / "results" / "halting.json"
    stored = json.loads(path.read_text())
    graves, bounded = entries[1][4].name, entries[3][4].name
    marked = [{**r, "dev_bps": 123.0} if r["run"] in (graves, bounded) else r for r in stored["runs"]]
    stored["runs"] = [{k: v for k, v in r.items() if k != "entropy_f"} if r["run"] == bounded else r for r in marked]
    path.write_text(json.dumps(stored))
    again = {r["run"]: r for r in evaluate_all(tmp_path / "runs", path, device="cpu", data_dir=None,
                                                corpora=(corpus,), jobs=2)["runs"]}
    assert again[graves]["dev_bps"] == 123.0 and same_figures(again[bounded], rows[bounded])
    later = path.stat().st_mtime + 10
    os.utime(tmp_path / "runs" / graves / "model" / "model.safetensors", (later, later))
    again = {r["run"]: r for r in evaluate_all(tmp_path / "runs", path, device="cpu", data_dir=None,
                                                corpora=(corpus,), jobs=2)["runs"]}
    assert same_figures(again[graves], rows[graves])
    report = write_report(results, tmp_path, command="python -m segment.eval.halting_study")
    text = report.read_text()
    assert "## sample-brent-phono" in text and "bounded+norm+freeze" in text
    assert (tmp_path / "figures" / "halting-sample-brent-phono-f.png").stat().st_size > 0
