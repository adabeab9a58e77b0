"""The readout study: how much each group of a model's signals adds to a learned word-boundary readout.

    python -m segment.eval.readout_study [--runs-dir runs/halting] [--results-dir eval] [--jobs 2]

For each task (a model and its corpus) a ``ReadoutSegmenter`` is trained per feature set (every signal; the
language model's entropy and surprisal only; the four ponder/halting signals only; the symbol classes are
always in) and scored on units it never saw: on Brent the first 10% of the units train it (its threshold on
the last tenth of those) and the other 90% are scored, as in the field's semi-supervised setting; on UD
English and gutenberg-en it trains on the first 3,000 units of the train split and is scored on test (the
shipped English model reads both). Boundary P/R/F (unit-internal cuts) with a
bootstrap 95% interval over units, and token F. Where a task names a right-to-left model (the same run's
settings trained on reversed units, trained here first when missing), every feature set is also scored with
that model's mirrored signals added (``<set>+rtl``). Results go to ``results/readout.json`` and ``READOUT.md``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import click
import numpy as np

from segment.eval.parallel import map_in_processes
from segment.eval.run_specs import labelled_units
from segment.files import write_atomic
from segment.readout import CLASSIFIERS, HALTING_SIGNALS

#: "all": every signal but the class probabilities, which came later (the shipped readouts read them too).
FEATURE_SETS = {"all": (*HALTING_SIGNALS, "entropy", "surprisal"), "entropy+surprisal": ("entropy", "surprisal"),
                "halting": HALTING_SIGNALS}
#: The feature sets also read by the MLP readout (every set by the logistic one).
MLP_SETS = ("all", "entropy+surprisal")
BOOTSTRAP = 1000


@dataclass(frozen=True)
class ReadoutTask:
    """One model and the labelled units its readouts learn from and are scored on."""

    corpus: str  # label of the row
    model: str  # run directory name under --runs-dir, or a model directory path
    train: str  # "corpus:split" the readout learns from
    test: str  # "corpus:split" scored
    train_fraction: float | None = None  # train == test: the first fraction of the units trains, the rest is scored
    train_units: int | None = None  # otherwise: the first train units read
    rtl: bool = False  # also with a right-to-left model: the run ``<model>-rtl`` (``rtl_runs``), or the shipped
    # model's ``rtl/`` folder


TASKS = (
    ReadoutTask("brent-phono", "bp-graves-tau0.03", "brent-phono:all", "brent-phono:all", train_fraction=0.1,
                rtl=True),
    ReadoutTask("brent-phono", "bp-bounded+norm+freeze-tau0.03", "brent-phono:all", "brent-phono:all",
                train_fraction=0.1),
    ReadoutTask("brent-text", "bt-graves-tau0.03", "brent-text:all", "brent-text:all", train_fraction=0.1, rtl=True),
    ReadoutTask("brent-text", "bt-bounded+norm+freeze-tau0.03", "brent-text:all", "brent-text:all",
                train_fraction=0.1),
    ReadoutTask("ud-en-ewt", "shipped", "ud-en-ewt:train", "ud-en-ewt:test", train_units=3000, rtl=True),
    ReadoutTask("gutenberg-en", "shipped", "gutenberg-en:train", "gutenberg-en:test", train_units=3000, rtl=True),
)


def rtl_runs(tasks: tuple[ReadoutTask, ...] = TASKS) -> list:
    """The right-to-left runs the tasks read: each the halting study's run of the task's model, on reversed
    units, named ``<model>-rtl`` (the shipped model brings its own)."""
    import dataclasses

    from segment.eval.halting_study import study_runs

    specs = {spec.name: spec for *_, spec in study_runs()}
    return [dataclasses.replace(specs[t.model], name=f"{t.model}-rtl", direction="rtl") for t in tasks
            if t.rtl and t.model != "shipped"]


def _model_dir(task: ReadoutTask, runs_dir: Path) -> Path:
    if task.model == "shipped":
        from segment.shipped import DEFAULT_MODEL

        return DEFAULT_MODEL
    return runs_dir / task.model / "model"


def _rtl_dir(task: ReadoutTask, runs_dir: Path) -> Path | None:
    """The task's right-to-left model directory, when it has one and it is trained (the shipped model's is its
    ``rtl/`` folder)."""
    from segment.readout import RTL_DIR

    directory = _model_dir(task, runs_dir) / RTL_DIR if task.model == "shipped" else \
        runs_dir / f"{task.model}-rtl" / "model"
    return directory if task.rtl and directory.is_dir() else None


def run_task(task: ReadoutTask, runs_dir: Path, data_dir, device: str = "cpu") -> list[dict]:
    """One row per feature set: the readout's scores on the task's scored units."""
    from segment.eval import word_scores
    from segment.eval.bootstrap import bootstrap_f
    from segment.readout import ReadoutSegmenter

    sequences, gold = labelled_units(task.test, data_dir)
    if task.train_fraction is not None:
        split = int(len(sequences) * task.train_fraction)
        (train_x, train_y), (test_x, test_y) = (sequences[:split], gold[:split]), (sequences[split:], gold[split:])
    else:
        train_x, train_y = labelled_units(task.train, data_dir)
        train_x, train_y = train_x[:task.train_units], train_y[:task.train_units]
        test_x, test_y = sequences, gold
    from segment.models.inference import compute_signals
    from segment.ponder import load_model

    model = load_model(_model_dir(task, runs_dir))
    rtl = _rtl_dir(task, runs_dir)
    train_signals, test_signals = (compute_signals(model, x, progress=False) for x in (train_x, test_x))
    directions = [(None, None, None, "")]
    if rtl is not None:  # the right-to-left model's signals of the reversed units, computed once
        rtl_model = load_model(rtl)
        directions.append((rtl_model, *(compute_signals(rtl_model, [s[::-1] for s in x], progress=False)
                                        for x in (train_x, test_x)), "+rtl"))
    rows = []
    for rtl_model, rtl_train, rtl_test, suffix in directions:
        for (name, signals), classifier in [(item, c) for item in FEATURE_SETS.items() for c in CLASSIFIERS
                                            if c == "logistic" or item[0] in MLP_SETS]:
            readout = ReadoutSegmenter(model, rtl_model, signals=signals, classifier=classifier, device=device).fit(
                train_x, train_y, train_signals, rtl_train)
            predicted = [readout.cuts(p) for p in readout.boundary_scores_many(test_x, test_signals, rtl_test)]
            scores = word_scores(reference=test_y, hypothesis=predicted, sequences=test_x)
            counts = np.array([[len(np.intersect1d(r, h)), len(h), len(r)] for r, h in zip(test_y, predicted)])
            low, high = bootstrap_f(counts, resamples=BOOTSTRAP)
            rows.append({"corpus": task.corpus, "model": task.model, "features": name + suffix,
                         "classifier": classifier,
                         "train_units": len(train_x), "test_units": len(test_x), "threshold": readout.threshold_,
                         "boundary_p": scores["boundary_noedge_p"], "boundary_r": scores["boundary_noedge_r"],
                         "boundary_f": scores["boundary_noedge_f"], "f_ci_low": low, "f_ci_high": high,
                         "token_f": scores["token_f"]})
    return rows


def write_report(results: dict, results_dir: Path, command: str) -> Path:
    from segment.eval.report_markdown import table_frame

    lines = ["# The readout study", "", f"Generated by `{command}` from `results/readout.json` (see "
             "`segment/eval/readout_study.py`).", "",
             "A learned readout (`segment.readout`) over groups of a model's signals, symbol classes "
             "always included: `all` (ponder, steps, remainder, first halting output, entropy, surprisal), "
             "`entropy+surprisal` (the language model alone), `halting` (the four ponder/halting signals); "
             "`classifier`: a logistic regression, or for the first two sets also a ReLU network of two 64-unit "
             "layers (`mlp`). Brent: "
             "trained on the first 10% of the units, scored on the other 90%; UD English and gutenberg-en (the "
             "shipped English model): trained on the first 3,000 train units, scored on test. Boundary P/R/F over "
             "unit-internal cuts with a bootstrap 95% interval over units. `<set>+rtl`: the same with a right-to-left "
             "model's signals added (the same run's settings trained on reversed units, its signals mirrored back), "
             "on the Brent tasks of Graves's ACT and, where the shipped English model has one (its `rtl/` folder), on "
             "the English tasks.", ""]
    if results["missing"]:
        lines += [f"Left out (model not trained): {', '.join(results['missing'])}.", ""]
    columns = ["corpus", "model", "features", "classifier", "train_units", "test_units", "boundary_p", "boundary_r", "boundary_f",
               "f_ci_low", "f_ci_high", "token_f"]
    lines += [table_frame(results["rows"], columns).to_markdown(index=False, floatfmt=".4f"), ""]
    path = results_dir / "READOUT.md"
    write_atomic(path, "\n".join(lines))
    return path


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("runs/halting"),
              show_default=True, help="Where the halting study's runs are.")
@click.option("--results-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("eval"),
              show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Tasks run at a time.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory holding the corpora (default: $ACTSEG_DATA, then the download cache).")
@click.option("--only", "only", multiple=True, type=click.Choice(sorted({t.corpus for t in TASKS})),
              help="Score only the tasks of this corpus (repeatable); the other rows are kept from the existing "
                   "results/readout.json.")
def main(runs_dir: Path, results_dir: Path, jobs: int, data_dir: Path | None, only: tuple[str, ...]) -> None:
    """Train the right-to-left runs that are missing, then train and score the readouts of the readout study."""
    from segment.eval.training_phase import train_all

    chosen = [t for t in TASKS if not only or t.corpus in only]
    failed = train_all(rtl_runs(tuple(chosen)), runs_dir, name="rtl", jobs=jobs, device="cpu", data_dir=data_dir)
    if failed:
        click.echo(f"Error: run(s) failed: {', '.join(failed)} (see {runs_dir}/<run>/train.log)", err=True)
    path = results_dir / "results" / "readout.json"
    kept = kept_results(path, only)
    tasks = [t for t in chosen if _model_dir(t, runs_dir).is_dir()]
    missing = kept["missing"] + [t.model for t in chosen if t not in tasks] + [
        f"{t.model}-rtl" for t in tasks if t.rtl and _rtl_dir(t, runs_dir) is None]
    rows = kept["rows"] + [row for part in map_in_processes(run_task, [(task, runs_dir, data_dir) for task in tasks],
                                                            jobs=jobs, desc="readout study") for row in part]
    order = [t.corpus for t in TASKS]
    rows.sort(key=lambda row: order.index(row["corpus"]))  # stable: each task's rows stay in their order
    results = {"tasks": [asdict(t) for t in TASKS], "missing": missing, "rows": rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(results, indent=1) + "\n")
    write_report(results, results_dir, "python -m segment.eval.readout_study " + " ".join(without_only(sys.argv[1:])))


def without_only(args: list[str]) -> list[str]:
    """The command-line arguments without ``--only CORPUS``: the command that scores every task at once."""
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--only":
            skip = True
        elif not arg.startswith("--only="):
            kept.append(arg)
    return kept


def kept_results(path: Path, only: tuple[str, ...]) -> dict:
    """The rows and missing runs of the existing results that ``--only`` leaves alone (none without it);
    ClickException when that file cannot be read."""
    if not only:
        return {"rows": [], "missing": []}
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise click.ClickException(f"{path}: cannot keep the other tasks' rows ({err}); run without --only") from None
    names = {t.model for t in TASKS if t.corpus in only} | {f"{t.model}-rtl" for t in TASKS if t.corpus in only}
    return {"rows": [r for r in previous["rows"] if r["corpus"] not in only],
            "missing": [m for m in previous["missing"] if m not in names]}


if __name__ == "__main__":
    main()
