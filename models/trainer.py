"""Training: a model-agnostic Trainer (minGPT style, callbacks) and `train`, which runs it on an ACT model.

Data: the training units, encoded and joined by "<sep>" (one also before the first unit), form one stream
(``streams.py``). It is cut into `batch_size` contiguous rows per process (rows of all processes tile the
stream), read in consecutive chunks of `seq_len` symbols; the recurrent state is carried from chunk to chunk
and detached (truncated backpropagation through time) and reset when the stream wraps around.

At every evaluation interval (and at the end) a record of training statistics goes to log.jsonl, with the
dev pass (``dev_pass.py``) and the caller's dev metrics merged in when there are dev units; the run
directory and checkpoints are ``run_files.py``'s. With ``average_from`` the model saved is the mean of the weights
from that iteration on (``weight_average.py``), and one more record, marked ``"weights": "average"``, holds its dev
scores. On one process a resumed run repeats the uninterrupted one
exactly. Under torchrun (DDP: one shard of rows per process, rank 0 evaluates and writes) the checkpoint holds
rank 0's carried state and RNG; the other ranks resume with a fresh state and a seed derived from the
iteration.
"""

from __future__ import annotations

import math
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, fields, replace
from pathlib import Path

import torch
import torch.distributed as dist
from tqdm import tqdm

from segment.models.act_lstm import ACTLanguageModel
from segment.models.config import ACTConfig, TrainConfig
from segment.models.dev_pass import LN2, DevMetrics, evaluate_stream
from segment.models.device import init_distributed, resolve_device
from segment.models.early_stopping import EarlyStopping, split_holdout
from segment.models.run_files import (RunFiles, latest_checkpoint, load_trainer_state, rng_state, save_checkpoint,
                                      seed_everything, set_rng_state)
from segment.models.streams import StreamBatches, encode_stream
from segment.models.vocab import Vocab
from segment.models.weight_average import WeightAverage

Callback = Callable[["Trainer"], None]


def lr_lambda(config: TrainConfig) -> Callable[[int], float]:
    """Linear warm-up over config.warmup_iterations, then cosine decay to min_lr_ratio."""
    warmup = config.warmup_iterations

    def factor(iteration: int) -> float:
        if iteration < warmup:
            return (iteration + 1) / (warmup + 1)
        progress = min(1.0, (iteration - warmup) / max(1, config.iterations - warmup))
        return config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def held(factor: Callable[[int], float], iterations: int, stop: int | None = None) -> Callable[[int], float]:
    """``factor``, held at 0 for the first ``iterations`` iterations and from iteration ``stop`` on."""
    if not iterations and stop is None:
        return factor
    return lambda iteration: 0.0 if iteration < iterations or (stop is not None and iteration >= stop) \
        else factor(iteration)


def param_groups(model: torch.nn.Module, weight_decay: float, lr: float, lr_scales: dict[str, float],
                 holds: dict[str, int] | None = None, stops: dict[str, int | None] | None = None) -> list[dict]:
    """AdamW groups: weight decay on matrices only; a parameter whose name (DDP's "module." prefix dropped)
    starts with a key of ``lr_scales`` gets lr times that factor, one that starts with a key of ``holds`` is
    held (learning rate 0) for that many iterations (the group's "hold"), and one whose first matching key of
    ``stops`` maps to an iteration is held from that iteration on (the group's "stop"; None: never). The plain
    groups come first (matrices, then the rest), so group 0 carries the base learning rate."""
    holds, stops = holds or {}, stops or {}
    groups: dict[tuple[bool, float, int, int | None], list] = defaultdict(list)
    for name, param in model.named_parameters():
        name = name.removeprefix("module.")
        scale = next((f for prefix, f in lr_scales.items() if name.startswith(prefix)), 1.0)
        hold = next((n for prefix, n in holds.items() if name.startswith(prefix)), 0)
        stop = next((n for prefix, n in stops.items() if name.startswith(prefix)), None)
        groups[(param.dim() >= 2, scale, hold, stop)].append(param)
    order = sorted(groups, key=lambda key: (key[1] != 1.0 or key[2] != 0, not key[0], key[1], key[2]))
    return [{"params": groups[key], "weight_decay": weight_decay if key[0] else 0.0, "lr": lr * key[1],
             "hold": key[2], "stop": key[3]} for key in order]


