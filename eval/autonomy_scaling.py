"""How the branching-autonomy segmenter's Chinese word F grows with the raw text it is fitted on.

    python -m segment.eval.autonomy_scaling [--corpora sighan-pku:test,sighan-msr:test,ud-zh-gsd:test] \
        [--pool REF,REF,...] [--fractions 0,0.125,0.25,0.5,1] [--seeds 3] [--results-dir eval]

Issue 16's targets come from systems fitted on the bakeoffs' full training texts, which are not here. This
measures how far more raw text takes ``nvbe`` at its defaults: for each evaluated corpus it is fitted on the
corpus's own raw text (transductive, as in the cpu-zh scale) plus a random ``fraction`` of the units of the rest
of the raw text (``--pool``, by default the cpu-zh scale's ``ZH_TRAIN``, less the corpus; one draw per seed, the
full and empty fractions once), and scored as it is and with cuts forced around punctuation. Per corpus and
setting, a least-squares line of word F (token F) against log2 of the fitted characters gives the gain per
doubling and, where the gain is positive and the corpus has a target, the size at which the line reaches it: an
extrapolation past the measured range, named as one. Writes ``results/autonomy-scaling-zh.json``,
``figures/zh-raw-text-scaling.png`` and ``ZH_RAW_TEXT.md``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np
from tqdm import tqdm

from segment.errors import ActSegError
from segment.files import write_atomic

#: Issue 16's word F targets (unsupervised, split at punctuation as the anchors are).
TARGETS = {"sighan-pku:test": 0.80, "sighan-msr:test": 0.78}
SETTINGS = (("as is", False), ("split at punctuation", True))


def subsample(units: Sequence, fraction: float, seed: int) -> list:
    """``round(fraction * len(units))`` of ``units`` drawn without replacement (all of them at 1, none at 0)."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be within [0, 1], got {fraction!r}")
    order = np.random.default_rng(seed).permutation(len(units))
    return [units[i] for i in sorted(order[:round(fraction * len(units))])]


def draws(fractions: Sequence[float], seeds: int) -> list[tuple[float, int]]:
    """(fraction, seed) pairs: one draw for 0 and 1, which hold the same text whatever the seed."""
    return [(f, seed) for f in fractions for seed in (range(seeds) if 0 < f < 1 else (0,))]


def measure(evaluated: Sequence[str], pool: Sequence[str], fractions: Sequence[float], seeds: int,
            data_dir=None) -> list[dict]:
    """One row per evaluated corpus, draw and setting: the fitted characters and the word and boundary F."""
    from segment.baselines.autonomy import BranchingAutonomy
    from segment.eval import word_scores
    from segment.eval.run_specs import load_ref
    from segment.punctuation_split import punctuation_cuts

    texts = {ref: load_ref(ref, data_dir) for ref in dict.fromkeys([*evaluated, *pool])}
    calls = [(ref, f, seed) for ref in evaluated for f, seed in draws(fractions, seeds)]
    rows = []
    for ref, fraction, seed in tqdm(calls, desc="fits", unit="fit", file=sys.stderr):
        sequences, gold = texts[ref].sequences(), texts[ref].word_boundaries()
        others = [unit for other in pool if other != ref for unit in texts[other].sequences()]
        fit = list(sequences) + subsample(others, fraction, seed)
        cuts = BranchingAutonomy().fit(fit).predict_many(sequences)
        for setting, split in SETTINGS:
            hypothesis = [np.union1d(c, punctuation_cuts(s)) for s, c in zip(sequences, cuts)] if split else cuts
            scores = word_scores(reference=gold, hypothesis=hypothesis, sequences=sequences)
            rows.append({"corpus": ref, "setting": setting, "fraction": fraction, "seed": seed,
                         "fit_symbols": sum(len(unit) for unit in fit), "token_f": round(scores["token_f"], 4),
                         "boundary_f": round(scores["boundary_noedge_f"], 4)})
    return rows


