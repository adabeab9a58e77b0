"""The halting study: each halting lever swept over tau on brent-phono, brent-text and ud-en-ewt, with Graves's
exact ACT as the reference row, measured without and with labels.

    python -m segment.eval.halting_study [--phase train|evaluate|report|all] [--runs-dir runs/halting]
        [--results-dir eval] [--jobs 2] [--device cpu] [--data-dir DIR]

Runs use the cpu scale's presets (hidden 128 on Brent, 256 on English, 800 iterations) and change only the
halting lever and tau. Per run the evaluation measures, on the corpus the cpu scale scores it on:

- label-free, on dev: bits per symbol, ponder mean and std, the fraction of symbols off the extremes
  (``segment.eval.halting_selection``), from the inference signals (each unit read from a fresh state after
  "<sep>", as ``actseg segment`` reads it);
- ponder boundary F (unsupervised peaks, cut before each peak, the cpu scale's ``act-ponder`` row) from those
  inference signals, and from the training-time reading (state carried across units, ``evaluate_stream``),
  with the correlation of the two ponder signals: training and the dev log read units with the state
  carried, inference from a fresh state; both are reported.

Per corpus and lever: the tau the label-free rule selects and its F, the best F of the sweep (reference only)
and the width of the informative regime in decades; the seed spread of F at tau 0.03 (the constraint: target
2.5; fixed in advance).
Results go to ``results/halting.json``, the report to ``HALTING.md`` and ``figures/halting-<corpus>.png``; the
report adds the probes of ``segment.eval.halting_length`` (training length, early stopping, release, two stages,
seeds at the selected value, taus below the grid, seeds along its low end, seed ensembles, the selected setting
trained longer) whose results are there (``results/halting-<probes>.json``, one per ``PROBE_SETS`` name).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import click
import numpy as np

from segment.eval.halting_selection import Probe, SelectionRule, informative_width, off_extremes, ponder_range
from segment.eval.parallel import map_in_processes
from segment.eval.run_specs import RunSpec, labelled_units
from segment.eval.scales import BP, BT, CPU_BRENT, CPU_ENGLISH, EN, LSTM, STUDY_PONDER_CONSTRAINT
from segment.files import write_atomic

#: name -> (ACTConfig overrides, TrainConfig overrides); "graves" is Graves's exact ACT (the reference row)
LEVERS: dict[str, tuple[dict, dict]] = {
    "graves": ({}, {}),
    "bounded": ({"halt_bounded": True}, {}),
    "norm": ({"halt_input": "norm"}, {}),
    "bounded+norm": ({"halt_bounded": True, "halt_input": "norm"}, {}),
    "freeze": ({}, {"halt_freeze": 200}),
    "bounded+norm+freeze": ({"halt_bounded": True, "halt_input": "norm"}, {"halt_freeze": 200}),
    "pondernet": ({"halt_distribution": "pondernet"}, {}),  # tau is PonderNet's beta
    # the signed ponder constraint on the candidate setting: swept over the target mean ponder time, from tau 0.003
    "constraint": ({"halt_bounded": True, "halt_input": "norm", "tau": 0.003}, {"halt_freeze": 200}),
}
TAUS = (0.003, 0.01, 0.03, 0.1, 0.3)
#: levers swept over other values than TAUS: PonderNet runs every update through the readable loop (several
#: times slower), so fewer; the constraint's values are target mean ponder times, not taus
LEVER_TAUS = {"pondernet": (0.01, 0.03, 0.1), "constraint": (2.25, 2.5, 2.75, 3.0)}
#: levers whose sweep value sets a TrainConfig field instead of tau (the tau column holds that value)
TARGET_LEVERS = {"constraint": "ponder_constraint"}
SEED_TAU = 0.03
#: the sweep value whose run is repeated with SEEDS, where it is not SEED_TAU (fixed in advance, not by F)
SEED_VALUES = {"constraint": STUDY_PONDER_CONSTRAINT}
#: test symbols read with the state carried across units (as the training-time dev pass reads them)
CARRIED_SYMBOLS = 20_000
SEEDS = (1, 2)


@dataclass(frozen=True)
class StudyCorpus:
    """A corpus of the study: training data, the evaluation and dev references, preset, levers and taus."""

    key: str
    train_data: tuple[str, ...]
    test: str  # "corpus:split" scored
    dev: str  # "corpus:split" of the label-free statistics
    preset: object
    levers: tuple[str, ...]
    taus: tuple[float, ...] = TAUS
    seeds_of: tuple[str, ...] = ()  # levers whose run at seed_value(lever) is repeated with SEEDS


# the cpu presets with a wall-clock budget that is only a safety net: every run completes its iterations
BRENT, ENGLISH = dataclasses.replace(CPU_BRENT, seconds=1200), dataclasses.replace(CPU_ENGLISH, seconds=1800)
CORPORA = (
    StudyCorpus("brent-phono", BP, "brent-phono:all", "brent-phono:all", BRENT, tuple(LEVERS),
                seeds_of=("bounded+norm+freeze", "constraint")),
    StudyCorpus("brent-text", BT, "brent-text:all", "brent-text:all", BRENT,
                ("graves", "bounded+norm+freeze", "constraint"), seeds_of=("bounded+norm+freeze", "constraint")),
    StudyCorpus("ud-en-ewt", EN, "ud-en-ewt:test", "ud-en-ewt:dev", ENGLISH,
                ("graves", "bounded+norm+freeze", "constraint"), taus=(0.01, 0.03, 0.1), seeds_of=("constraint",)),
)
SHORT = {"brent-phono": "bp", "brent-text": "bt", "ud-en-ewt": "en"}


def run_name(corpus: StudyCorpus, lever: str, tau: float | None, seed: int = 0) -> str:
    if lever == "lstm":
        return f"{SHORT.get(corpus.key, corpus.key)}-lstm"
    axis = "target" if lever in TARGET_LEVERS else "tau"
    return f"{SHORT.get(corpus.key, corpus.key)}-{lever}-{axis}{tau}" + (f"-seed{seed}" if seed else "")


def seed_value(lever: str) -> float:
    """The sweep value (tau or target) of ``lever`` whose run is repeated with SEEDS."""
    return SEED_VALUES.get(lever, SEED_TAU)


def lever_settings(lever: str, value: float) -> tuple[dict, dict]:
    """(ACTConfig, TrainConfig) overrides of one lever at one sweep value (tau, or a TARGET_LEVERS field)."""
    model, train = LEVERS[lever]
    if lever in TARGET_LEVERS:
        return model, {**train, TARGET_LEVERS[lever]: value}
    return {**model, "tau": value}, train


def study_runs(corpora: tuple[StudyCorpus, ...] = CORPORA) -> list[tuple[StudyCorpus, str, float | None, int, RunSpec]]:
    """(corpus, lever, tau, seed, spec) of every run, in training order: the act=False controls, then the
    sweeps corpus by corpus, then the seeds."""
    runs = []
    for corpus in corpora:
        runs.append((corpus, "lstm", None, 0, corpus.preset.run(run_name(corpus, "lstm", None), corpus.train_data,
                                                                corpus.key, model=LSTM, dev=corpus.dev)))
    for corpus in corpora:
        for lever in corpus.levers:
            for value in LEVER_TAUS.get(lever, corpus.taus):
                model, train = lever_settings(lever, value)
                runs.append((corpus, lever, value, 0, corpus.preset.run(
                    run_name(corpus, lever, value), corpus.train_data, corpus.key, model=model, train=train,
                    dev=corpus.dev)))
    for corpus in corpora:
        for lever in corpus.seeds_of:
            value = seed_value(lever)
            model, train = lever_settings(lever, value)
            for seed in SEEDS:
                runs.append((corpus, lever, value, seed, corpus.preset.run(
                    run_name(corpus, lever, value, seed), corpus.train_data, corpus.key,
                    model=model, train={**train, "seed": seed}, dev=corpus.dev)))
    return runs


# ---- evaluation ------------------------------------------------------------------------------------------
@dataclass
class RunRow:
    """One trained run of the study, measured."""

    corpus: str
    lever: str
    tau: float | None
    seed: int
    run: str
    dev_bps: float  # label-free, inference signals on dev
    dev_ponder_mean: float
    dev_ponder_std: float
    dev_steps_mean: float  # mean number of updates N (PonderNet: the median halting update)
    dev_off_extremes: float
    ponder_f: float | None  # test, inference signals (fresh state per unit)
    ponder_f_carried: float | None  # first CARRIED_SYMBOLS of test, state carried across units (training's reading)
    ponder_f_fresh_same_units: float | None  # the same units, inference signals
    fresh_carried_corr: float | None  # correlation of the two ponder signals on those units
    entropy_f: float | None  # the same model's entropy signal, same peaks and units as ponder_f


def _signal_f(sequences, gold, values) -> float:
    """Unsupervised boundary F of one signal's peaks (the cpu scale's act-<signal> rows)."""
    from segment.eval import word_scores
    from segment.eval.run_signals import peak_segmenter

    hypothesis = peak_segmenter(sequences, values).predict_many(sequences)
    return float(word_scores(reference=gold, hypothesis=hypothesis, sequences=sequences)["boundary_noedge_f"])


def evaluate_run(corpus: StudyCorpus, lever: str, tau, seed: int, spec: RunSpec, run_dir: Path, device: str,
                 data_dir) -> RunRow:
    """Measure one trained run (see the module docstring)."""
    from segment.eval.run_signals import run_signals
    from segment.models.dev_pass import evaluate_stream
    from segment.ponder import load_model

    dev_sequences, _ = labelled_units(corpus.dev, data_dir)
    signals, _ = run_signals(spec, run_dir, dev_sequences, device=device)
    ponder = np.concatenate(signals["ponder"])
    config = spec.model_config()
    row = dict(corpus=corpus.key, lever=lever, tau=tau, seed=seed, run=spec.name,
               dev_bps=float(np.concatenate(signals["surprisal"]).mean()), dev_ponder_mean=float(ponder.mean()),
               dev_ponder_std=float(ponder.std()), dev_steps_mean=float(np.concatenate(signals["steps"]).mean()),
               dev_off_extremes=off_extremes(ponder, *ponder_range(config)),
               ponder_f=None, ponder_f_carried=None, ponder_f_fresh_same_units=None, fresh_carried_corr=None,
               entropy_f=None)
    if config.halting:
        sequences, gold = labelled_units(corpus.test, data_dir)
        test_signals = run_signals(spec, run_dir, sequences, device=device)[0]
        fresh = test_signals["ponder"]
        carried = evaluate_stream(load_model(run_dir), sequences, seq_len=spec.train_config().seq_len,
                                  max_symbols=CARRIED_SYMBOLS).ponder
        carried = [c.astype(np.float64) for c in carried]
        read = len(carried)
        with np.errstate(invalid="ignore", divide="ignore"):  # a constant signal has no correlation (None)
            both = np.corrcoef(np.concatenate(fresh[:read]), np.concatenate(carried))[0, 1]
        row.update(ponder_f=_signal_f(sequences, gold, fresh),
                   entropy_f=_signal_f(sequences, gold, test_signals["entropy"]),
                   ponder_f_carried=_signal_f(sequences[:read], gold[:read], carried),
                   ponder_f_fresh_same_units=_signal_f(sequences[:read], gold[:read], fresh[:read]),
                   fresh_carried_corr=None if np.isnan(both) else float(both))
    return RunRow(**row)


@dataclass
class LeverSummary:
    """One lever's sweep on one corpus."""

    corpus: str
    lever: str
    selected_tau: float | None  # the label-free rule's choice (None: no probe qualified)
    selected_f: float | None
    best_tau: float
    best_f: float
    width_decades: float | None  # None for TARGET_LEVERS (their sweep is not over tau)
    width_low: float | None  # the informative regime's lowest and highest tau (TARGET_LEVERS: target)
    width_high: float | None
    seed_fs: list[float]  # ponder F at seed_value(lever) over seeds 0, 1, 2 (when run)
    seed_spread: float | None  # max - min of seed_fs


