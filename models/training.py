"""Training: a model-agnostic Trainer (minGPT style, callbacks) and `train`, which runs it on an ACT model.

Data: the training units, encoded and joined by "<sep>" (one also before the first unit), form one stream.
It is cut into `batch_size` contiguous rows per process (rows of all processes tile the stream), read in
consecutive chunks of `seq_len` symbols; the recurrent state is carried from chunk to chunk and detached
(truncated backpropagation through time) and reset when the stream wraps around.

Run directory (`out`): config.json (resolved configs), log.jsonl (one JSON object per evaluation),
model/ (the final model, save_pretrained format) and checkpoints/ (training state for resume: a
step-numbered directory with the model files, trainer.safetensors for tensors -- optimizer moments, RNG
states, carried state -- and trainer.json for the scalars; checkpoints/latest.json names the newest
complete one and is replaced atomically, so a run killed at any moment resumes from the last checkpoint).
On one process a resumed run repeats the uninterrupted one exactly. Under torchrun (DDP: one shard of rows
per process, rank 0 evaluates and writes) the checkpoint holds rank 0's carried state and RNG; the other
ranks resume with a fresh state and a seed derived from the step.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from tqdm import tqdm

from segment.errors import ModelLoadError
from segment.eval import word_scores
from segment.models.act_lstm import ACTConfig, ACTLanguageModel
from segment.models.checkpoint import load_tensors, read_json, save_tensors, write_atomic
from segment.models.vocab import Vocab
from segment.peaks import peak_boundaries

LN2 = math.log(2)


@dataclass
class TrainConfig:
    """Optimisation, data layout, evaluation and run-directory settings."""

    steps: int = 1000  # optimizer updates (in total, also when resuming)
    seq_len: int = 128  # symbols per chunk (TBPTT length)
    batch_size: int = 32  # parallel rows per process
    lr: float = 3e-3
    weight_decay: float = 0.01
    warmup: int = 100  # linear warm-up steps, then cosine decay to min_lr_ratio * lr
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    eval_every: int = 200  # steps between evaluations on the dev units (and at the end)
    eval_symbols: int = 100_000  # dev symbols read per evaluation (whole units, from the start)
    eval_rows: int = 64  # parallel rows for evaluation
    checkpoint_every: int | None = None  # steps between resumable checkpoints (default: eval_every)
    out: str | None = None  # run directory; None writes nothing
    resume: bool = False  # continue the run in `out` from its latest checkpoint
    min_count: int = 1  # vocabulary: symbols seen fewer times become <unk>
    progress: bool = True  # tqdm bar on stderr
    max_seconds: float | None = None  # stop early (final evaluation and checkpoint) after this long, per invocation
    ponder_target: float | None = None  # adapt tau after every step so the mean ponder time approaches this
    tau_rate: float = 0.05  # with ponder_target: tau *= exp(tau_rate * (mean ponder - ponder_target))
    tau_ramp: tuple[float, float] | None = None  # (start, end): tau moves linearly from start to end over steps
    halt_lr_scale: float = 1.0  # learning rate of the halting unit relative to lr (AdamW moves every
    # parameter by about lr per step whatever its gradient's size, so this sets how fast halting can change)

    def __post_init__(self):
        checks = {"steps": self.steps >= 1, "seq_len": self.seq_len >= 1, "batch_size": self.batch_size >= 1,
                  "lr": self.lr > 0, "warmup": self.warmup >= 0, "eval_every": self.eval_every >= 1,
                  "checkpoint_every": self.checkpoint_every is None or self.checkpoint_every >= 1,
                  "resume": not self.resume or self.out is not None,
                  "max_seconds": self.max_seconds is None or self.max_seconds >= 0,
                  "ponder_target": self.ponder_target is None or self.ponder_target > 2,
                  "tau_rate": self.tau_rate > 0, "halt_lr_scale": self.halt_lr_scale > 0,
                  "tau_ramp": self.tau_ramp is None or (len(self.tau_ramp) == 2 and min(self.tau_ramp) >= 0
                                                        and self.ponder_target is None)}
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid TrainConfig value(s) for {', '.join(bad)}")


# ---- device, processes, randomness ---------------------------------------------------------------------
def resolve_device(name: str) -> torch.device:
    """'auto' picks CUDA when present; under torchrun each process takes cuda:LOCAL_RANK."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"unknown device {name!r}: use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' requested but CUDA is not available")
        if device.index is None:
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    return device


