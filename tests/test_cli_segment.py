"""`actseg segment`, `actseg ponder` and `actseg plot` through click's runner, and their error paths."""

import json
import os
import shutil
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest
from click.testing import CliRunner

from segment.cli import main
from segment.cli import common
from segment.models.act_lstm import ACTLanguageModel
from segment.models.inference import SIGNAL_NAMES, compute_signals
from segment.models.vocab import Vocab
from segment.ponder import ModelSignalSegmenter

UNITS = ["thisisatest", "whatagoodday", "x"]


@pytest.fixture(scope="module")
def model_dir(save_untrained_model):
    return save_untrained_model(UNITS, seed=2)


def run(*args, stdin=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=stdin)
    return result


@pytest.mark.parametrize("command", ["segment", "ponder", "plot"])
def test_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "--model" in result.stdout


def test_segment_arguments_match_the_library(model_dir):
    result = run("segment", "--model", model_dir, *UNITS)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    segmenter = ModelSignalSegmenter.from_pretrained(model_dir)
    assert lines == [" ".join(segmenter.segment(u)) for u in UNITS]
    assert [line.replace(" ", "") for line in lines] == UNITS
    assert any(" " in line for line in lines)


def test_segment_reads_stdin_and_files_one_unit_per_line(model_dir, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("\n".join(UNITS) + "\n", encoding="utf-8")
    from_stdin = run("segment", "--model", model_dir, stdin="\n".join(UNITS) + "\n")
    from_file = run("segment", "--model", model_dir, "-f", source)
    from_args = run("segment", "--model", model_dir, *UNITS)
    assert from_stdin.exit_code == from_file.exit_code == 0
    assert from_stdin.stdout == from_file.stdout == from_args.stdout
    assert len(from_stdin.stdout.splitlines()) == 3


def test_segment_writes_to_output_file(model_dir, tmp_path):
    target = tmp_path / "seg.txt"
    target.write_text("old\n", encoding="utf-8")
    result = run("segment", "--model", model_dir, "-o", target, "thisisatest")
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").replace(" ", "") == "thisisatest\n"
    assert os.listdir(tmp_path) == ["seg.txt"]  # no temporary file left behind


def test_output_to_a_symlink_replaces_its_target_and_keeps_the_link(model_dir, tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    result = run("segment", "--model", model_dir, "-o", link, "thisisatest")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text(encoding="utf-8").replace(" ", "") == "thisisatest\n"


def test_output_to_a_fifo_or_dev_null_writes_in_place(model_dir, tmp_path):
    result = run("segment", "--model", model_dir, "-o", os.devnull, "thisisatest")
    assert result.exit_code == 0, result.output
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    result = run("segment", "--model", model_dir, "-o", fifo, "thisisatest")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode) and received[0].replace(" ", "") == "thisisatest\n"
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_output_into_a_missing_or_unwritable_directory_is_a_one_line_error(model_dir, tmp_path):
    missing = tmp_path / "missing" / "seg.txt"
    result = run("segment", "--model", model_dir, "-o", missing, "thisisatest")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"Error: cannot write {missing}: No such directory"]
    assert not (tmp_path / "missing").exists()
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root writes anywhere
        pytest.skip("running as a user who can write to read-only directories")
    result = run("segment", "--model", model_dir, "-o", locked / "seg.txt", "thisisatest")
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"Error: cannot write {locked / 'seg.txt'}: Permission denied"]
    assert os.listdir(locked) == []


def test_json_format_has_offsets_segments_and_scores(model_dir):
    result = run("segment", "--model", model_dir, "--format", "json", "--level", "both", *UNITS)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    segmenter = ModelSignalSegmenter.from_pretrained(model_dir)
    for index, (unit, record) in enumerate(zip(UNITS, records)):
        assert record["unit"] == index and record["text"] == unit
        assert record["word_offsets"] == segmenter.predict(unit).tolist()
        assert "".join(record["words"]) == unit and "".join(record["sentences"]) == unit
        np.testing.assert_allclose(record["scores"], segmenter.boundary_scores(unit), atol=1e-4)


