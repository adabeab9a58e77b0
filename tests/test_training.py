"""Training: stream batching, overfitting a tiny corpus, exact resume, the log, dev metrics, the CLI."""

import json
import time
from dataclasses import replace

import numpy as np
import pytest
import torch

from segment.boundaries import from_spaced
from segment.models import ACTConfig, TrainConfig, Vocab
from segment.dev_metrics import ponder_peak_metrics
from segment.models.dev_pass import evaluate_stream
from segment.models.streams import StreamBatches, encode_stream
from segment.models.trainer import param_groups, train

TEXT = ["the cat sat on the mat", "a dog ran to the cat", "the mat is red", "a red dog sat"] * 6
UNITS = [from_spaced(s) for s in TEXT]
SEQS = [u for u, _ in UNITS]
GOLD = [b for _, b in UNITS]


def tiny(**kw) -> ACTConfig:
    return ACTConfig(**{"vocab_size": 2, "hidden": 24, "max_steps": 3, "tau": 0.01, **kw})


def test_stream_joins_units_with_sep_and_batches_consecutive_chunks():
    vocab = Vocab.build(["ab", "ba"])
    stream, starts = encode_stream(["ab", "ba", "a"], vocab)
    assert stream.tolist() == [1, 2, 3, 1, 3, 2, 1, 2] and starts == [1, 4, 7]
    batches = StreamBatches(torch.arange(23), rows=2, seq_len=4, rank=1, world=2)
    ids, targets = batches[0]  # 4 rows of 5 symbols; this process holds rows 2 and 3
    assert ids.tolist() == [[10, 11, 12, 13], [15, 16, 17, 18]]
    assert targets.tolist() == [[11, 12, 13, 14], [16, 17, 18, 19]]
    assert batches.chunks == 1 and batches.starts_epoch(1)
    with pytest.raises(ValueError, match="too short"):
        StreamBatches(torch.arange(3), rows=2, seq_len=4)


def test_tiny_corpus_is_overfitted():
    losses = []
    config = TrainConfig(iterations=150, seq_len=24, batch_size=4, lr=2e-2, warmup=5, progress=False, seed=1)
    train(tiny(), config, SEQS, callbacks=[("on_batch_end", lambda tr: losses.append(tr.output.ce.item()))])
    assert np.mean(losses[:5]) > 2.5
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5])


# with the tau controller, tau must resume too; with a halting learning-rate scale, its optimizer groups
@pytest.mark.parametrize("tau_setting, halt_lr_scale", [
    ({}, 1.0), ({"ponder_target": 3.0}, 1.0), ({}, 0.1), ({"ponder_constraint": 4.0, "constraint_rate": 0.1}, 1.0)])
def test_interrupted_run_resumes_with_identical_losses(tmp_path, tau_setting, halt_lr_scale):
    config = dict(iterations=10, seq_len=8, batch_size=3, lr=1e-2, warmup=2, eval_every=100, checkpoint_every=3,
                  progress=False, seed=4, tau_rate=0.5, halt_lr_scale=halt_lr_scale, **tau_setting)
    model = tiny(dropout=0.2)  # dropout draws from the RNG, whose state must be restored too

    def recorder(into):
        return ("on_batch_end", lambda tr: into.append((tr.iteration, tr.output.loss.item())))

    whole = []
    train(model, TrainConfig(**config, out=str(tmp_path / "a")), SEQS, callbacks=[recorder(whole)])

    class Killed(Exception):
        pass

    def kill(tr):
        if tr.iteration == 8:  # after the iteration-6 checkpoint: iterations 7 and 8 are lost
            raise Killed

    first = []
    with pytest.raises(Killed):
        train(model, TrainConfig(**config, out=str(tmp_path / "b")), SEQS, callbacks=[recorder(first), ("on_batch_end", kill)])
    assert json.loads((tmp_path / "b" / "checkpoints" / "latest.json").read_text())["iteration"] == 6
    resumed = []
    train(model, TrainConfig(**config, out=str(tmp_path / "b"), resume=True), SEQS, callbacks=[recorder(resumed)])
    assert [s for s, _ in resumed] == [7, 8, 9, 10]
    assert first[:6] + resumed == whole  # exact float equality


def test_training_seconds_add_up_across_resumed_invocations(tmp_path):
    """A resumed run's training time counts the earlier invocation up to its checkpoint (the summary's wall_s)."""
    config = dict(iterations=6, seq_len=8, batch_size=3, warmup=2, eval_every=100, checkpoint_every=3,
                  progress=False)

    class Killed(Exception):
        pass

    def slow_then_kill(tr):
        time.sleep(0.1)
        if tr.iteration == 4:  # after the iteration-3 checkpoint
            raise Killed

    with pytest.raises(Killed):
        train(tiny(), TrainConfig(**config, out=str(tmp_path)), SEQS, callbacks=[("on_batch_end", slow_then_kill)])
    saved = json.loads((tmp_path / "checkpoints" / "iteration-0000003" / "trainer.json").read_text())
    assert saved["train_seconds"] >= 0.2  # the sleeps of iterations 1 and 2 come before that checkpoint
    total = {}
    started = time.perf_counter()
    train(tiny(), TrainConfig(**config, out=str(tmp_path), resume=True), SEQS,
          callbacks=[("on_train_end", lambda tr: total.update(seconds=tr.train_seconds()))])
    resumed_alone = time.perf_counter() - started
    assert saved["train_seconds"] <= total["seconds"] <= saved["train_seconds"] + resumed_alone


