"""The model directory schema: config.json (typed ACTConfig), vocab.json, model.safetensors (finite weights) and
segmenter.json (typed segmenter parameters). Every bad file is a ModelLoadError naming the file and the field,
and one `Error: ...` line with exit code 1 from `actseg segment` and `actseg ponder`."""

import inspect
import json
import re
import shutil
import subprocess
import sys
import typing
from dataclasses import fields

import numpy as np
import pytest
from click.testing import CliRunner

from segment.cli import main
from segment.errors import ModelLoadError, ParameterError
from segment.models import ACTConfig, ACTLanguageModel, TrainConfig
from segment.models.checkpoint import save_tensors
from segment.peaks import SignalPeakSegmenter
from segment.ponder import MODEL_PARAM_CHECKS, SETTINGS_FILE, ModelSignalSegmenter, PonderSegmenter, tuned_settings

TEXT = ["thecatsat", "onthemat"]


@pytest.fixture(scope="module")
def saved(save_untrained_model):
    return save_untrained_model(TEXT, seed=0, max_steps=3)


@pytest.fixture()
def model_dir(saved, tmp_path):
    return shutil.copytree(saved, tmp_path / "m")


def edit_config(path, **changes):
    config = json.loads((path / "config.json").read_text())
    (path / "config.json").write_text(json.dumps({**config, **changes}))


def nan_bytes(path):
    """Every tensor byte 0xff (NaN in float32) under the file's valid header."""
    weights = path / "model.safetensors"
    data = bytearray(weights.read_bytes())
    start = 8 + int.from_bytes(data[:8], "little")
    weights.write_bytes(bytes(data[:start]) + b"\xff" * (len(data) - start))


def one_infinite_tensor(path):
    from safetensors.torch import load_file

    tensors = load_file(str(path / "model.safetensors"))
    name = sorted(tensors)[-1]
    tensors[name][0] = float("inf")
    save_tensors(path / "model.safetensors", tensors)
    return name


CONFIG_CASES = [
    ({"layers": 2.5}, "layers must be an integer (got 2.5)"),
    ({"hidden": 128.0}, "hidden must be an integer (got 128.0)"),
    ({"max_steps": 4.0}, "max_steps must be an integer (got 4.0)"),
    ({"hidden": "128"}, "hidden must be an integer (got '128')"),
    ({"act": "yes"}, "act must be true or false (got 'yes')"),
    ({"tau": None}, "tau must be a finite number (got None)"),
    ({"hidden": 0}, "hidden must be >= 1 (got 0)"),
    ({"colour": "red"}, "unknown ACTConfig field(s): colour"),
]
SEGMENTER_CASES = [
    ({"height": "high"}, "height: must be a number or None (got 'high')"),
    ({"signal_name": "loss"}, "signal_name: must be one of 'ponder', "),
    ({"offset": 5}, "offset: must be 0 to cut before the peak's symbol or 1 to cut after it (got 5)"),
    ({"offset": True}, "offset: must be 0"),
    ({"offset": 1.0}, "offset: must be 0"),
    ({"colour": 1}, "colour: unknown setting (known: signal_name, "),
    ({"model": "elsewhere"}, "model: unknown setting"),
    ({"threshold": "otsu"}, "threshold: must be one of 'fixed', 'quantile', 'zscore' (got 'otsu')"),
    ({"scope": "all"}, "scope: must be one of"),
    ({"level": "paragraph"}, "level: must be one of"),
    ({"distance": 0}, "distance: must be a number >= 1 or None (got 0)"),
    ({"prominence": -1}, "prominence: must be a number >= 0 or None"),
    ({"sentence_height": "3"}, "sentence_height: must be a number or None"),
    ({"batch_size": 0}, "batch_size: must be an integer >= 1 (got 0)"),
    ({"context": 2.0}, "context: must be an integer >= 0 (got 2.0)"),
    ({"device": 0}, "device: must be a string (got 0)"),
    ({"threshold": "quantile", "height": 2.0}, "height: is a quantile with threshold='quantile': it must lie in"),
    ([1, 2], "segmenter settings must be a JSON object"),
]
VOCAB_CASES = [
    ("[]", 'expected a JSON object {"symbols": [...]} (got list)'),
    ('{"symbols": 5}', "symbols: must be a list of strings (got int)"),
    ('{"symbols": ["<unk>", "<sep>", 5]}', "symbols: item 2 must be a string (got 5)"),
    ('{"symbols": ["a", "b"]}', "symbols: must start with '<unk>', '<sep>'"),
    ('{"symbols": ["<unk>", "<sep>", "a", "a"]}', "symbols: 'a' appears twice"),
    ('{"words": []}', "unknown field(s): words"),
    ("{}", "missing field: symbols"),
    ('{"symbols": ["<unk>", "<sep>", "a"]}', "symbols: 3 symbols but config.json has vocab_size"),
    ("{oops", "invalid JSON"),
]