def test_tsv_format_one_row_per_segment(model_dir):
    result = run("segment", "--model", model_dir, "--format", "tsv", "thisisatest")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows[0] == ["unit", "level", "start", "end", "segment", "score"]
    assert "".join(r[4] for r in rows[1:]) == "thisisatest"
    assert [int(r[2]) for r in rows[2:]] == ModelSignalSegmenter.from_pretrained(model_dir).predict(
        "thisisatest").tolist()
    assert rows[1][5] == "" and all(float(r[5]) > 0 for r in rows[2:])


def test_sentence_levels_put_each_sentence_on_a_line(model_dir):
    low = ("--threshold", "fixed", "--sentence-height", "-1")  # every word peak is also a sentence cut
    words = run("segment", "--model", model_dir, "thisisatest").stdout.split()
    assert run("segment", "--model", model_dir, "--level", "sentence", *low, "thisisatest").stdout.split("\n")[:-1] \
        == words
    assert run("segment", "--model", model_dir, "--level", "both", *low, "thisisatest").stdout.split("\n")[:-1] \
        == words
    high = ("--threshold", "fixed", "--sentence-height", "100")
    assert run("segment", "--model", model_dir, "--level", "both", *high, "thisisatest").stdout == \
        " ".join(words) + "\n"


def test_empty_input_gives_empty_output(model_dir):
    for fmt in ("text", "json", "tsv"):
        result = run("segment", "--model", model_dir, "--format", fmt, stdin="")
        assert result.exit_code == 0 and result.stdout == ""
    assert run("ponder", "--model", model_dir, stdin="").stdout == ""


def test_invalid_utf8_is_a_one_line_error_or_replaced(model_dir):
    result = run("segment", "--model", model_dir, stdin=b"this\xffis")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "invalid UTF-8" in result.stderr
    replaced = run("segment", "--model", model_dir, "--errors", "replace", stdin=b"this\xffis")
    assert replaced.exit_code == 0 and replaced.stdout.replace(" ", "") == "this\ufffdis\n"