@pytest.mark.parametrize("target, direction", [(4.5, -1), (2.2, 1)])
def test_ponder_controller_moves_tau_toward_the_target(target, direction):
    taus = []
    config = TrainConfig(iterations=30, seq_len=8, batch_size=3, lr=1e-2, warmup=2, progress=False, seed=1,
                         ponder_target=target, tau_rate=0.2)

    model = train(tiny(tau=0.01, max_steps=6), config, SEQS,
                  callbacks=[("on_batch_end", lambda tr: taus.append(tr.module.config.tau))])
    assert np.sign(taus[-1] - 0.01) == direction  # below the target tau falls, above it tau rises
    assert model.config.tau == taus[-1]
    fixed = train(tiny(tau=0.01), TrainConfig(iterations=3, seq_len=8, batch_size=3, progress=False), SEQS)
    assert fixed.config.tau == 0.01


def constraint_trace(config: TrainConfig) -> tuple[list[float], list[float]]:
    """Train a tiny bounded model from tau 0.01 under ``config``; tau after each iteration and that iteration's
    mean ponder time."""
    taus, means = [], []

    def record(tr):
        taus.append(tr.module.config.tau)
        means.append(tr.output.ponder.float().mean().item())

    train(tiny(tau=0.01, max_steps=6, halt_bounded=True), config, SEQS, callbacks=[("on_batch_end", record)])
    return taus, means


def test_ponder_constraint_drives_tau_below_zero_and_lifts_the_mean_ponder():
    """Under the target the signed multiplier falls through zero (a reward for pondering), each step by
    rate x (mean - target) exactly, until the mean ponder time passes the target; a model stopped with a
    negative tau keeps it (a valid ACT config)."""
    config = TrainConfig(iterations=40, seq_len=8, batch_size=3, lr=1e-2, warmup=2, progress=False, seed=1,
                         ponder_constraint=3.5, constraint_rate=0.01, halt_lr_scale=1.0)
    taus, means = constraint_trace(config)
    np.testing.assert_allclose(np.diff([0.01, *taus]), 0.01 * (np.array(means) - 3.5), rtol=1e-5, atol=1e-8)
    assert means[0] < 3.5 and min(taus) < 0 and max(means) > 3.5
    stopped = train(tiny(tau=0.01, max_steps=6, halt_bounded=True),
                    TrainConfig(**{**vars(config), "iterations": 5}), SEQS)
    assert stopped.config.tau < 0 and ACTConfig(**vars(stopped.config)).tau == stopped.config.tau


def test_ponder_constraint_holds_tau_while_the_halting_unit_is_frozen():
    """Anti-windup: during halt_freeze the mean ponder time cannot respond, so tau stays put; from the first
    iteration with a released halting unit it follows the multiplier's step."""
    taus, means = constraint_trace(TrainConfig(iterations=8, seq_len=8, batch_size=3, lr=1e-2, warmup=2,
                                               progress=False, seed=1, ponder_constraint=3.5, constraint_rate=0.01,
                                               halt_freeze=5))
    assert taus[:5] == [0.01] * 5
    np.testing.assert_allclose(np.diff(taus[4:]), 0.01 * (np.array(means[5:]) - 3.5), rtol=1e-5, atol=1e-8)
    assert taus[-1] < 0.01  # under the target after the hold, so tau falls


@pytest.mark.parametrize("settings, message", [
    ({"ponder_constraint": 2.0}, "ponder_constraint must be > 2"),
    ({"ponder_constraint": 3.0, "ponder_target": 3.0}, "ponder_target and tau_ramp None"),
    ({"ponder_constraint": 3.0, "constraint_rate": 0.0}, "constraint_rate must be > 0"),
])
def test_ponder_constraint_settings_are_checked(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**settings)


def test_ponder_constraint_refuses_pondernet_and_pondernet_refuses_a_negative_tau():
    with pytest.raises(ValueError, match="needs ACT halting"):
        train(tiny(halt_distribution="pondernet"), TrainConfig(iterations=1, seq_len=8, batch_size=3, progress=False,
                                                               ponder_constraint=3.0), SEQS)
    with pytest.raises(ValueError, match=">= 0 with pondernet"):
        tiny(halt_distribution="pondernet", tau=-0.01)


def test_param_groups_scale_the_named_parameters_only():
    from segment.models import ACTLanguageModel

    model = ACTLanguageModel(tiny(vocab_size=5))
    groups = param_groups(model, 0.01, 1e-3, {"halt.": 0.1})
    by_param = {id(p): g for g in groups for p in g["params"]}
    assert groups[0]["lr"] == 1e-3 and groups[0]["weight_decay"] == 0.01  # the base group first
    for name, param in model.named_parameters():
        group = by_param[id(param)]
        assert group["lr"] == pytest.approx(1e-4 if name.startswith("halt.") else 1e-3)
        assert group["weight_decay"] == (0.01 if param.dim() >= 2 else 0.0)
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    assert len(param_groups(model, 0.01, 1e-3, {})) == 2  # matrices and the rest, as without scales


