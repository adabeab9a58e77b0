"""One source of truth: the library's fit() and `actseg train` resolve the same recommended settings."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from click.testing import CliRunner

from segment.cli import main
from segment.corpora import load_corpus
from segment.models.config import ACTConfig, TrainConfig
from segment.ponder import PonderSegmenter

#: Fields that describe where and how visibly a run writes, not what it trains.
RUN_FILE_FIELDS = ("out", "resume", "progress")


class _Captured(Exception):
    """Raised by the stand-in trainer once it has seen the configs it was handed."""


@pytest.fixture
def captured(monkeypatch) -> list[tuple[ACTConfig, TrainConfig]]:
    calls: list[tuple[ACTConfig, TrainConfig]] = []

    def stand_in(model_config, train_config, *args, **kwargs):
        calls.append((model_config, train_config))
        raise _Captured

    monkeypatch.setattr("segment.models.trainer.train", stand_in)
    return calls


def _training_fields(config: TrainConfig) -> dict:
    return {k: v for k, v in asdict(config).items() if k not in RUN_FILE_FIELDS}


def test_fit_and_actseg_train_resolve_the_same_configs(captured, tmp_path):
    sequences = load_corpus("sample-brent-phono", "all").sequences()
    with pytest.raises(_Captured):
        PonderSegmenter().fit(sequences)
    result = CliRunner().invoke(main, ["train", "--corpus", "sample-brent-phono", "--out", str(tmp_path / "run")])
    assert isinstance(result.exception, _Captured), result.output
    (fit_model, fit_train), (cli_model, cli_train) = captured
    assert asdict(fit_model) == asdict(cli_model)
    assert _training_fields(fit_train) == _training_fields(cli_train)


def test_the_resolved_settings_are_the_recommended_ones(captured):
    with pytest.raises(_Captured):
        PonderSegmenter().fit(load_corpus("sample-brent-phono", "all").sequences())
    model_config, train_config = captured[0]
    assert (model_config.hidden, model_config.max_steps, model_config.tau) == (128, 4, 0.03)
    assert (model_config.halt_init, train_config.halt_lr_scale) == ("zero", 0.1)