# ---- the generic trainer ---------------------------------------------------------------------------------
class Trainer:
    """Runs optimizer iterations over StreamBatches. It knows only that model(ids, targets, state) returns an
    object with `.loss` and `.state`; `lr_scales` maps parameter-name prefixes to learning-rate factors,
    `holds` to a number of first iterations in which they are not updated, `stops` (first matching prefix) to
    the iteration from which they are not updated (None: never).
    Callbacks (`add_callback(event, fn)`, fn(trainer)) fire on "on_batch_end" after every iteration
    (`trainer.finishing` is True on the last one) and "on_train_end"."""

    def __init__(self, model: torch.nn.Module, config: TrainConfig, batches: StreamBatches,
                 device: torch.device, module: torch.nn.Module | None = None,
                 lr_scales: dict[str, float] | None = None, holds: dict[str, int] | None = None,
                 stops: dict[str, int | None] | None = None):
        self.model = model  # what is called (possibly DistributedDataParallel-wrapped)
        self.module = module if module is not None else model  # what is saved
        self.config = config
        self.batches = batches
        self.device = device
        groups = param_groups(model, config.weight_decay, config.lr, lr_scales or {}, holds, stops)
        self.optimizer = torch.optim.AdamW(groups)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, [held(lr_lambda(config), group["hold"], group["stop"]) for group in groups])
        self.iteration = 0
        self.position = 0
        self.carried = None
        self.output = None
        self.symbols_per_s = 0.0
        self.stopping = False  # max_seconds spent or a callback's stop_requested (rank 0's, under DDP)
        self.stop_requested = False  # set by a callback (early stopping) to end training
        self.seconds_before = 0.0  # training seconds of earlier invocations (from the checkpoint resumed)
        self.run_started: float | None = None
        self.average = WeightAverage(self.module, config.average_from) if config.average_from is not None else None
        self.callbacks: dict[str, list[Callback]] = defaultdict(list)

    def add_callback(self, event: str, fn: Callback) -> None:
        self.callbacks[event].append(fn)

    def trigger(self, event: str) -> None:
        for fn in self.callbacks[event]:
            fn(self)

    def autocast(self):
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return nullcontext()

    @property
    def finishing(self) -> bool:
        """True in the callbacks of the last iteration (all done, config.max_seconds spent, or a stop
        requested by a callback of the iteration before)."""
        return self.iteration >= self.config.iterations or self.stopping

    def due(self, every: int) -> bool:
        """True every ``every`` iterations and on the last one."""
        return self.iteration % every == 0 or self.finishing

    def should_stop(self, since: float | None) -> bool:
        """Whether config.max_seconds has passed since ``since`` (None: not asked) or a callback requested a stop;
        under DDP rank 0 decides for every process."""
        over = (since is not None and self.config.max_seconds is not None
                and time.perf_counter() - since > self.config.max_seconds)
        if not dist.is_initialized():
            return over or self.stop_requested
        flag = torch.tensor([over or self.stop_requested], device=self.device)
        dist.broadcast(flag, src=0)
        return bool(flag.item())

    def train_seconds(self) -> float:
        """Wall seconds spent training this run so far, over every invocation up to the checkpoint it resumed
        from (work redone after a kill counts once)."""
        now = time.perf_counter() - self.run_started if self.run_started is not None else 0.0
        return self.seconds_before + now

    def run(self) -> None:
        self.model.train()
        run_started = self.run_started = time.perf_counter()
        # a resumed run that early stopping had ended trains no further; max_seconds is only checked after an
        # iteration, so every invocation runs at least one
        self.stopping = self.should_stop(None)
        while not self.finishing:
            if self.batches.starts_epoch(self.position):
                self.carried = None
            ids, targets = (t.to(self.device, non_blocking=True) for t in self.batches[self.position])
            started = time.perf_counter()
            with self.autocast():
                output = self.model(ids, targets, self.carried)
            self.optimizer.zero_grad(set_to_none=True)
            output.loss.backward()
            if self.config.grad_clip:
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.grad_clip)
            self.optimizer.step()
            self.scheduler.step()
            self.carried = tuple(s.detach() for s in output.state)
            self.output = output
            self.iteration += 1
            self.position += 1
            if self.average is not None:
                self.average.update(self.module, self.iteration)
            world = dist.get_world_size() if dist.is_initialized() else 1
            self.symbols_per_s = ids.numel() * world / max(time.perf_counter() - started, 1e-9)
            self.stopping = self.should_stop(run_started)
            self.trigger("on_batch_end")
        self.trigger("on_train_end")

    # -- resumable state: tensors in safetensors, scalars in JSON ----------------------------------------
    def state_tensors_and_scalars(self) -> tuple[dict[str, torch.Tensor], dict]:
        tensors, rng_scalars = rng_state()
        opt = self.optimizer.state_dict()
        opt_scalars = {}
        for index, entry in opt["state"].items():
            for name, value in entry.items():
                if torch.is_tensor(value):
                    tensors[f"optimizer.{index}.{name}"] = value
                else:
                    opt_scalars[f"{index}.{name}"] = value
        if self.carried is not None:
            tensors.update({f"carried.{i}": s for i, s in enumerate(self.carried)})
        scalars = {"iteration": self.iteration, "position": self.position, "train_seconds": self.train_seconds(),
                   "rng": rng_scalars,
                   "optimizer": {"param_groups": opt["param_groups"], "scalars": opt_scalars},
                   "scheduler": self.scheduler.state_dict()}
        if self.average is not None:
            average_tensors, scalars["average"] = self.average.state()
            tensors.update(average_tensors)
        return tensors, scalars

    def load_state_tensors_and_scalars(self, tensors: dict[str, torch.Tensor], scalars: dict) -> None:
        state: dict[int, dict] = defaultdict(dict)
        for key, value in tensors.items():
            if key.startswith("optimizer."):
                _, index, name = key.split(".", 2)
                state[int(index)][name] = value
        for key, value in scalars["optimizer"]["scalars"].items():
            index, name = key.split(".", 1)
            state[int(index)][name] = value
        self.optimizer.load_state_dict({"state": dict(state), "param_groups": scalars["optimizer"]["param_groups"]})
        self.scheduler.load_state_dict(scalars["scheduler"])
        self.iteration, self.position = scalars["iteration"], scalars["position"]
        self.seconds_before = float(scalars.get("train_seconds", 0.0))  # absent from older checkpoints
        saved = scalars.get("average")
        if self.average is not None:
            if saved is not None and saved["start"] != self.average.start:
                raise ValueError(f"its weights are averaged from iteration {saved['start']}, not "
                                 f"{self.average.start} (average_from)")
            if saved is None and self.iteration >= self.average.start:
                raise ValueError(f"it holds no weight average at iteration {self.iteration}, so averaging cannot "
                                 f"start at {self.average.start} (average_from must be above {self.iteration})")
            self.average.load(tensors, saved)
        elif saved is not None and saved["count"] and (not dist.is_initialized() or dist.get_rank() == 0):
            print(f"note: the checkpoint's weight average (from iteration {saved['start']}) is dropped: this run "
                  f"has no average_from and saves its last weights", file=sys.stderr)
        carried = [tensors[k].to(self.device) for k in ("carried.0", "carried.1") if k in tensors]
        self.carried = tuple(carried) if carried else None
        if dist.is_initialized() and dist.get_rank() != 0:  # the checkpoint holds rank 0's state and RNG
            self.carried = None
            seed_everything(self.config.seed + dist.get_rank() + self.iteration)
        else:
            set_rng_state(tensors, scalars["rng"])


