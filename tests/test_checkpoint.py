"""Checkpoints: save_pretrained / from_pretrained round trip and clear errors on broken directories."""

import json

import pytest
import torch

from segment.errors import ModelLoadError
from segment.models import ACTConfig, ACTLanguageModel, TrainConfig, Vocab
from segment.models.run_files import latest_checkpoint
from segment.models.trainer import train


@pytest.fixture()
def saved(tmp_path):
    torch.manual_seed(0)
    vocab = Vocab.build(["hello world", "ponder"])
    model = ACTLanguageModel(ACTConfig(vocab_size=len(vocab), hidden=8, layers=2, max_steps=3), vocab)
    model.save_pretrained(tmp_path / "m")
    return model, tmp_path / "m"


def test_round_trip_gives_identical_outputs(saved):
    model, path = saved
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors", "vocab.json"]
    loaded = ACTLanguageModel.from_pretrained(path)
    assert loaded.config == model.config and loaded.vocab == model.vocab
    ids = torch.tensor([model.vocab.encode("hello pond")])
    a, b = model(ids), loaded(ids)
    assert torch.equal(a.logits, b.logits) and torch.equal(a.ponder, b.ponder)


def test_missing_directory_and_files(saved, tmp_path):
    _, path = saved
    with pytest.raises(ModelLoadError, match="nowhere"):
        ACTLanguageModel.from_pretrained(tmp_path / "nowhere")
    (path / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match="model.safetensors: file not found"):
        ACTLanguageModel.from_pretrained(path)


def test_bad_json(saved):
    _, path = saved
    (path / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="config.json: invalid JSON"):
        ACTLanguageModel.from_pretrained(path)
    (path / "config.json").write_text(json.dumps({"vocab_size": 5, "colour": "red"}))
    with pytest.raises(ModelLoadError, match="config.json: unknown ACTConfig field"):
        ACTLanguageModel.from_pretrained(path)
    (path / "config.json").write_text(json.dumps({"vocab_size": 5}))
    (path / "vocab.json").write_text("[]")
    with pytest.raises(ModelLoadError, match="vocab.json"):
        ACTLanguageModel.from_pretrained(path)


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_corrupt_weights(saved, damage):
    _, path = saved
    weights = path / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[:len(data) // 2] if damage == "truncate" else b"\x07" * 8 + data[8:])
    with pytest.raises(ModelLoadError, match="model.safetensors: corrupt or truncated"):
        ACTLanguageModel.from_pretrained(path)


def test_non_finite_weights(saved):
    _, path = saved
    weights = path / "model.safetensors"
    data = weights.read_bytes()
    start = 8 + int.from_bytes(data[:8], "little")
    weights.write_bytes(data[:start] + b"\xff" * (len(data) - start))  # NaN in every float32
    with pytest.raises(ModelLoadError, match="model.safetensors: tensor '.*' holds non-finite values"):
        ACTLanguageModel.from_pretrained(path)


def test_shape_mismatch(saved):
    _, path = saved
    config = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps({**config, "hidden": 9}))
    with pytest.raises(ModelLoadError, match="does not fit config.json"):
        ACTLanguageModel.from_pretrained(path)


def test_corrupt_training_checkpoint_is_a_clear_error(tmp_path):
    config = TrainConfig(iterations=2, seq_len=6, batch_size=2, eval_every=2, progress=False, out=str(tmp_path))
    train(ACTConfig(vocab_size=2, hidden=8, max_steps=2), config, ["abcabc", "cabbac"] * 4)
    checkpoint = latest_checkpoint(tmp_path)
    state = checkpoint / "trainer.safetensors"
    state.write_bytes(state.read_bytes()[:100])
    resume = TrainConfig(iterations=4, seq_len=6, batch_size=2, progress=False, out=str(tmp_path), resume=True)
    with pytest.raises(ModelLoadError, match="trainer.safetensors"):
        train(ACTConfig(vocab_size=2), resume, ["abcabc"] * 8)
    (tmp_path / "checkpoints" / "latest.json").write_text("{")
    with pytest.raises(ModelLoadError, match="latest.json"):
        train(ACTConfig(vocab_size=2), resume, ["abcabc"] * 8)
