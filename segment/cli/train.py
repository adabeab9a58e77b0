"""`actseg train`: train an ACT language model (or a control) on a named corpus."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path

import click

from segment.cli.common import data_dir_option
from segment.errors import CorpusError
from segment.models.config import HALT_INITS, HALT_INPUTS, ACTConfig, TrainConfig


def pick_split(requested: str | None, available: tuple[str, ...], preferred: str) -> str | None:
    """The requested split, else `preferred` when the corpus has it ("none" switches evaluation off)."""
    if requested is not None:
        return None if requested == "none" else requested
    return preferred if preferred in available else None


def setting_option(config: type, name: str, **kw):
    """A --NAME option whose default and help are those of the config dataclass field ``name``."""
    spec = next(f for f in fields(config) if f.name == name)
    if spec.type in (bool, "bool"):  # a flag that turns the setting on
        return click.option(f"--{name.replace('_', '-')}", is_flag=True, default=spec.default,
                            help=spec.metadata["help"], **kw)
    return click.option(f"--{name.replace('_', '-')}", default=spec.default, help=spec.metadata["help"],
                        show_default=spec.default is not None, **kw)


def fields_of(config: type, settings: dict) -> dict:
    """The options in ``settings`` that are fields of the config dataclass ``config``."""
    names = {f.name for f in fields(config)}
    return {name: value for name, value in settings.items() if name in names}


def model_directory(value: str) -> str:
    """The model directory an --init-from value names: a shipped model (en, zh) or a path, as --model reads them
    (a training run directory stands for its model/)."""
    from segment.cli.common import model_location
    from segment.ponder import resolve_model_dir

    return str(resolve_model_dir(model_location(value)))


def fine_tuning_config(settings: dict, right_to_left: bool) -> ACTConfig:
    """The model settings of a run fine-tuning --init-from: the model's, with --tau and --dropout when given; a
    UsageError for any other model option given, and for --right-to-left with a left-to-right model."""
    from click.core import ParameterSource

    from segment.models.checkpoint import CONFIG, read_config
    from segment.models.trainer import FINE_TUNING_FIELDS

    context = click.get_current_context()
    given = [name for name in (*fields_of(ACTConfig, settings), "no_act")
             if context.get_parameter_source(name) == ParameterSource.COMMANDLINE]
    refused = [name for name in given if name not in FINE_TUNING_FIELDS]
    if refused:
        raise click.UsageError(f"--{refused[0].replace('_', '-')}: a fine-tuned model keeps the settings of "
                               f"--init-from; only {', '.join('--' + n for n in FINE_TUNING_FIELDS)} may change")
    config = read_config(Path(settings["init_from"]) / CONFIG)
    if right_to_left and config.direction != "rtl":
        raise click.UsageError("--right-to-left: the model of --init-from reads left to right")
    return replace(config, **{name: settings[name] for name in given})


@click.command()
@click.option("--corpus", required=True, help="Corpus name (see `actseg corpus list`) or plain:PATH.")
@click.option("--split", default=None, help="Training split [default: train, or all when the corpus has no train].")
@click.option("--dev-split", default=None,
              help="Split evaluated every --eval-every iterations [default: dev when the corpus has one]; "
                   "'none': no evaluation.")
@data_dir_option
@setting_option(ACTConfig, "hidden", type=click.IntRange(min=1))
@setting_option(ACTConfig, "layers", type=click.IntRange(min=1))
@setting_option(ACTConfig, "tau", type=click.FloatRange(min=0))
@setting_option(ACTConfig, "max_steps", type=click.IntRange(min=1))
@setting_option(ACTConfig, "dropout", type=click.FloatRange(0, 1, max_open=True))
@setting_option(TrainConfig, "ponder_target", type=click.FloatRange(min=2, min_open=True))
@setting_option(TrainConfig, "tau_ramp", type=(float, float), metavar="START END")
@setting_option(TrainConfig, "ponder_constraint", type=click.FloatRange(min=2, min_open=True))
@setting_option(TrainConfig, "constraint_rate", type=click.FloatRange(min=0, min_open=True))
@setting_option(ACTConfig, "halt_init", type=click.Choice(HALT_INITS))
@setting_option(ACTConfig, "halt_bounded")
@setting_option(ACTConfig, "halt_input", type=click.Choice(HALT_INPUTS))
@setting_option(TrainConfig, "halt_lr_scale", type=click.FloatRange(min=0, min_open=True))
@setting_option(TrainConfig, "halt_freeze", type=click.IntRange(min=0))
@setting_option(TrainConfig, "lm_freeze", type=click.IntRange(min=0))
@setting_option(TrainConfig, "average_from", type=click.IntRange(min=1))
@setting_option(TrainConfig, "init_from", metavar="DIR|NAME")
@click.option("--no-act", is_flag=True, help="Control: one update per symbol (a plain LSTM language model).")
@setting_option(ACTConfig, "fixed_steps", type=click.IntRange(min=1), metavar="K")
@setting_option(TrainConfig, "iterations", type=click.IntRange(min=1))
@setting_option(TrainConfig, "seq_len", type=click.IntRange(min=1))
@setting_option(TrainConfig, "batch_size", type=click.IntRange(min=1))
@setting_option(TrainConfig, "lr", type=click.FloatRange(min=0, min_open=True))
@setting_option(TrainConfig, "warmup", type=click.IntRange(min=0))
@setting_option(TrainConfig, "seed", type=int)
@setting_option(TrainConfig, "device")
@setting_option(TrainConfig, "eval_every", type=click.IntRange(min=1))
@setting_option(TrainConfig, "max_seconds", type=click.FloatRange(min=0))
@setting_option(TrainConfig, "holdout", type=click.FloatRange(0, 0.5))
@setting_option(TrainConfig, "patience", type=click.IntRange(min=1))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Run directory.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its latest checkpoint.")
@click.option("--right-to-left", is_flag=True,
              help="Read every unit reversed: a right-to-left twin for a readout (`actseg readout fit --rtl-model`).")
def train(corpus, split, dev_split, data_dir, no_act, out, resume, right_to_left, **settings):
    """Train an ACT character language model; writes the model, checkpoints and an evaluation log to --out."""
    if no_act and settings["fixed_steps"] is not None:
        raise click.UsageError("--no-act and --fixed-steps are two different controls: give one")
    fine_tuned = None
    if settings["init_from"] is not None:
        settings["init_from"] = model_directory(settings["init_from"])
        fine_tuned = fine_tuning_config(settings, right_to_left)
    right_to_left = right_to_left or (fine_tuned is not None and fine_tuned.direction == "rtl")
    from segment.boundaries import reverse_view
    from segment.corpora import corpus_info, load_corpus
    from segment.dev_metrics import ponder_peak_metrics
    from segment.models.trainer import train as run_training

    available = corpus_info(corpus).splits
    split = pick_split(split, available, "train" if "train" in available else "all")
    dev_split = pick_split(dev_split, available, "dev")
    if dev_split == split:
        raise click.UsageError(f"--dev-split {dev_split!r} is the training split")
    train_corpus = load_corpus(corpus, split, data_dir)
    train_sequences = [s[::-1] if right_to_left else s for s in train_corpus.sequences() if len(s)]
    if not train_sequences:
        raise CorpusError(f"corpus {corpus!r} split {split!r} holds no symbols")
    dev_sequences = dev_metrics = None
    if dev_split is not None:
        dev_corpus = load_corpus(corpus, dev_split, data_dir)
        dev_sequences, dev_cuts = dev_corpus.sequences(), dev_corpus.word_boundaries()
        if right_to_left:
            dev_sequences, dev_cuts = reverse_view(dev_sequences, dev_cuts)
        dev_metrics = ponder_peak_metrics(dev_cuts)
    else:
        click.echo(f"note: no dev split evaluated for {corpus!r}", err=True)
    try:
        model_config = fine_tuned if settings["init_from"] is not None else ACTConfig(
            vocab_size=2, act=not no_act, direction="rtl" if right_to_left else "ltr", **fields_of(ACTConfig, settings))
        train_config = TrainConfig(out=out, resume=resume, **fields_of(TrainConfig, settings))
        model = run_training(model_config, train_config, train_sequences, dev_sequences, dev_metrics=dev_metrics)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    kept = ""
    if train_config.holdout and (Path(out) / "best.json").is_file():  # under torchrun rank 0 alone writes it
        best = json.loads((Path(out) / "best.json").read_text(encoding="utf-8"))
        kept = f"; the model of iteration {best['iteration']}, held-out bits per symbol {best['holdout_bps']:.4f}"
    click.echo(f"model written to {out}/model ({len(model.vocab)} symbols{kept})", err=True)
