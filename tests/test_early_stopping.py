"""Label-free early stopping: held-out units, the best model by their bits per symbol, patience, resuming."""

import json
import random

import pytest
import torch

from segment.models import ACTConfig, TrainConfig
from segment.models.act_lstm import ACTLanguageModel
from segment.models.dev_pass import evaluate_stream
from segment.models.early_stopping import split_holdout
from segment.models.trainer import train

# random strings: held-out bits fall while the model learns the symbol frequencies, then rise as it memorises
RNG = random.Random(0)
UNITS = ["".join(RNG.choice("abcdefghij") for _ in range(12)) for _ in range(40)]
CONFIG = dict(iterations=40, seq_len=16, batch_size=4, lr=2e-2, warmup=5, eval_every=4, progress=False, holdout=0.25)


def model_config() -> ACTConfig:
    return ACTConfig(vocab_size=2, hidden=32, max_steps=3)


def read_log(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]


def same_weights(a: ACTLanguageModel, b: ACTLanguageModel) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_every_kth_unit_is_held_out():
    kept, held = split_holdout(list(range(10)), 0.25)
    assert held == [3, 7] and kept == [0, 1, 2, 4, 5, 6, 8, 9]
    assert split_holdout(list(range(4)), 0.5) == ([0, 2], [1, 3])
    with pytest.raises(ValueError, match="holds out no unit of 3"):
        split_holdout(list(range(3)), 0.25)


def test_the_saved_model_is_the_evaluation_with_the_lowest_held_out_bits(tmp_path):
    model = train(model_config(), TrainConfig(**CONFIG, out=str(tmp_path)), UNITS)
    records = read_log(tmp_path)
    best = min(records, key=lambda r: r["holdout_bps"])
    assert 0 < best["iteration"] < records[-1]["iteration"]  # this corpus overfits: the best is not the last
    assert all(r["best_iteration"] == best["iteration"] for r in records if r["iteration"] >= best["iteration"])
    pointer = json.loads((tmp_path / "best.json").read_text())
    assert pointer == {"model": f"best-{best['iteration']:07d}", "iteration": best["iteration"],
                       "holdout_bps": best["holdout_bps"]}
    assert [p.name for p in tmp_path.glob("best-*")] == [pointer["model"]]
    saved = ACTLanguageModel.from_pretrained(tmp_path / "model")
    assert same_weights(saved, model)
    assert same_weights(saved, ACTLanguageModel.from_pretrained(tmp_path / pointer["model"]))
    _, held = split_holdout(UNITS, CONFIG["holdout"])
    again = evaluate_stream(saved, held, seq_len=CONFIG["seq_len"]).scores["dev_bps"]
    assert again == pytest.approx(best["holdout_bps"], rel=1e-5)
    last = ACTLanguageModel.from_pretrained(tmp_path / "checkpoints" / "iteration-0000040")
    assert not same_weights(saved, last)


def test_without_a_run_directory_the_best_model_is_returned(tmp_path):
    in_memory = train(model_config(), TrainConfig(**CONFIG), UNITS)
    written = train(model_config(), TrainConfig(**CONFIG, out=str(tmp_path)), UNITS)
    assert same_weights(in_memory, written) and not list(tmp_path.glob(".best-*"))


def test_patience_ends_training_after_evaluations_without_a_new_best(tmp_path):
    config = TrainConfig(**{**CONFIG, "iterations": 400, "patience": 2}, out=str(tmp_path))
    seen = []
    train(model_config(), config, UNITS, callbacks=[("on_batch_end", lambda tr: seen.append(tr.iteration))])
    records = read_log(tmp_path)
    best = records[-1]["best_iteration"]
    stop = best + 2 * CONFIG["eval_every"]  # the evaluation that found no new best twice; one iteration follows
    assert seen[-1] == records[-1]["iteration"] == stop + 1 < 400
    assert json.loads((tmp_path / "checkpoints" / "latest.json").read_text())["iteration"] == stop + 1
    # resuming a run that stopped early trains no further and keeps its best model
    more = []
    model = train(model_config(), TrainConfig(**{**config.__dict__, "resume": True}), UNITS,
                  callbacks=[("on_batch_end", lambda tr: more.append(tr.iteration))])
    assert more == [] and same_weights(model, ACTLanguageModel.from_pretrained(tmp_path / f"best-{best:07d}"))


def test_an_interrupted_run_resumes_with_its_best_model(tmp_path):
    whole = train(model_config(), TrainConfig(**CONFIG, out=str(tmp_path / "a")), UNITS)

    class Killed(Exception):
        pass

    def kill(tr):
        if tr.iteration == 30:  # after the best and the iteration-28 checkpoint
            raise Killed

    with pytest.raises(Killed):
        train(model_config(), TrainConfig(**CONFIG, out=str(tmp_path / "b")), UNITS, callbacks=[("on_batch_end", kill)])
    resumed = train(model_config(), TrainConfig(**CONFIG, out=str(tmp_path / "b"), resume=True), UNITS)
    assert same_weights(whole, resumed)
    assert (json.loads((tmp_path / "a" / "best.json").read_text())
            == json.loads((tmp_path / "b" / "best.json").read_text()))


@pytest.mark.parametrize("fields, message", [
    ({"holdout": 0.6}, r"holdout must be in \[0, 0.5\]"),
    ({"patience": 3}, r"patience must be >= 1 or None \(and then holdout > 0\)"),
    ({"holdout": 0.1, "patience": 0}, "patience must be >= 1"),
])
def test_invalid_early_stopping_settings_are_named(fields, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**fields)


def test_a_broken_early_stopping_record_is_named_on_resume(tmp_path):
    from segment.errors import ModelLoadError

    config = TrainConfig(**{**CONFIG, "iterations": 8}, out=str(tmp_path))
    train(model_config(), config, UNITS)
    (tmp_path / "best.json").write_text(json.dumps({"iteration": 4}))
    with pytest.raises(ModelLoadError, match=r"best.json: not an early-stopping record"):
        train(model_config(), TrainConfig(**{**CONFIG, "iterations": 12}, out=str(tmp_path), resume=True), UNITS)