def test_halt_lr_scale_slows_the_halting_unit_alone():
    def first_step(scale):  # AdamW's first step moves every parameter by lr (times its scale) exactly
        config = TrainConfig(iterations=1, seq_len=8, batch_size=3, lr=1e-2, warmup=0, progress=False, seed=1,
                             halt_lr_scale=scale)
        model = train(tiny(), config, SEQS)
        return abs(model.halt.bias.item() - 1.0), model.decoder.bias.detach().clone()

    (fast, decoder_fast), (slow, decoder_slow) = first_step(1.0), first_step(0.1)
    assert fast == pytest.approx(1e-2, rel=1e-3) and slow == pytest.approx(1e-3, rel=1e-3)
    torch.testing.assert_close(decoder_fast, decoder_slow)  # the rest trains at the base rate either way
    with pytest.raises(ValueError, match="halt_lr_scale"):
        TrainConfig(halt_lr_scale=0)


def test_tau_ramp_moves_tau_linearly_and_resumes(tmp_path):
    taus = []
    config = dict(iterations=10, seq_len=8, batch_size=3, progress=False, seed=1, tau_ramp=(0.0, 0.05), eval_every=100,
                  checkpoint_every=4)
    record = ("on_batch_end", lambda tr: taus.append((tr.iteration, tr.module.config.tau)))
    model = train(tiny(tau=0.3), TrainConfig(**config, out=str(tmp_path)), SEQS, callbacks=[record])
    assert [s for s, _ in taus] == list(range(1, 11))
    np.testing.assert_allclose([t for _, t in taus], [0.005 * s for s in range(1, 11)], atol=1e-12)
    assert model.config.tau == pytest.approx(0.05)
    first = []
    train(tiny(tau=0.3), TrainConfig(**{**config, "iterations": 4}, out=str(tmp_path / "r")), SEQS)
    resumed = train(tiny(), TrainConfig(**{**config, "iterations": 10}, out=str(tmp_path / "r"), resume=True), SEQS,
                    callbacks=[("on_batch_end", lambda tr: first.append(tr.module.config.tau))])
    assert first[0] == pytest.approx(0.025) and resumed.config.tau == pytest.approx(0.05)
    with pytest.raises(ValueError, match="tau_ramp"):
        TrainConfig(tau_ramp=(0.01, 0.02), ponder_target=3.0)


def test_resume_without_checkpoint_is_a_load_error(tmp_path):
    from segment.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="latest.json"):
        train(tiny(), TrainConfig(iterations=2, out=str(tmp_path), resume=True, progress=False), SEQS)


TRAIN_FIELDS = {"iteration", "train_loss", "train_bps", "train_ponder_mean", "tau", "symbols_per_s", "lr"}


def read_log(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]


def test_run_directory_and_eval_log(tmp_path):
    config = TrainConfig(iterations=4, seq_len=8, batch_size=2, eval_every=2, progress=False, out=str(tmp_path))
    model = train(tiny(), config, SEQS, SEQS[:5], dev_metrics=ponder_peak_metrics(GOLD[:5]))
    records = read_log(tmp_path)
    assert [r["iteration"] for r in records] == [2, 4]
    dev_fields = {"dev_bps", "ponder_mean", "ponder_std", "dev_symbols", "ponder_boundary_f"}
    assert TRAIN_FIELDS | dev_fields <= set(records[0])
    resolved = json.loads((tmp_path / "config.json").read_text())
    assert resolved["model"]["vocab_size"] == len(model.vocab) and resolved["train"]["iterations"] == 4
    assert resolved["train"]["warmup"] == 0  # resolved: min(100, iterations // 10)
    assert (tmp_path / "model" / "model.safetensors").is_file()


def test_training_statistics_are_logged_without_a_dev_split(tmp_path):
    config = TrainConfig(iterations=5, seq_len=8, batch_size=2, eval_every=2, progress=False, out=str(tmp_path))
    train(tiny(), config, SEQS)
    records = read_log(tmp_path)
    assert [r["iteration"] for r in records] == [2, 4, 5] and all(set(r) == TRAIN_FIELDS for r in records)
    assert records[-1]["train_ponder_mean"] >= 2


def test_dev_metrics_get_the_units_and_ponder_signals_and_are_merged_into_the_record(tmp_path):
    seen = []

    def metrics(units, ponder):
        seen.append((units, ponder))
        return {"signal_symbols": float(sum(len(p) for p in ponder))}

    config = TrainConfig(iterations=2, seq_len=8, batch_size=2, eval_every=2, progress=False, out=str(tmp_path))
    train(tiny(), config, SEQS, SEQS[:3], dev_metrics=metrics)
    [(units, ponder)] = seen
    assert units == SEQS[:3] and [len(p) for p in ponder] == [len(u) for u in units]
    assert all(p.dtype == np.float32 and p.min() >= 1 for p in ponder)
    [record] = read_log(tmp_path)
    assert record["signal_symbols"] == sum(map(len, SEQS[:3])) and "dev_bps" in record