def summarise(rows: list[RunRow], corpora: tuple[StudyCorpus, ...] = CORPORA,
              rule: SelectionRule = SelectionRule()) -> list[LeverSummary]:
    """Per corpus and lever: the label-free choice, the best F, the informative width and the seed spread."""
    summaries = []
    for corpus in corpora:
        control = next((r for r in rows if r.corpus == corpus.key and r.lever == "lstm"), None)
        for lever in corpus.levers:
            sweep = sorted((r for r in rows if r.corpus == corpus.key and r.lever == lever and r.seed == 0
                            and r.ponder_f is not None), key=lambda r: r.tau)
            if not sweep:
                continue
            probes = [Probe(r.tau, r.dev_bps, r.dev_ponder_std, r.dev_off_extremes) for r in sweep]
            chosen = rule.select(probes, control.dev_bps) if control is not None else None
            best = max(sweep, key=lambda r: r.ponder_f)
            width, low, high = informative_width([r.tau for r in sweep], [r.dev_ponder_std for r in sweep],
                                                 [r.ponder_f for r in sweep], min_std=rule.min_std)
            if lever in TARGET_LEVERS:  # a range of targets, not of tau: no width in decades
                width = None
            seed_fs = [r.ponder_f for r in rows if r.corpus == corpus.key and r.lever == lever
                       and r.tau == seed_value(lever) and r.ponder_f is not None]
            summaries.append(LeverSummary(
                corpus.key, lever, chosen.tau if chosen else None,
                next(r.ponder_f for r in sweep if r.tau == chosen.tau) if chosen else None, best.tau, best.ponder_f,
                width, low, high, seed_fs, (max(seed_fs) - min(seed_fs)) if len(seed_fs) > 1 else None))
    return summaries