# ---- tau schedules -----------------------------------------------------------------------------------------
def mean_ponder(trainer: Trainer) -> float:
    """The mean ponder time rho of the last iteration's batch (mean over all processes)."""
    mean = trainer.output.ponder.detach().float().mean()
    if dist.is_initialized():
        dist.all_reduce(mean)
        mean = mean / dist.get_world_size()
    return float(mean)


def ponder_controller(target: float, rate: float) -> Callback:
    """An on_batch_end callback steering the ponder cost: tau *= exp(rate * (mean rho - target)) after every
    iteration (mean over all processes), so tau settles where the mean ponder time is ``target``. A fixed tau
    tends to either run every symbol to the cap or collapse to one update everywhere, where the halting unit
    gets no gradient any more; holding the mean between the two keeps the number of updates free to vary.
    The current tau lives in the model's config, so checkpoints (and resuming) carry it."""
    def adapt(trainer: Trainer) -> None:
        config = trainer.module.config
        config.tau = min(max(config.tau * math.exp(rate * (mean_ponder(trainer) - target)), 1e-6), 10.0)
    return adapt


def ponder_constraint(target: float, rate: float, hold: int = 0) -> Callback:
    """An on_batch_end callback holding the mean ponder time at ``target`` with a signed multiplier (dual
    ascent on the constraint mean rho = target): tau += rate * (mean rho - target), clipped to [-1, 10]. Unlike
    ``ponder_controller`` tau can go below zero, where the loss rewards pondering, so a model whose halting has
    settled at the floor is pushed back up; where the extra updates go is left to the language-model loss.
    Anti-windup: tau is held for the first ``hold`` iterations (the halting unit's freeze), when the mean
    cannot respond and integrating its gap would only make the released unit overshoot the target.
    Lives in the model's config like the controller's tau."""
    def adapt(trainer: Trainer) -> None:
        if trainer.iteration <= hold:  # this iteration's halting update had learning rate 0
            return
        config = trainer.module.config
        config.tau = min(max(config.tau + rate * (mean_ponder(trainer) - target), -1.0), 10.0)
    return adapt


