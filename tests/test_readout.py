"""The learned boundary readout: features, the threshold, fitting, JSON storage, the CLI."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from segment.cli import main
from segment.errors import ModelLoadError, ParameterError
from segment.models import ACTConfig, TrainConfig
from segment.ponder import PonderSegmenter
from segment.readout import (COARSE_CLASSES, FORMAT_VERSION, SYMBOL_CLASSES, ReadoutSegmenter, best_threshold,
                             feature_names, labelled_sequences, sequence_features, symbol_class)

WORDS = ["The", "Cat", "Sat", "On", "A", "Mat", "Dog", "Ran", "To", "It", "Red", "Big"]


def camel_units(count: int, seed: int = 0) -> tuple[list[str], list[np.ndarray]]:
    """Units of capitalised words run together: every cut sits before an upper-case letter."""
    rng = np.random.default_rng(seed)
    units, cuts = [], []
    for _ in range(count):
        words = [WORDS[i] for i in rng.integers(0, len(WORDS), rng.integers(2, 7))]
        units.append("".join(words))
        cuts.append(np.cumsum([len(w) for w in words])[:-1])
    return units, cuts


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    from segment.models.trainer import train

    units, _ = camel_units(60)
    model = train(ACTConfig(vocab_size=2, hidden=8, max_steps=3), TrainConfig(iterations=5, seq_len=16, batch_size=4,
                                                                               progress=False), units)
    directory = tmp_path_factory.mktemp("model")
    model.save_pretrained(directory)
    return directory


def test_symbol_classes_and_feature_layout():
    named = [SYMBOL_CLASSES[symbol_class(c)] for c in "aZ中7.。?(«)」,-\t"]
    assert named == ["lower", "upper", "letter", "digit", "terminal", "terminal", "terminal", "opening", "opening",
                     "closing", "closing", "punctuation", "punctuation", "other"]
    assert [COARSE_CLASSES[symbol_class(c, COARSE_CLASSES)] for c in ".(,\t"] == ["punctuation"] * 3 + ["other"]
    assert symbol_class("aa") == 0 and SYMBOL_CLASSES[symbol_class("")] == "other"  # symbols by their first character
    columns = [np.arange(6.0), np.ones(6)]
    rows = sequence_features("abCdef", columns, window=1, z_window=2)
    names = feature_names(("ponder", "entropy"), 1, rtl=False)
    assert rows.shape == (5, len(names))
    assert rows[0, names.index("ponder[+0]")] == 1.0 and rows[0, names.index("ponder[-1]")] == 0.0
    assert rows[1, names.index("ponder:dprev")] == 1.0 and rows[1, names.index("class[0]=upper")] == 1.0
    assert rows[1, names.index("class[-1]=lower")] == 1.0
    assert sequence_features("a", columns, 1, 2).shape == (0, len(names))
    wide = feature_names(("ponder", "entropy"), 1, rtl=False, class_window=2)
    rows = sequence_features("ab.Cd", [np.arange(5.0), np.ones(5)], 1, 2, class_window=2)
    assert rows.shape == (4, len(wide)) and wide[-1] == "class[1]=other"
    classes = [[name for name, on in zip(wide, row) if on and name.startswith("class")] for row in rows]
    assert classes[0] == ["class[-1]=lower", "class[0]=lower", "class[1]=terminal"]  # nothing before "a"
    assert classes[2] == ["class[-2]=lower", "class[-1]=terminal", "class[0]=upper", "class[1]=lower"]
    assert classes[3] == ["class[-2]=terminal", "class[-1]=upper", "class[0]=lower"]  # nothing after "d"


def test_best_threshold_maximises_f():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    labels = np.array([1, 1, 0, 1, 0, 0])
    threshold, f = best_threshold(scores, labels)
    assert threshold == 0.6 and f == pytest.approx(2 * 3 / (4 + 3))
    assert best_threshold(np.array([0.5, 0.5, 0.1]), np.array([1, 0, 0]))[0] == 0.5  # ties stay together


def test_readout_learns_cuts_and_round_trips_through_json(model_dir):
    from segment.eval import word_scores

    units, cuts = camel_units(80)
    readout = ReadoutSegmenter(str(model_dir), signals=("ponder", "entropy"), window=1).fit(units, cuts)
    test_units, test_cuts = camel_units(30, seed=1)
    predicted = readout.predict_many(test_units)
    assert word_scores(reference=test_cuts, hypothesis=predicted, sequences=test_units)["boundary_noedge_f"] > 0.95
    path = readout.save(model_dir)
    stored = json.loads(path.read_text())
    assert path.name == "readout-word.json" and stored["features"] == readout.feature_names_
    loaded = ReadoutSegmenter.from_pretrained(model_dir)
    np.testing.assert_allclose(np.concatenate(loaded.boundary_scores_many(test_units)),
                               np.concatenate(readout.boundary_scores_many(test_units)))
    assert [c.tolist() for c in loaded.predict_many(test_units)] == [c.tolist() for c in predicted]
    stored["members"][0]["coef"] = stored["members"][0]["coef"][:-1]
    path.write_text(json.dumps(stored))
    with pytest.raises(ModelLoadError, match=r"readout-word.json: members\[0\].coef: must be"):
        ReadoutSegmenter.from_pretrained(model_dir)
    path.unlink()
    with pytest.raises(ModelLoadError, match="no word readout"):
        ReadoutSegmenter.from_pretrained(model_dir)


def test_an_mlp_readout_matches_scikit_learn_and_round_trips_through_json(model_dir, tmp_path):
    import shutil

    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    units, cuts = camel_units(80)
    readout = ReadoutSegmenter(str(directory), signals=("ponder", "entropy"), window=1, classifier="mlp",
                               hidden=(8, 4)).fit(units, cuts)
    assert [w.shape for w, _ in readout.networks_[0].layers] == [(len(readout.feature_names_), 8), (8, 4)]
    # the stored network is scikit-learn's, fitted on the same rows with the same seed
    rows = readout.features(units)
    split = round(len(units) * 0.9)
    train_x = np.concatenate(rows[:split])
    train_y = np.concatenate([np.isin(np.arange(1, len(u)), c) for u, c in zip(units[:split], cuts[:split])])
    scaler = StandardScaler().fit(train_x)
    network = MLPClassifier((8, 4), alpha=1e-3, early_stopping=True, random_state=0, max_iter=200).fit(
        scaler.transform(train_x), train_y)
    test_units, _ = camel_units(10, seed=1)
    expected = network.predict_proba(scaler.transform(np.concatenate(readout.features(test_units))))[:, 1]
    np.testing.assert_allclose(np.concatenate(readout.boundary_scores_many(test_units)), expected, rtol=1e-6)
    path = readout.save(directory)
    stored = json.loads(path.read_text())
    network = stored["members"][0]
    assert stored["format"] == FORMAT_VERSION and stored["classifier"] == "mlp" and len(stored["members"]) == 1 \
        and len(network["hidden_layers"]) == 2
    loaded = ReadoutSegmenter.from_pretrained(directory)
    assert (loaded.classifier, loaded.hidden, loaded.members) == ("mlp", (8, 4), 1)
    np.testing.assert_allclose(np.concatenate(loaded.boundary_scores_many(test_units)), expected, rtol=1e-6)
    for field, value, message in [
            ("members", [{**network, "hidden_layers": network["hidden_layers"][:1]}], "a 'mlp' readout has 2, not 1"),
            ("members", [{**network, "hidden_layers": [{"weights": [[0.0]], "bias": [0.0]}] * 2}],
             r"members\[0\].hidden_layers\[0\]"),
            ("members", [{**network, "intercept": None}], r"members\[0\].intercept: must be a finite number"),
            ("members", [], "members: must be a non-empty list"),
            ("classifier", "forest", "classifier: 'forest' is not one of")]:
        path.write_text(json.dumps({**stored, field: value}))
        with pytest.raises((ModelLoadError, ParameterError), match=message):
            ReadoutSegmenter.from_pretrained(directory)


def test_an_ensemble_readout_averages_its_networks_and_round_trips(model_dir, tmp_path):
    import shutil

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    units, cuts = camel_units(80)
    settings = dict(signals=("ponder", "entropy"), window=1, classifier="mlp", hidden=(8,))
    ensemble = ReadoutSegmenter(str(directory), members=3, seed=5, **settings).fit(units, cuts)
    singles = [ReadoutSegmenter(str(directory), seed=seed, **settings).fit(units, cuts) for seed in (5, 6, 7)]
    test_units, _ = camel_units(10, seed=1)
    mean = np.mean([np.concatenate(s.boundary_scores_many(test_units)) for s in singles], axis=0)
    np.testing.assert_allclose(np.concatenate(ensemble.boundary_scores_many(test_units)), mean, rtol=1e-9)
    assert not np.allclose(mean, np.concatenate(singles[0].boundary_scores_many(test_units)))  # seeds differ
    path = ensemble.save(directory)
    stored = json.loads(path.read_text())
    assert len(stored["members"]) == 3
    loaded = ReadoutSegmenter.from_pretrained(directory)
    assert loaded.members == 3 and loaded.threshold_ == ensemble.threshold_
    np.testing.assert_allclose(np.concatenate(loaded.boundary_scores_many(test_units)), mean, rtol=1e-9)
    path.write_text(json.dumps({**stored, "classifier": "logistic", "hidden": [8]}))
    with pytest.raises(ModelLoadError, match="members: a 'logistic' readout has one network, not 3"):
        ReadoutSegmenter.from_pretrained(directory)
    for members in (0, 1.5):
        with pytest.raises(ParameterError, match="members must be an integer >= 1"):
            ReadoutSegmenter(str(directory), members=members).fit(units, cuts)
    with pytest.raises(ParameterError, match="members > 1 needs classifier='mlp'"):
        ReadoutSegmenter(str(directory), members=2).fit(units, cuts)


@pytest.mark.parametrize("version", [1, 2, 3])
def test_readout_files_of_earlier_versions_still_load(model_dir, tmp_path, version):
    import shutil

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    units, cuts = camel_units(40)
    readout = ReadoutSegmenter(str(directory), signals=("ponder",), window=1, classes=COARSE_CLASSES).fit(units, cuts)
    text = "The(Cat)Sat.On,It"
    expected = readout.boundary_scores(text)
    current = readout.to_dict()
    old = {k: v for k, v in current.items() if k != "members"} | current["members"][0]  # one network, at the top
    dropped = [] if version == 3 else ["class_window", "symbol_classes"]
    if version == 1:
        dropped += ["classifier", "hidden", "alpha", "seed", "hidden_layers"]
    old = {k: v for k, v in old.items() if k not in dropped}
    (directory / "readout-word.json").write_text(json.dumps({**old, "format": version}))
    loaded = ReadoutSegmenter.from_pretrained(directory)
    assert loaded.classifier == "logistic" and loaded.networks_[0].layers == [] and loaded.classes == COARSE_CLASSES
    np.testing.assert_allclose(loaded.boundary_scores(text), expected)
    assert loaded.to_dict()["format"] == FORMAT_VERSION and loaded.to_dict()["symbol_classes"] == list(COARSE_CLASSES)


def test_a_readout_file_of_an_unknown_version_or_classes_is_refused(model_dir, tmp_path):
    import shutil

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    units, cuts = camel_units(40)
    stored = ReadoutSegmenter(str(directory), signals=("ponder",), window=1).fit(units, cuts).to_dict()
    path = directory / "readout-word.json"
    for change, message in [({"format": FORMAT_VERSION + 1}, f"format: {FORMAT_VERSION + 1} is not one of"),
                            ({"symbol_classes": ["lower", "upper"]}, "symbol_classes: must be"),
                            ({"symbol_classes": list(COARSE_CLASSES)}, "features do not match"),
                            ({"class_window": 2}, "features do not match"),
                            ({"class_window": 0}, "class_window: 0 is not an integer >= 1"),
                            ({"class_window": "2"}, "class_window: '2' is not an integer >= 1")]:
        path.write_text(json.dumps({**stored, **change}))
        with pytest.raises(ModelLoadError, match=message):
            ReadoutSegmenter.from_pretrained(directory)


def test_bad_parameters_and_labels_are_refused(model_dir):
    units, cuts = camel_units(10)
    with pytest.raises(ParameterError, match="signals"):
        ReadoutSegmenter(str(model_dir), signals=("ponder", "colour")).fit(units, cuts)
    with pytest.raises(ParameterError, match="gold boundaries"):
        ReadoutSegmenter(str(model_dir)).fit(units)
    with pytest.raises(ParameterError, match="classifier must be one of"):
        ReadoutSegmenter(str(model_dir), classifier="forest").fit(units, cuts)
    with pytest.raises(ParameterError, match="classes must be SYMBOL_CLASSES or COARSE_CLASSES"):
        ReadoutSegmenter(str(model_dir), classes=("lower", "other")).fit(units, cuts)
    with pytest.raises(ParameterError, match="class_window must be an integer >= 1"):
        ReadoutSegmenter(str(model_dir), class_window=0).fit(units, cuts)
    with pytest.raises(ParameterError, match="hidden must be"):
        ReadoutSegmenter(str(model_dir), classifier="mlp", hidden=(0,)).fit(units, cuts)
    with pytest.raises(ParameterError, match="both cuts and non-cuts"):
        ReadoutSegmenter(str(model_dir)).fit(units, [np.zeros(0, dtype=np.int64)] * len(units))


def test_sentence_labels_join_units(corpora_dir):
    from segment.corpora import load_corpus

    corpus = load_corpus("sample-en", "train")
    sequences, cuts = labelled_sequences(corpus, "sentence", units=3, chunk_units=4)
    assert len(sequences) == 3 and sequences[0] == "".join(u.sequence for u in corpus.units[:4])
    first = corpus.units[0]
    assert len(first) in cuts[0] and all(0 < c < len(sequences[0]) for c in cuts[0])
    assert set((first.sentence_boundaries).tolist()) <= set(cuts[0].tolist())


def test_word_labels_join_units_with_their_edges_as_cuts(corpora_dir):
    from segment.corpora import load_corpus

    corpus = load_corpus("sample-en", "train")
    alone, alone_cuts = labelled_sequences(corpus, "word", units=6)
    runs, run_cuts = labelled_sequences(corpus, "word", units=2, chunk_units=3)
    assert len(runs) == 2 and runs[0] == "".join(alone[:3]) and runs[1] == "".join(alone[3:6])
    edges = np.cumsum([len(s) for s in alone[:3]])
    expected = np.concatenate([alone_cuts[0], edges[0] + alone_cuts[1], edges[1] + alone_cuts[2], edges[:2]])
    np.testing.assert_array_equal(run_cuts[0], np.unique(expected))
    assert [c.tolist() for c in labelled_sequences(corpus, "word", units=6, chunk_units=1)[1]] == \
        [c.tolist() for c in alone_cuts]
    mixed, mixed_cuts = labelled_sequences(corpus, "word", units=3, chunk_units=2, mixed=True)
    assert mixed == [alone[0], alone[1] + alone[2], alone[3]]
    assert mixed_cuts[1].tolist() == sorted({*alone_cuts[1].tolist(), len(alone[1]),
                                             *(len(alone[1]) + alone_cuts[2]).tolist()})


def test_cli_fits_a_readout_that_segment_then_uses(model_dir, tmp_path):
    units, cuts = camel_units(80)
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("".join(" ".join(u[a:b] for a, b in zip([0, *c], [*c, len(u)])) + "\n"
                              for u, c in zip(units, cuts)), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["readout", "fit", "--model", str(model_dir), "--corpus", f"plain:{spaced}",
                                  "--split", "all", "--signals", "ponder,entropy"])
    assert result.exit_code == 0, result.output
    assert (model_dir / "readout-word.json").is_file()
    learned = runner.invoke(main, ["segment", "--model", str(model_dir), "TheDogRanToAMat"])
    assert learned.exit_code == 0 and learned.output == "The Dog Ran To A Mat\n"
    peaks = runner.invoke(main, ["segment", "--model", str(model_dir), "--no-readout", "TheDogRanToAMat"])
    assert peaks.exit_code == 0 and peaks.output != learned.output
    unseen = runner.invoke(main, ["segment", "--model", str(model_dir), "TheDog€Ran"])
    assert unseen.exit_code == 0 and unseen.stderr.count("unseen in training") == 1  # one model pass, one warning
    (model_dir / "readout-word.json").unlink()


def test_readout_study_rows_for_every_feature_set(model_dir, tmp_path):
    import shutil

    from segment.eval.readout_study import FEATURE_SETS, MLP_SETS, ReadoutTask, run_task, write_report

    shutil.copytree(model_dir, tmp_path / "runs" / "tiny" / "model")
    task = ReadoutTask("sample", "tiny", "sample-en:train", "sample-en:train", train_fraction=0.3)
    rows = run_task(task, tmp_path / "runs", data_dir=None)
    assert [(r["features"], r["classifier"]) for r in rows] == [
        (name, c) for name in FEATURE_SETS for c in ("logistic", "mlp") if c == "logistic" or name in MLP_SETS]
    for row in rows:
        assert 0 <= row["f_ci_low"] <= row["boundary_f"] <= row["f_ci_high"] <= 1
        assert row["train_units"] + row["test_units"] > row["test_units"] > row["train_units"]
    report = write_report({"missing": ["absent-run"], "rows": rows}, tmp_path, "python -m segment.eval.readout_study")
    assert "absent-run" in report.read_text() and "entropy+surprisal" in report.read_text()


def test_readout_study_adds_rtl_rows_when_the_task_has_a_right_to_left_run(model_dir, tmp_path):
    import shutil

    from segment.eval.halting_study import study_runs
    from segment.eval.readout_study import FEATURE_SETS, TASKS, ReadoutTask, rtl_runs, run_task

    for name in ("tiny", "tiny-rtl"):
        shutil.copytree(model_dir, tmp_path / "runs" / name / "model")
    task = ReadoutTask("sample", "tiny", "sample-en:train", "sample-en:train", train_fraction=0.3, rtl=True)
    rows = run_task(task, tmp_path / "runs", data_dir=None)
    sets = [r["features"] for r in rows if r["classifier"] == "logistic"]
    assert sets == list(FEATURE_SETS) + [f"{name}+rtl" for name in FEATURE_SETS]
    specs = {spec.name: spec for *_, spec in study_runs()}
    runs = rtl_runs()
    assert [r.name for r in runs] == [f"{t.model}-rtl" for t in TASKS if t.rtl and t.model != "shipped"] and runs
    for run in runs:  # the left-to-right run's settings, on reversed units
        ltr = specs[run.name.removesuffix("-rtl")]
        assert run.direction == "rtl" and (run.model, run.train, run.train_data) == (ltr.model, ltr.train,
                                                                                     ltr.train_data)


def test_a_readout_reads_the_class_probabilities_of_both_models(model_dir, tmp_path):
    import shutil

    from segment.models.inference import compute_signals
    from segment.peaks import shift_right
    from segment.ponder import load_model
    from segment.readout import CLASS_PROBABILITY_SIGNALS, READOUT_SIGNALS

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    units, cuts = camel_units(40)
    readout = ReadoutSegmenter(str(directory), rtl_model=str(directory), signals=READOUT_SIGNALS, window=0).fit(
        units, cuts)
    for prefix in ("", "rtl:"):
        assert all(f"{prefix}{name}[+0]" in readout.feature_names_ for name in CLASS_PROBABILITY_SIGNALS)
    # the twin's p_upper at cut t is its probability that symbol t - 1 is uppercase, read from the text after it
    unit = units[0]
    rows = readout.features([unit])[0]
    [backward] = compute_signals(load_model(directory), [unit[::-1]])
    column = readout.feature_names_.index("rtl:p_upper[+0]")
    np.testing.assert_allclose(rows[:, column], shift_right(backward.p_upper[::-1])[1:], atol=1e-6)
    readout.save(directory)
    loaded = ReadoutSegmenter.from_pretrained(directory)
    assert loaded.signals == READOUT_SIGNALS
    np.testing.assert_allclose(loaded.boundary_scores("TheCatSat"), readout.boundary_scores("TheCatSat"))


def test_the_readout_names_every_model_signal_as_inference_computes_them():
    from segment.models.inference import CLASS_SIGNALS, SIGNAL_NAMES
    from segment.readout import CLASS_PROBABILITY_SIGNALS, DEFAULT_SIGNALS, READOUT_SIGNALS

    assert READOUT_SIGNALS == SIGNAL_NAMES and CLASS_PROBABILITY_SIGNALS == tuple(CLASS_SIGNALS)
    assert set(DEFAULT_SIGNALS) == set(READOUT_SIGNALS) - set(CLASS_PROBABILITY_SIGNALS)


def test_right_to_left_model_adds_its_features_and_is_needed_again(model_dir, tmp_path):
    import shutil

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    units, cuts = camel_units(40)
    both = ReadoutSegmenter(str(directory), rtl_model=str(directory), signals=("ponder",), window=1).fit(units, cuts)
    assert len(both.feature_names_) == len(feature_names(("ponder",), 1, rtl=False)) + 6
    assert any(name.startswith("rtl:ponder") for name in both.feature_names_)
    both.save(directory)  # copies the right-to-left model to directory/rtl, where loading finds it
    assert sorted(p.name for p in (directory / "rtl").iterdir()) == ["config.json", "model.safetensors", "vocab.json"]
    loaded = ReadoutSegmenter.from_pretrained(directory)
    assert loaded.rtl_model == str(directory / "rtl")
    np.testing.assert_allclose(loaded.boundary_scores("TheCatSat"), both.boundary_scores("TheCatSat"))
    shutil.rmtree(directory / "rtl")
    with pytest.raises(ModelLoadError, match="right-to-left model too, and .*rtl is missing"):
        ReadoutSegmenter.from_pretrained(directory)
    loaded = ReadoutSegmenter.from_pretrained(directory, rtl_model=str(directory))
    np.testing.assert_allclose(loaded.boundary_scores("TheCatSat"), both.boundary_scores("TheCatSat"))
    # signals computed beforehand (the readout study's path) give the same fit and scores
    from segment.models.inference import compute_signals
    from segment.ponder import load_model

    model = load_model(directory)
    ltr, rtl = compute_signals(model, units), compute_signals(model, [u[::-1] for u in units])
    given = ReadoutSegmenter(str(directory), rtl_model=str(directory), signals=("ponder",), window=1).fit(
        units, cuts, ltr, rtl)
    np.testing.assert_allclose(given.networks_[0].coef, both.networks_[0].coef)
    for a, b in zip(given.boundary_scores_many(units[:3], ltr[:3], rtl[:3]), both.boundary_scores_many(units[:3])):
        np.testing.assert_allclose(a, b)
    with pytest.raises(ParameterError, match="device"):
        ReadoutSegmenter(str(directory), device="tpu").fit(units, cuts)


def test_cli_fit_keeps_the_right_to_left_model_in_the_model_directory(model_dir, tmp_path):
    import shutil

    from segment.models.trainer import train

    directory, rtl = tmp_path / "model", tmp_path / "rtl-model"
    shutil.copytree(model_dir, directory)
    shutil.copytree(model_dir, rtl)
    units, cuts = camel_units(80)
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("".join(" ".join(u[a:b] for a, b in zip([0, *c], [*c, len(u)])) + "\n"
                              for u, c in zip(units, cuts)), encoding="utf-8")
    runner = CliRunner()
    fit = ["readout", "fit", "--model", str(directory), "--corpus", f"plain:{spaced}", "--split", "all",
           "--signals", "ponder,entropy"]
    result = runner.invoke(main, [*fit, "--rtl-model", str(rtl)])
    assert result.exit_code == 0, result.output
    assert f"with the right-to-left model in {directory / 'rtl'}" in result.stderr
    assert (directory / "rtl" / "model.safetensors").read_bytes() == (rtl / "model.safetensors").read_bytes()
    sentence = runner.invoke(main, [*fit, "--level", "sentence", "--chunk-units", "2"])  # finds rtl/ itself
    assert sentence.exit_code == 0 and "with the right-to-left model" in sentence.stderr
    for level in ("word", "sentence"):
        assert json.loads((directory / f"readout-{level}.json").read_text())["rtl"] is True
    from segment.models.act_lstm import ACTLanguageModel

    loads = []
    real = ACTLanguageModel.from_pretrained.__func__

    def counted(cls, path, *args, **kwargs):
        loads.append(str(path))
        return real(cls, path, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ACTLanguageModel, "from_pretrained", classmethod(counted))
        both = runner.invoke(main, ["segment", "--model", str(directory), "--level", "both", "TheDogRanToAMat"])
    assert both.exit_code == 0, both.output
    assert sorted(loads) == sorted([str(directory), str(directory / "rtl")])  # each model loaded once, for both levels
    alone = runner.invoke(main, [*fit, "--no-rtl"])
    assert alone.exit_code == 0 and "right-to-left" not in alone.stderr
    assert json.loads((directory / "readout-word.json").read_text())["rtl"] is False
    clash = runner.invoke(main, [*fit, "--rtl-model", str(rtl), "--no-rtl"])
    assert clash.exit_code == 2 and "exclude each other" in clash.output
    other = train(ACTConfig(vocab_size=2, hidden=8, max_steps=3), TrainConfig(iterations=2, seq_len=16, batch_size=4,
                                                                               progress=False, seed=7), units)
    other.save_pretrained(tmp_path / "other")
    before = (directory / "readout-word.json").read_bytes()
    refused = runner.invoke(main, [*fit, "--rtl-model", str(tmp_path / "other")])
    assert refused.exit_code == 2 and "holds another right-to-left model" in refused.output
    assert (directory / "readout-word.json").read_bytes() == before  # nothing written


def test_the_shipped_models_right_to_left_twin_is_its_rtl_folder(model_dir, tmp_path, monkeypatch):
    import shutil

    import segment.shipped
    from segment.eval.readout_study import ReadoutTask, _rtl_dir

    shipped = tmp_path / "default"
    shutil.copytree(model_dir, shipped)
    monkeypatch.setattr(segment.shipped, "DEFAULT_MODEL", shipped)
    task = ReadoutTask("sample", "shipped", "sample-en:train", "sample-en:test", train_units=10, rtl=True)
    assert _rtl_dir(task, tmp_path / "runs") is None
    shutil.copytree(model_dir, shipped / "rtl")
    assert _rtl_dir(task, tmp_path / "runs") == shipped / "rtl"


def test_readout_study_only_keeps_the_other_tasks_rows(tmp_path):
    import click

    from segment.eval.readout_study import kept_results, without_only

    assert without_only(["--jobs", "2", "--only", "ud-en-ewt", "--only=brent-text", "--results-dir", "eval"]) == [
        "--jobs", "2", "--results-dir", "eval"]

    path = tmp_path / "readout.json"
    rows = [{"corpus": "brent-phono", "features": "all"}, {"corpus": "ud-en-ewt", "features": "all"}]
    path.write_text(json.dumps({"rows": rows, "missing": ["bt-graves-tau0.03-rtl", "shipped-rtl"]}))
    kept = kept_results(path, ("ud-en-ewt", "gutenberg-en"))
    assert kept == {"rows": rows[:1], "missing": ["bt-graves-tau0.03-rtl"]}
    assert kept_results(path, ()) == {"rows": [], "missing": []}  # without --only every task is scored again
    path.write_text("{")
    with pytest.raises(click.ClickException, match="cannot keep the other tasks' rows"):
        kept_results(path, ("ud-en-ewt",))


def test_cli_fits_an_mlp_readout(model_dir, tmp_path):
    import shutil

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    units, cuts = camel_units(60)
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("".join(" ".join(u[a:b] for a, b in zip([0, *c], [*c, len(u)])) + "\n"
                              for u, c in zip(units, cuts)), encoding="utf-8")
    fit = ["readout", "fit", "--model", str(directory), "--corpus", f"plain:{spaced}", "--split", "all",
           "--classifier", "mlp"]
    result = CliRunner().invoke(main, [*fit, "--hidden", "8"])
    assert result.exit_code == 0, result.output
    stored = json.loads((directory / "readout-word.json").read_text())
    assert stored["classifier"] == "mlp" and stored["hidden"] == [8] and len(stored["members"][0]["hidden_layers"]) == 1
    wide = CliRunner().invoke(main, [*fit, "--hidden", "8", "--class-window", "2"])
    assert wide.exit_code == 0 and json.loads((directory / "readout-word.json").read_text())["class_window"] == 2
    assert CliRunner().invoke(main, [*fit, "--class-window", "0"]).exit_code == 2
    pair = CliRunner().invoke(main, [*fit, "--hidden", "8", "--members", "2"])
    assert pair.exit_code == 0 and len(json.loads((directory / "readout-word.json").read_text())["members"]) == 2
    lone = CliRunner().invoke(main, [*fit[:-2], "--members", "2"])
    assert lone.exit_code == 2 and "--members above 1 needs --classifier mlp" in lone.output
    runs = CliRunner().invoke(main, [*fit, "--hidden", "8", "--chunk-units", "3"])
    assert runs.exit_code == 0 and "(20 labelled sequences" in runs.output  # 60 units in runs of 3
    mixed = CliRunner().invoke(main, [*fit, "--hidden", "8", "--chunk-units", "3", "--mixed-runs"])
    assert mixed.exit_code == 0 and "(30 labelled sequences" in mixed.output  # runs of 1, 2, 3, 1, 2, 3, ...
    unparsable = CliRunner().invoke(main, [*fit, "--hidden", "8,x"])
    assert unparsable.exit_code == 2 and "Invalid value for --hidden: '8,x' is not comma-separated integers" in \
        unparsable.output
    zero = CliRunner().invoke(main, [*fit, "--hidden", "0"])
    assert zero.exit_code == 1 and zero.output.strip().splitlines() == [
        "Error: hidden must be one or more layer widths >= 1, got (0,)"]


def test_readout_choice_scores_every_choice_on_dev(model_dir, tmp_path):
    from segment.eval.readout_choice import CHOICES, choose

    out = tmp_path / "choice.json"
    rows = choose(model_dir, "sample-en:train", "sample-en:test", [10, 20], out)
    assert [(r["units"], r["classifier"], r["window"], r["class_window"]) for r in rows] == \
        [(u, *c) for u in (10, 20) for c in CHOICES]
    assert all(0 <= r["dev_f"] <= 1 and 0 <= r["dev_runs_f"] <= 1 and r["level"] == "word" and not r["rtl"]
               and "chunk_units" not in r for r in rows)
    assert json.loads(out.read_text())["rows"] == rows
    again = choose(model_dir, "sample-en:train", "sample-en:test", [10], out, choices=CHOICES[:1])
    assert json.loads(out.read_text())["rows"] == rows[1:] + again  # the same settings measured again replace theirs
    runs = choose(model_dir, "sample-en:train", "sample-en:test", [5], out, chunk_units=2, choices=CHOICES[:1])
    assert runs[0]["chunk_units"] == 2 and json.loads(out.read_text())["rows"] == rows[1:] + again + runs
    mixed = choose(model_dir, "sample-en:train", "sample-en:test", [5], out, chunk_units=2, mixed=True,
                   choices=CHOICES[:1])
    assert mixed[0]["mixed_runs"] and json.loads(out.read_text())["rows"] == rows[1:] + again + runs + mixed


def test_readout_choice_reads_the_twin_and_the_sentence_level(model_dir, tmp_path):
    import shutil

    from segment.eval.readout_choice import choose

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    shutil.copytree(model_dir, directory / "rtl")
    choices = (("logistic", 1, 2),)
    rows = choose(directory, "sample-en:train", "sample-en:test", [6], tmp_path / "s.json", level="sentence",
                  chunk_units=2, choices=choices, coarse=True)
    assert [(r["level"], r["rtl"], r["chunk_units"], r["window"], r["class_window"], r["classes"]) for r in rows] == \
        [("sentence", True, 2, 1, 2, "coarse")]
    alone = choose(directory, "sample-en:train", "sample-en:test", [6], tmp_path / "w.json", choices=choices,
                   rtl=False)
    assert not alone[0]["rtl"] and "chunk_units" not in alone[0] and alone[0]["classes"] == "fine"


def test_readout_choice_command_rejects_malformed_choices(model_dir, tmp_path):
    from segment.eval.readout_choice import main as choice_main, parse_choices

    assert parse_choices("mlp:4,logistic:2:3") == (("mlp", 4, 1), ("logistic", 2, 3))
    result = CliRunner().invoke(choice_main, ["--model", str(model_dir), "--train", "sample-en:train", "--dev",
                                              "sample-en:test", "--choices", "mlp:4,forest:2"])
    assert result.exit_code == 2 and "Invalid value for --choices: 'forest:2' is not classifier:window" in result.output
    for bad in ("mlp", "mlp:4:0", "mlp:4:2:1", "mlp:x"):
        result = CliRunner().invoke(choice_main, ["--model", str(model_dir), "--train", "sample-en:train", "--dev",
                                                  "sample-en:test", "--choices", bad])
        assert result.exit_code == 2 and f"'{bad}' is not classifier:window[:class window >= 1]" in result.output


def test_word_readouts_are_chosen_by_single_and_run_together_dev_f():
    from segment.eval.readout_choice import best_row, choice_score

    old = {"level": "word", "dev_f": 0.99}  # measured before runs were scored: not comparable
    alone = {"level": "word", "dev_f": 0.92, "dev_runs_f": 0.80}
    runs = {"level": "word", "dev_f": 0.91, "dev_runs_f": 0.90}
    assert choice_score(old) is None and choice_score(runs) == pytest.approx(0.905)
    assert best_row([old, alone, runs]) is runs
    assert best_row([{"level": "sentence", "dev_f": 0.8}, {"level": "sentence", "dev_f": 0.85}])["dev_f"] == 0.85


def test_the_shipped_readouts_are_the_best_dev_rows_of_the_choice_files():
    from segment.eval.readout_choice import best_row
    from segment.eval.scales import CHINESE_READOUT, ENGLISH_READOUTS

    results = Path(__file__).parents[1] / "eval" / "results"
    for readout, file, dev, twin in [*((r, f"readout-choice-{r.level}.json", "ud-en-ewt:dev", True)
                                       for r in ENGLISH_READOUTS),
                                     (CHINESE_READOUT, "readout-choice-zh.json", "ud-zh-gsd:dev", False)]:
        best = best_row(json.loads((results / file).read_text())["rows"])
        assert (best["train"], best["units"], best.get("chunk_units", 1), best["classifier"], best["window"],
                best["class_window"]) == (readout.train, readout.units, readout.chunk, readout.classifier,
                                          readout.window, readout.class_window)
        assert best["classes"] == "fine" and best["rtl"] is twin and best["dev"] == dev
        assert best.get("mixed_runs", False) == readout.mixed_runs and best.get("members", 1) == readout.members
        assert best.get("signals") == (",".join(readout.signals) if readout.signals else None)
        assert readout.test == dev.replace(":dev", ":test") and readout.level == best["level"]


def test_both_models_read_with_the_readouts_chunking(model_dir, tmp_path, monkeypatch):
    import shutil

    import segment.models.inference as inference

    directory = tmp_path / "model"
    shutil.copytree(model_dir, directory)
    units, cuts = camel_units(20)
    readout = ReadoutSegmenter(str(directory), str(directory), signals=("ponder",), window=1, chunk_len=8,
                               context=3, batch_size=5).fit(units, cuts)
    seen = []
    real = inference.compute_signals
    monkeypatch.setattr(inference, "compute_signals",
                        lambda model, seqs, **kw: seen.append(kw) or real(model, seqs, **kw))
    readout.predict("TheCatSatOnAMat")
    assert [(k["batch_size"], k["chunk_len"], k["context"]) for k in seen] == [(5, 8, 3)] * 2  # model and twin
    readout.save(directory)
    seen.clear()
    result = CliRunner().invoke(main, ["segment", "--model", str(directory), "--chunk-len", "9", "--context", "2",
                                       "TheCatSatOnAMat"])
    assert result.exit_code == 0, result.output
    assert [(k["chunk_len"], k["context"]) for k in seen] == [(9, 2)] * 2  # actseg segment: the model, then the twin
    for bad, message in [({"chunk_len": 0}, "chunk_len must be an integer >= 1"),
                         ({"context": -1}, "context must be an integer >= 0"),
                         ({"batch_size": 0}, "batch_size must be an integer >= 1")]:
        with pytest.raises(ParameterError, match=message):
            ReadoutSegmenter(str(directory), **bad).fit(units, cuts)


def test_a_readout_refuses_models_read_in_the_wrong_direction(model_dir, tmp_path):
    import shutil

    units, cuts = camel_units(20)
    for name, direction in (("ltr", "ltr"), ("rtl", "rtl")):
        folder = shutil.copytree(model_dir, tmp_path / name)
        config = json.loads((folder / "config.json").read_text())
        (folder / "config.json").write_text(json.dumps({**config, "direction": direction}))
    ReadoutSegmenter(str(tmp_path / "ltr"), str(tmp_path / "rtl"), signals=("ponder",), window=1).fit(units, cuts)
    with pytest.raises(ModelLoadError, match="ltr reads left to right .*twin must be trained on reversed text"):
        ReadoutSegmenter(str(tmp_path / "ltr"), str(tmp_path / "ltr"), signals=("ponder",)).fit(units, cuts)
    with pytest.raises(ModelLoadError, match="rtl reads right to left .*not a model to read text with"):
        ReadoutSegmenter(str(tmp_path / "rtl"), signals=("ponder",)).fit(units, cuts)
    with pytest.raises(ModelLoadError, match="rtl reads right to left"):  # the library's peak segmenters too
        PonderSegmenter.from_pretrained(tmp_path / "rtl")
    with pytest.raises(ValueError, match="direction must be one of ltr, rtl or None"):
        ACTConfig(vocab_size=2, direction="up")
    shipped = Path(__file__).parents[1] / "segment" / "models_data"
    directions = {p.parent.relative_to(shipped).as_posix(): json.loads(p.read_text())["direction"]
                  for p in shipped.glob("**/config.json")}
    assert directions == {"default": "ltr", "default/rtl": "rtl", "zh": "ltr"}
