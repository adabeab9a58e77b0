"""The evaluation phase of the experiments: trained runs + corpora -> :class:`Results` (results/<scale>.json).

Tasks, each a function returning one typed part of the results (run in parallel processes with ``jobs`` > 1):

- ``word``: per evaluation corpus, every baseline of the scale and the model segmenters of the runs scored there
  (with cuts forced around punctuation on a corpus marked ``split_punctuation``, and the bakeoff's OOV recall
  where the corpus names its training word list), through :func:`segment.eval.harness.compare`: unsupervised peak
  defaults (``segment.ponder.MODEL_PEAK_DEFAULTS``), and the same signals calibrated (``PeakSegmenter.calibrate``)
  on the first units of a labelled set (``labelled_units`` in each row). Signal names: ``<kind>-<signal>`` with
  kind act / lstm (act=False) / fixed (fixed-repeat control). ``halt-first`` is 1 minus the first update's halting
  probability: a high halting probability means *less* pondering, so its complement peaks where the model would
  ponder. The right-to-left run's signal is read back in text order and shifted by one symbol (its peak on the
  last symbol of a word marks the cut after it), and ``ltr+rtl`` sums the two runs' signals, each robustly
  z-normalised over the corpus.
- ``sentence``: the units of a corpus run together; ponder (and act=False entropy) peaks at the sentence
  level (the more prominent peaks) against the sentence baselines.
- ``graves``: models reading spaced text; precision/recall of ponder peaks against the positions of
  spaces and punctuation.
- ``default``: default-model candidates compared on the dev split (unsupervised ponder-peak boundary F).
- ``trace``: the data of the ponder-trace figures (a real test sentence).
- ``bits``: bits per symbol of every run and of a KN n-gram model on the scale's ``bits`` splits
  (:mod:`segment.eval.bits`).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from segment.corpora.sighan import training_words
from segment.corpora.view import is_punctuation
from segment.errors import ActSegError
from segment.eval.bits import bits_task
from segment.eval.parallel import map_in_processes
from segment.eval.plots import pr_curve
from segment.eval.results_types import (DefaultCandidate, DefaultSelection, GravesCheck, GravesRow, LastEvaluation,
                                        Meta, PRCurve, Results, RunRecord, SentenceComparison, SignalStats, Trace,
                                        TrainingSummary, WordComparison)
from segment.eval.run_signals import peak_segmenter, run_signals, signal_stats
from segment.eval.run_specs import RunSpec, load_ref
from segment.eval.scales import Scale
from segment.eval.training_phase import run_dir_of
from segment.files import write_atomic
from segment.peaks import align_signal, peak_boundaries, robust_center_scale, shift_right
from segment.ponder import MODEL_PEAK_DEFAULTS, read_signal
from segment.punctuation_split import PunctuationSplit

#: Sentence thresholds (robust z-scores of the stream's signal) tried when calibrating on labelled units.
SENTENCE_HEIGHTS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)

#: The signals turned into segmenters for each kind of run (see the module docstring for halt-first).
MODEL_SIGNALS = {"act": ("ponder", "halt-first", "steps", "remainder", "entropy", "surprisal"),
                 "lstm": ("entropy", "surprisal"), "fixed": ("ponder", "entropy")}
PR_POINTS = 300
TRACE_LENGTH = (40, 90)


# ---- small helpers ---------------------------------------------------------------------------------------
def _records(frame: pd.DataFrame) -> list[dict]:
    """DataFrame rows as JSON-able dicts (NaN -> None)."""
    return json.loads(frame.to_json(orient="records"))


def _main_run(scale: Scale, key: str, kind: str = "act") -> RunSpec | None:
    """The run of ``kind`` scored on ``key`` that is tagged main (act) or the first of that kind."""
    candidates = [r for r in scale.runs_scored_on(key) if r.kind == kind and not r.spaces and r.direction == "ltr"]
    tagged = [r for r in candidates if "main" in r.tags]
    return (tagged or candidates or [None])[0]


def _load_eval(scale: Scale, key: str, data_dir):
    spec = scale.corpora[key]
    corpus = load_ref(spec.ref, data_dir, punctuation=spec.punctuation, case=spec.case, max_units=scale.max_units)
    labelled = load_ref(spec.labelled, data_dir, punctuation=spec.punctuation, case=spec.case,
                        max_units=spec.labelled_units)
    return corpus, labelled


# ---- word level ------------------------------------------------------------------------------------------
def _model_segmenters(scale: Scale, key: str, corpus, labelled, runs_dir: Path, device: str
                      ) -> tuple[list[tuple[str, str, dict]], dict[str, SignalStats], dict[str, list[np.ndarray]]]:
    """([(name, run, {"unsupervised": segmenter, "calibrated": segmenter})], signal stats by run, the main
    runs' eval signals by name for the precision-recall figure)."""
    sequences, lab_sequences, lab_gold = corpus.sequences(), labelled.sequences(), labelled.word_boundaries()
    both = sequences + lab_sequences
    segmenters: list[tuple[str, str, dict]] = []
    stats: dict[str, SignalStats] = {}
    values_by_name: dict[str, list[np.ndarray]] = {}

    def add(name: str, run: str, values: list[np.ndarray]) -> None:
        unsupervised = peak_segmenter(both, values)
        calibrated = peak_segmenter(both, values).calibrate(lab_sequences, lab_gold)
        segmenters.append((name, run, {"unsupervised": unsupervised, "calibrated": calibrated}))
        values_by_name.setdefault(name, values[:len(sequences)])

    runs = sorted((r for r in scale.runs_scored_on(key) if not r.spaces), key=lambda r: "main" not in r.tags)
    signals_of = {}
    for spec in runs:
        run_dir = run_dir_of(runs_dir, spec)
        signals, seconds = run_signals(spec, run_dir, sequences, device=device)
        lab_signals, _ = run_signals(spec, run_dir, lab_sequences, device=device)
        signals = {k: signals[k] + lab_signals[k] for k in signals}
        signals_of[spec.name] = signals
        stats[spec.name] = signal_stats({k: v[:len(sequences)] for k, v in signals.items()}, seconds)
        if spec.direction == "rtl":
            add("act-ponder-rtl", spec.name, [shift_right(s) for s in signals["ponder"]])
            continue
        for signal in MODEL_SIGNALS[spec.kind]:
            add(f"{spec.kind}-{signal}", spec.name, read_signal(signal, signals))
    main, rtl = _main_run(scale, key), next((r for r in runs if r.direction == "rtl"), None)
    if main is not None and rtl is not None:
        pooled = [np.concatenate(signals_of[n]["ponder"][:len(sequences)]) for n in (main.name, rtl.name)]
        (c_ltr, s_ltr), (c_rtl, s_rtl) = (robust_center_scale(p) for p in pooled)
        combined = [(a - c_ltr) / (s_ltr or 1.0) + (shift_right(b) - c_rtl) / (s_rtl or 1.0)
                    for a, b in zip(signals_of[main.name]["ponder"], signals_of[rtl.name]["ponder"])]
        add("act-ponder-ltr+rtl", f"{main.name}+{rtl.name}", combined)
    return segmenters, stats, values_by_name


def _maybe_split(segmenter, split_punctuation: bool):
    """``segmenter`` with cuts forced around punctuation when asked, unless it uses gold information (the
    random oracle keeps drawing at the gold rate)."""
    return PunctuationSplit(segmenter) if split_punctuation and not segmenter.uses_gold else segmenter


def _baseline(name: str, split_punctuation: bool):
    """The registry's baseline ``name`` (see :func:`_maybe_split`)."""
    from segment.registry import make_segmenter

    return _maybe_split(make_segmenter(name), split_punctuation)


def reusable_baseline_rows(previous: Results, scale: Scale) -> dict[str, list[dict]]:
    """Per word corpus of ``scale``: the baseline rows of an earlier evaluation ``previous`` that measured the
    same thing (same scale, reference, punctuation handling, fit text, unit cap and bootstrap); ``word_task`` further
    checks each row's unit and symbol counts against the corpus it loads. Only valid while the baselines' code
    and the corpora are unchanged since ``previous`` was computed: the caller vouches for that."""
    if previous.meta.scale != scale.name or (previous.meta.max_units, previous.meta.bootstrap) != (
            scale.max_units, scale.bootstrap):
        return {}
    rows = {}
    for key, spec in scale.corpora.items():
        part = previous.word.get(key)
        if part is not None and part.corpus == spec.ref and part.split_punctuation == spec.split_punctuation \
                and part.baseline_fit == list(spec.fit_text):
            rows[key] = [r for r in part.rows if r["family"] == "baseline" and r["segmenter"] in scale.baselines]
    return rows


def word_task(scale: Scale, key: str, runs_dir: Path, device: str, data_dir,
              reuse: list[dict] = ()) -> WordComparison:
    """Comparison rows (baselines and model segmenters, unsupervised and calibrated) on one corpus. Baseline
    rows in ``reuse`` (see :func:`reusable_baseline_rows`) whose unit and symbol counts match the corpus are
    taken as they are instead of being measured again."""
    from segment.eval.harness import compare

    corpus, labelled = _load_eval(scale, key, data_dir)
    split, words = scale.corpora[key].split_punctuation, scale.corpora[key].oov_words
    dictionary = None if words is None else training_words(words, data_dir)
    size = (len(corpus.units), sum(len(s) for s in corpus.sequences()))
    kept = {r["segmenter"]: r for r in reuse if (r["units"], r["symbols"]) == size}
    if len(kept) < len(reuse):
        print(f"note: {key}: {len(reuse) - len(kept)} earlier baseline row(s) not reused: the corpus's units or "
              "symbols changed", file=sys.stderr)
    fit_text = _fit_text(scale.corpora[key], corpus, data_dir)
    measured = pd.concat([compare({name: partial(_baseline, name, split) for name in names}, corpus,
                                  bootstrap=scale.bootstrap, progress=False, dictionary=dictionary, fit=fit)
                          for names, fit in _by_fit_text(scale.baselines, set(kept), fit_text)],
                         ignore_index=True)
    measured["family"], measured["run"], measured["calibrated"] = "baseline", "", False
    order = {name: i for i, name in enumerate(scale.baselines)}
    baselines = pd.concat([measured, pd.DataFrame(list(kept.values()))], ignore_index=True) if kept else measured
    baselines = baselines.sort_values("segmenter", key=lambda names: names.map(order), kind="stable")
    frames = [baselines.reset_index(drop=True)]
    segmenters, stats, values = _model_segmenters(scale, key, corpus, labelled, runs_dir, device)
    for name, run, variants in segmenters:
        wrapped = {f"{name} ({mode})": _maybe_split(seg, split) for mode, seg in variants.items()}
        frame = compare(wrapped, corpus, bootstrap=scale.bootstrap, progress=False, dictionary=dictionary)
        frame["segmenter"] = name
        frame["family"], frame["run"] = "model", run
        frame["calibrated"] = [False, True]
        frame["labelled_units"] = [0, len(labelled.units)]
        frame["calibration"] = ["", json.dumps(variants["calibrated"].calibration_["params"])]
        frame["calibration_f"] = [None, variants["calibrated"].calibration_["score"]]  # on the labelled units
        seconds = sum(stats[r].signal_s for r in run.split("+"))
        frame["symbols_per_s"] = frame["symbols"] / (frame["predict_s"] + seconds)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    spec = scale.corpora[key]
    return WordComparison(key, spec.ref, spec.labelled, len(labelled.units), _records(table), stats,
                          _pr_curves(table, corpus, values, fit_text) if key == scale.pr else {}, split, list(kept),
                          list(spec.fit_text))


def _fit_text(spec, corpus, data_dir):
    """What the label-free baselines of ``spec`` are fitted on: True (the evaluated units) unless the spec
    names ``fit_text`` (see ``harness.with_fit_text``)."""
    from segment.eval.harness import with_fit_text

    if not spec.fit_text:
        return True
    return with_fit_text(corpus, spec.fit_text, data_dir, punctuation=spec.punctuation, case=spec.case)


def _by_fit_text(names, kept: set[str], fit_text) -> list[tuple[list[str], object]]:
    """The baselines still to measure, grouped by what they are fitted on: the label-free ones on
    ``fit_text``, those that read gold boundaries or a word list on the evaluated units."""
    from segment.baselines import UNSUPERVISED

    todo = [name for name in names if name not in kept]
    return [([n for n in todo if n in UNSUPERVISED], fit_text), ([n for n in todo if n not in UNSUPERVISED], True)]


def _downsample(precision: np.ndarray, recall: np.ndarray) -> PRCurve:
    keep = np.unique(np.linspace(0, max(len(precision) - 1, 0), PR_POINTS).astype(int)) if len(precision) else []
    return PRCurve(precision[keep].tolist(), recall[keep].tolist())


def _pr_curves(table: pd.DataFrame, corpus, values: dict[str, list[np.ndarray]], fit_text) -> dict[str, PRCurve]:
    """Precision-recall points of the main model signals and the two best unsupervised baselines (fitted on
    ``fit_text``, see :func:`_fit_text`)."""
    from segment.registry import make_segmenter

    sequences, gold = corpus.sequences(), corpus.word_boundaries()
    curves = {}
    for name in ("act-ponder", "act-halt-first", "lstm-entropy", "act-ponder-ltr+rtl"):
        if name in values:
            scores = [align_signal(v, MODEL_PEAK_DEFAULTS["offset"]) for v in values[name]]
            curves[name] = _downsample(*pr_curve(scores, gold)[:2])
    label_free = table[(table.family == "baseline") & ~table.uses_gold.astype(bool)
                       & ~table.uses_lexicon.astype(bool) & ~table.segmenter.str.startswith("random")]
    for name in label_free.sort_values("headline_f", ascending=False).segmenter.head(2):
        segmenter = make_segmenter(name).fit(sequences if fit_text is True else fit_text.sequences())
        scores = [segmenter.boundary_scores(s) for s in sequences]
        curves[name] = _downsample(*pr_curve(scores, gold)[:2])
    return curves


# ---- sentence level --------------------------------------------------------------------------------------
def sentence_task(scale: Scale, key: str, runs_dir: Path, device: str, data_dir) -> SentenceComparison:
    """Sentence cuts in the units run together: model peaks at the sentence level against the baselines."""
    from segment.eval.harness import compare

    task = scale.sentences[key]
    corpus = load_ref(task.ref, data_dir, punctuation=task.punctuation, max_units=scale.max_units)
    stream = [corpus.stream().sequence]
    words = scale.corpora[task.runs_of]  # its labelled units, run together, calibrate the sentence threshold
    lab_corpus = load_ref(words.labelled, data_dir, punctuation=task.punctuation, max_units=words.labelled_units)
    labelled = lab_corpus.stream()
    segmenters: dict = {name: name for name in task.baselines}
    runs: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for kind, signal_names in (("act", ("ponder", "halt-first")), ("lstm", ("entropy",))):
        spec = _main_run(scale, task.runs_of, kind)
        if spec is None:
            continue
        signals, signal_s = run_signals(spec, run_dir_of(runs_dir, spec), stream, device=device)
        lab_signals, _ = run_signals(spec, run_dir_of(runs_dir, spec), [labelled.sequence], device=device)
        for signal in signal_names:
            values, lab_values = read_signal(signal, signals), read_signal(signal, lab_signals)
            segmenters[f"{kind}-{signal}"] = peak_segmenter(stream, values, level="sentence")
            segmenters[f"{kind}-{signal} (calibrated)"] = peak_segmenter(
                [labelled.sequence, *stream], [*lab_values, *values], level="sentence").calibrate(
                [labelled.sequence], [labelled.sentence_boundaries], grid={"sentence_height": SENTENCE_HEIGHTS})
            for name in (f"{kind}-{signal}", f"{kind}-{signal} (calibrated)"):
                runs[name], seconds[name] = spec.name, signal_s
    table = compare(segmenters, corpus, level="sentence", bootstrap=scale.bootstrap, progress=False)
    table["run"] = table.segmenter.map(runs).fillna("")
    model = table.segmenter.isin(list(runs))
    table.loc[model, "symbols_per_s"] = table.symbols[model] / (table.predict_s[model] + table.segmenter[model].map(seconds))
    return SentenceComparison(key, task.ref, task.punctuation, words.labelled, len(lab_corpus.units),
                              _records(table))


# ---- Graves's check: a model reading spaced text ---------------------------------------------------------
GRAVES_CLASSES: dict[str, Callable[[str, int], bool]] = {
    "space or punctuation": lambda s, t: s[t] == " " or is_punctuation(s[t]),
    "space": lambda s, t: s[t] == " ",
    "punctuation": lambda s, t: is_punctuation(s[t]),
    "first symbol after a space": lambda s, t: s[t - 1] == " ",
    "last symbol before a space": lambda s, t: t + 1 < len(s) and s[t + 1] == " ",
}


def graves_task(scale: Scale, runs_dir: Path, device: str, data_dir) -> GravesCheck:
    """Precision / recall of peak positions (every local maximum, symbol t) against classes of positions."""
    from segment.eval import word_scores

    rows = []
    for spec in [r for r in scale.runs if r.spaces]:
        corpus = load_ref(scale.graves, data_dir, punctuation=spec.punctuation, case=spec.case,
                          max_units=scale.max_units)
        sequences, _ = spec.read(corpus)
        signals, _ = run_signals(spec, run_dir_of(runs_dir, spec), sequences, device=device)
        for signal in ("ponder", "halt-first"):
            values = read_signal(signal, signals)
            peaks = [peak_boundaries(v, offset=0) for v in values]
            pooled = np.concatenate(values)
            for label, test in GRAVES_CLASSES.items():
                positions = [np.array([t for t in range(1, len(s)) if test(s, t)], dtype=np.int64) for s in sequences]
                scores = word_scores(reference=positions, hypothesis=peaks, sequences=sequences)
                member = np.concatenate([np.isin(np.arange(len(s)), p) for s, p in zip(sequences, positions)])
                rows.append(GravesRow(
                    run=spec.name, signal=signal, positions=label, peaks=int(sum(len(p) for p in peaks)),
                    class_positions=int(member.sum()), base_rate=float(member.mean()),
                    precision=scores["boundary_noedge_p"], recall=scores["boundary_noedge_r"],
                    f=scores["boundary_noedge_f"],
                    mean_signal_in_class=float(pooled[member].mean()) if member.any() else None,
                    mean_signal_elsewhere=float(pooled[~member].mean()) if (~member).any() else None))
    return GravesCheck(scale.graves, rows)


# ---- default model selection and traces ------------------------------------------------------------------
def default_task(scale: Scale, runs_dir: Path, device: str, data_dir) -> DefaultSelection:
    """Each default candidate on the dev split: unsupervised ponder-peak boundary F and, where the scale ships a
    word readout, the boundary F of that readout fitted for the candidate as it would ship (reading the
    candidate's right-to-left twin ``<run>-rtl`` too when that is trained). The best by readout F is selected
    (what `actseg segment` would cut with), by ponder-peak F where there is no readout."""
    from segment.eval import word_scores
    from segment.eval.default_model import rtl_run
    from segment.readout import labelled_sequences

    readout = next((r for r in scale.readouts if r.level == "word"), None)
    labelled = None if readout is None else labelled_sequences(load_ref(readout.train, data_dir), "word",
                                                               readout.units)
    candidates = []
    for spec in [r for r in scale.runs if "default-candidate" in r.tags]:
        corpus = load_ref(scale.dev, data_dir, punctuation=spec.punctuation, case=spec.case, max_units=scale.max_units)
        sequences, gold = corpus.sequences(), corpus.word_boundaries()
        signals, seconds = run_signals(spec, run_dir_of(runs_dir, spec), sequences, device=device)
        hypothesis = peak_segmenter(sequences, signals["ponder"]).predict_many(sequences)
        scores = word_scores(reference=gold, hypothesis=hypothesis, sequences=sequences)
        readout_f = None
        if labelled is not None:
            twin = rtl_run(runs_dir, spec.name)
            fitted = readout.readout(run_dir_of(runs_dir, spec) / "model",
                                     None if twin is None else runs_dir / twin / "model", device=device).fit(*labelled)
            readout_f = word_scores(reference=gold, hypothesis=fitted.predict_many(sequences),
                                    sequences=sequences)["boundary_noedge_f"]
        candidates.append(DefaultCandidate(spec.name, scores["boundary_noedge_f"], scores["token_f"],
                                           signal_stats(signals, seconds), readout_f))
    selection = DefaultSelection(scale.dev, candidates, None)
    key = (lambda c: c.dev_readout_f) if selection.by_readout else (lambda c: c.dev_boundary_noedge_f)
    best = max(candidates, key=key, default=None)
    return dataclasses.replace(selection, selected=best.run if best else None)


def _trace_unit(corpus) -> int:
    lengths = [len(s) for s in corpus.sequences()]
    low, high = TRACE_LENGTH
    return next((i for i, n in enumerate(lengths) if low <= n <= high), 0)


def trace_task(scale: Scale, runs_dir: Path, device: str, data_dir) -> list[Trace]:
    """Per corpus of ``scale.trace``: a real unit with the ponder time and peaks of its main ACT run and of
    the runs tagged "alt"; on the Graves corpus also the spaced runs' ponder over the same unit with spaces
    (gold = the spaces)."""
    traces = []
    for key in scale.trace:
        main = _main_run(scale, key)
        if main is None:
            continue
        runs = [main, *[r for r in scale.runs_scored_on(key) if "alt" in r.tags and r.direction == "ltr"]]
        if scale.corpora[key].ref == scale.graves:
            runs += [r for r in scale.runs if r.spaces]
        corpus, _ = _load_eval(scale, key, data_dir)
        index = _trace_unit(corpus)
        unit = corpus.units[index]
        for run in runs:
            (sequence,), _ = run.read(dataclasses.replace(corpus, documents=[[unit]]))
            signals, _ = run_signals(run, run_dir_of(runs_dir, run), [sequence], device=device)
            ponder = signals["ponder"][0]
            gold = ([t for t in range(1, len(sequence)) if sequence[t] == " "] if run.spaces
                    else unit.boundaries.tolist())
            predicted = peak_segmenter([sequence], [ponder]).predict(sequence)
            traces.append(Trace(run.name, corpus.name, corpus.split, index, run.spaces, list(sequence),
                                ponder.tolist(), list(gold), predicted.tolist()))
    return traces


# ---- the phase -------------------------------------------------------------------------------------------
def _task_list(scale: Scale) -> list[tuple]:
    return ([("word", key) for key in scale.corpora] + [("sentence", key) for key in scale.sentences]
            + [("graves",), ("default",), ("trace",)] + ([("bits",)] if scale.bits is not None else []))


def run_task(task: tuple, scale: Scale, runs_dir: Path, device: str, data_dir, reuse: dict[str, list[dict]]):
    """One evaluation task (see the module docstring); ``reuse``: baseline rows by word corpus."""
    kind, *key = task
    if kind == "word":
        return word_task(scale, key[0], runs_dir, device, data_dir, reuse.get(key[0], ()))
    functions = {"sentence": sentence_task, "graves": graves_task, "default": default_task, "trace": trace_task,
                 "bits": bits_task}
    return functions[kind](scale, *key, runs_dir, device, data_dir)


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def describe_device(device: str) -> str:
    import torch

    from segment.models.device import resolve_device

    resolved = resolve_device(device)
    if resolved.type == "cuda":
        return f"{resolved.type} ({torch.cuda.get_device_name(resolved)})"
    return f"cpu ({os.cpu_count()} cores, {platform.processor() or platform.machine()})"


def _torch_version() -> str:
    import torch

    return torch.__version__


def run_records(scale: Scale, runs_dir: Path) -> dict[str, RunRecord]:
    """Per run: its spec, resolved settings, training summary and last logged evaluation."""
    records = {}
    for spec in scale.runs:
        run_dir = run_dir_of(runs_dir, spec)
        model = dataclasses.asdict(spec.model_config())
        del model["vocab_size"]
        records[spec.name] = RunRecord(spec, model, dataclasses.asdict(spec.train_config()),
                                       TrainingSummary.read(run_dir), LastEvaluation.read(run_dir))
    return records


def evaluate_scale(scale: Scale, runs_dir: Path, results_path: Path, *, device: str = "auto", data_dir=None,
                   jobs: int = 1, command: str = "", missing_runs: list[str] = (),
                   reuse_baselines: bool = False) -> Results:
    """Run every evaluation task of ``scale`` and write the results JSON (atomically) to ``results_path``;
    ``missing_runs`` names runs of the scale left out because they have no trained model. With
    ``reuse_baselines`` the word-level baseline rows of the results already at ``results_path`` (if any) are
    kept where they measured the same corpus (:func:`reusable_baseline_rows`), instead of being measured again."""
    tasks = _task_list(scale)
    previous = None
    if reuse_baselines and results_path.is_file():
        try:
            previous = Results.read(results_path)
        except (ValueError, KeyError, TypeError) as err:  # JSONDecodeError is a ValueError
            raise ActSegError(f"{results_path}: cannot reuse its baseline rows, not a results file ({err!r})") from None
    reuse = reusable_baseline_rows(previous, scale) if previous is not None else {}
    started = time.perf_counter()
    parts = map_in_processes(run_task, [(t, scale, runs_dir, device, data_dir, reuse) for t in tasks], jobs=jobs,
                             desc="evaluate")
    by_task = dict(zip(tasks, parts))
    meta = Meta(scale=scale.name, device=describe_device(device),
                date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                commit=_git("rev-parse", "HEAD"), dirty=bool(_git("status", "--porcelain")), command=command,
                python=platform.python_version(), torch=_torch_version(),
                evaluate_s=time.perf_counter() - started, max_units=scale.max_units, bootstrap=scale.bootstrap,
                missing_runs=list(missing_runs),
                baselines_from=previous.meta.commit
                if any(by_task[t].reused_baselines for t in tasks if t[0] == "word") else None)
    results = Results(
        meta=meta, runs=run_records(scale, runs_dir),
        word={t[1]: by_task[t] for t in tasks if t[0] == "word"},
        sentence={t[1]: by_task[t] for t in tasks if t[0] == "sentence"},
        graves=by_task[("graves",)], default=by_task[("default",)], traces=by_task[("trace",)],
        sweep=scale.sweep, pr=scale.pr, bits=by_task.get(("bits",), []))
    results_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(results_path, results.to_json())
    return results