def ramp_tau(start: float, end: float) -> Callback:
    """An on_batch_end callback setting tau to the linear ramp from ``start`` (iteration 0) to ``end`` (the
    last one) for the next iteration: a function of the iteration alone, so resuming continues it. Lives in
    the model's config like the controller's tau."""
    def schedule(trainer: Trainer) -> None:
        progress = min(1.0, trainer.iteration / max(1, trainer.config.iterations))
        trainer.module.config.tau = start + (end - start) * progress
    return schedule


# ---- progress, log records and checkpoints ---------------------------------------------------------------
def progress_bar(bar: tqdm) -> Callback:
    """An on_batch_end callback advancing ``bar``; loss, bits per symbol, ponder and speed every 10
    iterations (host reads)."""
    def advance(trainer: Trainer) -> None:
        bar.update(1)
        if trainer.due(10):
            out = trainer.output
            bar.set_postfix(loss=f"{out.loss.item():.3f}", bps=f"{out.ce.item() / LN2:.3f}",
                            ponder=f"{out.ponder.float().mean().item():.2f}", sym_s=f"{trainer.symbols_per_s:,.0f}",
                            refresh=False)
    return advance


def train_statistics(trainer: Trainer) -> dict:
    """The log record's training part: the last iteration's loss, bits per symbol and ponder mean, the
    current tau and learning rate, and the speed."""
    out = trainer.output
    return {"iteration": trainer.iteration, "train_loss": out.loss.item(), "train_bps": out.ce.item() / LN2,
            "train_ponder_mean": out.ponder.float().mean().item(), "tau": trainer.module.config.tau,
            "symbols_per_s": trainer.symbols_per_s, "lr": trainer.scheduler.get_last_lr()[0]}


def evaluation_log(files: RunFiles, bar: tqdm, dev_sequences: Sequence | None, dev_metrics: DevMetrics | None,
                   early_stopping: EarlyStopping | None = None) -> Callback:
    """An on_batch_end callback (rank 0) that, every eval_every iterations and at the end, writes a record of
    training statistics to log.jsonl (and, with config.progress, to stderr), with the dev pass's scores and
    ``dev_metrics(units, ponder)`` merged in when there are dev units, and the held-out bits and best
    iteration of ``early_stopping``."""
    def evaluate(trainer: Trainer) -> None:
        cfg = trainer.config
        if not trainer.due(cfg.eval_every):
            return
        record = train_statistics(trainer)
        record.update(dev_scores(trainer, trainer.module, dev_sequences, dev_metrics))
        if early_stopping is not None:
            record.update(early_stopping.measure(trainer))
        write_record(files, bar, cfg, record)
    return evaluate


def dev_scores(trainer: Trainer, module: torch.nn.Module, dev_sequences: Sequence | None,
               dev_metrics: DevMetrics | None) -> dict:
    """The dev pass's scores of ``module`` (and ``dev_metrics``' fields), {} without dev units."""
    if dev_sequences is None:
        return {}
    cfg = trainer.config
    dev = evaluate_stream(module, dev_sequences, seq_len=cfg.seq_len, rows=cfg.eval_rows,
                          max_symbols=cfg.eval_symbols, device=trainer.device)
    return {**dev.scores, **(dev_metrics(dev.units, dev.ponder) if dev_metrics is not None else {})}


def write_record(files: RunFiles, bar: tqdm, config: TrainConfig, record: dict) -> None:
    """Append ``record`` to log.jsonl, and show it on stderr with config.progress."""
    files.log(record)
    if config.progress:
        bar.write(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()),
                  file=sys.stderr)


