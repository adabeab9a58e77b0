"""Training length in the halting study: do the candidate halting settings mark boundaries better, and do seeds
agree, when they train longer than the study's 800 iterations?

    python -m segment.eval.halting_length [--phase train|evaluate|all] [--runs-dir runs/halting-length]
        [--results-dir eval] [--factor 4] [--jobs 2] [--device cpu] [--data-dir DIR]

Each probe repeats one lever of the halting study at its seed value (the signed ponder constraint at target
2.5; Graves's exact ACT at tau 0.03, the reference row) with ``--factor`` times the iterations and the same
everything else (warm-up, halting freeze, evaluation, data), on seeds the study ran it with; one held-out
control trains on brent-phono's train split and is scored on its test split (the study reads the whole corpus). Runs are
measured exactly as the study measures its own (``halting_study.evaluate_run``: label-free dev statistics,
unsupervised ponder and entropy F on the test units). The report sets each probe's seeds beside the study's
800-iteration rows of the same lever, value and seeds (from ``results/halting.json``). Results go to
``results/halting-length.json``; ``python -m segment.eval.halting_study --phase report`` adds them to HALTING.md.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import click

from segment.eval.halting_study import (CORPORA, SEEDS, StudyCorpus, lever_settings, measure_runs, run_name,
                                        seed_value)
from segment.eval.scales import BP_TRAIN
from segment.files import write_atomic
from segment.models.config import TrainConfig

#: The held-out control: the study trains and scores Brent on the whole corpus (as the unsupervised literature
#: does); here the model trains on the train split and is scored (and evaluated while training) on the test split.
HELDOUT = StudyCorpus("brent-phono-heldout", BP_TRAIN, "brent-phono:test", "brent-phono:test", CORPORA[0].preset,
                      ("constraint",))
#: (corpus key, lever, seeds) of each probe, in training order: the study's candidate setting (three seeds on
#: brent-phono), its held-out control, and Graves's ACT as the reference row
PROBES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("brent-phono", "constraint", (0, *SEEDS)),
    ("brent-phono-heldout", "constraint", (0,)),
    ("brent-phono", "graves", (0,)),
    ("brent-text", "constraint", (0,)),
    ("brent-text", "graves", (0,)),
)
PROBE_CORPORA = (*CORPORA, HELDOUT)
DEFAULT_FACTOR = 4
RESULTS_NAME = "halting-length.json"
#: The dev figures of log.jsonl followed over training (the dev pass reads the state carried across units;
#: ponder_boundary_f: peaks of its ponder signal against the dev units' gold cuts)
CURVE_FIELDS = ("ponder_boundary_f", "dev_bps", "ponder_std")


def length_runs(factor: int = DEFAULT_FACTOR, corpora: tuple[StudyCorpus, ...] = PROBE_CORPORA,
                probes=PROBES) -> list[tuple[StudyCorpus, str, float, int, object]]:
    """(corpus, lever, value, seed, spec) of every probe run: the study's run with ``factor`` x its iterations
    (and wall-clock safety net), named after it with ``-it<iterations>``."""
    by_key = {c.key: c for c in corpora}
    runs = []
    for key, lever, seeds in probes:
        corpus = by_key[key]
        iterations = corpus.preset.train["iterations"] * factor
        preset = dataclasses.replace(corpus.preset, seconds=corpus.preset.seconds * factor,
                                     train={**corpus.preset.train, "iterations": iterations})
        value = seed_value(lever)
        model, train = lever_settings(lever, value)
        for seed in seeds:
            name = f"{run_name(corpus, lever, value)}-it{iterations}" + (f"-seed{seed}" if seed else "")
            runs.append((corpus, lever, value, seed, preset.run(name, corpus.train_data, corpus.key, model=model,
                                                                train={**train, "seed": seed}, dev=corpus.dev)))
    return runs


@dataclass
class LengthSummary:
    """One lever at one training length on one corpus, over its seeds."""

    corpus: str
    lever: str
    value: float  # tau, or the constraint's target
    iterations: int
    seeds: list[int]
    ponder_fs: list[float]
    ponder_f_mean: float
    ponder_f_spread: float | None  # max - min over the seeds (None for one seed)
    entropy_f_mean: float
    dev_ponder_std_mean: float
    dev_bps_mean: float


def summarise_lengths(rows: list[dict], short_rows: list[dict], factor: int, probes=PROBES,
                      base_iterations: dict[str, int] | None = None) -> list[LengthSummary]:
    """Per probe: the study's rows (``short_rows``, at ``base_iterations`` of the corpus: default the study's)
    and the long ones (``rows``), each over the probe's seeds that were measured."""
    base_iterations = base_iterations or {c.key: c.preset.train["iterations"] for c in PROBE_CORPORA}
    summaries = []
    for key, lever, seeds in probes:
        value = seed_value(lever)
        short = base_iterations[key]
        for iterations, source in ((short, short_rows), (short * factor, rows)):
            picked = sorted((r for r in source if r["corpus"] == key and r["lever"] == lever and r["tau"] == value
                             and r["seed"] in seeds and r["ponder_f"] is not None), key=lambda r: r["seed"])
            if not picked:
                continue
            fs = [r["ponder_f"] for r in picked]
            summaries.append(LengthSummary(
                key, lever, value, iterations, [r["seed"] for r in picked], fs, sum(fs) / len(fs),
                max(fs) - min(fs) if len(fs) > 1 else None, _mean(r["entropy_f"] for r in picked),
                _mean(r["dev_ponder_std"] for r in picked), _mean(r["dev_bps"] for r in picked)))
    return summaries