def trend(rows: Sequence[dict], target: float | None = None) -> dict:
    """Least-squares token F = intercept + gain * log2(fitted characters) over ``rows``; with ``target``, the
    characters at which the line reaches it (None unless the gain is positive)."""
    x = np.log2([row["fit_symbols"] for row in rows])
    y = np.array([row["token_f"] for row in rows])
    if len(set(x.tolist())) < 2:
        raise ValueError("a trend needs at least two fitted sizes")
    gain, intercept = np.polyfit(x, y, 1)
    residual = y - (intercept + gain * x)
    spread = float(np.sqrt((residual ** 2).sum() / max(len(x) - 2, 1) / ((x - x.mean()) ** 2).sum()))
    reach = None
    if target is not None and gain > 0:
        reach = float(2 ** ((target - intercept) / gain))
    return {"gain_per_doubling": round(float(gain), 4), "gain_se": round(spread, 4),
            "intercept": round(float(intercept), 4), "target": target,
            "symbols_at_target": None if reach is None else round(reach)}


def trends(rows: Sequence[dict]) -> list[dict]:
    """The :func:`trend` of every corpus and setting in ``rows``."""
    keys = dict.fromkeys((row["corpus"], row["setting"]) for row in rows)
    return [{"corpus": ref, "setting": setting,
             **trend([r for r in rows if (r["corpus"], r["setting"]) == (ref, setting)], TARGETS.get(ref))}
            for ref, setting in keys]


def plot(rows: Sequence[dict], lines: Sequence[dict], path: Path) -> None:
    """Word F against fitted characters (log axis), split at punctuation: the points, each trend line over
    the measured range (dotted past it, up to the target) and the targets."""
    from segment.eval.plots import plot_scaling

    shown = "split at punctuation"
    points = {line["corpus"]: [(r["fit_symbols"], r["token_f"]) for r in rows
                                if (r["corpus"], r["setting"]) == (line["corpus"], shown)]
              for line in lines if line["setting"] == shown}
    fits = {line["corpus"]: (line["intercept"], line["gain_per_doubling"], line["target"], line["symbols_at_target"])
            for line in lines if line["setting"] == shown}
    plot_scaling(points, fits, xlabel="raw characters fitted on", ylabel="word F (split at punctuation)",
                 title="nvbe on Chinese: word F against raw text", path=path)


def _size(symbols: int | None) -> str:
    if symbols is None:
        return "not reached (no gain)"
    if symbols >= 1e9:
        return f"{symbols:.1e}"
    return f"{symbols / 1e6:.1f}M" if symbols >= 1e6 else f"{symbols / 1e3:.0f}k"