def measured_rows(results_path: Path, runs_dir: Path) -> dict[str, RunRow]:
    """The rows of ``results_path`` (by run name) that hold every RunRow field (other fields are left out) and
    whose run's model file is older than the results: measuring them again would give the same figures."""
    if not results_path.is_file():
        return {}
    written = results_path.stat().st_mtime
    names = {f.name for f in dataclasses.fields(RunRow)}
    kept = {}
    for row in json.loads(results_path.read_text(encoding="utf-8"))["runs"]:
        model = runs_dir / str(row.get("run")) / "model" / "model.safetensors"
        if names <= set(row) and model.is_file() and model.stat().st_mtime < written:
            kept[row["run"]] = RunRow(**{name: row[name] for name in names})
    return kept


def evaluate_all(runs_dir: Path, results_path: Path, *, device: str, data_dir,
                 corpora: tuple[StudyCorpus, ...] = CORPORA, jobs: int = 1, reuse: bool = True) -> dict:
    """Measure every trained run of the study (``jobs`` processes at a time) and summarise; writes
    ``results_path`` and returns its content. A run already measured in ``results_path``, with every field,
    and whose model is older than that file keeps its row (``reuse``); the others are measured."""
    entries = study_runs(corpora)
    rows, missing = measure_runs(entries, runs_dir, results_path, device=device, data_dir=data_dir, jobs=jobs,
                                 reuse=reuse)
    rule = SelectionRule()
    results = {"rule": asdict(rule), "taus": list(TAUS),
               "seed_values": {lever: seed_value(lever) for corpus in corpora for lever in corpus.seeds_of},
               "missing_runs": missing,
               "runs": [asdict(r) for r in rows], "levers": [asdict(s) for s in summarise(rows, corpora, rule)]}
    results_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(results_path, json.dumps(results, indent=1) + "\n")
    return results