def test_ponder_peak_metrics_score_peaks_against_the_gold_boundaries():
    metrics = ponder_peak_metrics([np.array([2]), np.array([1, 3])])
    signal = np.array([2.0, 2.5, 2.1, 2.0], dtype=np.float32)  # one peak, at symbol 1: a cut before it
    scores = metrics(["abcd", "abcd"], [signal, signal])
    assert set(scores) == {"ponder_boundary_p", "ponder_boundary_r", "ponder_boundary_f"}
    assert scores["ponder_boundary_p"] == pytest.approx(0.5) and scores["ponder_boundary_r"] == pytest.approx(1 / 3)


def test_evaluate_bits_per_symbol_matches_direct_cross_entropy():
    torch.manual_seed(0)
    from segment.models import ACTLanguageModel

    vocab = Vocab.build(SEQS)
    model = ACTLanguageModel(tiny(vocab_size=len(vocab)), vocab)
    units = SEQS[:3]
    result = evaluate_stream(model, units, seq_len=5, rows=1)
    stream, starts = encode_stream(units, vocab)
    stream = torch.cat([stream, torch.tensor([1])])
    out = model(stream[None, :-1], stream[None, 1:])
    assert result.scores["dev_bps"] == pytest.approx(out.ce.item() / np.log(2), rel=1e-5)
    assert result.scores["ponder_mean"] == pytest.approx(out.ponder.mean().item(), rel=1e-5)
    assert result.units == units
    for start, unit, signal in zip(starts, units, result.ponder):  # the ponder signal read at each unit's symbols
        np.testing.assert_allclose(signal, out.ponder[0, start:start + len(unit)].detach().numpy(), rtol=1e-5)


def run_cli(*args):
    from click.testing import CliRunner

    from segment.cli import main

    return CliRunner().invoke(main, ["train", *args])


def test_cli_trains_on_brent_and_resumes(tmp_path):
    out = tmp_path / "run"
    common = ["--corpus", "sample-brent-phono", "--dev-split", "none", "--hidden", "16",
              "--max-steps", "3", "--seq-len", "16", "--batch-size", "4", "--eval-every", "2", "--out", str(out),
              "--halt-init", "uniform", "--halt-lr-scale", "0.5", "--tau-ramp", "0.01", "0.02"]
    result = run_cli(*common, "--iterations", "2")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "checkpoints" / "latest.json").read_text())["iteration"] == 2
    result = run_cli(*common, "--iterations", "3", "--resume")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "checkpoints" / "latest.json").read_text())["iteration"] == 3
    from segment.models import ACTLanguageModel

    model = ACTLanguageModel.from_pretrained(out / "model")
    assert model.config.max_steps == 3 and len(model.vocab) > 40  # Brent's phoneme inventory
    resolved = json.loads((out / "config.json").read_text())
    assert resolved["model"]["halt_init"] == "uniform" and resolved["train"]["halt_lr_scale"] == 0.5
    assert resolved["train"]["tau_ramp"] == [0.01, 0.02]


