"""Checkpoint files: a directory with config.json, vocab.json and model.safetensors (no pickle), written
atomically, read back with a ModelLoadError that names the offending path (and field or tensor)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from segment.errors import ModelLoadError
from segment.files import write_atomic
from segment.models.config import ACTConfig
from segment.models.vocab import Vocab

CONFIG, VOCAB, WEIGHTS = "config.json", "vocab.json", "model.safetensors"
#: The files that make a model directory.
MODEL_FILES = (CONFIG, VOCAB, WEIGHTS)


def copy_model(source: Path, target: Path) -> None:
    """Copy the model files of directory ``source`` into ``target`` (created when missing); ModelLoadError
    naming the first file ``source`` lacks, before anything is copied."""
    missing = [name for name in MODEL_FILES if not (source / name).is_file()]
    if missing:
        raise ModelLoadError(f"{source / missing[0]}: file not found")
    target.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        shutil.copyfile(source / name, target / name)


def save_tensors(path: Path, tensors: Mapping[str, torch.Tensor]) -> None:
    """safetensors file written atomically (contiguous CPU copies; shared storage is fine)."""
    write_atomic(path, save({k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}))


def load_tensors(path: Path, map_location: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Read a safetensors file; ModelLoadError naming path when it is missing, truncated or corrupt, or naming
    the first floating tensor (by name) that holds a NaN or an infinity."""
    if not path.is_file():
        raise ModelLoadError(f"{path}: file not found")
    try:
        tensors = load_file(str(path), device=str(map_location))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ModelLoadError(f"{path}: corrupt or truncated safetensors file ({err})") from None
    for name in sorted(tensors):
        if tensors[name].is_floating_point() and not torch.isfinite(tensors[name]).all():
            raise ModelLoadError(f"{path}: tensor {name!r} holds non-finite values (NaN or infinity)")
    return tensors


def read_text(path: Path) -> str:
    """A UTF-8 text file; ModelLoadError naming path when it is missing or unreadable."""
    if not path.is_file():
        raise ModelLoadError(f"{path}: file not found")
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as err:
        raise ModelLoadError(f"{path}: unreadable ({err})") from None


def read_json(path: Path):
    """Parsed JSON; ModelLoadError naming path when missing or invalid."""
    text = read_text(path)
    try:
        return json.loads(text)
    except ValueError as err:
        raise ModelLoadError(f"{path}: invalid JSON ({err})") from None


def read_config(path: Path) -> ACTConfig:
    """config.json as an ACTConfig; ModelLoadError naming path and every bad field."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: expected a JSON object")
    try:
        return ACTConfig.from_dict(data)
    except (TypeError, ValueError) as err:
        raise ModelLoadError(f"{path}: {err}") from None


def read_vocab(path: Path, size: int) -> Vocab | None:
    """vocab.json (None when absent), checked: a valid vocabulary of ``size`` symbols."""
    if not path.is_file():
        return None
    vocab = Vocab.from_json(read_text(path), source=path)
    if len(vocab) != size:
        raise ModelLoadError(f"{path}: symbols: {len(vocab)} symbols but config.json has vocab_size {size}")
    return vocab


def save_model_files(directory: str | Path, config_json: str, vocab_json: str | None,
                     tensors: Mapping[str, torch.Tensor]) -> Path:
    """Write the three files of a model directory (vocab.json only when there is a vocabulary)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    save_tensors(directory / WEIGHTS, tensors)
    if vocab_json is not None:
        write_atomic(directory / VOCAB, vocab_json)
    write_atomic(directory / CONFIG, config_json)
    return directory


def load_model_files(directory: str | Path, map_location: str | torch.device = "cpu"):
    """(ACTConfig, Vocab or None, tensors) of a model directory, each file checked against its schema (a valid
    ACTConfig, a vocabulary of its vocab_size, finite weights)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelLoadError(f"{directory}: model directory not found")
    config = read_config(directory / CONFIG)
    vocab = read_vocab(directory / VOCAB, config.vocab_size)
    return config, vocab, load_tensors(directory / WEIGHTS, map_location)