def config_case(path, changes):
    edit_config(path, **changes)
    return "config.json"


def segmenter_case(path, settings):
    (path / SETTINGS_FILE).write_text(json.dumps(settings))
    return SETTINGS_FILE


def vocab_case(path, text):
    (path / "vocab.json").write_text(text)
    return "vocab.json"


BAD_DIRS = ([pytest.param(config_case, c, m, id=f"config-{c}") for c, m in CONFIG_CASES]
            + [pytest.param(segmenter_case, s, m, id=f"segmenter-{s}") for s, m in SEGMENTER_CASES]
            + [pytest.param(vocab_case, v, m, id=f"vocab-{v}") for v, m in VOCAB_CASES]
            + [pytest.param(lambda p, _: nan_bytes(p) or "model.safetensors", None,
                            "holds non-finite values (NaN or infinity)", id="weights-nan")])


@pytest.mark.parametrize("damage, value, message", BAD_DIRS)
def test_bad_file_is_a_model_load_error_naming_file_and_field(model_dir, damage, value, message):
    file = damage(model_dir, value)
    with pytest.raises(ModelLoadError) as err:
        PonderSegmenter.from_pretrained(model_dir)
    assert str(err.value).startswith(f"{model_dir / file}: ") and message in str(err.value)


@pytest.mark.parametrize("command", ["segment", "ponder"])
@pytest.mark.parametrize("damage, value, message", BAD_DIRS)
def test_bad_file_is_one_error_line_and_exit_1(model_dir, command, damage, value, message):
    file = damage(model_dir, value)
    result = CliRunner().invoke(main, [command, "--model", str(model_dir), "abc"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"Error: {model_dir / file}: ")
    assert message in result.stderr and result.stdout == ""


def test_the_first_infinite_tensor_is_named(model_dir):
    name = one_infinite_tensor(model_dir)
    with pytest.raises(ModelLoadError, match=f"model.safetensors: tensor '{name}' holds non-finite values"):
        ACTLanguageModel.from_pretrained(model_dir)


@pytest.mark.parametrize("command", ["segment", "ponder"])
def test_console_script_prints_one_line_for_nan_weights(model_dir, command):
    nan_bytes(model_dir)
    code = "import sys; from segment.cli import main; sys.argv[0] = 'actseg'; main()"
    done = subprocess.run([sys.executable, "-c", code, command, "--model", str(model_dir), "abc"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"Error: {model_dir / 'model.safetensors'}: tensor 'bias.0' holds "
                                        "non-finite values (NaN or infinity)"]


def test_every_problem_of_a_file_is_listed(model_dir):
    segmenter_case(model_dir, {"offset": 5, "height": "high", "colour": 1})
    with pytest.raises(ModelLoadError, match="colour: unknown.*; offset: must .*; height: must"):
        tuned_settings(model_dir)


# -- segmenter settings: one schema for the file and the library -------------------------------------------------
def test_file_schema_is_the_segmenter_parameters_but_the_model_and_its_configs():
    params = set(inspect.signature(ModelSignalSegmenter.__init__).parameters) - {"self"}
    assert set(MODEL_PARAM_CHECKS) == params - {"model", "model_config", "train_config"}


def test_valid_settings_load_and_give_the_same_cuts_as_the_same_params(model_dir, tmp_path):
    settings = {"signal_name": "entropy", "offset": 1, "threshold": "quantile", "height": 0.3, "distance": 2,
                "sentence_height": 0.9, "scope": "sequence", "level": "word", "prominence": 0, "width": 1.0,
                "batch_size": 4, "chunk_len": 16, "context": 0, "device": "cpu"}
    tuned = shutil.copytree(model_dir, tmp_path / "tuned")
    segmenter_case(tuned, settings)
    assert tuned_settings(tuned) == settings
    from_file = ModelSignalSegmenter.from_pretrained(tuned)
    direct = ModelSignalSegmenter.from_pretrained(model_dir, **settings)
    assert [c.tolist() for c in from_file.predict_many(TEXT)] == [c.tolist() for c in direct.predict_many(TEXT)]


@pytest.mark.parametrize("settings, _", [s for s in SEGMENTER_CASES if isinstance(s[0], dict)
                                         and s[0].keys() <= MODEL_PARAM_CHECKS.keys()])
def test_bad_params_are_a_parameter_error_in_the_library(model_dir, settings, _):
    field = next(iter(settings)) if len(settings) == 1 else "height"
    with pytest.raises(ParameterError, match=f"^{field} "):
        ModelSignalSegmenter.from_pretrained(model_dir, **settings)
    with pytest.raises(ParameterError, match=f"^{field} "):
        ModelSignalSegmenter(str(model_dir), **settings).fit([])


@pytest.mark.parametrize("params", [{"offset": 2}, {"height": "high"}, {"distance": 0}, {"level": "page"},
                                    {"offset": 1.0}, {"width": float("nan")}])
def test_peak_segmenter_checks_its_params_at_fit_and_predict(params):
    segmenter = SignalPeakSegmenter(np.array([0.0, 1.0, 0.0, 2.0]), **params)
    for use in (lambda: segmenter.fit(["abcd"]), lambda: segmenter.predict("abcd"),
                lambda: segmenter.boundary_scores("abcd")):
        with pytest.raises(ParameterError, match=f"^{next(iter(params))} must be"):
            use()


# -- the configs: every field against its annotation ----------------------------------------------------------
def annotated(config_type, kind):
    hints = typing.get_type_hints(config_type)
    return [f.name for f in fields(config_type) if kind in (hints[f.name], *typing.get_args(hints[f.name]))]


def build(config_type, **changes):
    return config_type(**{**({"vocab_size": 5} if config_type is ACTConfig else {}), **changes})


CONFIG_TYPES = [ACTConfig, TrainConfig]


@pytest.mark.parametrize("config_type", CONFIG_TYPES)
@pytest.mark.parametrize("value", [2.5, 128.0, True, "128"])
def test_integer_fields_refuse_floats_bools_and_strings(config_type, value):
    for name in annotated(config_type, int):
        with pytest.raises(ValueError, match=rf"^invalid {config_type.__name__} field\(s\): {name} must be an "
                                             rf"integer.* \(got {re.escape(repr(value))}\)$"):
            build(config_type, **{name: value})


@pytest.mark.parametrize("config_type", CONFIG_TYPES)
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_bool_fields_refuse_anything_but_true_and_false(config_type, value):
    for name in annotated(config_type, bool):
        with pytest.raises(ValueError, match=f"{name} must be true or false"):
            build(config_type, **{name: value})


@pytest.mark.parametrize("config_type", CONFIG_TYPES)
def test_float_fields_take_integers_and_refuse_bools_strings_and_nan(config_type):
    for name in annotated(config_type, float):
        if name == "tau_ramp":
            continue
        for number in (0, 3):  # an integer is a valid type (its range is checked as before)
            try:
                assert getattr(build(config_type, **{name: number}), name) == number
            except ValueError as err:
                assert "finite number" not in str(err)
        for bad in (True, "0.1", float("nan")):
            with pytest.raises(ValueError, match=f"{name} must be a finite number"):
                build(config_type, **{name: bad})


@pytest.mark.parametrize("config_type", CONFIG_TYPES)
def test_optional_fields_take_none(config_type):
    hints = typing.get_type_hints(config_type)
    optional = [f.name for f in fields(config_type) if type(None) in typing.get_args(hints[f.name])]
    assert optional and all(getattr(build(config_type, **{name: None}), name) is None for name in optional)


def test_tuple_fields_take_a_list_of_the_right_length():
    assert TrainConfig(tau_ramp=[0.01, 0.04]).tau_ramp == [0.01, 0.04]
    assert TrainConfig(tau_ramp=(0, 1)).tau_ramp == (0, 1)
    for bad in ([0.01], [0.01, 0.02, 0.03], ["a", 0.1], 0.1):
        with pytest.raises(ValueError, match=re.escape(
                "tau_ramp must be a list [a finite number, a finite number] or None")):
            TrainConfig(tau_ramp=bad)


def test_one_error_names_every_bad_field():
    with pytest.raises(ValueError) as err:
        ACTConfig(vocab_size=5, hidden=128.0, act="yes")
    assert str(err.value) == ("invalid ACTConfig field(s): hidden must be an integer (got 128.0); "
                              "act must be true or false (got 'yes')")


@pytest.mark.parametrize("config_type, changes, message", [
    (ACTConfig, {"vocab_size": 1}, "vocab_size must be >= 2 (got 1)"),
    (ACTConfig, {"eps": 1.0, "halt_init": "gauss"}, "eps must be in [0, 1) (got 1.0); halt_init must be one of"),
    (TrainConfig, {"lr": 0}, "lr must be > 0 (got 0)"),
    (TrainConfig, {"resume": True}, "resume must be false when out is None (got True)"),
    (TrainConfig, {"tau_ramp": [0.1, 0.2], "ponder_target": 3.0}, "tau_ramp must be None or two values >= 0"),
])
def test_range_checks_are_kept(config_type, changes, message):
    with pytest.raises(ValueError, match=f"^invalid {config_type.__name__} field"):
        build(config_type, **changes)
    with pytest.raises(ValueError) as err:
        build(config_type, **changes)
    assert message in str(err.value)


def test_defaults_and_numpy_numbers_are_valid():
    assert ACTConfig(vocab_size=np.int64(7), tau=np.float32(0.05)).vocab_size == 7
    assert TrainConfig() == TrainConfig(**{f.name: getattr(TrainConfig(), f.name) for f in fields(TrainConfig)})


def test_missing_required_field_is_named():
    with pytest.raises(ValueError, match="missing ACTConfig field"):
        ACTConfig.from_dict({"hidden": 8})