@pytest.mark.parametrize("args, message", [
    (["--no-act", "--fixed-steps", "2"], "two different controls"),
    (["--hidden", "0"], "--hidden"),
    (["--resume"], "no checkpoint to resume from"),
    (["--corpus", "no-such-corpus"], "no-such-corpus"),
    (["--dev-split", "all"], "is the training split"),
    (["--device", "tpu"], "unknown device 'tpu'"),
    (["--halt-lr-scale", "0"], "--halt-lr-scale"),
    (["--halt-init", "normal"], "--halt-init"),
    (["--tau-ramp", "0.01", "-1"], "tau_ramp"),
    (["--tau-ramp", "0.01", "0.02", "--ponder-target", "3"], "tau_ramp"),
])
def test_cli_bad_options_are_one_line_errors(tmp_path, args, message):
    path = tmp_path / "units.txt"
    path.write_text("abc abd\nabd abc\n" * 20)
    result = run_cli("--corpus", f"plain:{path}", "--out", str(tmp_path / "run"), "--iterations", "1", "--hidden", "4",
                     "--seq-len", "4", "--batch-size", "2", *args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_unknown_dev_symbols_are_reported_once(capsys):
    config = TrainConfig(iterations=1, seq_len=8, batch_size=2, eval_every=1, progress=False)
    train(tiny(), config, SEQS, ["theqqat", "xyz"])
    err = capsys.readouterr().err
    assert err.count("unknown to the vocabulary") == 1 and "5 dev symbols of 4 types" in err


def test_time_budget_stops_with_final_evaluation_and_checkpoint(tmp_path):
    config = TrainConfig(iterations=50, seq_len=8, batch_size=2, eval_every=20, max_seconds=0, progress=False,
                         out=str(tmp_path))
    train(tiny(), config, SEQS, SEQS[:2], dev_metrics=ponder_peak_metrics(GOLD[:2]))
    assert [json.loads(line)["iteration"] for line in (tmp_path / "log.jsonl").read_text().splitlines()] == [1]
    assert json.loads((tmp_path / "checkpoints" / "latest.json").read_text())["iteration"] == 1
    assert (tmp_path / "model" / "config.json").is_file()


# ---- configs and module boundaries -------------------------------------------------------------------------
def test_configs_default_to_the_recommended_settings():
    model = ACTConfig(vocab_size=2)
    assert (model.hidden, model.layers, model.act, model.fixed_steps, model.max_steps, model.tau, model.eps,
            model.halt_bias, model.halt_init, model.dropout, model.embed) == (128, 1, True, None, 4, 0.03, 0.01,
                                                                              1.0, "zero", 0.0, None)
    config = TrainConfig()
    assert config.iterations == 1000 and config.halt_lr_scale == 0.1 and config.warmup is None
    assert config.warmup_iterations == 100 and TrainConfig(iterations=50).warmup_iterations == 5
    assert TrainConfig(iterations=50, warmup=7).warmup_iterations == 7
    with pytest.raises(ValueError, match="warmup"):
        TrainConfig(warmup=-1)


def test_cli_option_defaults_are_the_config_defaults():
    from dataclasses import fields

    from segment.cli.train import train as command
    from segment.models.config import ACTConfig as ModelConfig

    fields_of = {f.name: f for config in (ModelConfig, TrainConfig) for f in fields(config)}
    options = [p for p in command.params if p.name in fields_of and p.name not in ("out", "resume")]
    assert len(options) == 29
    for option in options:
        assert option.default == fields_of[option.name].default, option.name
        assert option.help == fields_of[option.name].metadata["help"], option.name


def run_python(code: str) -> str:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_configs_import_without_torch():
    code = "import sys; from segment.models.config import ACTConfig, TrainConfig; print('torch' in sys.modules)"
    assert run_python(code).strip() == "False"


def test_models_import_nothing_from_evaluation_segmenters_or_cli():
    import pkgutil

    import segment.models

    names = [f"segment.models.{m.name}" for m in pkgutil.iter_modules(segment.models.__path__)]
    assert {"segment.models.trainer", "segment.models.dev_pass", "segment.models.inference"} <= set(names)
    code = (f"import importlib, sys\nfor name in {names!r}: importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.startswith(('segment.eval', 'segment.peaks', 'segment.ponder', "
            "'segment.cli', 'segment.baselines'))))")
    assert run_python(code).strip() == "[]"


def test_cli_wall_clock_budget_stops_early_and_resume_continues(tmp_path):
    out = tmp_path / "run"
    common = ["--corpus", "sample-brent-phono", "--dev-split", "none", "--hidden", "8", "--seq-len", "8",
              "--batch-size", "2", "--eval-every", "1000", "--iterations", "1000", "--out", str(out)]
    result = run_cli(*common, "--max-seconds", "0")
    assert result.exit_code == 0, result.output
    stopped = json.loads((out / "checkpoints" / "latest.json").read_text())["iteration"]
    assert 1 <= stopped < 1000  # a budget of 0 s stops after the first iteration, with a checkpoint
    result = run_cli(*common, "--max-seconds", "0", "--resume")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "checkpoints" / "latest.json").read_text())["iteration"] == stopped + 1


def test_halt_freeze_holds_the_halting_unit_then_releases_it(tmp_path, capsys):
    """A warm start: the halting unit is not updated for halt_freeze iterations (every symbol keeps its two
    updates) while the rest trains, and a run that ends inside the hold says so; afterwards it learns, and a
    resumed run holds and releases it the same."""
    config = dict(seq_len=8, batch_size=3, progress=False, seed=1, warmup=0, halt_freeze=3, eval_every=100)
    held = train(tiny(), TrainConfig(iterations=3, **config), SEQS)
    assert held.halt.weight.abs().sum() == 0 and held.halt.bias.item() == 1.0
    assert held.decoder.bias.abs().sum() > 0
    assert "training ended at iteration 3, before the halting unit's release" in capsys.readouterr().err
    released = train(tiny(), TrainConfig(iterations=5, **config), SEQS)
    assert released.halt.bias.item() != 1.0
    assert "halting unit's release" not in capsys.readouterr().err

    def kill_after_two(trainer):
        if trainer.iteration == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):  # killed after the checkpoint at iteration 2, inside the hold
        train(tiny(), TrainConfig(iterations=5, checkpoint_every=2, out=str(tmp_path), **config), SEQS,
              callbacks=[("on_batch_end", kill_after_two)])
    resumed = train(tiny(), TrainConfig(iterations=5, out=str(tmp_path), resume=True, **config), SEQS)
    assert resumed.halt.bias.item() == released.halt.bias.item()
    torch.testing.assert_close(resumed.halt.weight, released.halt.weight, rtol=0, atol=0)
    with pytest.raises(ValueError, match="halt_freeze"):
        TrainConfig(halt_freeze=-1)