def training_curve(run_dir: Path) -> dict[str, list]:
    """The dev evaluations a run logged while training (``CURVE_FIELDS`` by iteration; a run resumed from a
    checkpoint logs the iterations after it again: the last record of each iteration is kept)."""
    path = run_dir / "log.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.is_file() else []
    by_iteration = {r["iteration"]: r for r in records if "dev_bps" in r}
    iterations = sorted(by_iteration)
    return {"iteration": iterations,
            **{name: [by_iteration[i].get(name) for i in iterations] for name in CURVE_FIELDS}}


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def evaluate_lengths(runs_dir: Path, results_dir: Path, *, factor: int, device: str, data_dir, jobs: int = 1,
                     corpora: tuple[StudyCorpus, ...] = PROBE_CORPORA, probes=PROBES) -> dict:
    """Measure every trained probe run (rows already measured are kept, as in the study) and summarise them
    beside the study's rows, with each run's dev curve over training (``training_curve``); writes
    ``results_dir``/results/halting-length.json and returns its content."""
    path = results_dir / "results" / RESULTS_NAME
    from segment.eval.training_phase import run_dir_of

    entries = length_runs(factor, corpora, probes)
    rows, missing = measure_runs(entries, runs_dir, path, device=device, data_dir=data_dir, jobs=jobs)
    curves = {spec.name: training_curve(run_dir_of(runs_dir, spec)) for *_, spec in entries
              if spec.name not in missing}
    rows = [asdict(r) for r in rows]
    study = results_dir / "results" / "halting.json"
    short_rows = json.loads(study.read_text(encoding="utf-8"))["runs"] if study.is_file() else []
    base = {c.key: c.preset.train["iterations"] for c in corpora}
    eval_symbols = {c.key: c.preset.train.get("eval_symbols", TrainConfig().eval_symbols) for c in corpora}
    results = {"factor": factor, "base_iterations": base, "eval_symbols": eval_symbols, "missing_runs": missing,
               "runs": rows, "curves": curves,
               "summary": [asdict(s) for s in summarise_lengths(rows, short_rows, factor, probes, base)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(results, indent=1) + "\n")
    return results


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--phase", type=click.Choice(["train", "evaluate", "all"]), default="all", show_default=True)
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/halting-length"),
              show_default=True)
@click.option("--results-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("eval"),
              show_default=True, help="Where results/halting-length.json goes.")
@click.option("--factor", type=click.IntRange(min=2), default=DEFAULT_FACTOR, show_default=True,
              help="Times the study's iterations each probe trains.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs trained (and evaluated) at a time.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu or cuda.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory holding the corpora (default: $ACTSEG_DATA, then the download cache).")
def main(phase: str, runs_dir: Path, results_dir: Path, factor: int, jobs: int, device: str,
         data_dir: Path | None) -> None:
    """Train and evaluate the training-length probes of the halting study."""
    from segment.eval.training_phase import train_all

    if phase in ("train", "all"):
        failed = train_all([entry[4] for entry in length_runs(factor)], runs_dir, name="halting-length", jobs=jobs,
                           device=device, data_dir=data_dir)
        if failed:
            click.echo(f"Error: run(s) failed: {', '.join(failed)} (see {runs_dir}/<run>/train.log)", err=True)
    if phase in ("evaluate", "all"):
        evaluate_lengths(runs_dir, results_dir, factor=factor, device=device, data_dir=data_dir, jobs=jobs)


if __name__ == "__main__":
    main()