def report(result: dict) -> str:
    """ZH_RAW_TEXT.md: the trend table, the figure, then every measured row."""
    rows, lines = result["rows"], result["trends"]
    out = ["# Chinese: branching autonomy against the size of the raw text", "",
           f"Generated by `{result['command']}` (see `segment/eval/autonomy_scaling.py`), from "
           "`results/autonomy-scaling-zh.json`.", "",
           "`nvbe` at its defaults (max length 3, word cost 3, chosen on UD Chinese GSD dev at the full text) is "
           "fitted on the evaluated corpus's own raw text plus a random fraction of the rest of the raw text "
           f"({', '.join(result['pool'])}), {result['seeds']} draws per fraction between 0 and 1. Word F is "
           "the bakeoffs' token F. The gain is the slope of a least-squares line of word F against log2 of the "
           "characters fitted on (with its standard error); the size at the target extends that line past the "
           "measured range, so it is an extrapolation, not a measurement. Issue 16's anchors are fitted on the "
           "bakeoffs' training texts (PKU 1.1M words, MSR 2.37M words: Emerson 2005), which are not here.", "",
           "| corpus | setting | word F, own text only | word F, all the text | gain per doubling | "
           "target | characters at the target (extrapolated) |", "|---|---|---|---|---|---|---|"]
    for line in lines:
        mine = [r for r in rows if (r["corpus"], r["setting"]) == (line["corpus"], line["setting"])]
        least, most = min(mine, key=lambda r: r["fit_symbols"]), max(mine, key=lambda r: r["fit_symbols"])
        target = "—" if line["target"] is None else f"{line['target']:.2f}"
        reach = "—" if line["target"] is None else _size(line["symbols_at_target"])
        out.append(f"| {line['corpus']} | {line['setting']} | {least['token_f']:.4f} ({_size(least['fit_symbols'])}) "
                   f"| {most['token_f']:.4f} ({_size(most['fit_symbols'])}) | {line['gain_per_doubling']:+.4f} "
                   f"± {line['gain_se']:.4f} | {target} | {reach} |")
    out += ["", "![word F against raw text](figures/zh-raw-text-scaling.png)", "",
            "| corpus | setting | fraction | seed | characters | word F | boundary F |", "|---|---|---|---|---|---|---|"]
    out += [f"| {r['corpus']} | {r['setting']} | {r['fraction']:g} | {r['seed']} | {r['fit_symbols']:,} | "
            f"{r['token_f']:.4f} | {r['boundary_f']:.4f} |" for r in rows]
    return "\n".join(out) + "\n"


def _refs(text: str, option: str) -> list[str]:
    refs = [ref.strip() for ref in text.split(",") if ref.strip()]
    if not refs:
        raise click.BadParameter("name at least one corpus:split", param_hint=option)
    return refs


def _fractions(text: str) -> list[float]:
    try:
        values = [float(item) for item in text.split(",")]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a comma-separated list of numbers", param_hint="--fractions") from None
    if not all(math.isfinite(v) and 0 <= v <= 1 for v in values) or len(set(values)) < 2:
        raise click.BadParameter(f"{text!r}: give at least two distinct fractions within [0, 1]",
                                 param_hint="--fractions")
    return sorted(set(values))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpora", default="sighan-pku:test,sighan-msr:test,ud-zh-gsd:test", show_default=True,
              help="comma-separated corpus:split references to evaluate")
@click.option("--pool", default=None, help="comma-separated corpus:split references whose raw text is drawn from "
              "[default: the cpu-zh scale's training text]")
@click.option("--fractions", default="0,0.125,0.25,0.5,1", show_default=True,
              help="comma-separated fractions of the rest of the raw text added to each corpus's own")
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True,
              help="random draws per fraction strictly between 0 and 1")
@click.option("--results-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("eval"),
              show_default=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(corpora: str, pool: str | None, fractions: str, seeds: int, results_dir: Path, data_dir: Path | None) -> None:
    """Fit nvbe on growing raw text, score each corpus, and write the results, figure and ZH_RAW_TEXT.md."""
    from segment.eval.scales import ZH_TRAIN

    evaluated = _refs(corpora, "--corpora")
    drawn_from = ZH_TRAIN if pool is None else _refs(pool, "--pool")
    try:
        rows = measure(evaluated, drawn_from, _fractions(fractions), seeds, data_dir)
    except ActSegError as err:
        raise click.ClickException(str(err)) from None
    result = {"command": "python -m segment.eval.autonomy_scaling " + " ".join(sys.argv[1:]), "pool": list(drawn_from),
              "seeds": seeds, "targets": TARGETS, "trends": trends(rows), "rows": rows}
    for folder in ("results", "figures"):
        (results_dir / folder).mkdir(parents=True, exist_ok=True)
    write_atomic(results_dir / "results" / "autonomy-scaling-zh.json", json.dumps(result, indent=1) + "\n")
    plot(rows, result["trends"], results_dir / "figures" / "zh-raw-text-scaling.png")
    write_atomic(results_dir / "ZH_RAW_TEXT.md", report(result))
    click.echo(report(result).split("\n\n![")[0])


if __name__ == "__main__":
    main()