def test_lm_freeze_holds_every_parameter_but_the_halting_unit_from_its_iteration_on(tmp_path):
    """Two-stage halting: the language model learns until lm_freeze, then only the halting unit does; a resumed
    run holds the same parameters."""
    config = dict(seq_len=8, batch_size=3, progress=False, seed=1, warmup=0, halt_freeze=2, lm_freeze=2,
                  eval_every=100)
    snapshots = {}

    def snapshot(trainer):
        if trainer.iteration == 2:
            snapshots.update({name: p.detach().clone() for name, p in trainer.module.named_parameters()})

    both = train(tiny(), TrainConfig(iterations=5, **config), SEQS, callbacks=[("on_batch_end", snapshot)])
    halting = {name for name, _ in both.named_parameters() if name.startswith("halt.")}
    assert halting and snapshots["halt.weight"].abs().sum() == 0  # held by halt_freeze until then
    for name, after in both.named_parameters():
        if name in halting:
            assert not torch.equal(snapshots[name], after), name  # released at 2, learns alone from then on
        else:
            torch.testing.assert_close(after, snapshots[name], rtol=0, atol=0, msg=name)

    def kill_after_three(trainer):
        if trainer.iteration == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tiny(), TrainConfig(iterations=5, checkpoint_every=3, out=str(tmp_path), **config), SEQS,
              callbacks=[("on_batch_end", kill_after_three)])
    resumed = train(tiny(), TrainConfig(iterations=5, out=str(tmp_path), resume=True, **config), SEQS)
    for (name, expected), (_, got) in zip(both.named_parameters(), resumed.named_parameters()):
        torch.testing.assert_close(got, expected, rtol=0, atol=0, msg=name)
    with pytest.raises(ValueError, match="lm_freeze"):
        TrainConfig(halt_freeze=3, lm_freeze=2)
    with pytest.raises(ValueError, match="lm_freeze needs a model with a halting unit"):
        train(tiny(act=False), TrainConfig(iterations=1, lm_freeze=0, **{k: v for k, v in config.items()
                                                                          if k not in ("halt_freeze", "lm_freeze")}),
              SEQS)


# ---- weight averaging --------------------------------------------------------------------------------------
def weights(module) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in module.named_parameters()}


def test_weight_averaging_saves_the_mean_of_the_weights_from_its_iteration_on(tmp_path):
    """average_from=3 over 6 iterations: the model returned and saved holds the mean of the weights after
    iterations 3, 4, 5 and 6; training itself follows the same path as without averaging; the log gets one more
    record, of the mean's dev scores, which the run's last evaluation reads (the speed from the record before)."""
    from segment.eval.results_types import LastEvaluation
    from segment.models.act_lstm import ACTLanguageModel

    config = dict(iterations=6, seq_len=8, batch_size=3, lr=1e-2, warmup=0, eval_every=3, progress=False, seed=2)
    after = {}
    plain = train(tiny(), TrainConfig(**config), SEQS,
                  callbacks=[("on_batch_end", lambda tr: after.update({tr.iteration: weights(tr.module)}))])
    averaged = train(tiny(), TrainConfig(**config, average_from=3, out=str(tmp_path)), SEQS, SEQS[:2])
    saved = ACTLanguageModel.from_pretrained(tmp_path / "model")
    for name, got in averaged.named_parameters():
        expected = torch.stack([after[i][name] for i in (3, 4, 5, 6)]).mean(0)
        torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-7, msg=name)
        torch.testing.assert_close(dict(saved.named_parameters())[name], got, rtol=0, atol=0, msg=name)
    assert not torch.equal(averaged.decoder.weight, plain.decoder.weight)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [(r["iteration"], r.get("weights")) for r in records] == [(3, None), (6, None), (6, "average")]
    assert records[-1]["averaged_iterations"] == 4 and records[-1]["dev_bps"] != records[-2]["dev_bps"]
    expected_bps = evaluate_stream(averaged, SEQS[:2], seq_len=8, rows=64, max_symbols=100_000).scores["dev_bps"]
    assert records[-1]["dev_bps"] == pytest.approx(expected_bps)
    last = LastEvaluation.read(tmp_path)
    assert last.dev_bps == records[-1]["dev_bps"] and last.symbols_per_s == records[-2]["symbols_per_s"]


def test_weight_averaging_resumes_exactly_and_refuses_another_start(tmp_path):
    """A run killed after its checkpoint at iteration 4 (averaging from 3) and resumed saves the same mean, bit
    for bit, as the uninterrupted run; resuming it with another average_from is a load error."""
    from segment.errors import ModelLoadError

    config = dict(iterations=7, seq_len=8, batch_size=3, lr=1e-2, warmup=0, eval_every=100, checkpoint_every=2,
                  progress=False, seed=3, average_from=3)
    whole = train(tiny(), TrainConfig(**config), SEQS)

    def kill_after_five(trainer):
        if trainer.iteration == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tiny(), TrainConfig(**config, out=str(tmp_path)), SEQS, callbacks=[("on_batch_end", kill_after_five)])
    with pytest.raises(ModelLoadError, match="averaged from iteration 3, not 2"):
        train(tiny(), TrainConfig(**{**config, "average_from": 2}, out=str(tmp_path), resume=True), SEQS)
    resumed = train(tiny(), TrainConfig(**config, out=str(tmp_path), resume=True), SEQS)
    for (name, expected), (_, got) in zip(whole.named_parameters(), resumed.named_parameters()):
        torch.testing.assert_close(got, expected, rtol=0, atol=0, msg=name)
    records = (tmp_path / "log.jsonl").read_text()
    train(tiny(), TrainConfig(**config, out=str(tmp_path), resume=True), SEQS)  # finished: nothing more to log
    assert (tmp_path / "log.jsonl").read_text() == records