def test_missing_and_corrupt_models_name_the_path(model_dir, tmp_path):
    missing = tmp_path / "nowhere"
    result = run("segment", "--model", missing, "abc")
    assert result.exit_code == 1 and str(missing) in result.stderr and "Traceback" not in result.output
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "config.json").write_text("{not json", encoding="utf-8")
    result = run("ponder", "--model", corrupt, "abc")
    assert result.exit_code == 1 and str(corrupt / "config.json") in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_default_model_is_used_when_shipped_and_missing_otherwise(model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(common.SHIPPED_MODELS, "en", tmp_path / "absent")
    result = run("segment", "abc")
    assert result.exit_code == 1 and "--model" in result.stderr
    monkeypatch.setitem(common.SHIPPED_MODELS, "en", model_dir)
    assert run("segment", "thisisatest").stdout == run("segment", "--model", model_dir, "thisisatest").stdout


def test_shipped_models_are_named_and_a_missing_one_is_a_one_line_error(model_dir, tmp_path, monkeypatch):
    monkeypatch.setitem(common.SHIPPED_MODELS, "zh", tmp_path / "absent")
    result = run("segment", "--model", "zh", "我们")
    assert result.exit_code == 1 and "shipped model 'zh' is not installed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    monkeypatch.setitem(common.SHIPPED_MODELS, "zh", model_dir)
    assert run("segment", "--model", "zh", "thisisatest").stdout == \
        run("segment", "--model", model_dir, "thisisatest").stdout
    monkeypatch.chdir(tmp_path)  # a directory named like a shipped model is read as ./name
    (tmp_path / "zh").mkdir()
    result = run("segment", "--model", "./zh", "abc")
    assert result.exit_code == 1 and "Traceback" not in result.output and "zh" in result.stderr


def test_unseen_symbols_are_reported_once(model_dir):
    result = run("segment", "--model", model_dir, "thisQisQ", "aZ")
    assert result.exit_code == 0
    assert result.stdout.replace(" ", "").splitlines() == ["thisQisQ", "aZ"]
    warnings = [line for line in result.stderr.splitlines() if "<unk>" in line]
    assert len(warnings) == 1 and "'Q' x2" in warnings[0] and "'Z' x1" in warnings[0]


def test_a_twin_reading_the_same_unseen_symbols_reversed_adds_no_second_warning(capsys):
    from segment.models.inference import report_unknown

    vocab = Vocab.build(UNITS)
    with common.warnings_to_stderr():
        report_unknown(vocab, ["thisQisZ"])
        report_unknown(vocab, ["ZsiQsiht"])  # the right-to-left twin's view of the same unit
        report_unknown(vocab, ["QQ"])
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["warning: 2 occurrence(s) of 2 symbol(s) unseen in training were read as <unk>: 'Q' x1, 'Z' x1",
                     "warning: 2 occurrence(s) of 1 symbol(s) unseen in training were read as <unk>: 'Q' x2"]


def test_ponder_tsv_and_json_give_the_models_signals(model_dir):
    model = ACTLanguageModel.from_pretrained(model_dir)
    [expected] = compute_signals(model, ["thisis"])
    tsv = run("ponder", "--model", model_dir, "thisis")
    rows = [line.split("\t") for line in tsv.stdout.splitlines()]
    assert rows[0] == ["unit", "position", "symbol", *SIGNAL_NAMES]
    assert [r[2] for r in rows[1:]] == list("thisis")
    np.testing.assert_allclose([float(r[3]) for r in rows[1:]], expected.ponder, rtol=1e-4)
    record = json.loads(run("ponder", "--model", model_dir, "--format", "json", "thisis").stdout)
    assert record["symbols"] == list("thisis")
    for name in SIGNAL_NAMES:
        np.testing.assert_allclose(record[name], getattr(expected, name), atol=1e-4)


def test_plot_writes_an_image_with_gold(model_dir, tmp_path):
    target = tmp_path / "trace.png"
    result = run("plot", "--model", model_dir, "--gold", "this is a test", "-o", target)
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    mismatch = run("plot", "--model", model_dir, "thisisatest", "--gold", "this is", "-o", target)
    assert mismatch.exit_code == 2 and "--gold" in mismatch.stderr
    empty = run("plot", "--model", model_dir, "", "-o", tmp_path / "empty.png")
    assert empty.exit_code == 1 and empty.stderr == "Error: empty input: nothing to plot\n"
    assert not (tmp_path / "empty.png").exists()


def test_end_to_end_with_a_model_from_actseg_train(tmp_path):
    run_dir = tmp_path / "run"
    trained = run("train", "--corpus", "sample-brent-text", "--iterations", 2, "--hidden", 8,
                  "--max-steps", 3, "--seq-len", 8, "--batch-size", 2, "--eval-every", 2, "--device", "cpu",
                  "--out", run_dir)
    assert trained.exit_code == 0, trained.output
    result = run("segment", "--model", run_dir, stdin="thisisatest\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.replace(" ", "") == "thisisatest\n"


def test_seeds_trained_with_actseg_train_segment_as_an_ensemble(tmp_path):
    runs = [tmp_path / f"s{seed}" for seed in (0, 1)]
    for seed, run_dir in enumerate(runs):
        trained = run("train", "--corpus", "sample-brent-text", "--iterations", 2, "--hidden", 8, "--max-steps", 3,
                      "--seq-len", 8, "--batch-size", 2, "--eval-every", 2, "--device", "cpu", "--warmup", 1,
                      "--seed", seed, "--out", run_dir)
        assert trained.exit_code == 0, trained.output
        recorded = json.loads((run_dir / "config.json").read_text())["train"]
        assert (recorded["warmup"], recorded["seed"]) == (1, seed)
    result = run("segment", "--model", runs[0], "--model", runs[1], stdin="thisisatest\n")
    assert result.exit_code == 0, result.output
    ensemble = ModelSignalSegmenter.from_pretrained(runs)
    assert result.stdout == " ".join(ensemble.segment("thisisatest")) + "\n"


def test_train_with_a_holdout_keeps_the_best_model_and_patience_needs_a_holdout(tmp_path):
    options = ["train", "--corpus", "sample-brent-text", "--iterations", 6, "--hidden", 8, "--max-steps", 3,
               "--seq-len", 8, "--batch-size", 2, "--eval-every", 2, "--device", "cpu"]
    trained = run(*options, "--holdout", 0.2, "--patience", 5, "--out", tmp_path / "run")
    assert trained.exit_code == 0, trained.output
    records = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert all("holdout_bps" in r for r in records)
    best = json.loads((tmp_path / "run" / "best.json").read_text())
    assert best["iteration"] == records[-1]["best_iteration"]
    assert f"; the model of iteration {best['iteration']}, held-out bits per symbol" in trained.stderr
    refused = run(*options, "--patience", 5, "--out", tmp_path / "refused")
    assert refused.exit_code == 2 and refused.stderr.strip().splitlines()[-1] == (
        "Error: invalid TrainConfig field(s): patience must be >= 1 or None (and then holdout > 0) (got 5)")
    assert not (tmp_path / "refused").exists()


def test_train_right_to_left_reads_every_unit_reversed(tmp_path, monkeypatch):
    import segment.models.trainer
    from segment.corpora import load_corpus

    real, seen = segment.models.trainer.train, {}

    def recording(model_config, train_config, train_sequences, dev_sequences, **kw):
        seen.update(train=list(train_sequences), dev=list(dev_sequences))
        return real(model_config, train_config, train_sequences, dev_sequences, **kw)

    monkeypatch.setattr(segment.models.trainer, "train", recording)
    trained = run("train", "--corpus", "sample-en", "--iterations", 2, "--hidden", 8, "--max-steps", 3,
                  "--seq-len", 8, "--batch-size", 2, "--eval-every", 2, "--device", "cpu", "--right-to-left", "--dev-split", "test",
                  "--out", tmp_path / "rtl")
    assert trained.exit_code == 0, trained.output
    assert seen["train"] == [s[::-1] for s in load_corpus("sample-en", "train").sequences() if len(s)]
    assert seen["dev"] == [s[::-1] for s in load_corpus("sample-en", "test").sequences()]
    assert (tmp_path / "rtl" / "model" / "model.safetensors").is_file()
    assert json.loads((tmp_path / "rtl" / "model" / "config.json").read_text())["direction"] == "rtl"
    refused = run("segment", "--model", tmp_path / "rtl" / "model", "abc")  # a twin is not a model to read text with
    assert refused.exit_code == 1 and refused.stderr.strip().splitlines() == [
        f"Error: {tmp_path / 'rtl' / 'model'} reads right to left (the direction its config.json records): it is a "
        "readout's right-to-left twin (`actseg readout fit --rtl-model`), not a model to read text with"]
    forward = run("train", "--corpus", "sample-en", "--iterations", 1, "--hidden", 8, "--max-steps", 3, "--seq-len", 8,
                  "--batch-size", 2, "--device", "cpu", "--dev-split", "test", "--out", tmp_path / "ltr")
    assert forward.exit_code == 0 and json.loads((tmp_path / "ltr" / "model" / "config.json").read_text())[
        "direction"] == "ltr"


def test_tuned_settings_apply_unless_an_option_is_given(model_dir, tmp_path):
    tuned = shutil.copytree(model_dir, tmp_path / "tuned")
    (tuned / "segmenter.json").write_text('{"offset": 1}')
    after = ModelSignalSegmenter.from_pretrained(model_dir, offset=1)
    before = ModelSignalSegmenter.from_pretrained(model_dir, offset=0)
    assert [after.segment(u) for u in UNITS] != [before.segment(u) for u in UNITS]  # the test can tell them apart
    assert run("segment", "--model", tuned, *UNITS).stdout.splitlines() == [" ".join(after.segment(u)) for u in UNITS]
    explicit = run("segment", "--model", tuned, "--offset", "0", *UNITS).stdout.splitlines()
    assert explicit == [" ".join(before.segment(u)) for u in UNITS]


def test_signal_choices_are_the_segmenter_signals(model_dir):
    assert run("segment", "--model", model_dir, "--signal", "halt_first", "abc").exit_code == 2
    halt_first = run("segment", "--model", model_dir, "--signal", "halt-first", "--format", "json", *UNITS)
    segmenter = ModelSignalSegmenter.from_pretrained(model_dir, signal_name="halt-first")
    assert [json.loads(line)["word_offsets"] for line in halt_first.stdout.splitlines()] == [
        segmenter.predict(u).tolist() for u in UNITS]


def test_options_load_without_torch_or_scipy():
    code = ("import sys, segment.cli.common, segment.cli.segment_text; "
            "print(sorted(m for m in ('torch', 'scipy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("command", ["segment", "ponder"])
def test_bad_device_is_a_one_line_error_before_any_input_is_read(model_dir, command, tmp_path):
    # a missing input file would be reported first if the input were read before the device is checked
    result = run(command, "--model", model_dir, "--device", "tpu:x", "-f", tmp_path / "missing.txt")
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        "Error: unknown device 'tpu:x': use auto, cpu, cuda or cuda:N"]
    assert run(command, "--model", model_dir, "--device", "auto", "thisisatest").exit_code == 0


def test_bad_peak_parameter_is_a_one_line_error(model_dir):
    result = run("segment", "--model", model_dir, "--threshold", "quantile", "--height", "2", "thisisatest")
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        "Error: height is a quantile with threshold='quantile': it must lie in [0, 1], got 2.0"]


ZH_UNITS = ["我们今天去北京。", "中国人民热爱和平，我们热爱北京。", "今天北京的人民"]


def test_a_baseline_segments_like_the_library_fitted_on_the_fit_text_then_the_input(tmp_path):
    from segment.baselines import BranchingAutonomy

    extra = tmp_path / "raw.txt"
    extra.write_text("我们热爱和平\n北京人民今天\n", encoding="utf-8")
    result = run("segment", "--segmenter", "nvbe", "--fit-text", extra, "--format", "json", stdin="\n".join(ZH_UNITS))
    assert result.exit_code == 0, result.output
    fitted = BranchingAutonomy().fit(["我们热爱和平", "北京人民今天", *ZH_UNITS])
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["word_offsets"] for r in records] == [fitted.predict(u).tolist() for u in ZH_UNITS]
    assert [r["scores"] for r in records] == [[round(float(s), 5) for s in fitted.boundary_scores(u)] for u in ZH_UNITS]
    alone = run("segment", "--segmenter", "nvbe", *ZH_UNITS)
    expected = BranchingAutonomy().fit(ZH_UNITS)
    assert alone.stdout.splitlines() == [" ".join(expected.segment(u)) for u in ZH_UNITS]