def averaged_model(trainer: Trainer, files: RunFiles, bar: tqdm, dev_sequences: Sequence | None,
                   dev_metrics: DevMetrics | None, rank: int, log: bool = True) -> torch.nn.Module | None:
    """The mean weights of a run with average_from, with a log record of their dev scores (rank 0, with ``log``);
    None, with a warning, when training ended before averaging started."""
    average = trainer.average
    if not average.count:
        if rank == 0:
            print(f"warning: training ended at iteration {trainer.iteration}, before weight averaging starts at "
                  f"iteration {average.start} (average_from): the model saved holds the last weights",
                  file=sys.stderr)
        return None
    module = average.averaged(trainer.module)
    if rank == 0 and log:
        write_record(files, bar, trainer.config, {
            "iteration": trainer.iteration, "weights": "average", "averaged_iterations": average.count,
            **dev_scores(trainer, module, dev_sequences, dev_metrics)})
    return module


def checkpointing(files: RunFiles) -> Callback:
    """An on_batch_end callback saving a resumable checkpoint every checkpoint_every (default: eval_every)
    iterations and at the end."""
    def save(trainer: Trainer) -> None:
        cfg = trainer.config
        if trainer.due(cfg.checkpoint_every or cfg.eval_every):
            save_checkpoint(trainer, files.run_dir)
    return save


# ---- the entry point -------------------------------------------------------------------------------------
#: ACTConfig fields a fine-tuning run may change: they shape the loss, not the weights
FINE_TUNING_FIELDS = ("tau", "dropout")


def starting_model(directory: str, model_config: ACTConfig | None) -> ACTLanguageModel:
    """The model in ``directory``, for fine-tuning: with ``model_config``'s FINE_TUNING_FIELDS when it is given;
    ValueError naming the fields where ``model_config`` asks for another model."""
    module = ACTLanguageModel.from_pretrained(directory)
    if model_config is None:
        return module
    differing = [f"{f.name} {getattr(module.config, f.name)!r}, not {getattr(model_config, f.name)!r}"
                 for f in fields(ACTConfig) if f.name not in (*FINE_TUNING_FIELDS, "vocab_size")
                 and getattr(model_config, f.name) != getattr(module.config, f.name)]
    if differing:
        raise ValueError(f"init_from {directory}: the model has {'; '.join(differing)} (fine-tuning keeps the "
                         f"model; only {' and '.join(FINE_TUNING_FIELDS)} may change)")
    module.config = replace(module.config, **{name: getattr(model_config, name) for name in FINE_TUNING_FIELDS})
    module.dropout.p = module.config.dropout
    return module


