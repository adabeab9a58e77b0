"""Run specs and scales: typed, JSON round trips, and the resolved settings the runs had before presets."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from segment.errors import ActSegError
from segment.boundaries import reverse_view
from segment.eval.run_specs import RunSpec
from segment.eval.scales import SCALES, get_scale

#: Every run's resolved settings as the string-encoded specs of the earlier code gave them (TrainConfig's
#: ``steps`` renamed ``iterations``).
EARLIER = json.loads((Path(__file__).parent / "data" / "run_configs.json").read_text())
#: ACTConfig fields that only a halting unit reads: the controls (act=False, fixed_steps) ignore them.
HALTING_FIELDS = {"max_steps", "tau", "eps", "halt_bias", "halt_init"}


def _resolved(spec: RunSpec) -> dict:
    model = dataclasses.asdict(spec.model_config())
    del model["vocab_size"]
    train = {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(spec.train_config()).items()}
    if spec.kind != "act":
        model = {k: v for k, v in model.items() if k not in HALTING_FIELDS}
    view = {k: getattr(spec, k) for k in ("train_data", "test", "dev", "punctuation", "case", "spaces", "direction",
                                          "tags")}
    return {"model": model, "train": train, "max_seconds": spec.max_seconds,
            **{k: list(v) if isinstance(v, tuple) else v for k, v in view.items()}}


@pytest.mark.parametrize("scale", ["cpu", "gpu"])
def test_every_run_keeps_its_earlier_resolved_settings(scale):
    """The cpu results were trained with these settings; presets on the new defaults must not move them.
    (The smoke scale's tiny runs take the recommended defaults instead.)"""
    runs = {spec.name: spec for spec in SCALES[scale].runs}
    assert list(runs) == list(EARLIER[scale])
    for name, spec in runs.items():
        earlier = dict(EARLIER[scale][name])
        if spec.kind != "act":
            earlier["model"] = {k: v for k, v in earlier["model"].items() if k not in HALTING_FIELDS}
        resolved = _resolved(spec)
        assert {k: resolved["model"].get(k) for k in earlier["model"]} == earlier["model"], name
        assert {k: resolved["train"].get(k) for k in earlier["train"]} == earlier["train"], name
        assert {k: v for k, v in resolved.items() if k not in ("model", "train")} == \
            {k: v for k, v in earlier.items() if k not in ("model", "train")}, name


@pytest.mark.parametrize("scale", sorted(SCALES))
def test_every_run_spec_round_trips_through_json(scale):
    for spec in SCALES[scale].runs:
        again = RunSpec.from_json(spec.to_json())
        assert again == spec
        assert again.kind == spec.kind


def test_the_kind_follows_the_model_fields():
    kinds = {spec.name: spec.kind for spec in SCALES["cpu"].runs}
    assert kinds["bp-lstm"] == "lstm" and kinds["bp-fixed3"] == "fixed" and kinds["bp-tau0.03"] == "act"


def test_scales_are_consistent():
    for scale in SCALES.values():
        names = [r.name for r in scale.runs]
        assert len(names) == len(set(names))
        assert all(r.test in scale.corpora for r in scale.runs)
        assert all(t.runs_of in scale.corpora for t in scale.sentences.values())
        owners = {k for k, c in scale.corpora.items() if c.runs_of is None}
        assert all(c.runs_of in owners for c in scale.corpora.values() if c.runs_of is not None)
        main = [r.test for r in scale.runs if "main" in r.tags]
        assert len(main) == len(set(main)) and set(main) == owners  # one main ACT run per corpus with runs
        assert scale.bits is None or scale.bits.runs_of in owners
    for name in ("cpu", "gpu"):  # the tau sweep spans at least 1e-3 to 1e-1
        taus = {r.model_config().tau for r in SCALES[name].runs if "sweep" in r.tags}
        assert min(taus) <= 1e-3 and max(taus) >= 0.1 and len(taus) >= 5


def test_cpu_long_compares_act_with_its_controls_at_one_size_and_budget():
    from segment.eval.halting_study import LEVERS

    runs = {r.name: r for r in SCALES["cpu-long"].runs}
    assert {r.kind for r in runs.values()} == {"act", "lstm", "fixed"}
    assert {r.model_config().hidden for r in runs.values()} == {384}
    assert {r.max_seconds for r in runs.values()} == {6000}  # at least an hour each
    assert {r.train_data for r in runs.values()} == {("gutenberg-en:train", "ud-en-ewt:train")}
    model, _ = LEVERS["bounded+norm+freeze"]  # the halting study's candidate setting
    act = runs["en-act"]
    assert "main" in act.tags and {k: act.model[k] for k in model} == model and act.train["halt_freeze"] > 0


@pytest.mark.parametrize("scale, main, constraint", [("cpu-long", "en-act", "en-constraint"),
                                                     ("cpu-zh", "zh-act", "zh-constraint")])
def test_the_constraint_run_changes_only_the_main_runs_ponder_constraint(scale, main, constraint):
    from segment.eval.halting_study import seed_value  # the study's fixed target, repeated with seeds

    runs = {r.name: r for r in SCALES[scale].runs}
    act, lever = runs[main], runs[constraint]
    assert "main" in act.tags and "main" not in lever.tags
    assert lever.model == act.model and lever.train == {**act.train, "ponder_constraint": seed_value("constraint")}
    assert (lever.train_data, lever.max_seconds) == (act.train_data, act.max_seconds)


@pytest.mark.parametrize("scale, main, twin", [("cpu-long", "en-act", "en-act-rtl"), ("smoke", "en-act", "en-act-rtl")])
def test_the_right_to_left_twin_is_the_main_run_on_reversed_units(scale, main, twin):
    import dataclasses

    runs = {r.name: r for r in SCALES[scale].runs}  # the shipped model's rtl/ folder comes from <main>-rtl
    assert runs[twin].direction == "rtl" and "default-candidate" not in runs[twin].tags
    assert dataclasses.replace(runs[twin], name=main, direction="ltr", tags=runs[main].tags) == runs[main]


def test_the_chinese_control_reads_the_same_text_with_one_update_per_symbol():
    runs = {r.name: r for r in SCALES["cpu-zh"].runs}
    act, control = runs["zh-act"], runs["zh-lstm"]
    assert control.kind == "lstm" and control.model_config().hidden == act.model_config().hidden
    assert (control.train_data, control.max_seconds, control.dev) == (act.train_data, act.max_seconds, act.dev)


def test_capped_scale_shrinks_budget_width_and_units():
    capped = SCALES["gpu"].capped(20, 16, 100)
    assert all(r.max_seconds == 20 and r.model_config().hidden == 16 for r in capped.runs)
    assert capped.max_units == 100
    assert SCALES["gpu"].runs[0].model_config().hidden == 256  # the original is untouched


def test_spec_rejects_an_unknown_direction_and_unknown_config_fields():
    with pytest.raises(ValueError, match="direction"):
        RunSpec("x", ("brent-phono:all",), "brent-phono", direction="up")
    with pytest.raises(TypeError):
        RunSpec("x", ("brent-phono:all",), "brent-phono", model={"cap": 4})


def test_an_unknown_scale_is_a_one_line_error():
    with pytest.raises(ActSegError, match="unknown scale 'huge': choose one of smoke, cpu, cpu-long, cpu-zh, gpu"):
        get_scale("huge")


def test_reverse_view_mirrors_cuts():
    sequences, cuts = reverse_view(["abcde", "xy"], [np.array([2, 3]), np.array([1])])
    assert sequences == ["edcba", "yx"]
    assert [c.tolist() for c in cuts] == [[2, 3], [1]]
