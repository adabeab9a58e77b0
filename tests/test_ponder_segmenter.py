"""Model-signal segmenters: loading, batching, symbol lists, training on the user's sequences."""

import shutil

import numpy as np
import pytest

from segment.errors import ModelLoadError, NotFittedError, ParameterError
from segment.models.config import ACTConfig, TrainConfig
from segment.models.inference import compute_signals
from segment.peaks import align_signal
from segment.ponder import (MODEL_PEAK_DEFAULTS, MODEL_SEGMENTERS, SIGNAL_CHOICES, ModelSignalSegmenter,
                            PonderSegmenter, read_signal, resolve_model_dir)

TEXT = ["thedogsawthecat", "acatsawadog", "thecatranaway", "dogsrun"]
PHONES = [["D", "6", "d", "O", "g"], ["k", "&", "t", "s"], ["D", "6", "k", "&", "t"]]


@pytest.fixture(scope="module")
def model_dir(save_untrained_model):
    return save_untrained_model(TEXT, seed=1)


def test_predict_before_fit_raises(model_dir):
    with pytest.raises(NotFittedError):
        PonderSegmenter(str(model_dir)).predict("thecat")


def test_from_pretrained_on_a_checkpoint_and_on_a_run_directory(model_dir, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "model").symlink_to(model_dir)
    assert resolve_model_dir(run) == run / "model"
    a = PonderSegmenter.from_pretrained(model_dir).predict_many(TEXT)
    b = PonderSegmenter.from_pretrained(run).predict_many(TEXT)
    assert [x.tolist() for x in a] == [x.tolist() for x in b]


def test_fit_with_a_model_path_loads_it(model_dir):
    fitted = PonderSegmenter(str(model_dir)).fit([])
    ready = PonderSegmenter.from_pretrained(model_dir)
    assert [x.tolist() for x in fitted.predict_many(TEXT)] == [x.tolist() for x in ready.predict_many(TEXT)]


@pytest.mark.parametrize("bad", ["missing", "corrupt"])
def test_missing_or_corrupt_model_names_the_path(tmp_path, model_dir, bad):
    path = tmp_path / "m"
    if bad == "corrupt":
        path.mkdir()
        for name in ("config.json", "vocab.json"):
            (path / name).write_bytes((model_dir / name).read_bytes())
        (path / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelLoadError, match=str(path)):
        PonderSegmenter.from_pretrained(path)


@pytest.mark.parametrize("name", SIGNAL_CHOICES)
def test_each_signal_is_the_models_signal_aligned(model_dir, name):
    seg = ModelSignalSegmenter.from_pretrained(model_dir, signal_name=name, chunk_len=4, context=2)
    computed = compute_signals(seg.model_, TEXT, chunk_len=4, context=2)
    fields = {field: [getattr(s, field) for s in computed] for field in ("halt_first", name.replace("-", "_"))}
    for seq, expected in zip(TEXT, read_signal(name, fields)):
        np.testing.assert_allclose(seg.signal(seq), expected, atol=1e-6)
        np.testing.assert_allclose(seg.boundary_scores(seq), align_signal(expected, 0), atol=1e-6)


def test_halt_first_is_one_minus_the_first_halting_output(model_dir):
    seg = ModelSignalSegmenter.from_pretrained(model_dir, signal_name="halt-first")
    [computed] = compute_signals(seg.model_, TEXT[:1])
    np.testing.assert_allclose(seg.signal(TEXT[0]), 1.0 - computed.halt_first, atol=1e-6)


@pytest.mark.parametrize("name", ["loss", "halt_first"])
def test_unknown_signal_name_is_rejected(model_dir, name):
    with pytest.raises(ValueError, match="signal_name"):
        ModelSignalSegmenter.from_pretrained(model_dir, signal_name=name).predict("thecat")
    with pytest.raises(ValueError, match="signal_name"):
        read_signal(name, {"halt_first": [], "loss": []})


def test_peak_defaults_are_the_signature_defaults():
    params = ModelSignalSegmenter().get_params()
    assert {name: params[name] for name in MODEL_PEAK_DEFAULTS} == MODEL_PEAK_DEFAULTS
    assert params["signal_name"] == "ponder" and params["height"] is None


def test_fit_without_configs_uses_the_recommended_settings(monkeypatch):
    from segment.models import trainer

    calls = []
    monkeypatch.setattr(trainer, "train", lambda *args, **kw: calls.append(args) or "model")
    assert PonderSegmenter().fit(["abc"]).model_ == "model"
    [(model_config, train_config, sequences)] = calls
    assert model_config == ACTConfig(vocab_size=2, direction="ltr") and train_config == TrainConfig(progress=False)
    assert sequences == ["abc"]


def test_batched_prediction_equals_one_at_a_time(model_dir):
    seg = PonderSegmenter.from_pretrained(model_dir, batch_size=2)
    batched = seg.predict_many(TEXT)
    assert [b.tolist() for b in batched] == [seg.predict(s).tolist() for s in TEXT]
    assert any(len(b) for b in batched)


def test_segments_keep_the_input_kind(model_dir):
    seg = PonderSegmenter.from_pretrained(model_dir, height=None)
    pieces = seg.segment("thedogsawthecat")
    assert "".join(pieces) == "thedogsawthecat" and all(isinstance(p, str) for p in pieces)
    phones = ["D", "6", "d", "O", "g", "z"]
    segments = seg.segment(phones)  # unseen phonemes are read as <unk>
    assert [s for segment in segments for s in segment] == phones and all(isinstance(s, list) for s in segments)