def train(model_config: ACTConfig | None, train_config: TrainConfig, train_sequences: Sequence,
          dev_sequences: Sequence | None = None, *, dev_metrics: DevMetrics | None = None,
          callbacks: Sequence[tuple[str, Callback]] = ()) -> ACTLanguageModel:
    """Train an ACT language model on units joined by <sep> (vocab built from train_sequences; with
    train_config.resume the model config, vocabulary and state come from the run's latest checkpoint; with
    train_config.init_from, from that model directory, fine-tuned: ``model_config`` may then be None, or change
    only FINE_TUNING_FIELDS). model_config.vocab_size is replaced by the vocabulary's size. Dev units, when given,
    are evaluated at every interval; ``dev_metrics(units, ponder signals) -> fields`` adds to those records. With
    train_config.holdout, every k-th training unit is held out and the model returned (and saved) is the
    evaluation's with the lowest bits per symbol on them (``early_stopping.py``). ``callbacks``:
    (event, fn(trainer)) pairs added after the built-in ones. Returns the trained model (on CPU)."""
    cfg = train_config
    if model_config is None and cfg.init_from is None:
        raise ValueError("train needs a model_config unless train_config.init_from names a model to fine-tune")
    held_out = None
    if cfg.holdout:
        train_sequences, held_out = split_holdout(train_sequences, cfg.holdout)
    device = resolve_device(cfg.device)
    rank, world = init_distributed(device)
    seed_everything(cfg.seed + rank)
    run_dir = Path(cfg.out) if cfg.out is not None else None
    checkpoint = latest_checkpoint(run_dir) if cfg.resume else None
    if checkpoint is not None:
        module = ACTLanguageModel.from_pretrained(checkpoint)
    elif cfg.init_from is not None:
        module = starting_model(cfg.init_from, model_config)
        unknown = module.vocab.unknown_counts(train_sequences) if rank == 0 else {}
        if unknown:
            print(f"note: {sum(unknown.values())} training symbols of {len(unknown)} types unknown to the vocabulary "
                  f"of {cfg.init_from} are read as <unk>", file=sys.stderr)
    else:
        vocab = Vocab.build(train_sequences, min_count=cfg.min_count)
        module = ACTLanguageModel(ACTConfig(**{**asdict(model_config), "vocab_size": len(vocab)}), vocab)
    if cfg.ponder_constraint is not None and module.config.halt_distribution != "act":
        raise ValueError("ponder_constraint needs ACT halting (halt_distribution act): PonderNet's tau is its KL "
                         "weight, which must stay >= 0")
    if cfg.lm_freeze is not None and not module.config.halting:
        raise ValueError("lm_freeze needs a model with a halting unit (act=True, no fixed_steps): it holds every "
                         "other parameter")
    module.to(device)
    model = module
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            module, device_ids=[device.index] if device.type == "cuda" else None)
    stream, _ = encode_stream(train_sequences, module.vocab)
    trainer = Trainer(model, cfg, StreamBatches(stream, cfg.batch_size, cfg.seq_len, rank, world), device, module,
                      lr_scales={"halt.": cfg.halt_lr_scale}, holds={"halt.": cfg.halt_freeze},
                      stops={"halt.": None, "": cfg.lm_freeze})  # lm_freeze holds everything but halting
    if checkpoint is not None:
        load_trainer_state(trainer, checkpoint)
    files = RunFiles(run_dir, rank)
    early = EarlyStopping(held_out, run_dir if files.writes else None, cfg.patience) if held_out and rank == 0 \
        else None  # rank 0 evaluates; the others follow its stop (Trainer.should_stop)
    if early is not None and checkpoint is not None:
        early.resume()
        trainer.stop_requested = early.exhausted(trainer.iteration, cfg.eval_every)
    files.start({"model": asdict(module.config), "train": asdict(replace(cfg, warmup=cfg.warmup_iterations)),
                 "world_size": world, "device": str(device), "train_symbols": len(stream)})
    unknown = module.vocab.unknown_counts(dev_sequences) if dev_sequences is not None and rank == 0 else {}
    if unknown:
        print(f"note: {sum(unknown.values())} dev symbols of {len(unknown)} types unknown to the vocabulary "
              f"are read as <unk>", file=sys.stderr)

    if cfg.tau_ramp is not None and module.config.halting:
        schedule = ramp_tau(*cfg.tau_ramp)
        schedule(trainer)  # tau for the first iteration (of this invocation)
        trainer.add_callback("on_batch_end", schedule)
    if cfg.ponder_target is not None and module.config.halting:
        trainer.add_callback("on_batch_end", ponder_controller(cfg.ponder_target, cfg.tau_rate))
    if cfg.ponder_constraint is not None and module.config.halting:
        trainer.add_callback("on_batch_end", ponder_constraint(cfg.ponder_constraint, cfg.constraint_rate,
                                                                     hold=cfg.halt_freeze))
    bar = tqdm(total=cfg.iterations, initial=trainer.iteration, file=sys.stderr, dynamic_ncols=True,
               disable=not cfg.progress or rank != 0, desc="train")
    trainer.add_callback("on_batch_end", progress_bar(bar))
    if rank == 0:
        trainer.add_callback("on_batch_end", evaluation_log(files, bar, dev_sequences, dev_metrics, early))
    if files.writes:
        trainer.add_callback("on_batch_end", checkpointing(files))
    for event, fn in callbacks:
        trainer.add_callback(event, fn)
    resumed_at = trainer.iteration
    try:
        trainer.run()
        # a finished run resumed again trains no further: its averaged record is in the log already
        averaged = averaged_model(trainer, files, bar, dev_sequences, dev_metrics, rank,
                                  log=trainer.iteration > resumed_at) if trainer.average is not None else None
    finally:
        bar.close()
    if module.config.halting and trainer.iteration <= cfg.halt_freeze and rank == 0:
        start = f"that of {cfg.init_from}" if cfg.init_from is not None else "the initial one"
        print(f"warning: training ended at iteration {trainer.iteration}, before the halting unit's release after "
              f"iteration {cfg.halt_freeze} (halt_freeze): its halting is still {start}", file=sys.stderr)
    final = averaged if averaged is not None else early.best if early is not None and early.best is not None \
        else module
    files.save_model(final)
    return final.cpu()
