"""`actseg experiments` at the smoke scale, end to end in a temporary directory, and its pieces."""

import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from segment.baselines.sentence import PunctuationRuleSegmenter
from segment.cli import main as actseg
from segment.corpora import load_corpus
from segment.errors import ActSegError
from segment.eval.default_model import MODEL_FILES, ship_default_model
from segment.eval.results_types import Results
from segment.eval.run_specs import RunSpec
from segment.eval.scales import SCALES, ShippedReadout
from segment.eval.word_metrics import word_scores
from segment.models.inference import compute_signals
from segment.peaks import shift_right
from segment.ponder import PonderSegmenter, load_model, read_signal
from segment.readout import ReadoutSegmenter, labelled_sequences
from segment.shipped import SHIPPED_MODELS


def experiments(*args: str):
    return CliRunner().invoke(actseg, ["experiments", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """Train, evaluate and report the smoke scale once; the paths and the model files' modification times."""
    root = tmp_path_factory.mktemp("smoke")
    runs, results_dir = root / "runs", root / "eval"
    result = experiments("--scale", "smoke", "--runs-dir", str(runs), "--results-dir", str(results_dir), "--jobs", "2")
    assert result.exit_code == 0, result.output
    mtimes = {p: p.stat().st_mtime_ns for p in runs.glob("*/model/model.safetensors")}
    return SimpleNamespace(root=root, runs=runs, results_dir=results_dir, mtimes=mtimes,
                           results=Results.read(results_dir / "results" / "smoke.json"),
                           report=(results_dir / "RESULTS.md").read_text())


def test_an_unknown_scale_is_a_one_line_error():
    result = CliRunner().invoke(actseg, ["experiments", "--scale", "huge"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: unknown scale 'huge': choose one of smoke, cpu, cpu-long, cpu-zh, gpu"]


def test_shift_right_realigns_a_right_to_left_signal():
    assert shift_right(np.array([1.0, 5.0, 2.0])).tolist() == [1.0, 1.0, 5.0]


def test_halt_first_signal_is_the_complement_of_the_halting_probability():
    signals = {"halt_first": [np.array([0.9, 0.2])], "ponder": [np.array([2.1, 2.8])]}
    assert read_signal("halt-first", signals)[0] == pytest.approx([0.1, 0.8])
    assert read_signal("ponder", signals) is signals["ponder"]


def test_smoke_scale_writes_every_run_results_report_and_figures(smoke):
    for spec in SCALES["smoke"].runs:
        run_dir = smoke.runs / spec.name
        assert RunSpec.from_json((run_dir / "run.json").read_text()) == spec
        assert json.loads((run_dir / "train_summary.json").read_text())["iterations"] > 0
    for figure in ("f-vs-tau.png", "pr-curves.png", "trace-bp-act.png", "trace-en-act-sample-en-test.png",
                   "trace-en-act-sample-en-train.png", "trace-en-spaced.png"):
        assert (smoke.results_dir / "figures" / figure).stat().st_size > 0
    assert smoke.results.meta.scale == "smoke"
    assert smoke.results.default.selected == "en-act"
    (candidate,) = smoke.results.default.candidates  # compared by the dev F of the scale's word readout
    assert smoke.results.default.by_readout and 0 <= candidate.dev_readout_f <= 1
    assert "Candidates compared by boundary F of its word readout" in smoke.report
    assert smoke.results.runs["bp-fixed2"].kind == "fixed" and smoke.results.runs["bp-lstm"].kind == "lstm"


def test_results_round_trip_through_json(smoke):
    assert Results.from_json(smoke.results.to_json()) == smoke.results


def test_the_regenerate_command_is_the_one_given_without_its_phase(smoke):
    assert smoke.results.meta.command == (f"actseg experiments --scale smoke --runs-dir {smoke.runs} "
                                          f"--results-dir {smoke.results_dir} --jobs 2")


def test_report_tables_hold_the_expected_rows(smoke):
    report = smoke.report
    for row in ("| tp-forward-relative |", "| act-ponder | bp-act |", "| act-halt-first | bp-act |",
                "| lstm-entropy | bp-lstm |", "| fixed-entropy | bp-fixed2 |", "| act-ponder-rtl | bp-rtl |",
                "| act-ponder-ltr+rtl | bp-act+bp-rtl |", "| punct-rule |", "| en-spaced | ponder | space |",
                "| lstm-entropy (calibrated) | en-lstm |"):
        assert row in report
    assert "--scale smoke" in report and "## tau sweep" in report
    sweep = report.split("## tau sweep")[1].split("##")[0]
    assert "| bp-act | 4 | 0.0300 |" in sweep and "| bp-act-tau0.1 | 4 | 0.1000 |" in sweep
    rows = smoke.results.word["bp"].rows
    calibrated = [r for r in rows if r["segmenter"] == "act-ponder" and r["run"] == "bp-act" and r["calibrated"]]
    assert calibrated[0]["labelled_units"] == 50


def test_a_corpus_can_score_the_runs_of_another(smoke):
    rows = smoke.results.word["en-train"].rows
    assert {r["run"] for r in rows if r["family"] == "model"} == {"en-act", "en-act-rtl", "en-act+en-act-rtl",
                                                                  "en-lstm"}
    assert "### en-train (`sample-en:train`)" in smoke.report


def test_a_corpus_split_at_punctuation_forces_those_cuts_in_every_row_but_the_oracle(smoke):
    from segment.baselines import TransitionalProbability
    from segment.punctuation_split import PunctuationSplit

    part = smoke.results.word["en+punct"]
    assert part.split_punctuation and not smoke.results.word["en"].split_punctuation
    test = load_corpus("sample-en", "test")
    sequences = test.sequences()
    fit_text = load_corpus("sample-en", "train").sequences() + sequences  # the corpus's fit_text and itself
    split = PunctuationSplit(TransitionalProbability("forward", "relative", pad_ends=False)).fit(fit_text)
    expected = word_scores(reference=test.word_boundaries(), hypothesis=split.predict_many(sequences),
                           sequences=sequences)
    rows = {r["segmenter"]: r for r in part.rows if not r["calibrated"]}
    assert rows["tp-forward-relative"]["boundary_noedge_f"] == pytest.approx(expected["boundary_noedge_f"])
    plain = {r["segmenter"]: r for r in smoke.results.word["en"].rows if not r["calibrated"]}
    assert rows["random-oracle"]["boundary_noedge_f"] == plain["random-oracle"]["boundary_noedge_f"]
    assert "cuts around every punctuation mark forced" in smoke.report


def test_bits_compare_the_runs_with_a_kneser_ney_model_on_the_same_symbols(smoke):
    bits = {row.model: row for row in smoke.results.bits}
    assert set(bits) == {"kn-5gram", "en-act", "en-lstm"}  # the runs scored on "en", spaced runs left out
    units = [s for s in load_corpus("sample-en", "test").sequences() if len(s)]
    assert {row.ref for row in bits.values()} == {"sample-en:test"}
    assert {row.symbols for row in bits.values()} == {sum(map(len, units))}
    model = load_model(smoke.runs / "en-act")
    surprisal = np.concatenate([s.surprisal for s in compute_signals(model, units)])
    assert bits["en-act"].bits_per_symbol == pytest.approx(surprisal.mean(), rel=1e-5)
    assert bits["en-act"].ponder_mean >= 1 and bits["en-lstm"].ponder_mean is None
    assert 0 < bits["kn-5gram"].bits_per_symbol < np.log2(len(set("".join(units))) + 2)
    section = smoke.report.split("## Bits per symbol")[1].split("\n## ")[0]
    assert "| kn-5gram | ngram |" in section and "| en-act | act |" in section and "vs n-gram" in section


def test_the_main_report_summarises_the_scales_reported_in_their_own_folders(smoke, tmp_path):
    from segment.eval.report_markdown import write_report

    (tmp_path / "cpu-zh" / "results").mkdir(parents=True)
    shutil.copy(smoke.results_dir / "results" / "smoke.json", tmp_path / "cpu-zh" / "results" / "cpu-zh.json")
    report = write_report(smoke.results_dir / "results" / "smoke.json", tmp_path).read_text()
    summary = report.split("## Chinese (scale `cpu-zh`)")[1]
    assert "(cpu-zh/RESULTS.md)" in summary and "### en (`sample-en:test`)" in summary
    assert "| act-ponder | en-act |" in summary and "### Bits per symbol" in summary
    assert "English at a real scale" not in report  # no cpu-long results there


def test_reused_baseline_rows_are_kept_as_measured_unless_the_corpus_changed(smoke):
    """--reuse-baselines: an earlier evaluation's baseline rows of the same corpus are taken as they are (a marked
    row survives), in the scale's order; a row whose symbol count no longer matches is measured again; an
    evaluation of another bootstrap or scale offers nothing."""
    import dataclasses

    from segment.eval.evaluate_runs import reusable_baseline_rows, word_task

    scale = SCALES["smoke"]
    offered = reusable_baseline_rows(smoke.results, scale)
    assert set(offered) == set(scale.corpora) and {r["segmenter"] for r in offered["en"]} == set(scale.baselines)
    marked = [{**r, "boundary_noedge_f": 0.123} for r in offered["en"]]
    marked[0] = {**marked[0], "symbols": marked[0]["symbols"] + 1}  # as if the corpus had changed
    part = word_task(scale, "en", smoke.runs, "cpu", None, reuse=marked)
    baselines = [r for r in part.rows if r["family"] == "baseline"]
    assert [r["segmenter"] for r in baselines] == list(scale.baselines)
    assert part.reused_baselines == [r["segmenter"] for r in marked[1:]]
    assert baselines[0]["boundary_noedge_f"] != 0.123 and baselines[0]["symbols"] == marked[0]["symbols"] - 1
    assert all(r["boundary_noedge_f"] == 0.123 for r in baselines[1:])
    assert reusable_baseline_rows(smoke.results, dataclasses.replace(scale, bootstrap=scale.bootstrap + 1)) == {}
    assert reusable_baseline_rows(smoke.results, dataclasses.replace(scale, name="cpu")) == {}


def test_label_free_baselines_read_the_fit_text_of_their_corpus(smoke):
    """en+punct names fit_text: its label-free baselines are fitted on sample-en:train plus the evaluated units
    (its nvbe row is what that fit gives), those reading gold or a word list on the evaluated units; the report
    says so, and rows fitted on other text are never reused."""
    import dataclasses

    from segment.baselines import UNSUPERVISED, BranchingAutonomy
    from segment.eval.evaluate_runs import _by_fit_text, _fit_text, reusable_baseline_rows
    from segment.eval.harness import evaluate
    from segment.eval.run_specs import load_ref
    from segment.punctuation_split import PunctuationSplit

    scale = SCALES["smoke"]
    spec = scale.corpora["en+punct"]
    corpus = load_ref(spec.ref)
    fit = _fit_text(spec, corpus, None)
    assert fit.sequences() == load_ref("sample-en:train").sequences() + corpus.sequences()
    assert _fit_text(scale.corpora["en"], corpus, None) is True
    assert _fit_text(dataclasses.replace(spec, fit_text=(spec.ref,)), corpus, None).sequences() == corpus.sequences()
    (free, on_fit), (others, on_units) = _by_fit_text(scale.baselines, {"tp-mi-relative"}, fit)
    assert on_fit is fit and on_units is True and "tp-mi-relative" not in free
    assert set(free) <= set(UNSUPERVISED) and others == ["random-oracle", "wordninja"]
    part = smoke.results.word["en+punct"]
    assert part.baseline_fit == ["sample-en:train"] and smoke.results.word["en"].baseline_fit == []
    row = next(r for r in part.rows if r["segmenter"] == "nvbe")
    expected = evaluate(PunctuationSplit(BranchingAutonomy()), corpus, fit=fit, bootstrap=scale.bootstrap)
    assert row["token_f"] == pytest.approx(expected.token_f[0])
    assert "label-free baselines fitted on `sample-en:train`, `sample-en:test`" in smoke.report
    changed = dataclasses.replace(scale, corpora={**scale.corpora, "en+punct": dataclasses.replace(spec, fit_text=())})
    assert "en+punct" in reusable_baseline_rows(smoke.results, scale)
    assert "en+punct" not in reusable_baseline_rows(smoke.results, changed)


def test_the_evaluate_phase_reuses_baselines_when_asked_and_says_so(smoke, tmp_path):
    shutil.copytree(smoke.results_dir / "results", tmp_path / "results")
    result = experiments("--scale", "smoke", "--runs-dir", str(smoke.runs), "--results-dir", str(tmp_path),
                         "--reuse-baselines")
    assert result.exit_code == 0, result.output
    again = Results.read(tmp_path / "results" / "smoke.json")
    assert again.meta.baselines_from == smoke.results.meta.commit and "--reuse-baselines" in again.meta.command
    for key, part in again.word.items():
        assert part.reused_baselines == list(SCALES["smoke"].baselines)
        assert [r for r in part.rows if r["family"] == "baseline"] == [
            r for r in smoke.results.word[key].rows if r["family"] == "baseline"]
    assert "baseline rows are reused from the evaluation at commit" in (tmp_path / "RESULTS.md").read_text()
    assert smoke.results.meta.baselines_from is None and "baseline rows are reused" not in smoke.report


def test_reusing_baselines_from_a_file_that_is_not_results_is_a_one_line_error(smoke, tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "smoke.json").write_text('{"meta": {}}')
    result = CliRunner().invoke(actseg, ["experiments", "--scale", "smoke", "--runs-dir", str(smoke.runs),
                                         "--results-dir", str(tmp_path), "--phase", "evaluate", "--reuse-baselines"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: ") and "not a results file" in result.output
    assert (tmp_path / "results" / "smoke.json").read_text() == '{"meta": {}}'  # nothing overwritten


def test_training_again_skips_trained_runs(smoke):
    result = experiments("--scale", "smoke", "--runs-dir", str(smoke.runs), "--results-dir", str(smoke.results_dir),
                         "--phase", "train")
    assert result.exit_code == 0, result.output
    assert {p: p.stat().st_mtime_ns for p in smoke.runs.glob("*/model/model.safetensors")} == smoke.mtimes


def test_ship_default_copies_the_model_and_writes_a_card(smoke):
    target = smoke.root / "default"
    ship_default_model(smoke.results, smoke.runs, target)
    assert all((target / f).is_file() for f in MODEL_FILES)
    card = (target / "MODEL_CARD.md").read_text()
    assert "en-act" in card and "bits per symbol" in card and "| act-ponder |" in card
    assert not list(target.glob("readout-*.json")) and "## Readouts" not in card
    shipped = PonderSegmenter.from_pretrained(target)  # reads the settings shipped with it (segmenter.json)
    rows = [r for r in smoke.results.word["en"].rows if r["run"] == "en-act" and r["calibrated"]]
    best = max(rows, key=lambda r: r["calibration_f"])  # the best signal on the labelled units
    assert shipped.signal_name == best["segmenter"].removeprefix("act-")
    params = json.loads(best["calibration"])
    assert {k: getattr(shipped, k) for k in params} == params


def test_ship_default_fits_the_scales_readouts_and_drops_stale_ones(smoke, tmp_path):
    target = smoke.root / "default-with-readouts"
    ship_default_model(smoke.results, smoke.runs, target, readouts=SCALES["smoke"].readouts)
    assert sorted(p.name for p in target.glob("readout-*.json")) == ["readout-sentence.json", "readout-word.json"]
    for file in MODEL_FILES:  # the right-to-left twin (en-act-rtl) ships in rtl/, and the readouts read it
        assert (target / "rtl" / file).read_bytes() == (smoke.runs / "en-act-rtl" / "model" / file).read_bytes()
    assert all(json.loads(p.read_text())["rtl"] for p in target.glob("readout-*.json"))
    card = (target / "MODEL_CARD.md").read_text()
    assert "## Readouts shipped with the model" in card and "run `en-act-rtl`" in card
    assert f"actseg readout fit --model {target} --corpus sample-en --split train --units 30" in card
    assert (f"actseg readout fit --model {target} --corpus sample-en --split train --level sentence --chunk-units 5 "
            "--units 4 --class-window 2") in card
    assert json.loads((target / "readout-sentence.json").read_text())["class_window"] == 2
    runs = labelled_sequences(load_corpus("sample-en", "test"), "sentence", 10**6, 5)
    rule = word_scores(reference=runs[1], hypothesis=PunctuationRuleSegmenter().predict_many(runs[0]),
                       sequences=runs[0])
    assert f"(the punctuation rule `punct-rule` on the same runs: F {rule['boundary_noedge_f']:.4f})" in card
    test = load_corpus("sample-en", "test")
    readout = ReadoutSegmenter.from_pretrained(target, "word")
    sequences, gold = labelled_sequences(test, "word", len(test.units))
    f = word_scores(reference=gold, hypothesis=readout.predict_many(sequences), sequences=sequences)
    assert f"F **{f['boundary_noedge_f']:.4f}**, token F {f['token_f']:.4f}" in card  # the card's figure, recomputed
    from segment.eval.readout_choice import DEV_RUN_UNITS
    joined, joined_gold = labelled_sequences(test, "word", len(test.units), DEV_RUN_UNITS)
    on_runs = word_scores(reference=joined_gold, hypothesis=readout.predict_many(joined), sequences=joined)
    assert f"run together {DEV_RUN_UNITS} at a time: boundary F {on_runs['boundary_noedge_f']:.4f}" in card
    runs = tmp_path / "runs"  # without a trained right-to-left run, nor readouts: the old ones are removed
    shutil.copytree(smoke.runs / "en-act", runs / "en-act")
    ship_default_model(smoke.results, runs, target)
    assert not list(target.glob("readout-*.json")) and not (target / "rtl").exists()


def test_a_failed_shipping_leaves_the_shipped_model_as_it_was(smoke, monkeypatch):
    target = smoke.root / "zh-shipped"
    monkeypatch.setitem(SHIPPED_MODELS, "zh", target)
    ship_default_model(smoke.results, smoke.runs, shipped_as="zh", readouts=SCALES["smoke"].readouts[:1])
    card = (target / "MODEL_CARD.md").read_text()
    assert card.startswith("# act-segment Chinese model (`--model zh`)")
    assert "actseg readout fit --model zh --corpus sample-en" in card
    files = lambda: {str(p.relative_to(target)): p.read_bytes() for p in target.rglob("*") if p.is_file()}  # noqa: E731
    before = files()
    assert "rtl/model.safetensors" in before
    broken = (ShippedReadout("word", "no-such-corpus:train", 5, "sample-en:test"),)
    with pytest.raises(ActSegError):
        ship_default_model(smoke.results, smoke.runs, shipped_as="zh", readouts=broken)
    assert files() == before
    assert not list(smoke.root.glob(".zh-shipped*"))  # no staging folder left behind


def test_a_run_without_a_model_is_left_out_and_named(smoke, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(smoke.runs, runs)
    shutil.rmtree(runs / "bp-rtl" / "model")
    for phase in ("evaluate", "report"):
        result = experiments("--scale", "smoke", "--runs-dir", str(runs), "--results-dir", str(tmp_path / "eval"),
                             "--phase", phase)
        assert result.exit_code == 0, result.output
    report = (tmp_path / "eval" / "RESULTS.md").read_text()
    assert "Runs missing (training failed, left out): bp-rtl" in report
    assert "| act-ponder-rtl | bp-rtl |" not in report and "| act-ponder | bp-act |" in report


def test_the_default_selection_scores_each_candidates_readout_as_it_would_ship(smoke):
    from segment.eval.run_specs import load_ref
    from segment.readout import labelled_sequences

    scale = SCALES["smoke"]
    readout = next(r for r in scale.readouts if r.level == "word")
    train = labelled_sequences(load_ref(readout.train), "word", readout.units)
    fitted = readout.readout(smoke.runs / "en-act" / "model", smoke.runs / "en-act-rtl" / "model").fit(*train)
    spec = next(r for r in scale.runs if r.name == "en-act")
    dev = load_ref(scale.dev, punctuation=spec.punctuation, case=spec.case, max_units=scale.max_units)
    sequences = dev.sequences()
    expected = word_scores(reference=dev.word_boundaries(), hypothesis=fitted.predict_many(sequences),
                           sequences=sequences)["boundary_noedge_f"]
    (candidate,) = smoke.results.default.candidates  # en-act, read with its right-to-left twin en-act-rtl
    assert candidate.dev_readout_f == pytest.approx(expected)
