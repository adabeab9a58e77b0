"""`actseg train`: train an ACT language model (or a control) on a named corpus."""

from __future__ import annotations

import click

from segment.cli.common import data_dir_option
from segment.errors import CorpusError


def pick_split(requested: str | None, available: tuple[str, ...], preferred: str) -> str | None:
    """The requested split, else `preferred` when the corpus has it ("none" switches evaluation off)."""
    if requested is not None:
        return None if requested == "none" else requested
    return preferred if preferred in available else None


@click.command()
@click.option("--corpus", required=True, help="Corpus name (see `actseg corpus list`) or plain:PATH.")
@click.option("--split", default=None, help="Training split [default: train, or all when the corpus has no train].")
@click.option("--dev-split", default=None,
              help="Split evaluated every --eval-every steps [default: dev when the corpus has one]; 'none': no evaluation.")
@data_dir_option
@click.option("--hidden", type=click.IntRange(min=1), default=128, show_default=True, help="LSTM cells per layer.")
@click.option("--layers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Stacked LSTM layers (ACT runs over the whole stack).")
# Defaults: the cpu-scale main runs' setting (eval/RESULTS.md); the informative tau range is narrow.
@click.option("--tau", type=click.FloatRange(min=0), default=0.03, show_default=True, help="Ponder cost weight.")
@click.option("--max-ponder", type=click.IntRange(min=1), default=4, show_default=True,
              help="Cap M on the updates per symbol.")
@click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True,
              help="Dropout on the top layer's output, before the decoder.")
@click.option("--ponder-target", type=click.FloatRange(min=2, min_open=True), default=None,
              help="Adapt tau after every step so the mean ponder time approaches this (starting from --tau).")
@click.option("--tau-ramp", type=(float, float), default=None, metavar="START END",
              help="Move tau linearly from START to END over the training steps (instead of --tau).")
@click.option("--halt-init", type=click.Choice(["zero", "uniform"]), default="zero", show_default=True,
              help="Initial halting weights: zero (every symbol starts alike) or nn.Linear's random uniform.")
@click.option("--halt-lr-scale", type=click.FloatRange(min=0, min_open=True), default=0.1, show_default=True,
              help="Learning rate of the halting unit relative to --lr (at 1 halting collapsed to one update).")
@click.option("--no-act", is_flag=True, help="Control: one update per symbol (a plain LSTM language model).")
@click.option("--fixed-steps", type=click.IntRange(min=1), default=None, metavar="K",
              help="Control: K updates per symbol, no halting.")
@click.option("--steps", type=click.IntRange(min=1), default=1000, show_default=True, help="Training updates.")
@click.option("--seq-len", type=click.IntRange(min=1), default=128, show_default=True,
              help="Symbols per chunk (truncated backpropagation length).")
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True,
              help="Parallel rows (per process).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=3e-3, show_default=True,
              help="Peak learning rate (AdamW, warm-up then cosine decay).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--eval-every", type=click.IntRange(min=1), default=200, show_default=True,
              help="Steps between evaluations and checkpoints.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Run directory.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its latest checkpoint.")
def train(corpus, split, dev_split, data_dir, hidden, layers, tau, max_ponder, dropout, ponder_target, tau_ramp,
          halt_init, halt_lr_scale, no_act, fixed_steps, steps, seq_len, batch_size, lr, seed, device, eval_every,
          out, resume):
    """Train an ACT character language model; writes the model, checkpoints and an evaluation log to --out."""
    if no_act and fixed_steps is not None:
        raise click.UsageError("--no-act and --fixed-steps are two different controls: give one")
    from segment.corpora import corpus_info, load_corpus
    from segment.models import ACTConfig
    from segment.models.training import TrainConfig
    from segment.models.training import train as run_training

    available = corpus_info(corpus).splits
    split = pick_split(split, available, "train" if "train" in available else "all")
    dev_split = pick_split(dev_split, available, "dev")
    if dev_split == split:
        raise click.UsageError(f"--dev-split {dev_split!r} is the training split")
    train_corpus = load_corpus(corpus, split, data_dir)
    train_sequences = [s for s in train_corpus.sequences() if len(s)]
    if not train_sequences:
        raise CorpusError(f"corpus {corpus!r} split {split!r} holds no symbols")
    dev_sequences = dev_boundaries = None
    if dev_split is not None:
        dev_corpus = load_corpus(corpus, dev_split, data_dir)
        dev_sequences, dev_boundaries = dev_corpus.sequences(), dev_corpus.word_boundaries()
    else:
        click.echo(f"note: no dev split evaluated for {corpus!r}", err=True)
    try:
        model_config = ACTConfig(vocab_size=2, hidden=hidden, layers=layers, act=not no_act,
                                 fixed_steps=fixed_steps, max_steps=max_ponder, tau=tau, dropout=dropout,
                                 halt_init=halt_init)
        train_config = TrainConfig(steps=steps, seq_len=seq_len, batch_size=batch_size, lr=lr,
                                   warmup=min(100, steps // 10), seed=seed, device=device, eval_every=eval_every,
                                   out=out, resume=resume, ponder_target=ponder_target,
                                   tau_ramp=tau_ramp, halt_lr_scale=halt_lr_scale)
        model = run_training(model_config, train_config, train_sequences, dev_sequences, dev_boundaries)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    click.echo(f"model written to {out}/model ({len(model.vocab)} symbols)", err=True)