def measure_runs(entries: list, runs_dir: Path, results_path: Path, *, device: str, data_dir, jobs: int = 1,
                 reuse: bool = True) -> tuple[list[RunRow], list[str]]:
    """The rows of the trained runs among ``entries`` ((corpus, lever, tau, seed, spec) tuples), measured
    ``jobs`` at a time or kept from ``results_path`` (see ``measured_rows``; ``reuse``), and the names of the
    runs not trained."""
    from segment.eval.training_phase import is_trained, run_dir_of

    trained = [entry for entry in entries if is_trained(run_dir_of(runs_dir, entry[4]))]
    kept = measured_rows(results_path, runs_dir) if reuse else {}
    todo = [entry for entry in trained if entry[4].name not in kept]
    fresh = dict(zip((entry[4].name for entry in todo), map_in_processes(
        evaluate_run, [(*entry, run_dir_of(runs_dir, entry[4]), device, data_dir) for entry in todo], jobs=jobs,
        desc="evaluate halting", unit="run")))
    rows = [kept.get(entry[4].name) or fresh[entry[4].name] for entry in trained]
    return rows, [e[4].name for e in entries if e not in trained]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--phase", type=click.Choice(["train", "evaluate", "report", "all"]), default="all", show_default=True)
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/halting"),
              show_default=True)
@click.option("--results-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("eval"),
              show_default=True, help="Where results/halting.json, HALTING.md and figures/ go.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs trained (and evaluated) at a time.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory holding the corpora (default: $ACTSEG_DATA, then the download cache).")
def main(phase: str, runs_dir: Path, results_dir: Path, jobs: int, device: str, data_dir: Path | None) -> None:
    """Train, evaluate and report the halting study."""
    from segment.eval.training_phase import train_all

    results_path = results_dir / "results" / "halting.json"
    if phase in ("train", "all"):
        failed = train_all([entry[4] for entry in study_runs()], runs_dir, name="halting", jobs=jobs, device=device,
                           data_dir=data_dir)
        if failed:
            click.echo(f"Error: run(s) failed: {', '.join(failed)} (see {runs_dir}/<run>/train.log)", err=True)
    if phase in ("evaluate", "all"):
        evaluate_all(runs_dir, results_path, device=device, data_dir=data_dir, jobs=jobs)
    if phase in ("report", "all"):
        from segment.eval.halting_report import write_report

        if not results_path.is_file():
            raise click.ClickException(f"{results_path} not found: run the evaluate phase first")
        from segment.eval.halting_length import PROBE_SETS

        probes = {}
        for probe_set, (*_, name) in PROBE_SETS.items():
            path = results_dir / "results" / name
            probes[probe_set] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        write_report(json.loads(results_path.read_text(encoding="utf-8")), results_dir,
                     command="python -m segment.eval.halting_study " + " ".join(sys.argv[1:]),
                     probes=probes)


if __name__ == "__main__":
    main()