def test_averaging_resumes_a_run_without_it_only_from_before_its_start(tmp_path, capsys):
    """A checkpoint of a run without averaging holds no mean: resuming it with average_from works when the
    checkpoint is older than the start (and then matches the uninterrupted run), and is a load error otherwise; a
    run resumed without average_from drops the checkpoint's mean, and says so."""
    from segment.errors import ModelLoadError

    config = dict(iterations=7, seq_len=8, batch_size=3, lr=1e-2, warmup=0, eval_every=100, checkpoint_every=2,
                  progress=False, seed=3)
    whole = train(tiny(), TrainConfig(**config, average_from=3), SEQS)

    def kill_at(iteration):
        def kill(trainer):
            if trainer.iteration == iteration:
                raise KeyboardInterrupt
        return [("on_batch_end", kill)]

    for name, killed_at in (("early", 3), ("late", 5)):  # checkpoints at 2 and at 4
        with pytest.raises(KeyboardInterrupt):
            train(tiny(), TrainConfig(**config, out=str(tmp_path / name)), SEQS, callbacks=kill_at(killed_at))
    resumed = train(tiny(), TrainConfig(**config, average_from=3, out=str(tmp_path / "early"), resume=True), SEQS)
    for (name, expected), (_, got) in zip(whole.named_parameters(), resumed.named_parameters()):
        torch.testing.assert_close(got, expected, rtol=0, atol=0, msg=name)
    with pytest.raises(ModelLoadError, match="holds no weight average at iteration 4, so averaging cannot start at 3"):
        train(tiny(), TrainConfig(**config, average_from=3, out=str(tmp_path / "late"), resume=True), SEQS)
    with pytest.raises(KeyboardInterrupt):
        train(tiny(), TrainConfig(**config, average_from=3, out=str(tmp_path / "dropped")), SEQS,
              callbacks=kill_at(5))
    capsys.readouterr()
    train(tiny(), TrainConfig(**config, out=str(tmp_path / "dropped"), resume=True), SEQS)
    assert "the checkpoint's weight average (from iteration 3) is dropped" in capsys.readouterr().err


def test_a_run_stopped_before_averaging_starts_saves_its_last_weights_and_says_so(tmp_path, capsys):
    config = TrainConfig(iterations=50, seq_len=8, batch_size=2, max_seconds=0, progress=False, out=str(tmp_path),
                         average_from=10)
    last = {}
    model = train(tiny(), config, SEQS, callbacks=[("on_batch_end", lambda tr: last.update(weights(tr.module)))])
    assert "before weight averaging starts at iteration 10 (average_from)" in capsys.readouterr().err
    for name, p in model.named_parameters():
        torch.testing.assert_close(p, last[name], rtol=0, atol=0, msg=name)
    assert "average" not in (tmp_path / "log.jsonl").read_text()


@pytest.mark.parametrize("settings", [{"average_from": 0}, {"average_from": 11}, {"average_from": 5, "holdout": 0.1}])
def test_average_from_is_checked(settings):
    with pytest.raises(ValueError, match="average_from must be None or in \\[1, iterations\\]"):
        TrainConfig(iterations=10, **settings)


def test_cli_trains_with_weight_averaging_and_refuses_a_start_after_the_end(tmp_path):
    from segment.eval.results_types import LastEvaluation

    common = ("--corpus", "sample-brent-phono", "--hidden", "16", "--iterations", "4", "--seq-len", "8",
              "--batch-size", "2", "--out")
    result = run_cli(*common, str(tmp_path / "run"), "--average-from", "2")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "config.json").read_text())["train"]["average_from"] == 2
    record = json.loads((tmp_path / "run" / "log.jsonl").read_text().splitlines()[-1])
    assert record["weights"] == "average" and record["averaged_iterations"] == 3
    assert LastEvaluation.read(tmp_path / "run").symbols_per_s is not None
    result = run_cli(*common, str(tmp_path / "late"), "--average-from", "5")
    assert result.exit_code != 0 and "average_from must be None or in [1, iterations]" in result.output
    assert not (tmp_path / "late" / "model").exists()


