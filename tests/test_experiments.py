"""The experiments command at the smoke scale, end to end in a temporary directory, and its pieces."""

import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from segment.eval.experiments import SCALES, RunSpec, command_line, main, reverse_view
from segment.eval.results import shift_right
from segment.ponder import read_signal
from segment.eval.results_report import MODEL_FILES, ship_default_model
from segment.ponder import PonderSegmenter


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """Train, evaluate and report the smoke scale once; the paths and the model files' modification times."""
    root = tmp_path_factory.mktemp("smoke")
    runs, results_dir = root / "runs", root / "eval"
    assert main(["--scale", "smoke", "--runs-dir", str(runs), "--results-dir", str(results_dir), "--jobs", "2"]) == 0
    mtimes = {p: p.stat().st_mtime_ns for p in runs.glob("*/model/model.safetensors")}
    return SimpleNamespace(root=root, runs=runs, results_dir=results_dir, mtimes=mtimes,
                           results=json.loads((results_dir / "results" / "smoke.json").read_text()),
                           report=(results_dir / "RESULTS.md").read_text())


@pytest.mark.parametrize("scale", sorted(SCALES))
def test_every_run_spec_round_trips_through_json(scale):
    for spec in SCALES[scale].runs:
        again = RunSpec.from_json(spec.to_json())
        assert again == spec
        assert again.kind == spec.kind


def test_scales_are_consistent():
    for scale in SCALES.values():
        names = [r.name for r in scale.runs]
        assert len(names) == len(set(names))
        assert all(r.test in scale.corpora for r in scale.runs)
        assert all(t.runs_of in scale.corpora for t in scale.sentences.values())
        main = [r.test for r in scale.runs if "main" in r.tags]
        assert len(main) == len(set(main)) and set(main) == set(scale.corpora)  # one main ACT run per corpus
    for name in ("cpu", "gpu"):  # the tau sweep spans at least 1e-3 to 1e-1 (issue 8)
        taus = {r.model["tau"] for r in SCALES[name].runs if "sweep" in r.tags}
        assert min(taus) <= 1e-3 and max(taus) >= 0.1 and len(taus) >= 5


def test_capped_scale_shrinks_budget_width_and_units():
    capped = SCALES["gpu"].capped(20, 16, 100)
    assert all(r.max_seconds == 20 and r.model["hidden"] == 16 for r in capped.runs)
    assert capped.max_units == 100
    assert SCALES["gpu"].runs[0].model["hidden"] == 256  # the original is untouched


def test_spec_rejects_an_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        RunSpec("x", ("brent-phono:all",), "brent-phono", direction="up")


def test_command_line_drops_the_phase_so_it_regenerates_everything():
    argv = ["--scale", "cpu", "--phase", "evaluate", "--jobs", "2", "--phase=report"]
    assert command_line(argv) == "python -m segment.eval.experiments --scale cpu --jobs 2"


def test_reverse_view_mirrors_cuts_and_shift_realigns():
    sequences, cuts = reverse_view(["abcde", "xy"], [np.array([2, 3]), np.array([1])])
    assert sequences == ["edcba", "yx"]
    assert [c.tolist() for c in cuts] == [[2, 3], [1]]
    assert shift_right(np.array([1.0, 5.0, 2.0])).tolist() == [1.0, 1.0, 5.0]


def test_halt_first_signal_is_the_complement_of_the_halting_probability():
    signals = {"halt_first": [np.array([0.9, 0.2])], "ponder": [np.array([2.1, 2.8])]}
    assert read_signal("halt-first", signals)[0] == pytest.approx([0.1, 0.8])
    assert read_signal("ponder", signals) is signals["ponder"]


def test_smoke_scale_writes_every_run_results_report_and_figures(smoke):
    for spec in SCALES["smoke"].runs:
        run_dir = smoke.runs / spec.name
        assert RunSpec.from_json((run_dir / "run.json").read_text()) == spec
        assert json.loads((run_dir / "train_summary.json").read_text())["steps"] > 0
    for figure in ("f-vs-tau.png", "pr-curves.png", "trace-bp-act.png", "trace-en-act.png", "trace-en-spaced.png"):
        assert (smoke.results_dir / "figures" / figure).stat().st_size > 0
    assert smoke.results["meta"]["scale"] == "smoke"
    assert smoke.results["default"]["selected"] == "en-act"


def test_report_tables_hold_the_expected_rows(smoke):
    report = smoke.report
    for row in ("| tp-forward-relative |", "| act-ponder | bp-act |", "| act-halt-first | bp-act |",
                "| lstm-entropy | bp-lstm |", "| fixed-entropy | bp-fixed2 |", "| act-ponder-rtl | bp-rtl |",
                "| act-ponder-ltr+rtl | bp-act+bp-rtl |", "| punct-rule |", "| en-spaced | ponder | space |",
                "| lstm-entropy (calibrated) | en-lstm |"):
        assert row in report
    assert "--scale smoke" in report and "## tau sweep" in report
    sweep = report.split("## tau sweep")[1].split("##")[0]
    assert "| bp-act | 4 | 0.0100 |" in sweep and "| bp-act-tau0.1 | 4 | 0.1000 |" in sweep
    rows = smoke.results["word"]["bp"]["rows"]
    calibrated = [r for r in rows if r["segmenter"] == "act-ponder" and r["run"] == "bp-act" and r["calibrated"]]
    assert calibrated[0]["labelled_units"] == 50


def test_training_again_skips_trained_runs(smoke):
    assert main(["--scale", "smoke", "--runs-dir", str(smoke.runs), "--results-dir", str(smoke.results_dir),
                 "--phase", "train"]) == 0
    assert {p: p.stat().st_mtime_ns for p in smoke.runs.glob("*/model/model.safetensors")} == smoke.mtimes


def test_ship_default_copies_the_model_and_writes_a_card(smoke):
    target = smoke.root / "default"
    ship_default_model(smoke.results, smoke.runs, target)
    assert all((target / f).is_file() for f in MODEL_FILES)
    card = (target / "MODEL_CARD.md").read_text()
    assert "en-act" in card and "bits per symbol" in card and "| act-ponder |" in card
    shipped = PonderSegmenter.from_pretrained(target)  # reads the settings shipped with it (segmenter.json)
    rows = [r for r in smoke.results["word"]["en"]["rows"] if r["run"] == "en-act" and r["calibrated"]]
    best = max(rows, key=lambda r: r["calibration_f"])  # the best signal on the labelled units
    assert shipped.signal_name == best["segmenter"].removeprefix("act-")
    params = json.loads(best["calibration"])
    assert {k: getattr(shipped, k) for k in params} == params


def test_a_run_without_a_model_is_left_out_and_named(smoke, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(smoke.runs, runs)
    shutil.rmtree(runs / "bp-rtl" / "model")
    assert main(["--scale", "smoke", "--runs-dir", str(runs), "--results-dir", str(tmp_path / "eval"),
                 "--phase", "evaluate"]) == 0
    assert main(["--scale", "smoke", "--runs-dir", str(runs), "--results-dir", str(tmp_path / "eval"),
                 "--phase", "report"]) == 0
    report = (tmp_path / "eval" / "RESULTS.md").read_text()
    assert "Runs missing (training failed, left out): bp-rtl" in report
    assert "| act-ponder-rtl |" not in report and "| act-ponder | bp-act |" in report
