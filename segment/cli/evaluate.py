"""``actseg evaluate`` and ``actseg compare``: score segmenters on a named corpus, one table row each."""

from __future__ import annotations

from pathlib import Path

import click

from segment.cli.common import Output, data_dir_option, output_option

run_options = [
    click.option("--corpus", "corpus_name", required=True, help="Corpus name (see `actseg corpus list`)."),
    click.option("--split", default="all", show_default=True, help="Split to evaluate."),
    click.option("--model", type=click.Path(path_type=Path), multiple=True, callback=lambda _c, _p, v: models_of(v),
                 help="Checkpoint directory for model-based segmenters (without it they train their own "
                      "model on the fitted units; compare then leaves them out by default). Repeat it for an "
                      "ensemble: the segmenters read each signal's mean over the models."),
    click.option("--level", type=click.Choice(["word", "sentence"]), default="word", show_default=True,
                 help="Score word cuts per unit, or sentence cuts over the running text."),
    click.option("--train", "fit_on_train", is_flag=True,
                 help="Fit on the corpus's train split instead of the evaluated units themselves."),
    click.option("--fit-text", default=None, metavar="REFS",
                 help="Fit on the units of these comma-separated corpus[:split] references (a name alone: its "
                      "'all' split), followed by the evaluated units unless they are one of them: more raw text "
                      "for the statistics of the unsupervised baselines."),
    click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "json"]), default="markdown",
                 show_default=True),
    click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
                 help="Bootstrap resamples over units for the headline F's 95% interval (0: none)."),
    click.option("--seed", type=int, default=0, show_default=True,
                 help="Seed of the bootstrap and of every segmenter that takes one."),
    data_dir_option,
    output_option,
]


def models_of(paths: tuple[Path, ...]) -> Path | list[Path] | None:
    """What the model-based segmenters get for the --model options: None, the one directory, or a list (an
    ensemble)."""
    return None if not paths else paths[0] if len(paths) == 1 else list(paths)


def with_run_options(command):
    for option in reversed(run_options):
        command = option(command)
    return command


def build(name: str, model: Path | list[Path] | None, seed: int):
    """A registry segmenter, seeded when it takes a seed; unknown names fail with a one-line error."""
    from segment.registry import make_segmenter
    try:
        segmenter = make_segmenter(name, model=model)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    if "seed" in segmenter.get_params():
        segmenter.set_params(seed=seed)
    return segmenter


def run(segmenters: dict, *, corpus_name: str, split: str, level: str, fit_on_train: bool, fit_text: str | None,
        fmt: str, bootstrap: int, seed: int, data_dir, output) -> None:
    from segment.corpora import load_corpus
    from segment.eval.harness import compare as compare_segmenters
    from segment.eval.harness import with_fit_text
    from segment.eval.report import format_report

    if fit_on_train and fit_text is not None:
        raise click.UsageError("give --train or --fit-text, not both")
    refs = [ref.strip() for ref in (fit_text or "").split(",") if ref.strip()]
    if fit_text is not None and not refs:
        raise click.BadParameter("name at least one corpus", param_hint="--fit-text")
    corpus = load_corpus(corpus_name, split, data_dir=data_dir)
    if refs:
        fit = with_fit_text(corpus, refs, data_dir)
    else:
        fit = load_corpus(corpus_name, "train", data_dir=data_dir) if fit_on_train else True
    frame = compare_segmenters(segmenters, corpus, level=level, bootstrap=bootstrap, seed=seed, fit=fit,
                               progress=len(segmenters) > 1)
    with Output(output) as out:
        out.write(format_report(frame, fmt))


@click.command()
@click.option("--segmenter", "name", required=True, help="Segmenter name (an unknown name lists the available ones).")
@with_run_options
def evaluate(name, model, seed, **kw):
    """Score one segmenter on a corpus: every metric, timing and a bootstrap CI of the headline F."""
    run({name: factory(name, model, seed)}, seed=seed, **kw)


def factory(name: str, model: Path | list[Path] | None, seed: int):
    """Build inside the harness, so that a missing optional extra becomes a 'skipped' row."""
    return lambda: build(name, model, seed)


def default_segmenters(model: Path | list[Path] | None, level: str) -> list[str]:
    """Every registered segmenter of this level that uses neither gold nor a lexicon (model-based ones
    with --model; they serve both levels)."""
    from segment.baselines import SENTENCE_LEVEL, WORD_LEVEL
    from segment.registry import available_segmenters, make_segmenter
    other_level = set(SENTENCE_LEVEL if level == "word" else WORD_LEVEL)
    names = []
    for name in available_segmenters(models=model is not None):
        if name in other_level:
            continue
        try:
            segmenter = make_segmenter(name, model=model)
        except ImportError:
            names.append(name)
            continue
        if not (segmenter.uses_gold or segmenter.uses_lexicon):
            names.append(name)
    return names


@click.command()
@click.option("--segmenters", "names", default=None,
              help="Comma-separated segmenter names (default: every unsupervised one available).")
@with_run_options
def compare(names, model, seed, level, **kw):
    """Score several segmenters on one corpus side by side (one row each)."""
    chosen = [n.strip() for n in names.split(",") if n.strip()] if names else default_segmenters(model, level)
    if not chosen:
        raise click.ClickException("no segmenters to compare")
    run({name: factory(name, model, seed) for name in chosen}, seed=seed, level=level, **kw)