def test_levels_and_peak_parameters_apply(model_dir):
    seg = PonderSegmenter.from_pretrained(model_dir, sentence_height=-10.0)
    levels = seg.predict_levels("thedogsawthecat")
    assert levels["sentence"].tolist() == levels["word"].tolist()  # every peak clears a very low bar
    seg.set_params(distance=100)
    assert len(seg.predict("thedogsawthecat")) <= 1


def test_scope_fit_uses_the_fit_sequences(model_dir):
    seg = PonderSegmenter(str(model_dir), scope="fit", threshold="quantile", height=0.5).fit(TEXT)
    median = np.median(np.concatenate([seg.signal(s) for s in TEXT]))
    assert seg.resolve_height(0.5, np.zeros(3)) == pytest.approx(median)
    cut_values = np.concatenate([seg.signal(s)[seg.predict(s)] for s in TEXT])
    assert len(cut_values) and cut_values.min() >= median


def tiny_training(seed: int = 0) -> dict:
    return {"model_config": ACTConfig(vocab_size=2, hidden=8, max_steps=3),
            "train_config": TrainConfig(iterations=3, seq_len=8, batch_size=2, warmup=0, seed=seed, device="cpu",
                                        progress=False)}


def test_fit_trains_a_model_on_phoneme_lists_deterministically():
    a = PonderSegmenter(**tiny_training()).fit(PHONES)
    b = PonderSegmenter(**tiny_training()).fit(PHONES)
    assert set(a.model_.vocab.symbols) >= {"D", "6", "&"}
    np.testing.assert_array_equal(a.signal(PHONES[0]), b.signal(PHONES[0]))
    assert all(isinstance(s, list) for s in a.segment(PHONES[0]))


def test_fit_without_a_model_needs_data():
    with pytest.raises(ValueError, match="non-empty"):
        PonderSegmenter(**tiny_training()).fit(["", ""])


def test_model_segmenter_registry(model_dir):
    assert {"act-ponder", "act-halt-first", "lstm-entropy", "lstm-surprisal", "fixed-ponder"} <= set(MODEL_SEGMENTERS)
    for name, factory in MODEL_SEGMENTERS.items():
        seg = factory(model=str(model_dir)).fit([])
        assert len(seg.boundary_scores("thecat")) == 5, name
    assert isinstance(MODEL_SEGMENTERS["act-ponder"](), PonderSegmenter)
    assert MODEL_SEGMENTERS["lstm-entropy"]().model_config.act is False
    assert MODEL_SEGMENTERS["fixed-ponder"]().model_config.fixed_steps == 2


def test_settings_saved_with_a_model_are_defaults_that_params_override(model_dir, tmp_path):
    tuned = shutil.copytree(model_dir, tmp_path / "tuned")
    (tuned / "segmenter.json").write_text('{"offset": 1, "distance": 2}')
    segmenter = PonderSegmenter.from_pretrained(tuned, distance=3)
    assert (segmenter.offset, segmenter.distance) == (1, 3)
    assert PonderSegmenter.from_pretrained(model_dir).offset == 0
    (tuned / "segmenter.json").write_text("[1, 2")
    with pytest.raises(ModelLoadError, match="segmenter.json"):
        PonderSegmenter.from_pretrained(tuned)


@pytest.fixture(scope="module")
def second_model_dir(save_untrained_model):
    return save_untrained_model(TEXT, seed=2)


@pytest.mark.parametrize("name", SIGNAL_CHOICES)
def test_an_ensemble_reads_the_mean_of_its_models_signals(model_dir, second_model_dir, name):
    members = [ModelSignalSegmenter.from_pretrained(d, signal_name=name) for d in (model_dir, second_model_dir)]
    ensemble = ModelSignalSegmenter.from_pretrained([model_dir, second_model_dir], signal_name=name)
    assert ensemble.model == [str(model_dir), str(second_model_dir)]
    ponder = [ModelSignalSegmenter.from_pretrained(d).signal(TEXT[0]) for d in (model_dir, second_model_dir)]
    assert not np.allclose(*ponder)  # two different models
    for seq in TEXT:
        expected = (members[0].signal(seq) + members[1].signal(seq)) / 2
        np.testing.assert_allclose(ensemble.signal(seq), expected, atol=1e-6)
        np.testing.assert_array_equal(ensemble.predict(seq), ensemble.predict_signal(expected.astype(np.float32)))


def test_an_ensemble_of_one_and_a_fitted_ensemble_equal_the_model(model_dir, second_model_dir):
    single = ModelSignalSegmenter.from_pretrained(model_dir).predict_many(TEXT)
    one = ModelSignalSegmenter.from_pretrained([model_dir]).predict_many(TEXT)
    assert [x.tolist() for x in one] == [x.tolist() for x in single]
    fitted = ModelSignalSegmenter([str(model_dir), str(second_model_dir)]).fit([])
    ready = ModelSignalSegmenter.from_pretrained([model_dir, second_model_dir])
    assert [x.tolist() for x in fitted.predict_many(TEXT)] == [x.tolist() for x in ready.predict_many(TEXT)]


def test_an_empty_or_broken_ensemble_is_refused(model_dir, tmp_path):
    with pytest.raises(ParameterError, match="one model directory or more"):
        ModelSignalSegmenter.from_pretrained([])
    with pytest.raises(ParameterError, match="empty list"):
        ModelSignalSegmenter([]).fit([])
    with pytest.raises(ModelLoadError, match=str(tmp_path / "missing")):
        ModelSignalSegmenter.from_pretrained([model_dir, tmp_path / "missing"])
