"""What a training run writes and reads back (rank 0 only): its run directory and resumable checkpoints.

Run directory: config.json (the resolved configs), log.jsonl (one JSON object per evaluation interval),
model/ (the final model, save_pretrained format) and checkpoints/. A checkpoint is an iteration-numbered
directory with the model files, trainer.safetensors for tensors (optimizer moments, RNG states, carried
state) and trainer.json for the scalars; checkpoints/latest.json names the newest complete one and is
replaced atomically, so a run killed at any moment resumes from the last checkpoint.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from segment.errors import ModelLoadError
from segment.files import write_atomic
from segment.models.checkpoint import load_tensors, read_json, save_tensors


@dataclass
class RunFiles:
    """Where a run writes; every method is a no-op without a run directory or on ranks other than 0."""

    run_dir: Path | None
    rank: int = 0

    @property
    def writes(self) -> bool:
        return self.run_dir is not None and self.rank == 0

    def start(self, resolved: dict) -> None:
        """Create the run directory and write the resolved configs as config.json."""
        if self.writes:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self.run_dir / "config.json", json.dumps(resolved, indent=2))

    def log(self, record: dict) -> None:
        """Append one record to log.jsonl."""
        if self.writes:
            with open(self.run_dir / "log.jsonl", "a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")

    def save_model(self, module) -> None:
        if self.writes:
            module.save_pretrained(self.run_dir / "model")


# ---- randomness ------------------------------------------------------------------------------------------
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


# ---- checkpoints -----------------------------------------------------------------------------------------
def save_checkpoint(trainer, run_dir: Path) -> Path:
    """Write checkpoints/iteration-NNNNNNN/ completely (the trainer's module and its state), then point
    checkpoints/latest.json at it, then drop older ones."""
    root = run_dir / "checkpoints"
    name = f"iteration-{trainer.iteration:07d}"
    target = root / name
    tmp = root / f".{name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    trainer.module.save_pretrained(tmp)
    tensors, scalars = trainer.state_tensors_and_scalars()
    save_tensors(tmp / "trainer.safetensors", tensors)
    write_atomic(tmp / "trainer.json", json.dumps(scalars))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    write_atomic(root / "latest.json", json.dumps({"checkpoint": name, "iteration": trainer.iteration}))
    for old in root.glob("iteration-*"):
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


def load_trainer_state(trainer, checkpoint: Path) -> None:
    """Restore the trainer's state from a checkpoint; ModelLoadError naming it when it does not fit."""
    tensors = load_tensors(checkpoint / "trainer.safetensors")
    scalars = read_json(checkpoint / "trainer.json")
    try:
        trainer.load_state_tensors_and_scalars(tensors, scalars)
    except (KeyError, ValueError, TypeError, RuntimeError) as err:
        raise ModelLoadError(f"{checkpoint}: training state does not fit this run ({err})") from None
