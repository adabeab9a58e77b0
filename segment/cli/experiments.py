"""``actseg experiments``: train, evaluate and report the runs of one scale (eval/RESULTS.md).

Phases are resumable. ``train`` (:mod:`segment.eval.training_phase`) trains every run of the scale not yet
trained, each in its own process; ``evaluate`` (:mod:`segment.eval.evaluate_runs`) writes
``<results-dir>/results/<scale>.json``; ``report`` (:mod:`segment.eval.report_markdown`) turns it into
``<results-dir>/RESULTS.md`` and figures.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click
from click.core import ParameterSource

from segment.cli.common import data_dir_option
from segment.errors import ActSegError

PHASES = ("train", "evaluate", "report", "all")


def regenerate_command(ctx: click.Context) -> str:
    """The command line that regenerates everything: the options given, without ``--phase`` (so every phase
    runs; trained runs are reused)."""
    words = ["actseg", "experiments"]
    for param in ctx.command.params:
        if param.name == "phase" or ctx.get_parameter_source(param.name) is not ParameterSource.COMMANDLINE:
            continue
        value = ctx.params[param.name]
        words += [param.opts[0]] if param.is_flag else [param.opts[0], str(value)]
    return " ".join(words)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--scale", "scale_name", required=True, help="smoke, cpu, cpu-long, cpu-zh or gpu.")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the runs are trained [default: runs/<scale>].")
@click.option("--results-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where results/<scale>.json, RESULTS.md and figures/ go [default: eval, or eval/<scale> for the "
                   "scales reported in a folder of their own: cpu-long, cpu-zh].")
@click.option("--phase", type=click.Choice(PHASES), default="all", show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Runs trained (and evaluation tasks run) at a time.")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@data_dir_option
@click.option("--reuse-baselines", is_flag=True,
              help="Evaluate phase: keep the word-level baseline rows of the existing results where they scored the "
                   "same corpus (units, symbols, bootstrap) instead of measuring them again (the lexicon toplines "
                   "take most of an evaluation); only while the baselines' code and the corpora are unchanged.")
@click.option("--ship-default", is_flag=True,
              help="Report phase: copy the selected default model into the package as the scale's shipped model "
                   "(en, or zh for the Chinese scale), with its readouts and card.")
@click.option("--cap-seconds", type=click.FloatRange(min=0), default=None,
              help="Dry runs: cap every run's training budget.")
@click.option("--cap-hidden", type=click.IntRange(min=1), default=None, help="Dry runs: cap every run's hidden size.")
@click.option("--cap-units", type=click.IntRange(min=1), default=None,
              help="Dry runs: cap the units of every evaluated corpus.")
@click.pass_context
def experiments(ctx: click.Context, scale_name: str, runs_dir: Path | None, results_dir: Path | None, phase: str,
                jobs: int, device: str, data_dir: Path | None, reuse_baselines: bool, ship_default: bool,
                cap_seconds: float | None,
                cap_hidden: int | None, cap_units: int | None) -> None:
    """Train, evaluate and report the experiments of one scale."""
    from segment.eval.scales import get_scale
    from segment.eval.training_phase import is_trained, run_dir_of, train_all
    from segment.models.device import resolve_device

    scale = get_scale(scale_name).capped(cap_seconds, cap_hidden, cap_units)
    try:
        resolve_device(device)
    except ValueError as err:
        raise ActSegError(str(err)) from None
    runs_dir = runs_dir or Path("runs") / scale.name
    results_dir = results_dir or (Path("eval") / scale.name if scale.title else Path("eval"))
    results_path = results_dir / "results" / f"{scale.name}.json"
    failed: list[str] = []
    if phase in ("train", "all"):
        failed = train_all(scale.runs, runs_dir, name=scale.name, jobs=jobs, device=device, data_dir=data_dir)
        if failed:
            click.echo(f"Error: run(s) failed: {', '.join(failed)} (see {runs_dir}/<run>/train.log); the other "
                       "runs are still evaluated", err=True)
    if phase in ("evaluate", "all"):
        from segment.eval.evaluate_runs import evaluate_scale

        trained = tuple(r for r in scale.runs if is_trained(run_dir_of(runs_dir, r)))
        missing = [r.name for r in scale.runs if r not in trained]
        evaluate_scale(dataclasses.replace(scale, runs=trained), runs_dir, results_path, device=device,
                       data_dir=data_dir, jobs=jobs, command=regenerate_command(ctx), missing_runs=missing,
                       reuse_baselines=reuse_baselines)
    if phase in ("report", "all"):
        from segment.eval.default_model import ship_default_model
        from segment.eval.report_markdown import write_report
        from segment.eval.results_types import Results

        write_report(results_path, results_dir)
        if ship_default:
            ship_default_model(Results.read(results_path), runs_dir, shipped_as=scale.ships_as,
                               readouts=scale.readouts, data_dir=data_dir)
    if failed:
        sys.exit(1)