def test_a_baseline_can_split_at_punctuation_and_cut_sentences():
    from segment.punctuation_split import punctuation_cuts

    split = run("segment", "--segmenter", "tp-mi-relative", "--split-punctuation", "--format", "json", ZH_UNITS[1])
    offsets = json.loads(split.stdout)["word_offsets"]
    assert split.exit_code == 0 and set(punctuation_cuts(ZH_UNITS[1]).tolist()) <= set(offsets)
    sentences = run("segment", "--segmenter", "punct-rule", "--level", "sentence", "One here. Two there! three")
    assert sentences.exit_code == 0 and sentences.stdout.splitlines() == ["One here. ", "Two there! ", "three"]
    tsv = run("segment", "--segmenter", "nvbe", "--format", "tsv", *ZH_UNITS[:1])
    assert tsv.stdout.splitlines()[0] == "unit\tlevel\tstart\tend\tsegment\tscore"


@pytest.mark.parametrize("args, message", [
    (["--segmenter", "nope"], "Invalid value for --segmenter: unknown baseline 'nope'; available:"),
    (["--segmenter", "random-oracle"], "random-oracle reads the gold boundaries"),
    (["--segmenter", "nvbe", "--level", "sentence"], "nvbe cuts words: use it with --level word"),
    (["--segmenter", "nvbe", "--level", "both"], "nvbe cuts words: use it with --level word"),
    (["--segmenter", "punct-rule"], "punct-rule cuts sentences: use it with --level sentence"),
    (["--segmenter", "nvbe", "--model", "zh", "--height", "1"], "--model, --height: model option(s)"),
    (["--segmenter", "punct-rule", "--level", "sentence", "--split-punctuation"],
     "--split-punctuation: punct-rule cuts sentences, not words"),
    (["--segmenter", "random", "--fit-text", "FILE"], "--fit-text: random is not fitted on text"),
    (["--fit-text", "FILE"], "--fit-text goes with --segmenter"),
    (["--split-punctuation"], "--split-punctuation goes with --segmenter"),
])
def test_baseline_option_errors_are_one_line(tmp_path, args, message):
    (tmp_path / "raw.txt").write_text("abc\n")
    result = run("segment", *[str(tmp_path / "raw.txt") if a == "FILE" else a for a in args], "abc")
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert result.output.count("Error:") == 1