def init_distributed(device: torch.device) -> tuple[int, int]:
    """(rank, world size); joins the torchrun process group when WORLD_SIZE > 1."""
    if int(os.environ.get("WORLD_SIZE", 1)) > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def rng_state() -> tuple[dict[str, torch.Tensor], dict]:
    """RNG states of torch (CPU, CUDA), numpy and python as (tensors, JSON-able scalars)."""
    np_state = np.random.get_state()
    tensors = {"rng.torch": torch.get_rng_state(), "rng.numpy": torch.from_numpy(np_state[1].astype(np.int64))}
    if torch.cuda.is_available():
        tensors.update({f"rng.cuda.{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())})
    py_state = random.getstate()
    scalars = {"numpy": [np_state[0], int(np_state[2]), int(np_state[3]), float(np_state[4])],
               "python": [py_state[0], list(py_state[1]), py_state[2]]}
    return tensors, scalars


def set_rng_state(tensors: dict[str, torch.Tensor], scalars: dict) -> None:
    torch.set_rng_state(tensors["rng.torch"])
    name, pos, has_gauss, cached = scalars["numpy"]
    np.random.set_state((name, tensors["rng.numpy"].numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = scalars["python"]
    random.setstate((version, tuple(internal), gauss))
    cuda = [tensors[f"rng.cuda.{i}"] for i in range(torch.cuda.device_count()) if f"rng.cuda.{i}" in tensors]
    if cuda:
        torch.cuda.set_rng_state_all(cuda)


# ---- data ------------------------------------------------------------------------------------------------
def encode_stream(sequences: Sequence, vocab: Vocab) -> tuple[torch.Tensor, list[int]]:
    """Units joined by <sep> (one before each unit) as a long tensor, and the stream index of each
    unit's first symbol."""
    ids, starts = [], []
    position = 0
    for seq in sequences:
        ids.append(vocab.sep_id)
        starts.append(position + 1)
        ids.extend(vocab.encode(seq))
        position += len(seq) + 1
    return torch.tensor(ids, dtype=torch.long), starts


class StreamBatches:
    """Consecutive (ids, targets) chunks of a stream cut into rows; rows [rank*rows, (rank+1)*rows) of
    rows*world contiguous rows belong to this process. Chunk i of an epoch covers inputs
    [i*seq_len, (i+1)*seq_len) of each row (the last one may be shorter)."""

    def __init__(self, stream: torch.Tensor, rows: int, seq_len: int, rank: int = 0, world: int = 1):
        total_rows = rows * world
        length = len(stream) // total_rows
        if length < 2:
            raise ValueError(f"a stream of {len(stream)} symbols is too short for {total_rows} rows")
        tiled = stream[:length * total_rows].view(total_rows, length)
        self.rows = tiled[rank * rows:(rank + 1) * rows]
        self.seq_len = seq_len
        self.chunks = math.ceil((length - 1) / seq_len)  # chunks per epoch

    def __getitem__(self, position: int) -> tuple[torch.Tensor, torch.Tensor]:
        start = (position % self.chunks) * self.seq_len
        end = min(start + self.seq_len, self.rows.shape[1] - 1)
        return self.rows[:, start:end], self.rows[:, start + 1:end + 1]

    def starts_epoch(self, position: int) -> bool:
        return position % self.chunks == 0


def lr_lambda(config: TrainConfig) -> Callable[[int], float]:
    """Linear warm-up over config.warmup steps, then cosine decay to min_lr_ratio."""
    def factor(step: int) -> float:
        if step < config.warmup:
            return (step + 1) / (config.warmup + 1)
        progress = min(1.0, (step - config.warmup) / max(1, config.steps - config.warmup))
        return config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def detach_state(state):
    return tuple(s.detach() for s in state)


def param_groups(model: torch.nn.Module, weight_decay: float, lr: float, lr_scales: dict[str, float]) -> list[dict]:
    """AdamW groups: weight decay on matrices only; a parameter whose name (DDP's "module." prefix dropped)
    starts with a key of ``lr_scales`` gets lr times that factor. The unscaled groups come first (matrices,
    then the rest), so group 0 carries the base learning rate."""
    groups: dict[tuple[bool, float], list] = defaultdict(list)
    for name, param in model.named_parameters():
        name = name.removeprefix("module.")
        scale = next((f for prefix, f in lr_scales.items() if name.startswith(prefix)), 1.0)
        groups[(param.dim() >= 2, scale)].append(param)
    order = sorted(groups, key=lambda key: (key[1] != 1.0, not key[0], key[1]))  # unscaled groups first
    return [{"params": groups[key], "weight_decay": weight_decay if key[0] else 0.0, "lr": lr * key[1]}
            for key in order]


# ---- the generic trainer ---------------------------------------------------------------------------------
class Trainer:
    """Runs optimizer steps over StreamBatches. It knows only that model(ids, targets, state) returns an
    object with `.loss` and `.state`; `lr_scales` maps parameter-name prefixes to learning-rate factors.
    Callbacks (`add_callback(event, fn)`, fn(trainer)) fire on "on_batch_end" after every step
    (`trainer.finishing` is True on the last one) and "on_train_end"."""

    def __init__(self, model: torch.nn.Module, config: TrainConfig, batches: StreamBatches,
                 device: torch.device, module: torch.nn.Module | None = None,
                 lr_scales: dict[str, float] | None = None):
        self.model = model  # what is called (possibly DistributedDataParallel-wrapped)
        self.module = module if module is not None else model  # what is saved
        self.config = config
        self.batches = batches
        self.device = device
        self.optimizer = torch.optim.AdamW(param_groups(model, config.weight_decay, config.lr, lr_scales or {}))
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lr_lambda(config))
        self.step = 0
        self.position = 0
        self.carried = None
        self.output = None
        self.symbols_per_s = 0.0
        self.out_of_time = False
        self.callbacks: dict[str, list[Callable]] = defaultdict(list)

    def add_callback(self, event: str, fn: Callable[[Trainer], None]) -> None:
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
        """True in the callbacks of the last step (all steps done, or config.max_seconds spent)."""
        return self.step >= self.config.steps or self.out_of_time

    def time_is_up(self, since: float) -> bool:
        """Whether config.max_seconds has passed; under DDP rank 0 decides for every process."""
        if self.config.max_seconds is None:
            return False
        flag = torch.tensor([time.perf_counter() - since > self.config.max_seconds], device=self.device)
        if dist.is_initialized():
            dist.broadcast(flag, src=0)
        return bool(flag.item())

    def run(self) -> None:
        self.model.train()
        run_started = time.perf_counter()
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
            self.carried = detach_state(output.state)
            self.output = output
            self.step += 1
            self.position += 1
            world = dist.get_world_size() if dist.is_initialized() else 1
            self.symbols_per_s = ids.numel() * world / max(time.perf_counter() - started, 1e-9)
            self.out_of_time = self.time_is_up(run_started)
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
        scalars = {"step": self.step, "position": self.position, "rng": rng_scalars,
                   "optimizer": {"param_groups": opt["param_groups"], "scalars": opt_scalars},
                   "scheduler": self.scheduler.state_dict()}
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
        self.step, self.position = scalars["step"], scalars["position"]
        carried = [tensors[k].to(self.device) for k in ("carried.0", "carried.1") if k in tensors]
        self.carried = tuple(carried) if carried else None
        if dist.is_initialized() and dist.get_rank() != 0:  # the checkpoint holds rank 0's state and RNG
            self.carried = None
            seed_everything(self.config.seed + dist.get_rank() + self.step)
        else:
            set_rng_state(tensors, scalars["rng"])


# ---- checkpoints of a run --------------------------------------------------------------------------------
def save_checkpoint(trainer: Trainer, run_dir: Path) -> Path:
    """Write checkpoints/step-NNNNNNN/ completely, then point checkpoints/latest.json at it, then drop
    older ones."""
    root = run_dir / "checkpoints"
    name = f"step-{trainer.step:07d}"
    target = root / name
    tmp = root / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    trainer.module.save_pretrained(tmp)
    tensors, scalars = trainer.state_tensors_and_scalars()
    save_tensors(tmp / "trainer.safetensors", tensors)
    write_atomic(tmp / "trainer.json", json.dumps(scalars))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    write_atomic(root / "latest.json", json.dumps({"checkpoint": name, "step": trainer.step}))
    for old in root.glob("step-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return target


def latest_checkpoint(run_dir: Path) -> Path:
    """The directory latest.json names; ModelLoadError when there is none or it is broken."""
    pointer = run_dir / "checkpoints" / "latest.json"
    if not pointer.is_file():
        raise ModelLoadError(f"{pointer}: no checkpoint to resume from")
    data = read_json(pointer)
    if not isinstance(data, dict) or not isinstance(data.get("checkpoint"), str):
        raise ModelLoadError(f"{pointer}: does not name a checkpoint")
    return run_dir / "checkpoints" / data["checkpoint"]


def load_trainer_state(trainer: Trainer, checkpoint: Path) -> None:
    tensors = load_tensors(checkpoint / "trainer.safetensors")
    scalars = read_json(checkpoint / "trainer.json")
    try:
        trainer.load_state_tensors_and_scalars(tensors, scalars)
    except (KeyError, ValueError, TypeError, RuntimeError) as err:
        raise ModelLoadError(f"{checkpoint}: training state does not fit this run ({err})") from None


# ---- evaluation of an ACT model ----------------------------------------------------------------------------
@torch.no_grad()
def evaluate_stream(model: ACTLanguageModel, sequences: Sequence, boundaries: Sequence[np.ndarray] | None, *,
             seq_len: int, rows: int = 64, max_symbols: int = 100_000, device="cpu") -> dict:
    """Bits per symbol (every stream symbol, <sep> included, predicted from its left context), mean and
    standard deviation of ponder time, and -- when gold boundaries are given -- the unit-internal boundary
    P/R/F of ponder peaks (a local maximum at symbol t cuts before t) over whole units read within
    max_symbols. The stream is read as `rows` contiguous rows in seq_len chunks, state carried."""
    kept, total = 0, 0
    while kept < len(sequences) and (kept == 0 or total + len(sequences[kept]) + 1 <= max_symbols):
        total += len(sequences[kept]) + 1
        kept += 1
    units = list(sequences[:kept])
    stream, starts = encode_stream(units, model.vocab)
    stream = torch.cat([stream, stream.new_tensor([model.vocab.sep_id])])  # the last unit's end is predicted
    rows = max(1, min(rows, (len(stream) - 1) // 2))
    length = math.ceil((len(stream) - 1) / rows)
    padded = F.pad(stream, (0, rows * length + 1 - len(stream)), value=-100)
    inputs = padded[:-1].view(rows, length)
    targets = padded[1:].view(rows, length)
    was_training = model.training
    model.eval()
    ponder, nll, state = [], [], None
    for start in range(0, length, seq_len):
        ids = inputs[:, start:start + seq_len].to(device)
        out = model(ids.clamp(min=0), state=state)
        state = out.state
        nll.append(F.cross_entropy(out.logits.float().transpose(1, 2), targets[:, start:start + seq_len].to(device),
                                   reduction="none", ignore_index=-100).cpu())
        ponder.append(out.ponder.float().cpu())
    model.train(was_training)
    nll_flat = torch.cat(nll, 1).flatten()[:len(stream) - 1]
    ponder_flat = torch.cat(ponder, 1).flatten()[:len(stream) - 1]
    result = {"dev_bps": float(nll_flat.mean() / LN2), "ponder_mean": float(ponder_flat.mean()),
              "ponder_std": float(ponder_flat.std()), "dev_symbols": len(stream) - 1}
    if boundaries is not None:
        signal = ponder_flat.numpy()
        hypothesis = [peak_boundaries(signal[s:s + len(u)], offset=0) for s, u in zip(starts, units)]
        scores = word_scores(reference=list(boundaries[:kept]), hypothesis=hypothesis, sequences=units)
        result.update({f"ponder_boundary_{k}": scores[f"boundary_noedge_{k}"] for k in "prf"})
    return result


# ---- tau schedule ----------------------------------------------------------------------------------------
def ponder_controller(target: float, rate: float) -> Callable[[Trainer], None]:
    """An on_batch_end callback steering the ponder cost: tau *= exp(rate * (mean rho - target)) after every
    step (mean over all processes), so tau settles where the mean ponder time is ``target``. A fixed tau
    tends to either run every symbol to the cap or collapse to one update everywhere, where the halting unit
    gets no gradient any more; holding the mean between the two keeps the number of updates free to vary.
    The current tau lives in the model's config, so checkpoints (and resuming) carry it."""
    def adapt(trainer: Trainer) -> None:
        mean = trainer.output.ponder.detach().float().mean()
        if dist.is_initialized():
            dist.all_reduce(mean)
            mean = mean / dist.get_world_size()
        config = trainer.module.config
        config.tau = min(max(config.tau * math.exp(rate * (float(mean) - target)), 1e-6), 10.0)
    return adapt


def ramp_tau(start: float, end: float) -> Callable[[Trainer], None]:
    """An on_batch_end callback setting tau to the linear ramp from ``start`` (step 0) to ``end`` (the last
    step) for the next step: a function of the step alone, so resuming continues it. Lives in the model's
    config like the controller's tau."""
    def schedule(trainer: Trainer) -> None:
        progress = min(1.0, trainer.step / max(1, trainer.config.steps))
        trainer.module.config.tau = start + (end - start) * progress
    return schedule


# ---- the entry point -------------------------------------------------------------------------------------
@dataclass
class RunFiles:
    """Where a run writes (rank 0 only); every method is a no-op without a run directory."""

    run_dir: Path | None
    rank: int = 0

    @property
    def writes(self) -> bool:
        return self.run_dir is not None and self.rank == 0

    def log(self, record: dict) -> None:
        if self.writes:
            with open(self.run_dir / "log.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")


def train(model_config: ACTConfig, train_config: TrainConfig, train_sequences: Sequence,
          dev_sequences: Sequence | None = None, dev_boundaries: Sequence[np.ndarray] | None = None,
          callbacks: Sequence[tuple[str, Callable]] = ()) -> ACTLanguageModel:
    """Train an ACT language model on units joined by <sep> (vocab built from train_sequences; with
    train_config.resume the model config, vocabulary and state come from the run's latest checkpoint).
    model_config.vocab_size is replaced by the vocabulary's size. Returns the trained model (on CPU)."""
    cfg = train_config
    device = resolve_device(cfg.device)
    rank, world = init_distributed(device)
    seed_everything(cfg.seed + rank)
    run_dir = Path(cfg.out) if cfg.out is not None else None
    checkpoint = latest_checkpoint(run_dir) if cfg.resume else None
    if checkpoint is not None:
        module = ACTLanguageModel.from_pretrained(checkpoint)
    else:
        vocab = Vocab.build(train_sequences, min_count=cfg.min_count)
        module = ACTLanguageModel(ACTConfig(**{**asdict(model_config), "vocab_size": len(vocab)}), vocab)
    module.to(device)
    model = module
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            module, device_ids=[device.index] if device.type == "cuda" else None)
    stream, _ = encode_stream(train_sequences, module.vocab)
    trainer = Trainer(model, cfg, StreamBatches(stream, cfg.batch_size, cfg.seq_len, rank, world), device, module,
                      lr_scales={"halt.": cfg.halt_lr_scale})
    if checkpoint is not None:
        load_trainer_state(trainer, checkpoint)
    files = RunFiles(run_dir, rank)
    if files.writes:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(run_dir / "config.json", json.dumps(
            {"model": asdict(module.config), "train": asdict(cfg), "world_size": world,
             "device": str(device), "train_symbols": len(stream)}, indent=2))
    bar = tqdm(total=cfg.steps, initial=trainer.step, file=sys.stderr, dynamic_ncols=True,
               disable=not cfg.progress or rank != 0, desc="train")
    unknown = module.vocab.unknown_counts(dev_sequences) if dev_sequences is not None and rank == 0 else {}
    if unknown:
        print(f"note: {sum(unknown.values())} dev symbols of {len(unknown)} types unknown to the vocabulary "
              f"are read as <unk>", file=sys.stderr)

    def on_batch_end(tr: Trainer) -> None:
        out = tr.output
        bar.update(1)
        final = tr.finishing
        if tr.step % 10 == 0 or final:  # host reads every 10 steps only
            bar.set_postfix(loss=f"{out.loss.item():.3f}", bps=f"{out.ce.item() / LN2:.3f}",
                            ponder=f"{out.ponder.float().mean().item():.2f}", sym_s=f"{tr.symbols_per_s:,.0f}",
                            refresh=False)
        if rank == 0 and dev_sequences is not None and (tr.step % cfg.eval_every == 0 or final):
            record = {"step": tr.step, "train_loss": out.loss.item(), "train_bps": out.ce.item() / LN2,
                      "tau": module.config.tau,
                      "symbols_per_s": tr.symbols_per_s, "lr": tr.scheduler.get_last_lr()[0],
                      **evaluate_stream(module, dev_sequences, dev_boundaries, seq_len=cfg.seq_len, rows=cfg.eval_rows,
                                 max_symbols=cfg.eval_symbols, device=device)}
            files.log(record)
            bar.write(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items()),
                      file=sys.stderr)
        if files.writes and (tr.step % (cfg.checkpoint_every or cfg.eval_every) == 0 or final):
            save_checkpoint(tr, run_dir)

    if cfg.tau_ramp is not None and module.config.halting:
        schedule = ramp_tau(*cfg.tau_ramp)
        schedule(trainer)  # tau for the first step (of this invocation)
        trainer.add_callback("on_batch_end", schedule)
    if cfg.ponder_target is not None and module.config.halting:
        trainer.add_callback("on_batch_end", ponder_controller(cfg.ponder_target, cfg.tau_rate))
    trainer.add_callback("on_batch_end", on_batch_end)
    for event, fn in callbacks:
        trainer.add_callback(event, fn)
    try:
        trainer.run()
    finally:
        bar.close()
    if files.writes:
        module.save_pretrained(run_dir / "model")
    return module.cpu()