# ---- fine-tuning -----------------------------------------------------------------------------------------------
def test_init_from_fine_tunes_the_saved_model_keeping_its_vocabulary_and_settings(tmp_path, capsys):
    """A run with init_from starts from the saved model (its first loss is the saved model's, far under a fresh
    model's), keeps its vocabulary (new symbols read as <unk>, and said so) and its settings, with tau and dropout
    from model_config when it is given; any other difference is a ValueError naming it."""
    base = dict(seq_len=8, batch_size=3, lr=1e-2, warmup=0, eval_every=100, progress=False, seed=5)
    source = train(tiny(), TrainConfig(iterations=40, out=str(tmp_path / "source"), **base), SEQS)
    first = []

    def record_first(tr):
        if tr.iteration == 1:
            first.append(tr.output.ce.item())

    fresh_loss = []
    train(tiny(), TrainConfig(iterations=1, **base), SEQS, callbacks=[("on_batch_end", record_first)])
    fresh_loss, first[:] = first[:], []
    text = [s + "zz" for s in SEQS]  # "z" is not in the source's vocabulary
    tuned = train(None, TrainConfig(iterations=2, init_from=str(tmp_path / "source" / "model"), **base), text,
                  callbacks=[("on_batch_end", record_first)])
    assert "note: 48 training symbols of 1 types unknown to the vocabulary" in capsys.readouterr().err
    assert first[0] < 0.8 * fresh_loss[0]
    assert tuned.vocab.symbols == source.vocab.symbols and tuned.config == source.config
    changed = train(replace(source.config, tau=0.05, dropout=0.1), TrainConfig(
        iterations=1, init_from=str(tmp_path / "source" / "model"), **base), SEQS)
    assert (changed.config.tau, changed.config.dropout, changed.dropout.p) == (0.05, 0.1, 0.1)
    with pytest.raises(ValueError, match="the model has hidden 24, not 32"):
        train(replace(source.config, hidden=32), TrainConfig(
            iterations=1, init_from=str(tmp_path / "source" / "model"), **base), SEQS)
    with pytest.raises(ValueError, match="needs a model_config unless"):
        train(None, TrainConfig(iterations=1, **base), SEQS)
    with pytest.raises(ValueError, match="min_count must be 1 when init_from is set"):
        TrainConfig(init_from=str(tmp_path / "source" / "model"), min_count=2)
    capsys.readouterr()
    train(None, TrainConfig(iterations=1, halt_freeze=2, init_from=str(tmp_path / "source" / "model"), **base), SEQS)
    assert f"its halting is still that of {tmp_path / 'source' / 'model'}" in capsys.readouterr().err


def test_cli_fine_tunes_a_model_and_refuses_options_that_would_change_it(tmp_path, monkeypatch):
    """`actseg train --init-from DIR` fine-tunes DIR's model (a right-to-left one on reversed units, as it was
    trained); model options other than --tau and --dropout, and --right-to-left with a left-to-right model, are
    one-line errors; a missing directory too."""
    from segment.models import ACTLanguageModel
    from segment.shipped import SHIPPED_MODELS

    common = ["--corpus", "sample-brent-phono", "--split", "all", "--dev-split", "none", "--iterations", "2",
              "--seq-len", "8", "--batch-size", "2"]
    for name, extra in (("ltr", []), ("rtl", ["--right-to-left"])):
        result = run_cli(*common, "--hidden", "16", *extra, "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.output
    import segment.models.trainer as trainer_module
    from segment.corpora import load_corpus

    real_train, read = trainer_module.train, []
    monkeypatch.setattr(trainer_module, "train", lambda model_config, train_config, sequences, *args, **kw: (
        read.extend(sequences), real_train(model_config, train_config, sequences, *args, **kw))[1])
    result = run_cli(*common, "--init-from", str(tmp_path / "rtl"), "--tau", "0.05",  # a run directory
                     "--out", str(tmp_path / "tuned"))
    assert result.exit_code == 0, result.output
    forward = [s for s in load_corpus("sample-brent-phono", "all").sequences() if len(s)]
    assert read == [s[::-1] for s in forward] and read != forward  # the right-to-left model reads reversed units
    tuned = ACTLanguageModel.from_pretrained(tmp_path / "tuned" / "model")
    source = ACTLanguageModel.from_pretrained(tmp_path / "rtl" / "model")
    assert (tuned.config.hidden, tuned.config.direction, tuned.config.tau) == (16, "rtl", 0.05)
    assert tuned.vocab.symbols == source.vocab.symbols
    resolved = json.loads((tmp_path / "tuned" / "config.json").read_text())
    assert resolved["train"]["init_from"] == str(tmp_path / "rtl" / "model")  # the model the run read
    for args, message in ((["--hidden", "32"], "--hidden: a fine-tuned model keeps the settings of --init-from"),
                          (["--no-act"], "--no-act: a fine-tuned model keeps"),
                          (["--right-to-left"], None)):
        source_dir = tmp_path / ("ltr" if args == ["--right-to-left"] else "rtl") / "model"
        result = run_cli(*common, "--init-from", str(source_dir), *args, "--out", str(tmp_path / "refused"))
        assert result.exit_code != 0
        assert (message or "--right-to-left: the model of --init-from reads left to right") in result.output
    text = tmp_path / "mine.txt"  # a user's own domain text, spaced
    text.write_text("The invoice is attached.\nPlease pay it by Friday.\nThanks, Anna\n" * 4, encoding="utf-8")
    result = run_cli("--corpus", f"plain:{text}", "--iterations", "1", "--seq-len", "8", "--batch-size", "2",
                     "--init-from", "en", "--out", str(tmp_path / "en"))
    assert result.exit_code == 0, result.output
    shipped = ACTLanguageModel.from_pretrained(SHIPPED_MODELS["en"])
    tuned = ACTLanguageModel.from_pretrained(tmp_path / "en" / "model")
    assert tuned.config == shipped.config and tuned.vocab.symbols == shipped.vocab.symbols
    result = run_cli(*common, "--init-from", str(tmp_path / "absent"), "--out", str(tmp_path / "refused"))
    assert result.exit_code != 0 and "absent: model directory not found" in result.output
    assert not (tmp_path / "refused" / "model").exists()