def test_a_missing_fit_text_file_is_a_one_line_error(tmp_path):
    result = run("segment", "--segmenter", "nvbe", "--fit-text", tmp_path / "nope.txt", "abc")
    assert result.exit_code != 0 and "nope.txt" in result.output and "Traceback" not in result.output


def test_a_baseline_segments_without_loading_torch():
    code = ("import sys; from click.testing import CliRunner; from segment.cli import main; "
            "r = CliRunner().invoke(main, ['segment', '--segmenter', 'nvbe', '我们今天去北京']); "
            "print(r.exit_code, 'torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0 False"


@pytest.fixture(scope="module")
def second_model_dir(save_untrained_model):
    return save_untrained_model(UNITS, seed=3)


def test_repeated_model_reads_the_ensemble_in_segment_ponder_and_plot(model_dir, second_model_dir, tmp_path):
    from segment.cli.plot import model_name

    both = ["--model", model_dir, "--model", second_model_dir]
    result = run("segment", *both, *UNITS)
    assert result.exit_code == 0, result.output
    ensemble = ModelSignalSegmenter.from_pretrained([model_dir, second_model_dir])
    assert result.stdout.splitlines() == [" ".join(ensemble.segment(u)) for u in UNITS]
    expected = [compute_signals(ACTLanguageModel.from_pretrained(d), ["thisis"])[0] for d in (model_dir,
                                                                                              second_model_dir)]
    record = json.loads(run("ponder", *both, "--format", "json", "thisis").stdout)
    for name in SIGNAL_NAMES:
        np.testing.assert_allclose(record[name], (getattr(expected[0], name) + getattr(expected[1], name)) / 2,
                                   atol=1e-4)
    assert run("plot", *both, "thisis", "-o", tmp_path / "trace.png").exit_code == 0
    assert model_name((str(model_dir), str(second_model_dir))) == "an ensemble of 2 models"


def test_an_ensemble_does_not_read_its_first_models_readout(model_dir, second_model_dir, tmp_path):
    member = tmp_path / "member"
    shutil.copytree(model_dir, member)
    (member / "readout-word.json").write_text("{}", encoding="utf-8")  # a broken readout, read by a lone model
    alone = run("segment", "--model", member, "thisisatest")
    assert alone.exit_code == 1 and "readout-word.json" in alone.stderr
    result = run("segment", "--model", member, "--model", second_model_dir, "thisisatest")
    assert result.exit_code == 0, result.output
    ensemble = ModelSignalSegmenter.from_pretrained([model_dir, second_model_dir])
    assert result.stdout == " ".join(ensemble.segment("thisisatest")) + "\n"
    assert result.stderr == "note: 2 models: cutting at the peaks of their mean ponder; their learned readouts are " \
                            "not used\n"
    quiet = run("segment", "--model", member, "--model", second_model_dir, "--no-readout", "thisisatest")
    assert quiet.stdout == result.stdout and quiet.stderr == ""
    sentence = run("segment", "--model", member, "--model", second_model_dir, "--level", "sentence", "thisisatest")
    assert sentence.exit_code == 0 and "readouts are not used" in sentence.stderr  # the word cuts read it too
    missing = run("segment", "--model", model_dir, "--model", tmp_path / "nowhere", "thisisatest")
    assert missing.exit_code == 1 and str(tmp_path / "nowhere") in missing.stderr
