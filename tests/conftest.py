"""Shared fixtures: where the real corpora are (CI puts ../shared beside the repository and checks they are
there, so the skips below never hide its coverage; a clone without them skips the tests that need them)."""

import os
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]

# property tests check what holds, not how fast examples come: on a loaded machine (other jobs on the cores)
# the speed health check and the per-example deadline fail tests whose properties hold
settings.register_profile("loaded", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("loaded")


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    path = Path(os.environ.get("ACTSEG_DATA") or ROOT.parent / "shared" / "corpora")
    if not (path / "brent" / "br-phono.txt").is_file():
        pytest.skip(f"shared corpora not found at {path}: set ACTSEG_DATA")
    return path


@pytest.fixture(autouse=True)
def one_thread():
    """Tests use tiny models: one intra-op thread is as fast, and far faster when other jobs hold the cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def save_untrained_model(tmp_path_factory):
    """A function (texts, seed, **config overrides) -> the directory of a tiny untrained ACT model over the symbols
    of ``texts`` (hidden 8, max steps 4, halting bias -1, random halting weights: its ponder varies by symbol)."""
    from segment.models.act_lstm import ACTConfig, ACTLanguageModel
    from segment.models.vocab import Vocab

    def save(texts, seed: int, **config):
        torch.manual_seed(seed)
        vocab = Vocab.build(texts)
        settings = {"hidden": 8, "max_steps": 4, "halt_bias": -1.0, "halt_init": "uniform", **config}
        model = ACTLanguageModel(ACTConfig(vocab_size=len(vocab), **settings), vocab)
        return model.save_pretrained(tmp_path_factory.mktemp("model"))

    return save
